import {
  DockerfileParser,
  Instruction,
  JSONInstruction,
  type ModifiableInstruction,
  PropertyInstruction,
} from "dockerfile-ast";
import * as fs from "fs";
import * as path from "path";
import { PRESETS as PRESET_TABLE, renderDockerfile } from "../../../components/image/dockerfile";
import { resolveRecipe } from "../../../components/image/recipe";
import type {
  BasePreset,
  ImageRecipeConfig,
  Optimizations,
} from "../../../components/image/recipe-types";
import { GOLDEN_CASES, goldenFile } from "../../golden/cases";

/** One parsed instruction: keyword and shell-word arguments. */
interface Ins {
  keyword: string;
  words: string[];
  raw: Instruction;
}

/** A stage: its FROM image, alias and the instructions after the FROM. */
interface Stage {
  image: string;
  alias: string | null;
  instructions: Ins[];
}

/** Parses with dockerfile-ast and groups instructions by stage. */
function analyze(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    const keyword = ins.getKeyword();
    // dockerfile-ast keeps flags (COPY --from=...) apart from the arguments: put them back in front.
    const flags =
      "getFlags" in ins
        ? (ins as ModifiableInstruction).getFlags().map((f) => `--${f.getName()}=${f.getValue()}`)
        : [];
    const words = [...flags, ...ins.getArguments().map((a) => a.getValue())];
    if (keyword === "FROM") {
      const alias = words.length >= 3 && words[1].toUpperCase() === "AS" ? words[2] : null;
      stages.push({ image: words[0], alias, instructions: [] });
    } else {
      stages[stages.length - 1].instructions.push({ keyword, words, raw: ins });
    }
  }
  return stages;
}

/** Splits a RUN's words into its `&&`-chained commands. */
function commands(run: Ins): string[][] {
  const out: string[][] = [[]];
  for (const w of run.words) {
    if (w === "&&") out.push([]);
    else out[out.length - 1].push(w);
  }
  return out;
}

/** The one RUN (in any stage) holding the package install (conda tools or pip). */
function installRun(stages: Stage[]): Ins {
  const runs = stages
    .flatMap((s) => s.instructions)
    .filter(
      (i) =>
        i.keyword === "RUN" &&
        commands(i).some((c) => c[1] === "install" && /(micromamba|mamba|conda|pip)$/.test(c[0])),
    );
  expect(runs).toHaveLength(1);
  return runs[0];
}

/** True when the command's first or second word (the program, or `sh`'s script) matches. */
function runs(c: string[], pattern: RegExp): boolean {
  return pattern.test(c[0]) || pattern.test(c[1] ?? "");
}

/** The command (words) of the install RUN whose first or second word matches. */
function command(run: Ins, pattern: RegExp): string[] | undefined {
  return commands(run).find((c) => runs(c, pattern));
}

/** The rules passed to prune.sh in the install RUN, every call in order; [] when never called. */
function pruneRules(run: Ins): string[] {
  return commands(run)
    .filter((c) => runs(c, /prune\.sh$/))
    .flatMap((c) => c.slice(3));
}

/** ENV properties of the last stage, merged. */
function finalEnv(stages: Stage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stages[stages.length - 1].instructions) {
    if (i.keyword !== "ENV") continue;
    for (const p of (i.raw as PropertyInstruction).getProperties()) {
      env[p.getName()] = p.getValue() ?? "";
    }
  }
  return env;
}

/** LABEL properties of the last stage. */
function finalLabels(stages: Stage[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const i of stages[stages.length - 1].instructions) {
    if (i.keyword !== "LABEL") continue;
    for (const p of (i.raw as PropertyInstruction).getProperties()) {
      labels[p.getName()] = p.getValue() ?? "";
    }
  }
  return labels;
}

/** The last instruction with `keyword` in the last stage. */
function last(stages: Stage[], keyword: string): Ins | undefined {
  return stages[stages.length - 1].instructions.filter((i) => i.keyword === keyword).pop();
}

