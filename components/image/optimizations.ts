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
   * `tests`: delete packages' `tests` directories. Default FALSE: some packages import
   * their own test modules at runtime. All presets.
   */
  tests: {
    doc: "Delete packages' test directories (some packages import their tests).",
    defaultText: "`false`",
    presets: ALL,
    default: () => false,
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
  if (out.noBytecode !== (bytecode === "delete")) {
    throw new SlimDaskError(
      `${field}.noBytecode`,
      `${show(out.noBytecode)} contradicts bytecode ${show(bytecode)}`,
      'remove `noBytecode` and choose with `bytecode` alone ("delete" removes bytecode)',
    );
  }
  return out;
}
