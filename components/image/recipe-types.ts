/**
 * Plain (non-Pulumi) types of an image recipe. `ImageRecipeConfig` is what a user writes
 * (component args after unwrapping, or a CLI config file); `ImageRecipe` is the validated,
 * normalised, fully-defaulted form every renderer works from.
 */

/** Dockerfile presets. */
export type BasePreset = "micromamba" | "miniforge" | "seed" | "pip";

/**
 * What happens to Python bytecode:
 * - `delete`: the article's choice (PYTHONDONTWRITEBYTECODE + delete `*.pyc`/`__pycache__`).
 * - `keep`: keep what the installer wrote.
 * - `compile`: install without bytecode, then `compileall --invalidation-mode unchecked-hash`
 *   once, so processes never stat sources to validate caches.
 */
export type BytecodePolicy = "delete" | "keep" | "compile";

/** One named switch per size technique. Each is documented with its default in `optimizations.ts`. */
export interface Optimizations {
  nomkl?: boolean;
  freezeInstalled?: boolean;
  cleanCache?: boolean;
  noBytecode?: boolean;
  staticLibraries?: boolean;
  sourceMaps?: boolean;
  bokehUnminified?: boolean;
  headers?: boolean;
  docs?: boolean;
  tests?: boolean;
  cythonSources?: boolean;
  installerTools?: boolean;
  strip?: boolean;
  smallBase?: boolean;
  tini?: boolean;
}

/** The account the container runs as. */
export interface ImageUser {
  uid?: number;
  gid?: number;
  name?: string;
}

/** What a user writes: every field optional. */
export interface ImageRecipeConfig {
  base?: string;
  python?: string;
  dask?: string;
  daskExtras?: string[];
  packages?: string[];
  pipPackages?: string[];
  channels?: string[];
  baseImage?: string;
  runtimeImage?: string;
  optimizations?: Optimizations;
  bytecode?: string;
  user?: ImageUser;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  platform?: string;
  wheelhouse?: string;
}

/** The validated, normalised recipe: every field set, lists sorted and de-duplicated. */
export interface ImageRecipe {
  base: BasePreset;
  python: string;
  dask: string;
  daskExtras: string[];
  packages: string[];
  pipPackages: string[];
  channels: string[];
  baseImage: string;
  runtimeImage: string;
  optimizations: Required<Optimizations>;
  bytecode: BytecodePolicy;
  user: Required<ImageUser>;
  env: Record<string, string>;
  labels: Record<string, string>;
  platform: string;
  /** Host directory of wheels to install offline (pip preset), or "" for none. */
  wheelhouse: string;
}