/** JSON (exec form) arguments of an instruction. */
function json(ins: Ins | undefined): string[] {
  return (ins!.raw as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
}

function render(config: ImageRecipeConfig): { text: string; stages: Stage[] } {
  const text = renderDockerfile(resolveRecipe(config));
  return { text, stages: analyze(text) };
}

function withSwitch(
  base: BasePreset,
  name: keyof Optimizations,
  value: boolean,
  extra: ImageRecipeConfig = {},
) {
  return render({ base, ...extra, optimizations: { [name]: value } });
}

const PRESETS: BasePreset[] = ["micromamba", "miniforge", "seed", "pip"];
const PREFIX: Record<string, string> = {
  micromamba: "/opt/conda",
  miniforge: "/opt/conda",
  seed: "/opt/conda",
  pip: "/opt/venv",
};

describe("every preset", () => {
  test.each(PRESETS)("%s: deterministic, newline-terminated, no BuildKit-only syntax", (base) => {
    const a = renderDockerfile(
      resolveRecipe({ base, env: { B: "2", A: "1" }, labels: { team: "x", app: "y" } }),
    );
    const b = renderDockerfile(
      resolveRecipe({ labels: { app: "y", team: "x" }, env: { A: "1", B: "2" }, base }),
    );
    expect(a).toBe(b);
    expect(a.endsWith("\n")).toBe(true);
    expect(a.endsWith("\n\n")).toBe(false);
    expect(a).not.toMatch(/--mount|--chmod|<<|^# syntax=/m);
  });

  test.each(PRESETS)("%s: the shims and the prune run in the SAME RUN as the install", (base) => {
    const { stages } = render({ base });
    const run = installRun(stages);
    const prefix = PREFIX[base];
    expect(command(run, /install-shims\.sh$/)).toEqual([
      "sh",
      "/tmp/slim-dask/install-shims.sh",
      prefix,
    ]);
    expect(command(run, /prune\.sh$/)?.slice(0, 3)).toEqual([
      "sh",
      "/tmp/slim-dask/prune.sh",
      prefix,
    ]);
    // The scripts are copied into the stage that runs them, before that RUN.
    const stage = stages.find((s) => s.instructions.includes(run))!;
    const copy = stage.instructions.findIndex(
      (i) => i.keyword === "COPY" && i.words.join(" ") === "slim-dask/ /tmp/slim-dask/",
    );
    expect(copy).toBeGreaterThanOrEqual(0);
    expect(copy).toBeLessThan(stage.instructions.indexOf(run));
  });

  test.each(PRESETS)("%s: ends as a non-root user under tini", (base) => {
    const { stages } = render({ base, user: { uid: 1234, gid: 2345, name: "daskuser" } });
    expect(last(stages, "USER")?.words).toEqual(["1234:2345"]);
    expect(last(stages, "WORKDIR")?.words).toEqual(["/home/daskuser"]);
    expect(json(last(stages, "ENTRYPOINT"))).toEqual(["tini", "-g", "--"]);
    expect(json(last(stages, "CMD"))).toEqual(["dask-scheduler"]);
    const users = stages[stages.length - 1].instructions
      .filter((i) => i.keyword === "RUN")
      .map((i) => i.words.join(" "));
    expect(users.some((u) => /(useradd|adduser).*-u(id)? 1234 .*daskuser( |$)/.test(u))).toBe(true);
    // The same RUN (as root) takes other-write off everything but /tmp and /var/tmp.
    expect(
      users.some((u) =>
        u.includes(
          "find / -xdev -perm -0002 ! -type l ! -path /tmp ! -path /var/tmp -exec chmod o-w {} +",
        ),
      ),
    ).toBe(true);
  });

  test.each(PRESETS)("%s: tini off resets the entrypoint", (base) => {
    const { stages } = withSwitch(base, "tini", false);
    expect(json(last(stages, "ENTRYPOINT"))).toEqual([]);
    const words = stages.flatMap((s) => s.instructions.flatMap((i) => i.words));
    expect(words.filter((w) => w.includes("tini"))).toEqual([]);
  });

  test.each(PRESETS)("%s: PATH puts the prefix first; labels are OCI + the recipe's", (base) => {
    const { stages } = render({
      base,
      dask: "2026.8.0",
      python: "3.12",
      env: { DASK_X: "a b" },
      labels: { team: "data" },
    });
    const env = finalEnv(stages);
    expect(env.PATH).toBe(`${PREFIX[base]}/bin:$PATH`);
    expect(env.DASK_X).toBe("a b");
    const labels = finalLabels(stages);
    expect(labels.team).toBe("data");
    expect(labels["org.opencontainers.image.version"]).toBe("2026.8.0");
    expect(Object.keys(labels).some((k) => /created|date/.test(k))).toBe(false);
  });

  test.each(PRESETS)("%s: bytecode policies", (base) => {
    const compile = render({ base, bytecode: "compile" }).stages;
    const run = installRun(compile);
    expect(command(run, /python$/)).toEqual(
      expect.arrayContaining(["compileall", "--invalidation-mode", "unchecked-hash"]),
    );
    expect(pruneRules(run)).not.toContain("bytecode");
    expect(finalEnv(compile).PYTHONDONTWRITEBYTECODE).toBe("1");

    const del = render({ base, bytecode: "delete" }).stages;
    expect(pruneRules(installRun(del))).toContain("bytecode");
    expect(installRun(del).words).not.toContain("compileall");
    expect(finalEnv(del).PYTHONDONTWRITEBYTECODE).toBe("1");

    const keep = render({ base, bytecode: "keep" }).stages;
    const keepRun = installRun(keep);
    expect(pruneRules(keepRun)).not.toContain("bytecode");
    expect(keepRun.words).not.toContain("compileall");
    expect(keepRun.words).not.toContain("--no-pyc");
    expect(keepRun.words).not.toContain("--no-compile");
    expect(finalEnv(keep).PYTHONDONTWRITEBYTECODE).toBeUndefined();
  });

  /** Every compileall command of the Dockerfile, from any stage. */
  const compileCommands = (text: string) =>
    text.split("\n").filter((line) => !line.startsWith("#") && line.includes("-m compileall"));

  test("compactBytecode compiles without column tables in every stage; off, with the tables", () => {
    const on = compileCommands(render({ base: "pip", bytecode: "compile" }).text);
    expect(on).toHaveLength(2); // the venv in the build stage, the stdlib in the runtime stage
    for (const line of on) expect(line).toMatch(/python3? -X no_debug_ranges -m compileall /);
    const off = render({ base: "pip", optimizations: { compactBytecode: false } }).text;
    expect(compileCommands(off)).toHaveLength(2);
    expect(off).not.toContain("no_debug_ranges");
  });

  test("the standard library's development tools and fallbacks are not compiled, site-packages always is", () => {
    const [venv] = compileCommands(render({ base: "pip" }).text);
    const skip = /-x '([^']+)'/.exec(venv)![1];
    const re = new RegExp(skip);
    const expected: Record<string, boolean> = {
      "/usr/lib/python3.11/lib2to3/main.py": true,
      "/usr/local/lib/python3.12/idlelib/run.py": true,
      "/opt/conda/lib/python3.12/pydoc_data/topics.py": true,
      "/opt/venv/lib/python3.11/site-packages/pandas/tests/test_x.py": true,
      "/usr/lib/python3.11/unittest/case.py": true,
      "/usr/lib/python3.11/_pydecimal.py": true,
      "/usr/local/lib/python3.12/_pyio.py": true,
      "/usr/lib/python3.11/doctest.py": true,
      "/usr/lib/python3.11/pdb.py": true,
      "/usr/lib/python3.11/turtle.py": true,
      "/usr/lib/python3.11/asyncio/base_events.py": false,
      "/usr/lib/python3.11/decimal.py": false,
      "/usr/lib/python3.11/pdbx.py": false,
      "/usr/lib/python3.11/turtle.pyc": false,
      "/opt/venv/lib/python3.11/site-packages/mypkg/pdb.py": false,
      "/opt/venv/lib/python3.11/site-packages/unittest/x.py": false,
      "/opt/venv/lib/python3.11/site-packages/setuptools/_distutils/core.py": false,
      "/opt/venv/lib/python3.11/site-packages/lib2to3/x.py": false,
      "/opt/venv/lib/python3.11/site-packages/dask/dataframe/core.py": false,
    };
    const skipped = Object.fromEntries(Object.keys(expected).map((p) => [p, re.test(p)]));
    expect(skipped).toEqual(expected);
  });

  test.each(["keep", "delete"])(
    "compactBytecode true with bytecode %s is an error naming it",
    (b) => {
      expect(() =>
        resolveRecipe({ base: "pip", bytecode: b, optimizations: { compactBytecode: true } }),
      ).toThrow(/optimizations\.compactBytecode.*bytecode "compile"/s);
      expect(resolveRecipe({ base: "pip", bytecode: b }).optimizations.compactBytecode).toBe(false);
    },
  );

  const RULE_SWITCHES: [keyof Optimizations, string][] = [
    ["staticLibraries", "static-libs"],
    ["sourceMaps", "source-maps"],
    ["bokehUnminified", "bokeh-unminified"],
    ["headers", "headers"],
    ["docs", "docs"],
    ["tests", "tests"],
    ["cythonSources", "cython-sources"],
    ["typeDeclarations", "type-declarations"],
    ["buildTools", "build-tools"],
    ["pyarrowFlight", "pyarrow-flight"],
    ["pillowAvif", "pillow-avif"],
    ["libraryCopies", "library-copies"],
    ["duplicateFiles", "duplicate-files"],
  ];
  test.each(["pip", "micromamba"] as const)(
    "%s: duplicate files are linked after strip and compile (which would split the links), before chmod",
    (base) => {
      const steps = commands(installRun(render({ base }).stages)).map((c) => c.join(" "));
      const at = (re: RegExp) => steps.findIndex((c) => re.test(c));
      const last = at(/prune\.sh \S+ duplicate-files$/);
      expect(last).toBeGreaterThan(at(/strip\.sh/));
      expect(last).toBeGreaterThan(at(/compileall/));
      expect(last).toBeLessThan(at(/^chmod -R go-w/));
      expect(steps.filter((c) => c.includes("duplicate-files"))).toHaveLength(1);
    },
  );

  describe.each(PRESETS)("%s prune rules follow their switches", (base) => {
    test.each(RULE_SWITCHES)("%s -> %s", (name, rule) => {
      expect(pruneRules(installRun(withSwitch(base, name, true).stages))).toContain(rule);
      expect(pruneRules(installRun(withSwitch(base, name, false).stages))).not.toContain(rule);
    });
  });
});

