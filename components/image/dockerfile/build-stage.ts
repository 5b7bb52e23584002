import type { ImageRecipe } from "../recipe-types";
import { buildImageFacts, HEAVY_DISTRIBUTIONS, isMultiStagePreset, PRESETS } from "./presets";
import type { BaseImageFacts } from "./presets";
import { run, shellWord, step } from "./text";

/**
 * The stage that installs: its header and FROM, the build tools it needs from apt, the
 * slim-dask scripts, and the one install RUN (install, clean, shims, prune, strip, compile,
 * permissions) so nothing deleted there is ever stored in a layer.
 */

/** Where the build context's `slim-dask/` scripts are copied in the build stage. */
export const ASSET_DIR = "/tmp/slim-dask";

/** Where the minimal runtime's root filesystem is assembled in the build stage. */
export const MINIMAL_ROOT = "/runtime";

/** Where `split-layers.py` sorts the runtime stage's files, one numbered directory per layer. */
export const LAYER_DIR = "/layers";

/** Debian's static BusyBox (package `busybox-static`), the minimal runtime's debug shell. */
const BUSYBOX = "/bin/busybox";

/** Where the build context's `wheels/` directory is copied for an offline pip install. */
const WHEEL_DIR = "/tmp/wheels";

/** Prune rules (see `assets/prune.sh`) in the script's documented order, with the switch enabling each. */
const RULES: readonly [string, (r: ImageRecipe) => boolean][] = [
  ["bytecode", (r) => r.bytecode === "delete"],
  ["static-libs", (r) => r.optimizations.staticLibraries],
  ["source-maps", (r) => r.optimizations.sourceMaps],
  ["bokeh-unminified", (r) => r.optimizations.bokehUnminified],
  ["headers", (r) => r.optimizations.headers],
  ["docs", (r) => r.optimizations.docs],
  ["tests", (r) => r.optimizations.tests],
  ["cython-sources", (r) => r.optimizations.cythonSources],
  ["installer-tools", (r) => r.optimizations.installerTools],
  ["type-declarations", (r) => r.optimizations.typeDeclarations],
  ["build-tools", (r) => r.optimizations.buildTools],
  ["pyarrow-flight", (r) => r.optimizations.pyarrowFlight],
  ["pillow-avif", (r) => r.optimizations.pillowAvif],
  ["library-copies", (r) => r.optimizations.libraryCopies],
  // `micromamba clean --all` keeps extracted packages in pkgs/ (conda's `clean -afy` does
  // not): they would be copied into the runtime image.
  ["package-cache", (r) => r.optimizations.cleanCache && r.base === "micromamba"],
];

/** Rules that run last, after strip and compile, which would split their hard links. */
const FINAL_RULES: readonly [string, (r: ImageRecipe) => boolean][] = [
  ["duplicate-files", (r) => r.optimizations.duplicateFiles],
];

/** The prune rules the recipe enables (`final`: those that run after strip and compile). */
export function pruneRules(recipe: ImageRecipe, final = false): string[] {
  return (final ? FINAL_RULES : RULES).filter(([, on]) => on(recipe)).map(([name]) => name);
}

/** True when the installer must not write bytecode (it is deleted, or compiled afterwards). */
function installWithoutBytecode(recipe: ImageRecipe): boolean {
  return recipe.bytecode !== "keep";
}

/** The conda installers' commands, by the preset table's `installer`. */
const CONDA_TOOLS = {
  micromamba: { install: "micromamba install --yes", clean: "micromamba clean --all --yes" },
  mamba: { install: "mamba install --yes", clean: "conda clean -afy" },
  "conda-4.6": {
    install: "/opt/conda/bin/conda install --yes",
    clean: "/opt/conda/bin/conda clean -afy",
  },
} as const;

/**
 * The conda specs, sorted: python and dask pinned, `tini` when the preset gets it from
 * conda, `nomkl` when enabled, then the recipe's packages.
 */
