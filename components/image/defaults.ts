import {
  buildImageFacts,
  finalImageFacts,
  isMultiStagePreset,
  PRESETS,
} from "./dockerfile/presets";
import type { BasePreset, BytecodePolicy, ImageUser } from "./recipe-types";

/**
 * Pinned defaults of an image recipe. Every value is pinned (no `latest`) so the same
 * recipe renders the same Dockerfile next month; each carries the reason it was chosen.
 */

/** The presets, in the order they are documented (the `BasePreset` enum). `micromamba` is the default. */
export const BASE_PRESET_VALUES = {
  Micromamba: "micromamba",
  Miniforge: "miniforge",
  Seed: "seed",
  Pip: "pip",
} as const;
export const BASE_PRESETS: readonly BasePreset[] = Object.values(BASE_PRESET_VALUES);

/** Bytecode policies (the `BytecodePolicy` enum). */
export const BYTECODE_POLICY_VALUES = {
  Compile: "compile",
  Keep: "keep",
  Delete: "delete",
} as const;

/**
 * What the final stage of the pip preset starts from (the `RuntimeKind` enum): `image`, a
 * slim Python image the venv is copied onto; `minimal`, `FROM scratch` with only what the
 * venv and its interpreter load (see `assets/minimal-root.py`).
 */
export const RUNTIME_KIND_VALUES = {
  Image: "image",
  Minimal: "minimal",
} as const;

/** Default preset: smallest maintained conda image (static micromamba, slim Debian runtime). */
export const DEFAULT_BASE: BasePreset = "micromamba";

/** Python 3.12: supported by every dask release of 2026 and by all conda-forge/PyPI wheels it needs. */
export const DEFAULT_PYTHON = "3.12";

/** Oldest and newest Python minor the maintained presets accept (dask supports 3.9+; 3.14 is current). */
export const PYTHON_MINOR_RANGE: readonly [number, number] = [9, 14];

/** dask 2026.8.0: current release; client, scheduler and workers must all match it. */
export const DEFAULT_DASK = "2026.8.0";

/** conda-forge only: it already builds numpy against OpenBLAS and needs no licence review. */
export const DEFAULT_CHANNELS: readonly string[] = PRESETS.micromamba.channels;

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

/**
 * The article's versions, the seed preset's defaults, so it reproduces the article with no
 * extra fields: dask 1.2.2, numpy 1.16.3, pandas 0.24.2, on the base image's own Python 3.7
 * (jcrist/alpine-conda:4.6.8 is Miniconda 4.6 with Python 3.7; conda 4.6.8 cannot resolve
 * today's dask or Python).
 */
export const SEED_DASK = "1.2.2";
export const SEED_PYTHON = "3.7";
export const SEED_PACKAGES: readonly string[] = ["numpy=1.16.3", "pandas=0.24.2"];

/** micromamba 2.5.0 on Debian 12 slim: static binary, no Python in the build stage's base. */
export const MICROMAMBA_IMAGE = PRESETS.micromamba.build.image(DEFAULT_PYTHON);

/** Debian 12 slim: same libc as the micromamba build stage, so copied binaries run unchanged. */
export const DEBIAN_RUNTIME_IMAGE = PRESETS.micromamba.runtime!.image(DEFAULT_PYTHON);

/** Miniforge 25.11.0-0: conda + mamba + tini on Ubuntu, the official dask image's base. */
export const MINIFORGE_IMAGE = PRESETS.miniforge.build.image(DEFAULT_PYTHON);

/** The article's final base: glibc-on-Alpine with conda 4.6.8 (unmaintained since 2019, x86_64). */
export const SEED_ALPINE_IMAGE = PRESETS.seed.build.image(SEED_PYTHON);

/** The article's starting base, used by the seed preset when `smallBase` is off. */
export const SEED_MINICONDA_IMAGE = PRESETS.seed.buildWithoutSmallBase!.image(SEED_PYTHON);

/** True for the presets that install with conda/micromamba (the rest install with pip). */
export function isCondaPreset(base: BasePreset): boolean {
  return PRESETS[base].installer !== "pip";
}

/** True when the preset builds in one stage and copies the prefix onto a separate runtime image. */
export function isMultiStage(base: BasePreset, smallBase: boolean): boolean {
  return isMultiStagePreset(base, smallBase);
}

/** Where the preset installs Python and packages; identical in build and runtime stages. */
export function installPrefix(base: BasePreset): string {
  return PRESETS[base].prefix;
}

/** `python:<python>-slim-bookworm`: official slim CPython, same path in build and runtime. */
export function pythonSlimImage(python: string): string {
  return PRESETS.pip.build.image(python);
}

/** The image the (first) build stage starts FROM. */
export function defaultBaseImage(base: BasePreset, python: string, smallBase: boolean): string {
  return buildImageFacts(base, smallBase).image(python);
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
  return finalImageFacts(base, smallBase).image(python);
}

/** Default conda channels of a preset; empty (seed) means the base image's own default channel. */
export function defaultChannels(base: BasePreset): string[] {
  return [...PRESETS[base].channels];
}

/** Default bytecode policy per preset (seed follows the article). */
export function defaultBytecode(base: BasePreset): BytecodePolicy {
  return base === "seed" ? SEED_BYTECODE : DEFAULT_BYTECODE;
}

/** Default Python minor per preset: seed uses its base image's own Python, as the article did. */
export function defaultPython(base: BasePreset): string {
  return base === "seed" ? SEED_PYTHON : DEFAULT_PYTHON;
}

/** Default dask version per preset: seed reproduces the article's pin. */
export function defaultDask(base: BasePreset): string {
  return base === "seed" ? SEED_DASK : DEFAULT_DASK;
}

/** Default extra packages: seed pins the article's numpy and pandas; the others add none. */
export function defaultPackages(base: BasePreset): string[] {
  return base === "seed" ? [...SEED_PACKAGES] : [];
}

/**
 * The first dask release without Python 3.9 (2024.8.1 dropped it); older releases still run
 * on 3.9, so the check compares versions instead of refusing 3.9 outright.
 */
export const DASK_WITHOUT_PY39 = "2024.8.1";

/**
 * Default dask extras: `["complete"]` for pip; none for conda presets, whose `dask`
 * package already is the complete set (extras are a pip concept).
 */
export function defaultDaskExtras(base: BasePreset): string[] {
  return isCondaPreset(base) ? [] : [...DEFAULT_PIP_DASK_EXTRAS];
}