describe("conda presets", () => {
  const CONDA: BasePreset[] = ["micromamba", "miniforge", "seed"];
  test.each(CONDA)("%s: nomkl and --freeze-installed follow their switches", (base) => {
    expect(installRun(withSwitch(base, "nomkl", true).stages).words).toContain("nomkl");
    expect(installRun(withSwitch(base, "nomkl", false).stages).words).not.toContain("nomkl");
    const frozen = installRun(withSwitch(base, "freezeInstalled", true).stages).words;
    expect(frozen).toContain("--freeze-installed");
    const thawed = installRun(withSwitch(base, "freezeInstalled", false).stages).words;
    expect(thawed).not.toContain("--freeze-installed");
  });

  test.each(CONDA)("%s: the cache clean-up follows cleanCache", (base) => {
    const clean = command(installRun(withSwitch(base, "cleanCache", true).stages), /^clean$/);
    expect(clean).toBeDefined();
    expect(command(installRun(withSwitch(base, "cleanCache", false).stages), /^clean$/)).toBe(
      undefined,
    );
  });

  test.each(CONDA)("%s: specs pinned, sorted, quoted; channels in order", (base) => {
    const { stages } = render({
      base,
      python: "3.12",
      dask: "2026.8.0",
      packages: ["zarr", "numpy>=1.26,<2", "bokeh"],
      channels: ["conda-forge", "bioconda"],
    });
    const install = command(installRun(stages), /install$/)!;
    const specs = install.slice(install.indexOf("bioconda") + 1);
    const unquoted = specs.map((w) => w.replace(/^'(.*)'$/, "$1"));
    expect(unquoted).toEqual([...unquoted].sort());
    expect(specs).toEqual(
      expect.arrayContaining(["python=3.12", "dask=2026.8.0", "bokeh", "zarr", "'numpy>=1.26,<2'"]),
    );
    const c = install.join(" ");
    expect(c).toContain("--override-channels -c conda-forge -c bioconda");
  });
});

