import { SlimDaskError, show } from "../common/errors";
import type { BasePreset, BytecodePolicy, Optimizations } from "./recipe-types";
import { expectBoolean, expectPlainObject, rejectUnknownKeys } from "../common/validate";

/**
 * One named switch per size technique. Each entry says what the switch does, why, its
 * default, and which presets it applies to. A switch that does not apply to a preset
 * resolves to false and may not be set to true, so a renderer can trust every `true`.
 */
type Name = keyof Optimizations;

/** Everything `resolveOptimizations` needs to know about one switch. */
export interface Technique {
  /** What it does and why, for TSDoc and the README. */
  doc: string;
  /** The default as documented. */
  defaultText: string;
  /** Presets the switch means something for. */
  presets: readonly BasePreset[];
  /** Default for a preset it applies to. */
  default: (base: BasePreset, bytecode: BytecodePolicy) => boolean;
}

const CONDA: readonly BasePreset[] = ["micromamba", "miniforge", "seed"];
const ALL: readonly BasePreset[] = ["micromamba", "miniforge", "seed", "pip"];
const on = () => true;
/** Techniques the project added after the article: off for seed, which reproduces it. */
const notSeed = (base: BasePreset) => base !== "seed";

/** The switches, in a fixed order (also the order error messages list them). */
export const TECHNIQUES: Readonly<Record<Name, Technique>> = {
  /**
   * `nomkl`: install the `nomkl` package so numpy/scipy link OpenBLAS instead of Intel MKL
   * (the article's largest saving, 1.69 GB -> 729 MB). Default true. Conda presets only:
   * PyPI wheels bundle OpenBLAS already.
   */
  nomkl: {
    doc: "Conda only: add `nomkl` so numpy/scipy link OpenBLAS instead of the ~700 MB MKL.",
    defaultText: "`true`",
    presets: CONDA,
    default: on,
  },
  /**
   * `freezeInstalled`: `--freeze-installed`, so later installs never upgrade packages the
   * base already has (no second copy of a library). Default true. Conda presets only.
   */
  freezeInstalled: {
    doc: "Conda only: `--freeze-installed`, never upgrade what the base already has (no second copy of a library).",
    defaultText: "`true`",
    presets: CONDA,
    default: on,
  },
  /**
   * `cleanCache`: drop the package cache in the same RUN that filled it (`conda clean -afy`,
   * `micromamba clean --all --yes`, `pip --no-cache-dir`), so it never lands in a layer.
   * Default true. All presets.
   */
  cleanCache: {
    doc: "Drop the package cache in the same RUN that filled it (`conda clean -afy`, `micromamba clean --all --yes`, `pip --no-cache-dir`).",
    defaultText: "`true`",
    presets: ALL,
    default: on,
  },
  /**
   * `noBytecode`: set PYTHONDONTWRITEBYTECODE and delete `*.pyc`/`__pycache__`. Saves
   * ~50 MB but slows every import at start-up. Default: true exactly when
   * `bytecode: "delete"`, and it must agree with `bytecode`. All presets.
   */
  noBytecode: {
    doc: "Set PYTHONDONTWRITEBYTECODE and delete `*.pyc`; must agree with `bytecode`.",
    defaultText: "`true` exactly when `bytecode` is `delete`",
    presets: ALL,
    default: (_base, bytecode) => bytecode === "delete",
  },
  /** `staticLibraries`: delete `*.a`; nothing links against them at runtime. Default true. All presets. */
  staticLibraries: {
    doc: "Delete static libraries (`*.a`).",
    defaultText: "`true`",
    presets: ALL,
    default: on,
  },
  /** `sourceMaps`: delete `*.js.map`, debugging aids for bundled JS. Default true. All presets. */
  sourceMaps: {
    doc: "Delete JavaScript source maps (`*.js.map`).",
    defaultText: "`true`",
    presets: ALL,
    default: on,
  },
  /**
   * `bokehUnminified`: delete Bokeh's unminified JS (keeping `*.min.js`, which the dashboard
   * loads). Default true. All presets; must tolerate images without Bokeh.
   */
  bokehUnminified: {
    doc: "Delete Bokeh's unminified JavaScript; the dashboard loads `*.min.js`.",
    defaultText: "`true`",
    presets: ALL,
    default: on,
  },
  /**
   * `headers`: delete C headers under `include/`; only needed to compile extensions, which
   * a runtime image never does. Default true (false for seed: not in the article). All presets.
   */
  headers: {
    doc: "Delete C headers (`include/`); only needed to compile extensions.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `docs`: delete `share/doc`, `share/man`, `share/info`. Default true (false for seed: not
   * in the article). All presets.
   */
  docs: {
    doc: "Delete `share/doc`, `share/man`, `share/info`.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `tests`: delete packages' `tests`/`test` directories (pandas/tests alone is 18 MB).
   * Default true (false for seed: not in the article): the e2e suite imports every
   * top-level module of the installed packages afterwards. All presets.
   */
  tests: {
    doc: "Delete packages' test directories; checked by the e2e suite, which imports every top-level module afterwards.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `cythonSources`: delete Cython sources (`*.pyx`, `*.pxd`, `*.pxi`), only read when
   * compiling extensions against the package. Default true (false for seed). All presets.
   */
  cythonSources: {
    doc: "Delete Cython sources (`*.pyx`, `*.pxd`, `*.pxi`), only read to compile against a package.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `installerTools`: delete pip, setuptools, wheel (and pkg_resources) from the runtime
   * prefix (26 MB of the article set). Set false to `pip install` at run time. Default true
   * for micromamba and pip; miniforge keeps them (its conda stays usable), seed follows the
   * article.
   */
  installerTools: {
    doc: "Delete pip, setuptools and wheel from the runtime prefix; set false to install at run time.",
    defaultText: "`true` (micromamba, pip)",
    presets: ["micromamba", "pip"],
    default: on,
  },
  /**
   * `typeDeclarations`: delete type stubs (`*.pyi`) and TypeScript declarations (`*.d.ts`,
   * 4 MB in Bokeh, read only by its extension compiler, which needs Node.js) from
   * site-packages: only type checkers and editors read them. Default true (false for seed).
   */
  typeDeclarations: {
    doc: "Delete type stubs (`*.pyi`) and TypeScript declarations (`*.d.ts`); only type checkers and Bokeh's extension compiler read them.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `buildTools`: delete build-time tooling shipped inside runtime packages:
   * `numpy.distutils` (deprecated; gone from numpy on Python 3.12+) and `bokeh.sphinxext`
   * (a Sphinx extension for building docs). Default true (false for seed).
   */
  buildTools: {
    doc: "Delete build-time tooling inside runtime packages: `numpy.distutils`, `bokeh.sphinxext`.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `pyarrowFlight`: delete pyarrow's Flight RPC framework (`pyarrow.flight`, its Cython
   * module and `libarrow_flight`, 25 MB of wheel), which dask never imports and nothing else
   * in pyarrow links; conda-forge ships it as a separate package too. `import pyarrow.flight`
   * then fails. (Substrait stays: `libarrow_python` links it.) Default true (false for seed).
   */
  pyarrowFlight: {
    doc: "Delete pyarrow's Flight RPC framework, which dask never imports and nothing else links (`import pyarrow.flight` then fails).",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `pillowAvif`: delete Pillow's AVIF codec (the `PIL._avif` module and the `libavif` its
   * wheel vendors, 4.9 MB with its encoders; nothing else links it). Bokeh requires Pillow and
   * dask never reads images; Pillow then behaves as a build without AVIF support
   * (`PIL.features.check("avif")` is false, other formats work). Default true (false for seed).
   */
  pillowAvif: {
    doc: 'Delete Pillow\'s AVIF codec (`PIL._avif`, its vendored libavif): Pillow then works as a build without AVIF (`features.check("avif")` is false).',
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `libraryCopies`: wheels cannot hold symlinks, so a library's `libx.so`, `libx.so.N` and
   * `libx.so.N.M` arrive as identical copies (pyarrow's: 3.3 MB); put the symlinks back.
   * Default true (false for seed).
   */
  libraryCopies: {
    doc: "Replace byte-identical copies of one shared library (`libx.so`, `libx.so.N`, wheels cannot hold symlinks) with symlinks.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `duplicateFiles`: byte-identical files of the prefix (same owner and mode; not shared
   * objects, which ld.so would take for one library) become hard links to one copy, after
   * strip and compile so nothing splits them again: xyzservices ships its 0.85 MB
   * `providers.json` twice, tzdata its alias zones as copies. Docker keeps hard links through
   * `COPY --from` and stores the bytes once. Default true (false for seed).
   */
  duplicateFiles: {
    doc: "Hard-link byte-identical files of the prefix (same owner and mode, not shared objects) to one copy, e.g. xyzservices' two `providers.json`.",
    defaultText: "`true` (`false` for seed)",
    presets: ALL,
    default: notSeed,
  },
  /**
   * `compactBytecode`: compile bytecode with `-X no_debug_ranges` (Python 3.11+): no column
   * tables, so smaller `.pyc` files; tracebacks keep file and line but lose the `^^^^`
   * markers. Only with `bytecode: "compile"`; default true there (false for seed).
   */
  compactBytecode: {
    doc: "Compile bytecode without column tables (`-X no_debug_ranges`): smaller `.pyc`, tracebacks lose only the `^^^^` markers. Needs `bytecode: compile`.",
    defaultText: "`true` when `bytecode` is `compile` (not seed)",
    presets: ALL,
    default: (base, bytecode) => notSeed(base) && bytecode === "compile",
  },
  /**
   * `strip`: `strip --strip-unneeded` the prefix's shared objects (debug symbols and
   * unneeded symbol tables). The strip tool (binutils) is installed in the build stage only,
   * so it needs a multi-stage build (`smallBase`). Default true for micromamba and pip.
   */
  strip: {
    doc: "Strip shared objects in the build stage (the tool never reaches the image), keeping any library that no longer loads; needs `smallBase`.",
    defaultText: "`true` (micromamba, pip)",
    presets: ["micromamba", "pip"],
    default: on,
  },
  /**
   * `smallBase`: end on a slim image - multi-stage onto `debian:bookworm-slim` (micromamba)
   * or `python:<v>-slim-bookworm` (pip); for seed, `jcrist/alpine-conda` instead of
   * `continuumio/miniconda3`. Default true. Not for miniforge, which is a single-stage
   * preset by design.
   */
  smallBase: {
    doc: "Multi-stage build onto a slim runtime image (seed: the Alpine base).",
    defaultText: "`true` (`false` for miniforge)",
    presets: ["micromamba", "seed", "pip"],
    default: on,
  },
  /** `tini`: tini as PID 1, so signals reach dask and zombies are reaped. Default true. All presets. */
  tini: {
    doc: 'tini as PID 1 (`ENTRYPOINT ["tini", "-g", "--"]`): signals reach dask, zombies are reaped.',
    defaultText: "`true`",
    presets: ALL,
    default: on,
  },
};

/** Switch names in their fixed order. */
export const OPTIMIZATION_NAMES = Object.keys(TECHNIQUES) as Name[];

/**
 * Validates the user's switches and fills the defaults for `base`. Errors name
 * `<field>.<switch>`: unknown switches, non-booleans, a switch set true for a preset it
 * does not apply to, and `noBytecode` disagreeing with `bytecode`.
 */
export function resolveOptimizations(
  base: BasePreset,
  bytecode: BytecodePolicy,
  given: unknown,
  field: string,
): Required<Optimizations> {
  const obj =
    given === undefined
      ? {}
      : expectPlainObject(given, field, `write a map of switches to true/false`);
  rejectUnknownKeys(obj, OPTIMIZATION_NAMES, field);
  const out = {} as Required<Optimizations>;
  for (const name of OPTIMIZATION_NAMES) {
    const t = TECHNIQUES[name];
    const applies = t.presets.includes(base);
    const value = obj[name];
    if (value === undefined) {
      out[name] = applies && t.default(base, bytecode);
      continue;
    }
    const chosen = expectBoolean(value, `${field}.${name}`);
    if (chosen && !applies) {
      throw new SlimDaskError(
        `${field}.${name}`,
        `${show(chosen)} does not apply to the ${show(base)} preset`,
        `remove it, or use a preset it applies to: ${t.presets.join(", ")}`,
      );
    }
    out[name] = chosen;
  }
  if (out.strip && !out.smallBase) {
    if (obj.strip === true) {
      throw new SlimDaskError(
        `${field}.strip`,
        "true needs a multi-stage build, so the strip tool stays in the build stage",
        "remove `strip`, or turn `smallBase` back on",
      );
    }
    out.strip = false;
  }
  if (out.noBytecode !== (bytecode === "delete")) {
    throw new SlimDaskError(
      `${field}.noBytecode`,
      `${show(out.noBytecode)} contradicts bytecode ${show(bytecode)}`,
      'remove `noBytecode` and choose with `bytecode` alone ("delete" removes bytecode)',
    );
  }
  if (out.compactBytecode && bytecode !== "compile") {
    throw new SlimDaskError(
      `${field}.compactBytecode`,
      `true needs bytecode "compile" (it changes how slim-dask compiles), got ${show(bytecode)}`,
      'remove `compactBytecode`, or set bytecode: "compile"',
    );
  }
  return out;
}
