import type { BasePreset } from "../recipe-types";

/**
 * Dockerfile presets as data: every fact about a preset's base images and installer that a
 * renderer needs, in one table. The renderers read these fields instead of booleans passed
 * through several files (that is how the seed preset once ran `adduser` as a non-root
 * user). Each fact about a third-party image carries the check it was written from.
 */

/** Which account tools an image's userland has. */
export type Userland = "debian" | "busybox";

/** How packages are installed. */
export type Installer = "micromamba" | "mamba" | "conda-4.6" | "pip";

/** Where `tini` comes from. */
export type TiniSource =
  /** The base image already ships it on PATH. */
  | "base-image"
  /** A conda package installed with everything else. */
  | "conda-package"
  /** Debian's `tini` package in the build stage; its static binary is copied to the runtime. */
  | "apt-package";

/** Facts about one third-party image a stage starts FROM. */
export interface BaseImageFacts {
  /** What a stage on this image does, for the Dockerfile's header comment. */
  about: string;
  /** The pinned reference (a function of the Python minor for the Python images). */
  image: (python: string) => string;
  /**
   * The account the image's last USER leaves in force: `root`, or its name and uid.
   * A stage that needs root (apt, creating the account) switches with `USER 0` first.
   */
  user: "root" | { name: string; uid: number };
  userland: Userland;
  /** Whether the image sets `LANG` to a UTF-8 locale itself; if not, the final stage does. */
  setsUtf8Lang: boolean;
  /** Whether the image is Debian/Ubuntu with apt (so build tools such as `strip` can come from apt). */
  apt: boolean;
}

/** One preset: its images, installer, prefix and what stays usable at run time. */
export interface Preset {
  installer: Installer;
  /** Install prefix, identical in the build and runtime stages (scripts hard-code it). */
  prefix: string;
  /** The stage the install runs in (with `smallBase`). */
  build: BaseImageFacts;
  /** Without `smallBase`, when that changes the base (seed: the article's starting image). */
  buildWithoutSmallBase?: BaseImageFacts;
  /** With `smallBase`, the slim image the prefix is copied onto; absent for single-stage presets. */
  runtime?: BaseImageFacts;
  tini: TiniSource;
  /**
   * Where the interpreter's standard library lives: inside the prefix (conda), or in the
   * base image's own Python (a venv), compiled by the stage that owns it.
   */
  stdlib: "prefix" | "base-image";
  /** Whether the installer stays usable by the run-as user (the prefix is then owned by it). */
  installerAtRunTime: boolean;
  /** Default conda channels; empty means the base image's own configured default channel. */
  channels: readonly string[];
  /** Comment lines for presets kept only for comparison. */
  warning?: readonly string[];
}

/** python:<minor>-slim-bookworm: official slim CPython (root, Debian, LANG=C.UTF-8). */
const PYTHON_SLIM: BaseImageFacts = {
  about: "the slim Python image; the packages go into a venv at /opt/venv.",
  image: (python) => `python:${python}-slim-bookworm`,
  user: "root",
  userland: "debian",
  setsUtf8Lang: true,
  apt: true,
};

/**
 * The presets. The facts about third-party images come from their published Dockerfiles and
 * the project's reference notes ("Base image facts"); those images cannot be pulled on the
 * CI machine, so the golden Dockerfiles and these comments are what reviewers check.
 */
