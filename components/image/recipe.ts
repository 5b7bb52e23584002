import { SlimDaskError, show } from "../common/errors";
import {
  BASE_PRESETS,
  BYTECODE_POLICY_VALUES,
  DASK_WITHOUT_PY39,
  DEFAULT_BASE,
  DEFAULT_PLATFORM,
  DEFAULT_USER,
  PYTHON_MINOR_RANGE,
  RUNTIME_KIND_VALUES,
  defaultBaseImage,
  defaultBytecode,
  defaultChannels,
  defaultDask,
  defaultDaskExtras,
  defaultPackages,
  defaultPython,
  defaultRuntimeImage,
  isCondaPreset,
  isMultiStage,
} from "./defaults";
import { resolveOptimizations } from "./optimizations";
import { MINIMAL_RUNTIME } from "./dockerfile/presets";
import { ConfigSource, checkSection } from "../common/fields";
import { RECIPE_FIELDS } from "./fields";
import type { ImageUserConfig } from "./args";
import type { BasePreset, BytecodePolicy, ImageRecipe, RuntimeKind } from "./recipe-types";
import {
  compareCodeUnits,
  expectString,
  validateEnvName,
  validateList,
  validateMap,
  validateHostPath,
} from "../common/validate";
import {
  PLATFORMS,
  condaSpecName,
  pipRequirementName,
  validateChannel,
  validateCondaSpec,
  validateDaskExtra,
  validateDaskVersion,
  validateImage,
  validateLabelKey,
  validatePipRequirement,
  validatePlatform,
  validatePythonVersion,
  validateSafeValue,
} from "./validation";

const BYTECODE_POLICIES: readonly BytecodePolicy[] = Object.values(BYTECODE_POLICY_VALUES);
const RUNTIME_KINDS: readonly RuntimeKind[] = Object.values(RUNTIME_KIND_VALUES);

/** Packages the recipe pins itself: listing them again would fight the `python`/`dask` fields. */
const PINNED_BY_RECIPE: Record<string, string> = {
  python: "python",
  dask: "dask",
  "dask-core": "dask",
  distributed: "dask",
};

/** Reads an own property only, so nothing inherited from a prototype is taken as input. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Sorted, de-duplicated copy (code-unit order, the same on every machine). */
function sortedUnique(items: string[]): string[] {
  return [...new Set(items)].sort(compareCodeUnits);
}

/** One of a fixed set of words. */
function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const fix = `use one of: ${allowed.join(", ")}`;
  const s = expectString(value, field, fix, 32);
  if (!(allowed as readonly string[]).includes(s)) {
    throw new SlimDaskError(field, `${show(s)} is not one of the choices`, fix);
  }
  return s as T;
}

/** Throws when `value` is set (a non-empty list, or anything else) for a preset that ignores it. */
function rejectForPreset(value: unknown, field: string, base: BasePreset, fix: string): void {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return;
  throw new SlimDaskError(
    field,
    `${show(value)} cannot be used with the ${show(base)} preset`,
    fix,
  );
}

/**
 * Package lists: validated item by item, then checked for a name given twice with
 * different specs and for packages the recipe pins itself; returned sorted and unique.
 */
function resolvePackages(
  value: unknown,
  field: string,
  item: (v: unknown, f: string) => string,
  nameOf: (spec: string) => string,
  example: string,
): string[] {
  if (value === undefined) return [];
  const specs = validateList(value, field, item, example);
  const seen = new Map<string, string>();
  specs.forEach((spec, i) => {
    const name = nameOf(spec);
    const pinnedBy = PINNED_BY_RECIPE[name];
    if (pinnedBy !== undefined) {
      throw new SlimDaskError(
        `${field}[${i}]`,
        `${show(spec)} is pinned by the recipe itself`,
        `remove it and set \`${pinnedBy}\` instead`,
      );
    }
    const earlier = seen.get(name);
    if (earlier !== undefined && earlier !== spec) {
      throw new SlimDaskError(
        `${field}[${i}]`,
        `${show(spec)} conflicts with ${show(earlier)} for the same package`,
        "list each package once, with one combined version constraint",
      );
    }
    seen.set(name, spec);
  });
  return sortedUnique(specs);
}

/** Channels: validated, de-duplicated, in the user's order (conda priority follows it). */
function resolveChannels(value: unknown, base: BasePreset): string[] {
  if (!isCondaPreset(base)) {
    rejectForPreset(
      value,
      "channels",
      base,
      "remove `channels`; the pip preset installs from PyPI",
    );
    return [];
  }
  if (value === undefined) return defaultChannels(base);
  const channels = validateList(value, "channels", validateChannel, '"conda-forge"');
  if (channels.length === 0) {
    throw new SlimDaskError(
      "channels",
      "must list at least one channel",
      "omit `channels` to use conda-forge, or list the channels in priority order",
    );
  }
  return [...new Set(channels)];
}

