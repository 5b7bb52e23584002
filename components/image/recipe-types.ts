import type { ImageUserConfig, OptimizationsConfig, SlimDaskImageConfig } from "./args";

/**
 * The validated, normalised, fully-defaulted recipe every renderer works from. What a user
 * writes is `SlimDaskImageConfig` (generated from the field table into `args.ts`).
 */

/**
 * Dockerfile presets, and what happens to Python bytecode (enums generated from the field
 * table): `delete` is the article's choice (PYTHONDONTWRITEBYTECODE + delete `*.pyc`), `keep`
 * keeps what the installer wrote, `compile` installs without bytecode, then runs
 * `compileall --invalidation-mode unchecked-hash` once, so processes never stat sources.
 */
import type { BasePreset, BytecodePolicy, RuntimeKind } from "./args";
export type { BasePreset, BytecodePolicy, RuntimeKind };

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
  /** `scratch` for the minimal runtime. */
  runtimeImage: string;
  runtime: RuntimeKind;
  /** A BusyBox shell in the minimal runtime; always false for `runtime: "image"`. */
  debugShell: boolean;
  optimizations: Required<Optimizations>;
  bytecode: BytecodePolicy;
  user: Required<ImageUserConfig>;
  env: Record<string, string>;
  labels: Record<string, string>;
  platform: string;
  /** Host directory of wheels to install offline (pip preset), or "" for none. */
  wheelhouse: string;
}
