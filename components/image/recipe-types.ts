import type { ImageUserConfig, OptimizationsConfig, SlimDaskImageConfig } from "./args";

/**
 * The validated, normalised, fully-defaulted recipe every renderer works from. What a user
 * writes is `SlimDaskImageConfig` (generated from the field table into `args.ts`).
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

/** One switch per size technique (generated from the technique table). */
export type Optimizations = OptimizationsConfig;

/** The run-as account as a user writes it. */
export type ImageUser = ImageUserConfig;

/** The recipe part of an image config as a user writes it (publishing fields left out). */
export type ImageRecipeConfig = Omit<
  SlimDaskImageConfig,
  "imageName" | "tag" | "push" | "registry" | "cacheFrom" | "contextDir"
>;

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
  user: Required<ImageUserConfig>;
  env: Record<string, string>;
  labels: Record<string, string>;
  platform: string;
  /** Host directory of wheels to install offline (pip preset), or "" for none. */
  wheelhouse: string;
}