describe("micromamba", () => {
  test("smallBase: build stage on micromamba, runtime on slim Debian keeping /opt/conda", () => {
    const { stages } = render({});
    expect(stages.map((s) => [s.image, s.alias])).toEqual([
      ["mambaorg/micromamba:2.5.0-debian12-slim", "build"],
      ["debian:bookworm-slim", null],
    ]);
    const copies = stages[1].instructions.filter((i) => i.keyword === "COPY");
    expect(copies.map((c) => c.words)).toEqual([["--from=build", "/opt/conda", "/opt/conda"]]);
    const run = installRun(stages);
    // -p, not --name base: the prefix must not depend on the base's MAMBA_ROOT_PREFIX.
    expect(command(run, /install$/)?.slice(0, 5)).toEqual([
      "micromamba",
      "install",
      "--yes",
      "-p",
      "/opt/conda",
    ]);
    expect(run.words).toContain("tini");
    expect(run.words).toContain("--no-pyc");
    expect(command(run, /^clean$/)).toEqual(["micromamba", "clean", "--all", "--yes"]);
    expect(pruneRules(run)).toContain("package-cache");
    // No package manager in the runtime stage: nothing copies or runs one.
    const actions = stages[1].instructions.filter((i) => ["COPY", "RUN"].includes(i.keyword));
    expect(actions.flatMap((i) => i.words).filter((w) => /micromamba|apt-get/.test(w))).toEqual([]);
  });

  test("without smallBase: one stage, root only to create the user", () => {
    const { stages } = withSwitch("micromamba", "smallBase", false);
    expect(stages).toHaveLength(1);
    const users = stages[0].instructions.filter((i) => i.keyword === "USER").map((i) => i.words);
    expect(users).toEqual([["0"], ["1000:1000"]]);
  });

  test("tini off: no tini package", () => {
    expect(installRun(withSwitch("micromamba", "tini", false).stages).words).not.toContain("tini");
  });
});

describe("miniforge", () => {
  test("single stage on miniforge with mamba and conda clean", () => {
    const { stages } = render({ base: "miniforge" });
    expect(stages.map((s) => s.image)).toEqual(["condaforge/miniforge3:25.11.0-0"]);
    const run = installRun(stages);
    expect(command(run, /install$/)?.slice(0, 5)).toEqual([
      "mamba",
      "install",
      "--yes",
      "-p",
      "/opt/conda",
    ]);
    expect(command(run, /^clean$/)).toEqual(["conda", "clean", "-afy"]);
    expect(run.words).not.toContain("tini"); // miniforge ships it
  });
});

