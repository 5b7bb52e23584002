import { SlimDaskError } from "../../../components/common/errors";
import {
  DEBIAN_RUNTIME_IMAGE,
  DEFAULT_BYTECODE,
  DEFAULT_DASK,
  DEFAULT_PYTHON,
  MICROMAMBA_IMAGE,
  MINIFORGE_IMAGE,
  SEED_ALPINE_IMAGE,
  SEED_MINICONDA_IMAGE,
  installPrefix,
} from "../../../components/image/defaults";
import { OPTIMIZATION_NAMES } from "../../../components/image/optimizations";
import { resolveRecipe } from "../../../components/image/recipe";
import type { ImageRecipeConfig } from "../../../components/image/recipe-types";

/** Runs `resolveRecipe` on an untyped config and returns the SlimDaskError it must throw. */
function errorOf(config: unknown): SlimDaskError {
  try {
    resolveRecipe(config as ImageRecipeConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(SlimDaskError);
    return e as SlimDaskError;
  }
  throw new Error(`resolveRecipe accepted ${JSON.stringify(config)}`);
}

describe("defaults per preset", () => {
  const shared = {
    python: DEFAULT_PYTHON,
    dask: DEFAULT_DASK,
    packages: [],
    user: { uid: 1000, gid: 1000, name: "dask" },
    env: {},
    labels: {},
    platform: "linux/amd64",
    wheelhouse: "",
    runtime: "image",
    debugShell: false,
  };

  it("fills an empty config with the micromamba preset", () => {
    const r = resolveRecipe({});
    expect(r).toEqual({
      ...shared,
      base: "micromamba",
      daskExtras: [],
      pipPackages: [],
      channels: ["conda-forge"],
      baseImage: MICROMAMBA_IMAGE,
      runtimeImage: DEBIAN_RUNTIME_IMAGE,
      bytecode: DEFAULT_BYTECODE,
      optimizations: {
        nomkl: true,
        freezeInstalled: true,
        cleanCache: true,
        noBytecode: false,
        staticLibraries: true,
        sourceMaps: true,
        bokehUnminified: true,
        headers: true,
        docs: true,
        tests: true,
        cythonSources: true,
        installerTools: true,
        typeDeclarations: true,
        buildTools: true,
        pyarrowFlight: true,
        pillowAvif: true,
        libraryCopies: true,
        duplicateFiles: true,
        compactBytecode: true,
        strip: true,
        smallBase: true,
        tini: true,
      },
    });
  });

  it("treats an undefined config like an empty one", () => {
    expect(resolveRecipe(undefined as unknown as ImageRecipeConfig)).toEqual(resolveRecipe({}));
  });

  it("builds miniforge in a single stage without smallBase", () => {
    const r = resolveRecipe({ base: "miniforge" });
    expect(r.baseImage).toBe(MINIFORGE_IMAGE);
    expect(r.runtimeImage).toBe(MINIFORGE_IMAGE);
    expect(r.optimizations.smallBase).toBe(false);
    expect(r.optimizations.nomkl).toBe(true);
    expect(r.channels).toEqual(["conda-forge"]);
    expect(r.daskExtras).toEqual([]);
  });

  it("reproduces the article for seed: alpine-conda, bytecode deleted, no later techniques", () => {
    const r = resolveRecipe({ base: "seed" });
    expect(r.baseImage).toBe(SEED_ALPINE_IMAGE);
    expect(r.runtimeImage).toBe(SEED_ALPINE_IMAGE);
    expect(r.bytecode).toBe("delete");
    expect(r.optimizations).toMatchObject({
      noBytecode: true,
      headers: false,
      docs: false,
      smallBase: true,
      nomkl: true,
    });
  });

  it("uses the article's miniconda base for seed without smallBase", () => {
    const r = resolveRecipe({ base: "seed", optimizations: { smallBase: false } });
    expect(r.baseImage).toBe(SEED_MINICONDA_IMAGE);
    expect(r.runtimeImage).toBe(SEED_MINICONDA_IMAGE);
  });

  it("derives the pip images from python and turns conda-only switches off", () => {
    const r = resolveRecipe({ base: "pip", python: "3.11" });
    expect(r.baseImage).toBe("python:3.11-slim-bookworm");
    expect(r.runtimeImage).toBe("python:3.11-slim-bookworm");
    expect(r.daskExtras).toEqual(["complete"]);
    expect(r.channels).toEqual([]);
    expect(r.optimizations.nomkl).toBe(false);
    expect(r.optimizations.freezeInstalled).toBe(false);
    expect(r.optimizations.smallBase).toBe(true);
  });

  it("runs micromamba in one stage on its own image without smallBase", () => {
    const r = resolveRecipe({ optimizations: { smallBase: false } });
    expect(r.runtimeImage).toBe(MICROMAMBA_IMAGE);
  });

  it("installs conda presets under /opt/conda and pip under /opt/venv", () => {
    expect(installPrefix("micromamba")).toBe("/opt/conda");
    expect(installPrefix("miniforge")).toBe("/opt/conda");
    expect(installPrefix("seed")).toBe("/opt/conda");
    expect(installPrefix("pip")).toBe("/opt/venv");
  });

  it("fills a partial user field by field", () => {
    expect(resolveRecipe({ user: { uid: 2000 } }).user).toEqual({
      uid: 2000,
      gid: 1000,
      name: "dask",
    });
  });

  it("derives noBytecode from bytecode", () => {
    expect(resolveRecipe({ bytecode: "delete" }).optimizations.noBytecode).toBe(true);
    expect(resolveRecipe({ bytecode: "keep" }).optimizations.noBytecode).toBe(false);
  });

  it("keeps explicit images and switches", () => {
    const r = resolveRecipe({
      baseImage: "registry.example.com:5000/mirror/micromamba:2.5.0",
      runtimeImage: "registry.example.com:5000/mirror/debian:bookworm-slim",
      optimizations: { tests: true, tini: false },
    });
    expect(r.baseImage).toBe("registry.example.com:5000/mirror/micromamba:2.5.0");
    expect(r.runtimeImage).toBe("registry.example.com:5000/mirror/debian:bookworm-slim");
    expect(r.optimizations.tests).toBe(true);
    expect(r.optimizations.tini).toBe(false);
  });
});

describe("normalisation", () => {
  it("sorts and de-duplicates packages", () => {
    const r = resolveRecipe({ packages: ["zarr", "numpy>=1.26,<2", "lz4", "zarr", "bokeh=3.*"] });
    expect(r.packages).toEqual(["bokeh=3.*", "lz4", "numpy>=1.26,<2", "zarr"]);
  });

  it("sorts and de-duplicates pip packages and dask extras", () => {
    const r = resolveRecipe({
      base: "pip",
      pipPackages: ["s3fs", "Pillow~=10.0", "s3fs", "adlfs"],
      daskExtras: ["distributed", "array", "distributed"],
    });
    expect(r.pipPackages).toEqual(["Pillow~=10.0", "adlfs", "s3fs"]);
    expect(r.daskExtras).toEqual(["array", "distributed"]);
  });

  it("keeps the channel order (conda priority) but drops repeats", () => {
    const r = resolveRecipe({ channels: ["nvidia", "conda-forge", "nvidia", "bioconda"] });
    expect(r.channels).toEqual(["nvidia", "conda-forge", "bioconda"]);
  });

  it("sorts env and labels by key", () => {
    const r = resolveRecipe({
      env: { Z_LAST: "1", A_FIRST: "2", M_MID: "3" },
      labels: { team: "data", "org.opencontainers.image.source": "https://example.com/x" },
    });
    expect(Object.keys(r.env)).toEqual(["A_FIRST", "M_MID", "Z_LAST"]);
    expect(Object.keys(r.labels)).toEqual(["org.opencontainers.image.source", "team"]);
  });

  it("sorts by code unit, not locale (uppercase before lowercase)", () => {
    const r = resolveRecipe({ base: "pip", pipPackages: ["b", "Zed", "a", "Alpha"] });
    expect(r.pipPackages).toEqual(["Alpha", "Zed", "a", "b"]);
  });

  it("does not trim: surrounding whitespace is an error, not silently removed", () => {
    expect(errorOf({ packages: [" numpy"] }).field).toBe("packages[0]");
    expect(errorOf({ channels: ["conda-forge "] }).field).toBe("channels[0]");
  });

  it("does not mutate its input", () => {
    const config = { packages: ["b", "a"], env: { B: "1", A: "2" } };
    const copy = JSON.parse(JSON.stringify(config));
    resolveRecipe(config);
    expect(config).toEqual(copy);
    expect(Object.keys(config.env)).toEqual(["B", "A"]);
  });
});

describe("determinism", () => {
  const config: ImageRecipeConfig = {
    base: "micromamba",
    packages: ["lz4", "numpy"],
    env: { B: "2", A: "1" },
    labels: { z: "1", a: "2" },
    user: { name: "svc", uid: 1234, gid: 1234 },
    optimizations: { tests: true, nomkl: false },
  };

  it("gives deep-equal recipes for the same config", () => {
    expect(resolveRecipe(config)).toEqual(resolveRecipe(config));
  });

  it("ignores the key order of input objects", () => {
    const reordered: ImageRecipeConfig = {
      optimizations: { nomkl: false, tests: true },
      user: { gid: 1234, uid: 1234, name: "svc" },
      labels: { a: "2", z: "1" },
      env: { A: "1", B: "2" },
      packages: ["numpy", "lz4"],
      base: "micromamba",
    };
    const a = resolveRecipe(config);
    const b = resolveRecipe(reordered);
    expect(b).toEqual(a);
    // Serialised form too: renderers may hash or print it.
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("lists optimizations in the fixed order whatever the input order", () => {
    const r = resolveRecipe({ optimizations: { tini: false, nomkl: true } });
    expect(Object.keys(r.optimizations)).toEqual(OPTIMIZATION_NAMES);
  });
});

describe("conflicts", () => {
  const cases: [string, unknown, string][] = [
    [
      "keep with noBytecode",
      { bytecode: "keep", optimizations: { noBytecode: true } },
      "optimizations.noBytecode",
    ],
    [
      "compile with noBytecode",
      { bytecode: "compile", optimizations: { noBytecode: true } },
      "optimizations.noBytecode",
    ],
    [
      "default bytecode with noBytecode",
      { optimizations: { noBytecode: true } },
      "optimizations.noBytecode",
    ],
    [
      "delete without noBytecode",
      { bytecode: "delete", optimizations: { noBytecode: false } },
      "optimizations.noBytecode",
    ],
    [
      "seed default delete without noBytecode",
      { base: "seed", optimizations: { noBytecode: false } },
      "optimizations.noBytecode",
    ],
    [
      "smallBase with miniforge",
      { base: "miniforge", optimizations: { smallBase: true } },
      "optimizations.smallBase",
    ],
    ["nomkl with pip", { base: "pip", optimizations: { nomkl: true } }, "optimizations.nomkl"],
    [
      "freezeInstalled with pip",
      { base: "pip", optimizations: { freezeInstalled: true } },
      "optimizations.freezeInstalled",
    ],
    ["pipPackages with micromamba", { pipPackages: ["dask-ml"] }, "pipPackages"],
    ["pipPackages with miniforge", { base: "miniforge", pipPackages: ["dask-ml"] }, "pipPackages"],
    ["pipPackages with seed", { base: "seed", pipPackages: ["dask-ml"] }, "pipPackages"],
    ["packages with pip", { base: "pip", packages: ["numpy"] }, "packages"],
    ["channels with pip", { base: "pip", channels: ["conda-forge"] }, "channels"],
    ["daskExtras with a conda preset", { daskExtras: ["array"] }, "daskExtras"],
    ["wheelhouse with a conda preset", { wheelhouse: "./wheels" }, "wheelhouse"],
    ["extras without distributed", { base: "pip", daskExtras: ["dataframe"] }, "daskExtras"],
    ["no extras at all", { base: "pip", daskExtras: [] }, "daskExtras"],
    ["empty channel list", { channels: [] }, "channels"],
    [
      "runtimeImage on miniforge",
      { base: "miniforge", runtimeImage: "debian:bookworm-slim" },
      "runtimeImage",
    ],
    [
      "runtimeImage on single-stage micromamba",
      { optimizations: { smallBase: false }, runtimeImage: "debian:bookworm-slim" },
      "runtimeImage",
    ],
    ["seed on arm64", { base: "seed", platform: "linux/arm64" }, "platform"],
    ["python pinned in packages", { packages: ["numpy", "python=3.11"] }, "packages[1]"],
    ["dask pinned in packages", { packages: ["dask=2024.1.0"] }, "packages[0]"],
    [
      "distributed pinned in pipPackages",
      { base: "pip", pipPackages: ["Distributed>=2024"] },
      "pipPackages[0]",
    ],
    ["one package with two specs", { packages: ["numpy>=1.26", "lz4", "numpy<2"] }, "packages[2]"],
    [
      "one pip project with two spellings",
      { base: "pip", pipPackages: ["zope.interface", "Zope_Interface==6"] },
      "pipPackages[1]",
    ],
    ["python below the supported range", { python: "3.8" }, "python"],
    ["the article's dask on a maintained preset", { dask: "1.2.2" }, "dask"],
    ["python above the supported range", { base: "pip", python: "3.15" }, "python"],
    ["the minimal runtime on a conda preset", { runtime: "minimal" }, "runtime"],
    [
      "the minimal runtime without smallBase",
      { base: "pip", runtime: "minimal", optimizations: { smallBase: false } },
      "runtime",
    ],
    [
      "the minimal runtime with a runtimeImage",
      { base: "pip", runtime: "minimal", runtimeImage: "python:3.12-slim-bookworm" },
      "runtimeImage",
    ],
    ["debugShell without the minimal runtime", { base: "pip", debugShell: false }, "debugShell"],
    ["an unknown runtime", { base: "pip", runtime: "distroless" }, "runtime"],
    [
      "a debugShell that is no boolean",
      { base: "pip", runtime: "minimal", debugShell: "no" },
      "debugShell",
    ],
  ];
  it.each(cases)("rejects %s", (_name, config, field) => {
    const e = errorOf(config);
    expect(e.field).toBe(field);
    expect(e.fix.length).toBeGreaterThan(0);
  });

  it("accepts the settings that do agree", () => {
    expect(
      resolveRecipe({ bytecode: "delete", optimizations: { noBytecode: true } }).bytecode,
    ).toBe("delete");
    expect(resolveRecipe({ base: "miniforge", optimizations: { smallBase: false } }).base).toBe(
      "miniforge",
    );
    expect(
      resolveRecipe({ base: "pip", optimizations: { nomkl: false } }).optimizations.nomkl,
    ).toBe(false);
    expect(resolveRecipe({ daskExtras: ["complete"] }).daskExtras).toEqual([]);
    expect(resolveRecipe({ base: "pip", packages: [], channels: [] }).packages).toEqual([]);
    expect(resolveRecipe({ base: "seed", python: "3.7" }).python).toBe("3.7");
    expect(resolveRecipe({ base: "seed", dask: "1.2.2" }).dask).toBe("1.2.2");
    expect(resolveRecipe({ base: "miniforge", runtimeImage: MINIFORGE_IMAGE }).runtimeImage).toBe(
      MINIFORGE_IMAGE,
    );
  });

  it("resolves the minimal runtime: FROM scratch, with the debug shell unless it is switched off", () => {
    const minimal = resolveRecipe({ base: "pip", runtime: "minimal" });
    expect([minimal.runtime, minimal.runtimeImage, minimal.debugShell]).toEqual([
      "minimal",
      "scratch",
      true,
    ]);
    expect(resolveRecipe({ base: "pip", runtime: "minimal", debugShell: false }).debugShell).toBe(
      false,
    );
    const image = resolveRecipe({ base: "pip" });
    expect([image.runtime, image.debugShell]).toEqual(["image", false]);
    expect(image.runtimeImage).not.toBe("scratch");
  });

  it("says which preset to use instead", () => {
    expect(errorOf({ pipPackages: ["dask-ml"] }).fix).toMatch(/`packages`.*`pip` preset/);
    expect(errorOf({ base: "pip", packages: ["numpy"] }).fix).toMatch(/pipPackages/);
  });
});

describe("unknown keys", () => {
  it("names a misspelled top-level key and suggests the right one", () => {
    const e = errorOf({ optimisations: { nomkl: true } });
    expect(e.field).toBe("optimisations");
    expect(e.fix).toMatch(/did you mean `optimizations`/);
    expect(e.fix).toMatch(/valid keys are: base, python/);
  });

  it("names an unknown optimization and lists the switches", () => {
    const e = errorOf({ optimizations: { nomkl2: true } });
    expect(e.field).toBe("optimizations.nomkl2");
    expect(e.fix).toMatch(/did you mean `nomkl`/);
    for (const name of OPTIMIZATION_NAMES) expect(e.fix).toContain(name);
  });

  it("lists valid keys without a guess when nothing is close", () => {
    const e = errorOf({ registryPassword: "x" });
    expect(e.field).toBe("registryPassword");
    expect(e.fix).not.toMatch(/did you mean/);
  });

  it("rejects unknown user keys", () => {
    expect(errorOf({ user: { uid: 1000, home: "/home/dask" } }).field).toBe("user.home");
  });

  it("rejects own __proto__ and constructor keys instead of following them", () => {
    expect(errorOf(JSON.parse('{"__proto__": {"base": "pip"}}')).field).toBe("__proto__");
    expect(errorOf(JSON.parse('{"constructor": {}}')).field).toBe("constructor");
  });
});

describe("types", () => {
  const cases: [string, unknown, string][] = [
    ["packages as a string", { packages: "dask" }, "packages"],
    ["packages item as a number", { packages: [1] }, "packages[0]"],
    ["a hole in packages", { packages: [, "numpy"] }, "packages[0]"], // eslint-disable-line no-sparse-arrays
    ["channels as an object", { channels: { a: 1 } }, "channels"],
    ["python as a number", { python: 3.12 }, "python"],
    ["dask as a number", { dask: 2026 }, "dask"],
    ["base as null", { base: null }, "base"],
    ["bytecode as a boolean", { bytecode: false }, "bytecode"],
    ["optimizations as an array", { optimizations: ["nomkl"] }, "optimizations"],
    ["optimization as a string", { optimizations: { nomkl: "true" } }, "optimizations.nomkl"],
    ["optimization as a number", { optimizations: { tini: 1 } }, "optimizations.tini"],
    ["user as a string", { user: "dask" }, "user"],
    ["uid as a string", { user: { uid: "1000" } }, "user.uid"],
    ["env as an array", { env: ["A=1"] }, "env"],
    ["env value as a number", { env: { A: 1 } }, "env.A"],
    ["labels as a string", { labels: "a=b" }, "labels"],
    ["platform as an array", { platform: ["linux/amd64"] }, "platform"],
    ["wheelhouse as a boolean", { base: "pip", wheelhouse: true }, "wheelhouse"],
    ["config as an array", [], "config"],
    ["config as null", null, "config"],
    ["config as a string", "base: pip", "config"],
    ["config as a class instance", new Date(0), "config"],
  ];
  it.each(cases)("rejects %s", (_name, config, field) => {
    expect(errorOf(config).field).toBe(field);
  });

  it("treats undefined values as unset, as unwrapped component args have them", () => {
    expect(
      resolveRecipe({ base: undefined, packages: undefined, user: { uid: undefined } }),
    ).toEqual(resolveRecipe({}));
  });
});