export const PRESETS: Readonly<Record<BasePreset, Preset>> = {
  micromamba: {
    installer: "micromamba",
    prefix: "/opt/conda",
    // The image ends with USER mambauser (uid 57439), Debian 12 slim, LANG=C.UTF-8.
    build: {
      about: "micromamba (a static binary): python, dask and tini come from conda-forge.",
      image: () => "mambaorg/micromamba:2.5.0-debian12-slim",
      user: { name: "mambauser", uid: 57439 },
      userland: "debian",
      setsUtf8Lang: true,
      apt: true,
    },
    // debian:bookworm-slim runs as root and sets no LANG (Python would default to ASCII).
    runtime: {
      about: "a slim Debian with no compilers and no package manager.",
      image: () => "debian:bookworm-slim",
      user: "root",
      userland: "debian",
      setsUtf8Lang: false,
      apt: true,
    },
    tini: "conda-package",
    stdlib: "prefix",
    installerAtRunTime: false,
    channels: ["conda-forge"],
  },
  miniforge: {
    installer: "mamba",
    prefix: "/opt/conda",
    // Runs as root, Ubuntu, LANG=C.UTF-8, tini in /opt/conda/bin.
    build: {
      about: "miniforge (Ubuntu, conda + mamba + tini); conda stays usable at run time.",
      image: () => "condaforge/miniforge3:25.11.0-0",
      user: "root",
      userland: "debian",
      setsUtf8Lang: true,
      apt: true,
    },
    tini: "base-image",
    stdlib: "prefix",
    installerAtRunTime: true,
    channels: ["conda-forge"],
  },
  seed: {
    installer: "conda-4.6",
    prefix: "/opt/conda",
    // The image ends with `USER anaconda:anaconda` (uid 10151), which owns /opt/conda
    // and runs the install; creating the run-as account needs `USER 0` first. Its conda
    // installs from the image's default channel (the article passed no -c).
    build: {
      about: "jcrist/alpine-conda: glibc on Alpine, BusyBox userland, tini included.",
      image: () => "jcrist/alpine-conda:4.6.8",
      user: { name: "anaconda", uid: 10151 },
      userland: "busybox",
      setsUtf8Lang: false,
      apt: false,
    },
    // continuumio/miniconda3 runs as root on Debian with LANG=C.UTF-8 and tini.
    buildWithoutSmallBase: {
      about: "continuumio/miniconda3 (Debian), the article's starting point.",
      image: () => "continuumio/miniconda3:4.6.14",
      user: "root",
      userland: "debian",
      setsUtf8Lang: true,
      apt: true,
    },
    tini: "base-image",
    stdlib: "prefix",
    installerAtRunTime: false,
    channels: [],
    warning: [
      "Kept for comparison with the 2019 article only: its base images are unmaintained",
      "(conda 4.6, not updated since 2019, x86_64 only). Use micromamba or pip for real images.",
    ],
  },
  pip: {
    installer: "pip",
    prefix: "/opt/venv",
    build: PYTHON_SLIM,
    runtime: PYTHON_SLIM,
    tini: "apt-package",
    stdlib: "base-image",
    installerAtRunTime: false,
    channels: [],
  },
};

/**
 * `scratch`, where the pip preset's minimal runtime starts: no files, no locale, root. No
 * account is created in that stage (`minimal-root.py` writes them in the build stage), so
 * its `userland` is never read.
 */
export const MINIMAL_RUNTIME: BaseImageFacts = {
  about: "scratch: only the root filesystem the build stage assembled.",
  image: () => "scratch",
  user: "root",
  userland: "debian",
  setsUtf8Lang: false,
  apt: false,
};

/** The facts of the image the first (install) stage starts FROM. */
export function buildImageFacts(base: BasePreset, smallBase: boolean): BaseImageFacts {
  const preset = PRESETS[base];
  return (!smallBase && preset.buildWithoutSmallBase) || preset.build;
}

/** The facts of the image the final stage starts FROM. */
export function finalImageFacts(base: BasePreset, smallBase: boolean): BaseImageFacts {
  const preset = PRESETS[base];
  return smallBase && preset.runtime ? preset.runtime : buildImageFacts(base, smallBase);
}

/** True when the preset, with this `smallBase`, copies its prefix onto a separate runtime image. */
export function isMultiStagePreset(base: BasePreset, smallBase: boolean): boolean {
  return smallBase && PRESETS[base].runtime !== undefined;
}

/**
 * The pip preset's heavy numeric distributions: the runtime stage's second layer, after the
 * interpreter's, as they are the largest and change least often (whichever package asked for
 * them). Those not installed are skipped.
 */
export const HEAVY_DISTRIBUTIONS: readonly string[] = [
  "llvmlite",
  "numba",
  "numpy",
  "pandas",
  "pyarrow",
  "scikit-learn",
  "scipy",
];