export function condaSpecs(recipe: ImageRecipe): string[] {
  const specs = [`python=${recipe.python}`, `dask=${recipe.dask}`, ...recipe.packages];
  if (recipe.optimizations.tini && PRESETS[recipe.base].tini === "conda-package")
    specs.push("tini");
  if (recipe.optimizations.nomkl) specs.push("nomkl");
  return [...new Set(specs)].sort();
}

/**
 * The conda install: `-p <prefix>` (not `--name base`, which depends on the base image's
 * MAMBA_ROOT_PREFIX), `--freeze-installed`, `--no-pyc` when bytecode is deleted or compiled
 * later (conda 4.6 has no such flag), and `--override-channels` with the recipe's channels;
 * with no channels (seed) the base image's own default channel is used, as the article did.
 */
function condaCommands(recipe: ImageRecipe, prefix: string): string[] {
  const installer = PRESETS[recipe.base].installer as keyof typeof CONDA_TOOLS;
  const tool = CONDA_TOOLS[installer];
  const words = [tool.install, `-p ${prefix}`];
  if (recipe.optimizations.freezeInstalled) words.push("--freeze-installed");
  if (installer !== "conda-4.6" && installWithoutBytecode(recipe)) words.push("--no-pyc");
  if (recipe.channels.length > 0) {
    words.push("--override-channels", ...recipe.channels.map((c) => `-c ${shellWord(c)}`));
  }
  words.push(...condaSpecs(recipe).map(shellWord));
  const commands = [words.join(" ")];
  if (recipe.optimizations.cleanCache) commands.push(tool.clean);
  return commands;
}

/** `dask[extras]==<dask>` then the recipe's pip packages (already sorted). */
function requirements(recipe: ImageRecipe): string[] {
  const extras = recipe.daskExtras.length > 0 ? `[${recipe.daskExtras.join(",")}]` : "";
  return [`dask${extras}==${recipe.dask}`, ...recipe.pipPackages];
}

/** `python3 -m venv`, then one pip install of everything (offline from the wheelhouse when given). */
function pipCommands(recipe: ImageRecipe, prefix: string): string[] {
  const flags = ["--disable-pip-version-check"];
  if (recipe.optimizations.cleanCache) flags.push("--no-cache-dir");
  if (installWithoutBytecode(recipe)) flags.push("--no-compile");
  if (recipe.wheelhouse !== "") flags.push("--no-index", `--find-links ${WHEEL_DIR}`);
  return [
    `python3 -m venv ${prefix}`,
    `${prefix}/bin/pip install ${[...flags, ...requirements(recipe).map(shellWord)].join(" ")}`,
  ];
}

/**
 * True when the runtime stage copies the prefix in layers (see `assets/split-layers.py`):
 * the pip preset with a runtime stage, whose distributions have RECORD files.
 */
export function splitsLayers(recipe: ImageRecipe): boolean {
  return (
    PRESETS[recipe.base].installer === "pip" &&
    isMultiStagePreset(recipe.base, recipe.optimizations.smallBase)
  );
}

/** A pip requirement's name and extras (`xarray[io]>=2024` -> `xarray[io]`). */
function requirementName(requirement: string): string {
  return (
    /^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?/.exec(requirement)?.[0].replace(/\s/g, "") ?? ""
  );
}

/** PEP 503 normalisation, as split-layers.py compares names. */
const normalized = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/**
 * `split-layers.py`'s groups after the base layer (interpreter and everything no
 * distribution owns): the heavy numeric distributions, dask, distributed and what they
 * require, then one layer per package of the recipe's (what it requires that no earlier
 * layer took), so adding or changing one pushes that one; the last layer gets the rest.
 */
