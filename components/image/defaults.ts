import type { BasePreset, BytecodePolicy, ImageUser } from "./recipe-types";

/**
 * Pinned defaults of an image recipe. Every value is pinned (no `latest`) so the same
 * recipe renders the same Dockerfile next month; each carries the reason it was chosen.
 */

/** The presets, in the order they are documented. `micromamba` is the default. */
export const BASE_PRESETS: readonly BasePreset[] = ["micromamba", "miniforge", "seed", "pip"];

/** Default preset: smallest maintained conda image (static micromamba, slim Debian runtime). */
export const DEFAULT_BASE: BasePreset = "micromamba";

/** Python 3.12: supported by every dask release of 2026 and by all conda-forge/PyPI wheels it needs. */
export const DEFAULT_PYTHON = "3.12";

/** Oldest and newest Python minor the maintained presets accept (dask supports 3.9+; 3.14 is current). */
export const PYTHON_MINOR_RANGE: readonly [number, number] = [9, 14];

/** dask 2026.8.0: current release; client, scheduler and workers must all match it. */
export const DEFAULT_DASK = "2026.8.0";

/** conda-forge only: it already builds numpy against OpenBLAS and needs no licence review. */
export const DEFAULT_CHANNELS: readonly string[] = ["conda-forge"];

/** `dask[complete]` for the pip preset: the same set the conda `dask` package installs. */
export const DEFAULT_PIP_DASK_EXTRAS: readonly string[] = ["complete"];

/** A fixed non-root account, so volumes and securityContext can name its ids. */
export const DEFAULT_USER: Readonly<Required<ImageUser>> = { uid: 1000, gid: 1000, name: "dask" };

/** linux/amd64: the platform every preset (including the x86-only seed) can build. */
export const DEFAULT_PLATFORM = "linux/amd64";

/**
 * `compile`: ship bytecode compiled once with unchecked hashes, so processes start fast
 * (deleting `*.pyc` makes imports 2-4x slower on every start). The benchmark may revisit it.
 */
export const DEFAULT_BYTECODE: BytecodePolicy = "compile";

/** The seed preset reproduces the 2019 article, which deleted bytecode. */
export const SEED_BYTECODE: BytecodePolicy = "delete";

/** micromamba 2.5.0 on Debian 12 slim: static binary, no Python in the build stage's base. */
export const MICROMAMBA_IMAGE = "mambaorg/micromamba:2.5.0-debian12-slim";

/** Debian 12 slim: same libc as the micromamba build stage, so copied binaries run unchanged. */
export const DEBIAN_RUNTIME_IMAGE = "debian:bookworm-slim";

/** Miniforge 25.11.0-0: conda + mamba + tini on Ubuntu, the official dask image's base. */
export const MINIFORGE_IMAGE = "condaforge/miniforge3:25.11.0-0";

/** The article's final base: glibc-on-Alpine with conda 4.6.8 (unmaintained since 2019, x86_64). */
export const SEED_ALPINE_IMAGE = "jcrist/alpine-conda:4.6.8";

/** The article's starting base, used by the seed preset when `smallBase` is off. */
export const SEED_MINICONDA_IMAGE = "continuumio/miniconda3:4.6.14";

/** True for the presets that install with conda/micromamba (the rest install with pip). */
export function isCondaPreset(base: BasePreset): boolean {
  return base !== "pip";
}

/** True when the preset builds in one stage and copies the prefix onto a separate runtime image. */
export function isMultiStage(base: BasePreset, smallBase: boolean): boolean {
  return smallBase && (base === "micromamba" || base === "pip");
}

/** Where the preset installs Python and packages; identical in build and runtime stages. */
export function installPrefix(base: BasePreset): string {
  return isCondaPreset(base) ? "/opt/conda" : "/opt/venv";
}

/** `python:<python>-slim-bookworm`: official slim CPython, same path in build and runtime. */
export function pythonSlimImage(python: string): string {
  return `python:${python}-slim-bookworm`;
}

/** The image the (first) build stage starts FROM. */
export function defaultBaseImage(base: BasePreset, python: string, smallBase: boolean): string {
  switch (base) {
    case "micromamba":
      return MICROMAMBA_IMAGE;
    case "miniforge":
      return MINIFORGE_IMAGE;
    case "seed":
      return smallBase ? SEED_ALPINE_IMAGE : SEED_MINICONDA_IMAGE;
    case "pip":
      return pythonSlimImage(python);
  }
}

/**
 * The image the final stage starts FROM: a slim image for multi-stage builds, otherwise
 * the base image itself (single-stage builds have no separate runtime).
 */
export function defaultRuntimeImage(
  base: BasePreset,
  python: string,
  smallBase: boolean,
  baseImage: string,
): string {
  if (!isMultiStage(base, smallBase)) return baseImage;
  return base === "pip" ? pythonSlimImage(python) : DEBIAN_RUNTIME_IMAGE;
}

/** Default bytecode policy per preset (seed follows the article). */
export function defaultBytecode(base: BasePreset): BytecodePolicy {
  return base === "seed" ? SEED_BYTECODE : DEFAULT_BYTECODE;
}

/**
 * Default dask extras: `["complete"]` for pip; none for conda presets, whose `dask`
 * package already is the complete set (extras are a pip concept).
 */
export function defaultDaskExtras(base: BasePreset): string[] {
  return isCondaPreset(base) ? [] : [...DEFAULT_PIP_DASK_EXTRAS];
}