/** dask extras: only for pip, and the image must include distributed to run a scheduler. */
function resolveDaskExtras(value: unknown, base: BasePreset): string[] {
  if (isCondaPreset(base)) {
    const given =
      value === undefined ? [] : validateList(value, "daskExtras", validateDaskExtra, '"complete"');
    if (given.some((e) => e !== "complete")) {
      throw new SlimDaskError(
        "daskExtras",
        `${show(value)} cannot be used with the ${show(base)} preset`,
        "remove `daskExtras`: the conda `dask` package already is the complete set; add other conda packages to `packages`",
      );
    }
    return defaultDaskExtras(base);
  }
  if (value === undefined) return defaultDaskExtras(base);
  const extras = sortedUnique(validateList(value, "daskExtras", validateDaskExtra, '"complete"'));
  if (!extras.includes("complete") && !extras.includes("distributed")) {
    throw new SlimDaskError(
      "daskExtras",
      `${show(extras)} leaves out distributed, so the image cannot run a scheduler or worker`,
      'include "distributed" or "complete"',
    );
  }
  return extras;
}

/** The run-as account (checked by its table), defaults filled field by field. */
function resolveUser(value: unknown): Required<ImageUserConfig> {
  return { ...DEFAULT_USER, ...((value as ImageUserConfig | undefined) ?? {}) };
}

/** Image references: `runtimeImage` only differs from `baseImage` in multi-stage builds. */
function resolveImages(
  cfg: Record<string, unknown>,
  base: BasePreset,
  python: string,
  smallBase: boolean,
): { baseImage: string; runtimeImage: string } {
  const givenBase = own(cfg, "baseImage");
  const givenRuntime = own(cfg, "runtimeImage");
  const baseImage =
    givenBase === undefined
      ? defaultBaseImage(base, python, smallBase)
      : validateImage(givenBase, "baseImage");
  if (givenRuntime === undefined) {
    return { baseImage, runtimeImage: defaultRuntimeImage(base, python, smallBase, baseImage) };
  }
  const runtimeImage = validateImage(givenRuntime, "runtimeImage");
  if (!isMultiStage(base, smallBase) && runtimeImage !== baseImage) {
    throw new SlimDaskError(
      "runtimeImage",
      `${show(runtimeImage)} is set, but the ${show(base)} preset${smallBase ? "" : " without smallBase"} builds in a single stage on ${show(baseImage)}`,
      "remove `runtimeImage` (set `baseImage` instead), or use micromamba/pip with smallBase",
    );
  }
  return { baseImage, runtimeImage };
}

/**
 * `runtime` and `debugShell`: the minimal runtime needs the pip preset's separate build
 * stage (it assembles a venv's closure) and replaces `runtimeImage` with `scratch`.
 */
function resolveRuntime(
  cfg: Record<string, unknown>,
  base: BasePreset,
  smallBase: boolean,
): { runtime: RuntimeKind; debugShell: boolean } {
  const runtimeValue = own(cfg, "runtime");
  const runtime =
    runtimeValue === undefined ? "image" : oneOf(runtimeValue, "runtime", RUNTIME_KINDS);
  const debugShellValue = own(cfg, "debugShell");
  if (runtime !== "minimal") {
    if (debugShellValue !== undefined) {
      throw new SlimDaskError(
        "debugShell",
        `${show(debugShellValue)} is set, but only the minimal runtime can leave out the shell`,
        'remove `debugShell`, or set `runtime: "minimal"`',
      );
    }
    return { runtime, debugShell: false };
  }
  if (base !== "pip") {
    throw new SlimDaskError(
      "runtime",
      `"minimal" cannot be used with the ${show(base)} preset: it assembles the closure of a venv`,
      'use `base: "pip"`, or remove `runtime`',
    );
  }
  if (!smallBase) {
    throw new SlimDaskError(
      "runtime",
      '"minimal" needs a separate runtime stage, but `optimizations.smallBase` is false',
      "remove `optimizations.smallBase: false`, or remove `runtime`",
    );
  }
  if (own(cfg, "runtimeImage") !== undefined) {
    throw new SlimDaskError(
      "runtimeImage",
      `${show(own(cfg, "runtimeImage"))} is set, but the minimal runtime starts FROM scratch`,
      'remove `runtimeImage`, or use `runtime: "image"`',
    );
  }
  return { runtime, debugShell: debugShellValue === undefined ? true : debugShellValue === true };
}

/** Compares dotted numeric versions (`2024.8.1` < `2026.8.0`, `1.2.2` < `2024.8.1`). */
function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(".").map((p) => parseInt(p, 10) || 0);
  const b = minimum.split(".").map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** dask 2024.8.1 dropped Python 3.9 (and older): refuse a pairing that cannot install. */
function rejectPythonTooOld(python: string, dask: string): void {
  const minor = Number(python.split(".")[1]);
  if (python.startsWith("3.") && minor <= 9 && versionAtLeast(dask, DASK_WITHOUT_PY39)) {
    throw new SlimDaskError(
      "python",
      `${show(python)} cannot run dask ${dask}: dask dropped Python 3.9 in ${DASK_WITHOUT_PY39}`,
      `use python "3.10" or newer, or a dask older than ${DASK_WITHOUT_PY39}`,
    );
  }
}