function layerGroups(recipe: ImageRecipe): string[] {
  const extras = recipe.daskExtras.length > 0 ? `[${recipe.daskExtras.join(",")}]` : "";
  const heavy = new Set(HEAVY_DISTRIBUTIONS.map(normalized));
  const own = recipe.pipPackages
    .map(requirementName)
    .filter((name) => !heavy.has(normalized(name.replace(/\[.*/, ""))));
  return [
    `--only ${HEAVY_DISTRIBUTIONS.join(",")}`,
    `--closure ${shellWord(`dask${extras},distributed`)}`,
    ...own.map((name) => `--each ${shellWord(name)}`),
  ];
}

/** The numbers of the layer directories `split-layers.py` writes for this recipe (none: no split). */
export function layerNumbers(recipe: ImageRecipe): number[] {
  const count = splitsLayers(recipe) ? layerGroups(recipe).length + 2 : 0;
  return Array.from({ length: count }, (_, i) => i + 1);
}

/**
 * The split of `tree` into `LAYER_DIR`: the prefix, which is at the same path in the image
 * (`--at`), or the minimal runtime's root, which is `/`.
 */
function splitCommand(recipe: ImageRecipe, tree: string): string {
  const python = `${PRESETS[recipe.base].prefix}/bin/python`;
  const at = tree === MINIMAL_ROOT ? [] : [`--at ${tree}`];
  const words = [python, `${ASSET_DIR}/split-layers.py`, LAYER_DIR, tree, ...at];
  return [...words, ...layerGroups(recipe)].join(" ");
}

/**
 * Standard-library packages and modules that are development tools, not run-time code
 * (IDLE, 2to3, Tk, turtle, pydoc's topic data, distutils, ensurepip, unittest, doctest,
 * pdb), and the pure-Python fallbacks of C modules every CPython build has (`_pydecimal`
 * for `_decimal`, `_pyio` for `_io`): not compiled, so their bytecode costs no space; a
 * process that imports one compiles it in memory. None is imported by a scheduler, a worker
 * or a client doing array and dataframe work (checked in the article+pyarrow image).
 * Anchored to `pythonX.Y/`, so no site-packages path matches.
 */
const STDLIB_TOOLS = "distutils|ensurepip|idlelib|lib2to3|pydoc_data|tkinter|turtledemo|unittest";
const STDLIB_TOOL_MODULES = "_pydecimal|_pyio|doctest|pdb|turtle";

/** How `compileCommand` compiles. */
export interface CompileOptions {
  /** `-f`: rewrite bytecode that is already there (packages may ship timestamp-checked files). */
  force: boolean;
  /** `-X no_debug_ranges`: no column tables in the code objects (`compactBytecode`). */
  compact: boolean;
}

/**
 * `compileall` with unchecked hashes: processes never stat sources to validate the cache.
 * `-x` skips test directories, whose deliberately broken sample files would fail the build,
 * and the standard library's development tools. Caveat (also in the README): a derived
 * image that edits a `.py` file keeps running the old bytecode; recompile (or delete that
 * `__pycache__`) after editing.
 */
export function compileCommand(python: string, target: string, options: CompileOptions): string {
  const interpreter = options.compact ? `${python} -X no_debug_ranges` : python;
  const flags = [
    "-q",
    ...(options.force ? ["-f"] : []),
    "-j 0",
    "--invalidation-mode unchecked-hash",
  ];
  const stdlib = "/python3\\.[0-9]+/";
  const skip = `/tests?/|${stdlib}(${STDLIB_TOOLS})/|${stdlib}(${STDLIB_TOOL_MODULES})\\.py$`;
  return `${interpreter} -m compileall ${flags.join(" ")} -x ${shellWord(skip)} ${target}`;
}

/**
 * Compiles the standard library of the Python that `python` runs (a venv's base
 * interpreter). `force` where processes already ran (a build stage: pip left timestamp
 * bytecode, with column tables, for every stdlib module it imported).
 */
export function stdlibCompileCommand(python: string, compact: boolean, force = false): string {
  const stdlib = `"$(${python} -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"`;
  return compileCommand(python, stdlib, { force, compact });
}

/**
 * Commands that follow the install inside its RUN: shims, prune, strip, compile, the final
 * prune (hard links), then the permissions: nothing under the prefix is writable by group
 * or others (micromamba's base makes its root prefix a+rwx and COPY --from keeps modes); a
 * preset whose installer stays usable at run time hands the prefix to the run-as account
 * instead.
 */
export function tailCommands(recipe: ImageRecipe, prefix: string): string[] {
  const preset = PRESETS[recipe.base];
  const commands = [`sh ${ASSET_DIR}/install-shims.sh ${prefix}`];
  const prune = (rules: string[]) => {
    if (rules.length > 0) commands.push(`sh ${ASSET_DIR}/prune.sh ${prefix} ${rules.join(" ")}`);
  };
  prune(pruneRules(recipe));
  if (recipe.optimizations.strip) commands.push(`sh ${ASSET_DIR}/strip.sh ${prefix}`);
  if (recipe.bytecode === "compile") {
    // -f rewrites the timestamp-checked bytecode packages ship with. The prefix holds the
    // standard library for conda presets; a venv's is compiled where its interpreter lives.
    const compact = recipe.optimizations.compactBytecode;
    commands.push(
      compileCommand(`${prefix}/bin/python`, `${prefix}/lib`, { force: true, compact }),
    );
    const singleStage = !isMultiStagePreset(recipe.base, recipe.optimizations.smallBase);
    if (preset.stdlib === "base-image" && singleStage) {
      // Forced: pip, in this same RUN, left timestamp bytecode for the modules it imported.
      commands.push(stdlibCompileCommand(`${prefix}/bin/python`, compact, true));
    }
  }
  prune(pruneRules(recipe, true));
  commands.push(`chmod -R go-w ${prefix}`);
  if (preset.installerAtRunTime) {
    commands.push(`chown -R ${recipe.user.uid}:${recipe.user.gid} ${prefix}`);
  }
  return commands;
}

/** The install RUN: the preset's install commands, then the shared tail, in one layer. */
function installRun(recipe: ImageRecipe, prefix: string): string {
  const install =
    PRESETS[recipe.base].installer === "pip"
      ? pipCommands(recipe, prefix)
      : condaCommands(recipe, prefix);
  const why = [
    "One RUN, one layer: install, clean the package cache, add the shims, prune",
    "(strip, compile bytecode once) and fix permissions, so nothing deleted here is stored.",
  ];
  if (recipe.bytecode === "compile") {
    why.push(
      "Bytecode is unchecked-hash: an image built FROM this one that edits a .py file must",
      "recompile it (python -m compileall), or Python keeps running the old code.",
    );
  }
  if (PRESETS[recipe.base].installerAtRunTime) {
    why.push(
      "The prefix belongs to the run-as account, so the installer stays usable at run time.",
    );
  }
  const split = splitsLayers(recipe) && recipe.runtime === "image";
  if (split) {
    why.push(
      "Last, the prefix is sorted into layers that change at different rates (interpreter,",
      "heavy numeric packages, dask, the rest), with constant mtimes: see split-layers.py.",
    );
  }
  const commands = [...install, ...tailCommands(recipe, prefix)];
  if (split) commands.push(splitCommand(recipe, prefix));
  return step(why, run(commands));
}

/**
 * apt packages the build stage needs: tini (the runtime stage copies its binary) and
 * binutils for `strip`. They stay in the build stage: only the prefix and tini reach the
 * runtime image.
 */
function aptBlock(recipe: ImageRecipe): string[] {
  const packages: string[] = [];
  const why: string[] = [];
  if (recipe.optimizations.tini && PRESETS[recipe.base].tini === "apt-package") {
    packages.push("tini");
    why.push("tini from Debian; the runtime stage copies its binary.");
  }
  if (recipe.optimizations.strip) {
    packages.push("binutils");
    why.push("binutils for strip, in the build stage only.");
  }
  if (recipe.runtime === "minimal") {
    packages.push("ca-certificates");
    why.push("The CA bundle for the minimal runtime (the base may not have one).");
    if (recipe.debugShell) {
      packages.push("busybox-static");
      why.push("A static BusyBox, the minimal runtime's debug shell.");
    }
  }
  if (packages.length === 0) return [];
  why.push("No apt lists kept.");
  return [
    step(
      why,
      run([
        "apt-get update",
        `apt-get install -y --no-install-recommends ${packages.sort().join(" ")}`,
        "rm -rf /var/lib/apt/lists/*",
      ]),
    ),
  ];
}

/**
 * `USER 0` when the base image runs as another user: apt, the permissions of the prefix
 * (micromamba's root prefix is root-owned and a+rwx, so only root can take the write bits
 * off) and creating the account all need root.
 */
function asRoot(facts: BaseImageFacts): string[] {
  if (facts.user === "root") return [];
  return [
    step(
      [
        `The base runs as ${facts.user.name} (uid ${facts.user.uid}); install as root, so the prefix`,
        "is root's and its permissions can be fixed. The final USER drops root again.",
        // DL3002 checks each stage's last USER; this stage ends as root only when it is a
        // build stage, which is discarded.
        "hadolint ignore=DL3002",
      ],
      "USER 0",
    ),
  ];
}

/**
 * The minimal runtime's root filesystem, assembled by `minimal-root.py` from the build
 * stage's own files: the standard library is compiled here first (the runtime stage has no
 * interpreter of its own to compile it with).
 */
function minimalRootRun(recipe: ImageRecipe, prefix: string): string {
  const python = `${prefix}/bin/python`;
  const { uid, gid, name } = recipe.user;
  const words = [python, `${ASSET_DIR}/minimal-root.py`, MINIMAL_ROOT, prefix, uid, gid, name];
  if (recipe.optimizations.tini) words.push("--tini /usr/bin/tini");
  if (recipe.debugShell) words.push(`--shell ${BUSYBOX}`);
  const commands = [words.join(" "), splitCommand(recipe, MINIMAL_ROOT)];
  if (recipe.bytecode === "compile") {
    commands.unshift(stdlibCompileCommand(python, recipe.optimizations.compactBytecode, true));
  }
  const extras = [
    ...(recipe.optimizations.tini ? ["tini"] : []),
    recipe.debugShell ? "a BusyBox shell" : "no shell",
  ];
  return step(
    [
      "The minimal runtime's whole filesystem: the venv, its interpreter and standard library,",
      `the shared libraries they load (ldd), CA bundle, time zones, accounts, ${extras.join(", ")};`,
      "sorted into layers that change at different rates, with constant mtimes (split-layers.py).",
    ],
    run(commands),
  );
}

/** The build (or only) stage, from its header comment to the install RUN. */
export function buildStage(recipe: ImageRecipe): string[] {
  const preset = PRESETS[recipe.base];
  const multiStage = isMultiStagePreset(recipe.base, recipe.optimizations.smallBase);
  const facts = buildImageFacts(recipe.base, recipe.optimizations.smallBase);
  const about = `${multiStage ? "Build stage" : "Single stage"} on ${facts.about}`;
  const blocks = [
    step(
      [
        `Generated by slim-dask (${recipe.base} preset). Edit the recipe, not this file.`,
        "",
        ...(preset.warning ?? []),
        about,
      ],
      `FROM ${multiStage ? `${recipe.baseImage} AS build` : recipe.baseImage}`,
    ),
    ...asRoot(facts),
    ...aptBlock(recipe),
    step(
      "slim-dask's own scripts: the dask-scheduler/worker shims, the portable prune and strip scripts.",
      `COPY slim-dask/ ${ASSET_DIR}/`,
    ),
  ];
  if (recipe.wheelhouse !== "") {
    blocks.push(
      step(
        "The wheelhouse, for an offline install (pip never reaches an index).",
        `COPY wheels/ ${WHEEL_DIR}/`,
      ),
    );
  }
  blocks.push(installRun(recipe, preset.prefix));
  if (recipe.runtime === "minimal") blocks.push(minimalRootRun(recipe, preset.prefix));
  return blocks;
}
