import { SlimDaskError } from "../../../components/common/errors";
import {
  MAX_ITEMS,
  childPath,
  describe as describeValue,
  editDistance,
  expectBoolean,
  expectPlainObject,
  rejectUnknownKeys,
  validateEnvName,
  validateId,
  validateList,
  validateMap,
} from "../../../components/common/validate";
import {
  condaSpecName,
  pipRequirementName,
  validateChannel,
  validateCondaSpec,
  validateImage,
  validatePipRequirement,
  validatePlatform,
  validatePythonVersion,
  validateSafeValue,
} from "../../../components/image/validation";
import { resolveOptimizations } from "../../../components/image/optimizations";

/** The SlimDaskError `run` throws (failing the test when it throws nothing or something else). */
function errorOf(run: () => unknown): SlimDaskError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(SlimDaskError);
    return e as SlimDaskError;
  }
  throw new Error("expected a SlimDaskError");
}

/** The validators are shared with the cluster config, so their contracts are tested directly. */
describe("shared helpers", () => {
  it("describes values with their type, numbers as written", () => {
    expect(describeValue(NaN)).toBe("number NaN");
    expect(describeValue(null)).toBe("null null");
    expect(describeValue(["a"])).toBe('array ["a"]');
    expect(describeValue("a\nb")).toBe('string "a\\nb"');
    expect(describeValue(BigInt(3))).toBe("bigint 3");
  });

  it("builds dotted paths for identifiers and quoted brackets otherwise", () => {
    expect(childPath("", "base")).toBe("base");
    expect(childPath("user", "uid")).toBe("user.uid");
    expect(childPath("env", "a b")).toBe('env["a b"]');
    expect(childPath("", "\u001b[31m")).toBe('["\\u001b[31m"]');
  });

  it("suggests the closest key only when it is close", () => {
    const valid = ["replicas", "resources"];
    expect(errorOf(() => rejectUnknownKeys({ replicaz: 1 }, valid, "worker")).fix).toMatch(
      /did you mean `replicas`/,
    );
    const far = errorOf(() => rejectUnknownKeys({ image: 1 }, valid, "worker"));
    expect(far.field).toBe("worker.image");
    expect(far.fix).toBe("valid keys are: replicas, resources");
    expect(() => rejectUnknownKeys({ replicas: 1 }, valid, "worker")).not.toThrow();
  });

  it("accepts plain and null-prototype objects only", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    expect(expectPlainObject(bare, "x", "fix")).toBe(bare);
    expect(errorOf(() => expectPlainObject(new Map(), "x", "fix")).field).toBe("x");
    expect(errorOf(() => expectPlainObject([], "x", "fix")).message).toContain("array");
  });

  it("accepts only real booleans", () => {
    expect(expectBoolean(false, "b")).toBe(false);
    expect(errorOf(() => expectBoolean("false", "b")).message).toContain('string "false"');
    expect(errorOf(() => expectBoolean(0, "b")).message).toContain("number 0");
  });

  it("validates lists item by item with indexed paths and a size cap", () => {
    expect(validateList(["a", "b"], "xs", (v) => String(v), '"a"')).toEqual(["a", "b"]);
    const seen: string[] = [];
    validateList(["a", "b"], "xs", (_v, f) => seen.push(f), '"a"');
    expect(seen).toEqual(["xs[0]", "xs[1]"]);
    const big = Array.from({ length: MAX_ITEMS + 1 }, () => "a");
    expect(errorOf(() => validateList(big, "xs", String, '"a"')).field).toBe("xs");
    expect(validateList(big.slice(1), "xs", String, '"a"')).toHaveLength(MAX_ITEMS);
  });

  it("validates maps into key-sorted copies and refuses prototype keys", () => {
    const out = validateMap({ B: "2", A: "1" }, "env", validateEnvName, validateSafeValue);
    expect(Object.keys(out)).toEqual(["A", "B"]);
    const polluted = JSON.parse('{"__proto__": "x"}');
    expect(
      errorOf(() => validateMap(polluted, "env", validateEnvName, validateSafeValue)).field,
    ).toBe("env");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("names a reserved env variable by its path", () => {
    const e = errorOf(() => validateEnvName("PYTHONDONTWRITEBYTECODE", "env"));
    expect(e.field).toBe("env.PYTHONDONTWRITEBYTECODE");
    expect(e.fix).toMatch(/bytecode/);
  });

  it("says why root ids are refused", () => {
    expect(errorOf(() => validateId(0, "runAsUser")).fix).toMatch(/non-root/);
    expect(validateId(1, "runAsUser")).toBe(1);
  });
});

describe("grammars", () => {
  it("extracts the package name of a conda spec", () => {
    expect(condaSpecName(validateCondaSpec("conda-forge::numpy>=1.26,<2", "p"))).toBe("numpy");
    expect(condaSpecName(validateCondaSpec("pyarrow=16.*", "p"))).toBe("pyarrow");
  });

  it("normalises pip project names as PEP 503 does", () => {
    expect(pipRequirementName(validatePipRequirement("Zope_Interface[x]==6", "p"))).toBe(
      "zope-interface",
    );
    expect(pipRequirementName(validatePipRequirement("a.b--c", "p"))).toBe("a-b-c");
  });

  it("explains why http and file channels are refused", () => {
    expect(errorOf(() => validateChannel("http://repo.example/ch", "c")).problem).toMatch(
      /altered in transit/,
    );
    expect(errorOf(() => validateChannel("file:///srv/ch", "c")).problem).toMatch(/build host/);
    expect(validateChannel("https://conda.anaconda.org/conda-forge", "c")).toBe(
      "https://conda.anaconda.org/conda-forge",
    );
  });

  it("bounds the Python minor only when asked", () => {
    expect(validatePythonVersion("3.7", "py")).toBe("3.7");
    expect(errorOf(() => validatePythonVersion("3.7", "py", 9, 14)).fix).toMatch(/9\.\.14/);
  });

  it("limits platforms to the allowed subset", () => {
    expect(validatePlatform("linux/arm64", "p")).toBe("linux/arm64");
    const e = errorOf(() => validatePlatform("linux/arm64", "p", ["linux/amd64"], " (x86 only)"));
    expect(e.fix).toBe("use one of: linux/amd64 (x86 only)");
  });

  it("refuses huge image references before parsing them", () => {
    const e = errorOf(() => validateImage(`a/${"b".repeat(10000)}`, "baseImage"));
    expect(e.problem).toMatch(/at most 512/);
  });
});

describe("resolveOptimizations", () => {
  it("uses the field it is given in error paths", () => {
    expect(
      errorOf(() => resolveOptimizations("pip", "compile", { nomkl: true }, "image.optimizations"))
        .field,
    ).toBe("image.optimizations.nomkl");
  });

  it("resolves every switch to a boolean", () => {
    const all = resolveOptimizations("micromamba", "keep", undefined, "o");
    for (const v of Object.values(all)) expect(typeof v).toBe("boolean");
    expect(all.noBytecode).toBe(false);
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("nomkl", "nomkl2")).toBe(1);
    expect(editDistance("optimisations", "optimizations")).toBe(1);
    expect(editDistance("tini", "init")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