/**
 * Validates an image recipe config and returns the fully defaulted, normalised recipe.
 *
 * Every error is a SlimDaskError naming the field path (`packages[2]`, `env.FOO`,
 * `optimizations.nomkl`, `user.uid`), the offending value and the fix. Unknown keys,
 * wrong types and contradictory settings are errors; nothing is trimmed or coerced.
 * Lists are sorted and de-duplicated (channels keep their order: it is their priority),
 * maps are key-sorted, so equal configs give deep-equal recipes whatever their key order.
 */
export function resolveRecipe(config: unknown, source: ConfigSource = "plain"): ImageRecipe {
  // Field-local checks come from the table; what follows narrows per preset and checks
  // fields against each other.
  const cfg = checkSection(RECIPE_FIELDS, config === undefined ? {} : config, "", source);

  const baseValue = own(cfg, "base");
  const base = baseValue === undefined ? DEFAULT_BASE : oneOf(baseValue, "base", BASE_PRESETS);
  const conda = isCondaPreset(base);

  const pythonValue = own(cfg, "python");
  const python =
    pythonValue === undefined
      ? defaultPython(base)
      : base === "seed"
        ? validatePythonVersion(pythonValue, "python")
        : validatePythonVersion(pythonValue, "python", ...PYTHON_MINOR_RANGE);

  const daskValue = own(cfg, "dask");
  // seed may reproduce the article's pre-calendar pins (dask 1.2.2).
  const dask =
    daskValue === undefined
      ? defaultDask(base)
      : validateDaskVersion(daskValue, "dask", base !== "seed");
  rejectPythonTooOld(python, dask);

  const bytecodeValue = own(cfg, "bytecode");
  const bytecode =
    bytecodeValue === undefined
      ? defaultBytecode(base)
      : oneOf(bytecodeValue, "bytecode", BYTECODE_POLICIES);
  const optimizations = resolveOptimizations(
    base,
    bytecode,
    own(cfg, "optimizations"),
    "optimizations",
  );

  let packages: string[] = [];
  let pipPackages: string[] = [];
  if (conda) {
    rejectForPreset(
      own(cfg, "pipPackages"),
      "pipPackages",
      base,
      "list conda-forge packages in `packages` instead, or use the `pip` preset",
    );
    rejectForPreset(
      own(cfg, "wheelhouse"),
      "wheelhouse",
      base,
      "remove `wheelhouse`, or use the `pip` preset",
    );
    const packagesValue = own(cfg, "packages");
    packages =
      packagesValue === undefined
        ? defaultPackages(base)
        : resolvePackages(
            packagesValue,
            "packages",
            validateCondaSpec,
            condaSpecName,
            '"numpy>=1.26,<2"',
          );
  } else {
    rejectForPreset(
      own(cfg, "packages"),
      "packages",
      base,
      "list PyPI packages in `pipPackages` instead",
    );
    pipPackages = resolvePackages(
      own(cfg, "pipPackages"),
      "pipPackages",
      validatePipRequirement,
      pipRequirementName,
      '"pandas>=2.2"',
    );
  }

  const platformValue = own(cfg, "platform");
  const platform =
    platformValue === undefined
      ? DEFAULT_PLATFORM
      : base === "seed"
        ? validatePlatform(
            platformValue,
            "platform",
            [DEFAULT_PLATFORM],
            " (the seed preset's alpine-conda base is x86_64 only)",
          )
        : validatePlatform(platformValue, "platform", PLATFORMS);

  const { runtime, debugShell } = resolveRuntime(cfg, base, optimizations.smallBase);
  const images = resolveImages(cfg, base, python, optimizations.smallBase);
  const envValue = own(cfg, "env");
  const labelsValue = own(cfg, "labels");
  const wheelhouseValue = own(cfg, "wheelhouse");

  return {
    base,
    python,
    dask,
    daskExtras: resolveDaskExtras(own(cfg, "daskExtras"), base),
    packages,
    pipPackages,
    channels: resolveChannels(own(cfg, "channels"), base),
    baseImage: images.baseImage,
    runtimeImage: runtime === "minimal" ? MINIMAL_RUNTIME.image(python) : images.runtimeImage,
    runtime,
    debugShell,
    optimizations,
    bytecode,
    user: resolveUser(own(cfg, "user")),
    env:
      envValue === undefined
        ? {}
        : validateMap(envValue, "env", validateEnvName, validateSafeValue),
    labels:
      labelsValue === undefined
        ? {}
        : validateMap(labelsValue, "labels", validateLabelKey, validateSafeValue),
    platform,
    wheelhouse:
      conda || wheelhouseValue === undefined ? "" : validateHostPath(wheelhouseValue, "wheelhouse"),
  };
}