describe("seed", () => {
  test("the article's final Dockerfile in effect", () => {
    const { stages, text } = render({ base: "seed" });
    expect(stages.map((s) => s.image)).toEqual(["jcrist/alpine-conda:4.6.8"]);
    const run = installRun(stages);
    expect(command(run, /install$/)?.slice(0, 6)).toEqual([
      "/opt/conda/bin/conda",
      "install",
      "--yes",
      "-p",
      "/opt/conda",
      "--freeze-installed",
    ]);
    expect(run.words).toContain("nomkl");
    expect(command(run, /^clean$/)).toEqual(["/opt/conda/bin/conda", "clean", "-afy"]);
    expect(pruneRules(run)).toEqual(["bytecode", "static-libs", "source-maps", "bokeh-unminified"]);
    const userRun = stages[0].instructions.filter((i) => i.keyword === "RUN").pop()!;
    expect(userRun.words).toEqual(expect.arrayContaining(["addgroup", "adduser"]));
    expect(text).toMatch(/^# .*unmaintained/m);
  });

  test("without smallBase: the article's miniconda3 starting point, Debian useradd", () => {
    const { stages } = withSwitch("seed", "smallBase", false);
    expect(stages.map((s) => s.image)).toEqual(["continuumio/miniconda3:4.6.14"]);
    const userRun = stages[0].instructions.filter((i) => i.keyword === "RUN").pop()!;
    expect(userRun.words).toContain("useradd");
  });
});

describe("pip", () => {
  test("smallBase: venv built in one stage, copied to the same path in layers, with static tini", () => {
    const { stages } = render({ base: "pip" });
    expect(stages.map((s) => [s.image, s.alias])).toEqual([
      ["python:3.12-slim-bookworm", "build"],
      ["python:3.12-slim-bookworm", null],
    ]);
    const aptRun = stages[0].instructions.find((i) => i.words.includes("apt-get"))!;
    expect(aptRun.words.join(" ")).toContain(
      "apt-get install -y --no-install-recommends binutils tini",
    );
    expect(aptRun.words.join(" ")).toContain("rm -rf /var/lib/apt/lists/*");
    const copies = stages[1].instructions.filter((i) => i.keyword === "COPY").map((c) => c.words);
    expect(copies).toEqual([
      ["--from=build", "/usr/bin/tini", "/usr/bin/tini"],
      ["--from=build", "/layers/1/", "/"],
      ["--from=build", "/layers/2/", "/"],
      ["--from=build", "/layers/3/", "/"],
      ["--from=build", "/layers/4/", "/"],
    ]);
    // The split is the install RUN's last command, on the finished prefix.
    const split = commands(installRun(stages)).pop()!;
    expect(split.slice(0, 4)).toEqual([
      "/opt/venv/bin/python",
      "/tmp/slim-dask/split-layers.py",
      "/layers",
      "/opt/venv",
    ]);
    expect(split.slice(4)).toEqual([
      "--at",
      "/opt/venv",
      "--only",
      "llvmlite,numba,numpy,pandas,pyarrow,scikit-learn,scipy",
      "--closure",
      "'dask[complete],distributed'",
    ]);
    // Everything else comes before the prefix's layers: a step after a changed COPY would
    // run again and make a new layer (the directories it writes to get new mtimes).
    const order = stages[1].instructions.map((i) => i.keyword);
    expect(order.lastIndexOf("RUN")).toBeLessThan(order.indexOf("COPY"));
    expect(order.lastIndexOf("COPY")).toBe(order.indexOf("COPY") + 4);
    const pip = command(installRun(stages), /pip$/)!;
    expect(pip).toContain("'dask[complete]==2026.8.0'");
    expect(pip).toContain("--no-cache-dir");
    expect(pip).not.toContain("--no-index");
    expect(command(installRun(stages), /^-m$/)).toEqual(["python3", "-m", "venv", "/opt/venv"]);
  });

  test("the recipe's packages get a layer each, by name; heavy ones go with the heavy layer", () => {
    const { stages } = render({
      base: "pip",
      pipPackages: ["numpy>=1.26,<2", "xarray[io]>=2024", "Zarr"],
    });
    const split = commands(installRun(stages)).pop()!;
    // In the recipe's (sorted) order; a layer's number does not change its bytes.
    expect(split.slice(-4)).toEqual(["--each", "Zarr", "--each", "'xarray[io]'"]);
    const copies = stages[1].instructions.filter((i) => i.words[1]?.startsWith("/layers/"));
    expect(copies.map((c) => c.words[1])).toEqual([1, 2, 3, 4, 5, 6].map((n) => `/layers/${n}/`));
  });

  test("wheelhouse: wheels copied into the build stage, offline install", () => {
    const { stages } = render({ base: "pip", wheelhouse: "/srv/wheels", pipPackages: ["zarr"] });
    const copy = stages[0].instructions.find((i) => i.words[0] === "wheels/");
    expect(copy?.words).toEqual(["wheels/", "/tmp/wheels/"]);
    const pip = command(installRun(stages), /pip$/)!.join(" ");
    expect(pip).toContain("--no-index --find-links /tmp/wheels");
    expect(pip).toMatch(/'dask\[complete\]==2026\.8\.0' zarr$/);
    expect(stages[1].instructions.some((i) => i.words.includes("wheels/"))).toBe(false);
  });

  test("cleanCache off keeps pip's cache flag away; smallBase off is one stage with apt tini", () => {
    expect(
      command(installRun(withSwitch("pip", "cleanCache", false).stages), /pip$/),
    ).not.toContain("--no-cache-dir");
    const { stages } = withSwitch("pip", "smallBase", false);
    expect(stages).toHaveLength(1);
    expect(stages[0].instructions.some((i) => i.words.includes("tini"))).toBe(true);
    expect(stages[0].instructions.some((i) => i.words[0] === "--from=build")).toBe(false);
  });
});

describe("pip, runtime minimal", () => {
  /** The build stage's RUN that assembles the root, as commands. */
  const assembleRun = (stages: Stage[]) =>
    stages[0].instructions.find(
      (i) => i.keyword === "RUN" && commands(i).some((c) => runs(c, /minimal-root\.py$/)),
    )!;
  /** The packages of the build stage's `apt-get install`. */
  const aptPackages = (stages: Stage[]) =>
    commands(stages[0].instructions.find((i) => i.words.includes("apt-get"))!)
      .find((c) => c[0] === "apt-get" && c[1] === "install")!
      .slice(4);

  test("the final stage is FROM scratch with the assembled root and nothing run in it", () => {
    const { stages } = render({ base: "pip", runtime: "minimal" });
    expect(stages.map((s) => [s.image, s.alias])).toEqual([
      ["python:3.12-slim-bookworm", "build"],
      ["scratch", null],
    ]);
    const final = stages[1].instructions;
    expect(final.filter((i) => i.keyword === "COPY").map((i) => i.words)).toEqual([
      ["--from=build", "/layers/1/", "/"],
      ["--from=build", "/layers/2/", "/"],
      ["--from=build", "/layers/3/", "/"],
      ["--from=build", "/layers/4/", "/"],
    ]);
    // The assembled root is what is split.
    expect(commands(assembleRun(stages)).pop()!.slice(1, 4)).toEqual([
      "/tmp/slim-dask/split-layers.py",
      "/layers",
      "/runtime",
    ]);
    // No shell in scratch: no RUN, so the accounts come from the build stage.
    expect(final.filter((i) => i.keyword === "RUN")).toEqual([]);
    expect(last(stages, "USER")!.words).toEqual(["1000:1000"]);
    expect(json(last(stages, "ENTRYPOINT"))).toEqual(["tini", "-g", "--"]);
    expect(json(last(stages, "CMD"))).toEqual(["dask-scheduler"]);
  });

  test("PATH is whole (scratch has none to extend), a UTF-8 locale and the CA bundle are named", () => {
    const env = finalEnv(render({ base: "pip", runtime: "minimal" }).stages);
    expect(env.PATH).toBe("/opt/venv/bin:/usr/local/bin:/usr/bin:/bin");
    expect(env.PATH).not.toContain("$");
    expect(env.LANG).toBe("C.UTF-8");
    expect(env.SSL_CERT_FILE).toBe("/etc/ssl/certs/ca-certificates.crt");
    expect(env.PYTHONDONTWRITEBYTECODE).toBe("1");
  });

  test("no base image is named in the labels; the description says minimal", () => {
    const labels = finalLabels(render({ base: "pip", runtime: "minimal" }).stages);
    expect(labels).not.toHaveProperty("org.opencontainers.image.base.name");
    expect(labels["org.opencontainers.image.description"]).toMatch(/minimal runtime/);
  });

  test("the build stage compiles its stdlib, then assembles the root with the account, tini and BusyBox", () => {
    const { stages } = render({
      base: "pip",
      runtime: "minimal",
      user: { uid: 2000, gid: 3000, name: "worker" },
    });
    expect(aptPackages(stages)).toEqual(["binutils", "busybox-static", "ca-certificates", "tini"]);
    const cmds = commands(assembleRun(stages));
    // -f: pip's run left timestamp bytecode (with column tables) for the stdlib it imported.
    expect(cmds[0].join(" ")).toMatch(/-m compileall -q -f .*sysconfig/);
    expect(cmds[1]).toEqual([
      "/opt/venv/bin/python",
      "/tmp/slim-dask/minimal-root.py",
      "/runtime",
      "/opt/venv",
      "2000",
      "3000",
      "worker",
      "--tini",
      "/usr/bin/tini",
      "--shell",
      "/bin/busybox",
    ]);
    // The assembly comes after the install (it copies the pruned, compiled venv).
    const order = stages[0].instructions.filter((i) => i.keyword === "RUN");
    expect(order.indexOf(assembleRun(stages))).toBeGreaterThan(order.indexOf(installRun(stages)));
  });

  test("debugShell false and tini off: no BusyBox, no tini, no entrypoint; delete compiles nothing", () => {
    const { stages } = render({
      base: "pip",
      runtime: "minimal",
      debugShell: false,
      bytecode: "delete",
      optimizations: { tini: false },
    });
    expect(aptPackages(stages)).toEqual(["binutils", "ca-certificates"]);
    const cmds = commands(assembleRun(stages));
    expect(cmds).toHaveLength(2); // minimal-root, then the split
    expect(cmds[1]).toContain("/tmp/slim-dask/split-layers.py");
    expect(cmds[0]).not.toContain("--shell");
    expect(cmds[0]).not.toContain("--tini");
    expect(json(last(stages, "ENTRYPOINT"))).toEqual([]);
  });

  test("runtime image: unchanged, and the minimal script is not run", () => {
    const { text } = render({ base: "pip" });
    expect(text).not.toContain("minimal-root");
    expect(text).not.toContain("busybox");
    expect(text).not.toContain("FROM scratch");
  });
});

describe("the shared runtime stage", () => {
  test("micromamba and pip render it alike, apart from image, prefix, its copies and tini copy", () => {
    const normalise = (text: string, prefix: string, image: string) =>
      text
        .slice(text.indexOf("# Runtime stage"))
        .split(prefix)
        .join("PREFIX")
        .split(image)
        .join("IMAGE")
        .replace(/\(\w+ preset\)/, "(PRESET)")
        .replace(/^# Runtime stage on [^\n]*\n/, "")
        .replace(/# Debian's tini[^\n]*\n#[^\n]*\nCOPY [^\n]*\n\n/, "")
        // pip's prefix comes in layers, after the RUNs (see "pip" above); conda's in one COPY.
        .replace(/# The pruned prefix[^]*?\n(COPY [^\n]*\n)+\n/, "")
        // Only the venv's interpreter lives in the runtime image; conda's is in the prefix.
        .replace(/# The interpreter's standard library[^]*?\nRUN [^\n]*\n\n/, "")
        // debian:bookworm-slim sets no locale; python:*-slim does.
        .replace(/# The base sets no locale[^\n]*\n/, "")
        .replace(/ENV LANG="C.UTF-8" \\\n {4}/, "ENV ");
    const mm = render({}).text;
    const pip = render({ base: "pip", python: "3.12" }).text;
    expect(normalise(mm, "/opt/conda", "debian:bookworm-slim")).toBe(
      normalise(pip, "/opt/venv", "python:3.12-slim-bookworm"),
    );
  });
});

describe("golden Dockerfiles (test/golden, rewritten by `npm run golden`)", () => {
  const dir = path.join(__dirname, "..", "..", "golden");
  test.each(Object.entries(GOLDEN_CASES))("%s matches its golden file", (name, config) => {
    const file = path.join(dir, goldenFile(name));
    expect(fs.existsSync(file)).toBe(true);
    expect(renderDockerfile(resolveRecipe(config))).toBe(fs.readFileSync(file, "utf8"));
  });

  test("every preset has a golden file of its defaults, and no golden file is stale", () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".Dockerfile"));
    expect(files.sort()).toEqual(Object.keys(GOLDEN_CASES).map(goldenFile).sort());
    for (const base of PRESETS)
      expect(GOLDEN_CASES[`${base}-defaults`]).toEqual(base === "micromamba" ? {} : { base });
  });
});

describe("base-image facts the rules rely on (issue: images right on the real bases)", () => {
  test("every preset's facts come from the table", () => {
    expect(Object.keys(PRESET_TABLE).sort()).toEqual([...PRESETS].sort());
  });

  // Fact: jcrist/alpine-conda ends with `USER anaconda:anaconda` (uid 10151).
  test("seed: the base's user is anaconda 10151, so the account is created after USER 0", () => {
    expect(PRESET_TABLE.seed.build.user).toEqual({ name: "anaconda", uid: 10151 });
    const { stages } = render({ base: "seed" });
    const ins = stages[0].instructions;
    const userRun = ins.findIndex((i) => i.keyword === "RUN" && i.words.includes("adduser"));
    const users = ins.filter((i) => i.keyword === "USER").map((i) => i.words[0]);
    expect(users).toEqual(["0", "1000:1000"]);
    const root = ins.findIndex((i) => i.keyword === "USER" && i.words[0] === "0");
    expect(root).toBeLessThan(ins.indexOf(installRun(stages)));
    expect(root).toBeLessThan(userRun);
  });

  // Fact: the article installed from the image's default channel, with dask 1.2.2,
  // numpy 1.16.3, pandas 0.24.2 on that base's Python 3.7.
  test("seed defaults reproduce the article: its versions, the image's default channel", () => {
    const r = resolveRecipe({ base: "seed" });
    expect([r.python, r.dask, r.packages, r.channels]).toEqual([
      "3.7",
      "1.2.2",
      ["numpy=1.16.3", "pandas=0.24.2"],
      [],
    ]);
    const words = installRun(render({ base: "seed" }).stages).words;
    expect(words).not.toContain("--override-channels");
    expect(words).not.toContain("-c");
    expect(words).toEqual(
      expect.arrayContaining(["dask=1.2.2", "numpy=1.16.3", "pandas=0.24.2", "python=3.7"]),
    );
  });

  test("python 3.9 is refused with a dask that dropped it, accepted with an older one", () => {
    expect(() => resolveRecipe({ base: "pip", python: "3.9" })).toThrow(
      /python: "3\.9" cannot run dask 2026\.8\.0: dask dropped Python 3\.9 in 2024\.8\.1/,
    );
    expect(resolveRecipe({ base: "pip", python: "3.9", dask: "2024.8.0" }).python).toBe("3.9");
    expect(() => resolveRecipe({ base: "seed", dask: "2026.8.0" })).toThrow(/python: "3\.7"/);
  });

  // Fact: the micromamba image makes /opt/conda a+rwx and COPY --from keeps modes.
  test.each(PRESETS)("%s: the install RUN takes group/other write off the prefix", (base) => {
    const run = installRun(render({ base }).stages);
    expect(command(run, /^chmod$/)).toEqual(["chmod", "-R", "go-w", PREFIX[base]]);
  });

  test("miniforge: conda stays usable, so the run-as account owns the prefix", () => {
    expect(PRESET_TABLE.miniforge.installerAtRunTime).toBe(true);
    const run = installRun(render({ base: "miniforge", user: { uid: 1234, gid: 2345 } }).stages);
    expect(command(run, /^chown$/)).toEqual(["chown", "-R", "1234:2345", "/opt/conda"]);
    for (const base of ["micromamba", "seed", "pip"] as const) {
      expect(command(installRun(render({ base }).stages), /^chown$/)).toBeUndefined();
    }
  });

  // Fact: debian:bookworm-slim sets no LANG; python:*-slim, miniforge and micromamba set C.UTF-8.
  test("LANG=C.UTF-8 exactly where the final base sets no UTF-8 locale", () => {
    expect(finalEnv(render({}).stages).LANG).toBe("C.UTF-8");
    expect(finalEnv(render({ base: "pip" }).stages).LANG).toBeUndefined();
    expect(finalEnv(render({ base: "miniforge" }).stages).LANG).toBeUndefined();
    expect(finalEnv(render({ env: { LANG: "en_US.UTF-8" } }).stages).LANG).toBe("en_US.UTF-8");
  });

  test.each(PRESETS)("%s: no Ubuntu account named in the comments", (base) => {
    expect(render({ base }).text).not.toMatch(/ubuntu:1000/);
  });

  // Fact: python:*-slim deletes every stdlib *.pyc; its stdlib is the runtime image's.
  test("pip compile: the runtime stage compiles the interpreter's stdlib, as root", () => {
    const { stages } = render({ base: "pip" });
    const runtime = stages[1].instructions;
    const compile = runtime.findIndex(
      (i) => i.keyword === "RUN" && i.words.join(" ").includes("sysconfig.get_paths()"),
    );
    expect(compile).toBeGreaterThanOrEqual(0);
    expect(runtime[compile].words.join(" ")).toContain("--invalidation-mode unchecked-hash");
    expect(runtime.findIndex((i) => i.keyword === "USER")).toBeGreaterThan(compile);
    for (const bytecode of ["keep", "delete"] as const) {
      expect(render({ base: "pip", bytecode }).text).not.toContain("sysconfig.get_paths()");
    }
    // One stage: the same RUN compiles both.
    const single = installRun(withSwitch("pip", "smallBase", false).stages).words.join(" ");
    expect(single).toContain("sysconfig.get_paths()");
    // Conda's stdlib lives in the prefix: compiling <prefix>/lib covers it.
    expect(render({}).text).not.toContain("sysconfig.get_paths()");
  });

  test("compile: the Dockerfile warns about stale code in derived images", () => {
    expect(render({ base: "pip" }).text).toMatch(/edits a \.py file must\n# recompile/);
    expect(render({ base: "pip", bytecode: "keep" }).text).not.toContain("recompile");
  });
});

describe("strip and installer tools", () => {
  test.each(["micromamba", "pip"] as const)(
    "%s: strip runs in the build stage; binutils stays there",
    (base) => {
      const { stages } = render({ base });
      expect(command(installRun(stages), /strip\.sh$/)).toEqual([
        "sh",
        "/tmp/slim-dask/strip.sh",
        PREFIX[base],
      ]);
      const apt = stages[0].instructions.find((i) => i.words.includes("binutils"));
      expect(apt).toBeDefined();
      const runtimeWords = stages[1].instructions.flatMap((i) => i.words).join(" ");
      expect(runtimeWords).not.toMatch(/binutils|strip/);
      expect(withSwitch(base, "strip", false).text).not.toMatch(/binutils|strip\.sh/);
    },
  );

  // Fact: the micromamba image runs as mambauser (57439) and its root prefix is root's, a+rwx.
  test("micromamba: the build stage installs as root, so chmod can fix the prefix", () => {
    expect(PRESET_TABLE.micromamba.build.user).toEqual({ name: "mambauser", uid: 57439 });
    const { stages } = render({});
    const ins = stages[0].instructions;
    const users = ins.filter((i) => i.keyword === "USER").map((u) => u.words[0]);
    expect(users).toEqual(["0"]);
    const root = ins.findIndex((i) => i.keyword === "USER");
    expect(root).toBeLessThan(ins.findIndex((i) => i.words.includes("apt-get")));
    expect(root).toBeLessThan(ins.indexOf(installRun(stages)));
    expect(stages[1].instructions.filter((i) => i.keyword === "USER").map((u) => u.words)).toEqual([
      ["1000:1000"],
    ]);
  });

  test("strip needs a separate build stage; off by default without smallBase", () => {
    expect(
      resolveRecipe({ base: "pip", optimizations: { smallBase: false } }).optimizations.strip,
    ).toBe(false);
    expect(() =>
      resolveRecipe({ base: "pip", optimizations: { smallBase: false, strip: true } }),
    ).toThrow(/optimizations\.strip: true needs a multi-stage build/);
    expect(() => resolveRecipe({ base: "miniforge", optimizations: { strip: true } })).toThrow(
      /optimizations\.strip/,
    );
  });

  test("installer tools: removed by default on micromamba and pip, kept on a switch", () => {
    expect(pruneRules(installRun(render({ base: "pip" }).stages))).toContain("installer-tools");
    expect(pruneRules(installRun(render({}).stages))).toContain("installer-tools");
    expect(pruneRules(installRun(withSwitch("pip", "installerTools", false).stages))).not.toContain(
      "installer-tools",
    );
    for (const base of ["miniforge", "seed"] as const) {
      expect(pruneRules(installRun(render({ base }).stages))).not.toContain("installer-tools");
    }
  });
});
