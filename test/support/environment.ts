import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What `.ci/provision.sh` provides, as the tests and the benchmark see it. The names here
 * and in the script must agree; a missing piece fails with the command that provides it.
 */

const PROVISION = "run `bash .ci/provision.sh` (as root) first";

/** The repository root, found from this file whether run by ts-jest or from `dist/`. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Where provisioning keeps the registry and its tools. */
export function stateDir(): string {
  return process.env.SLIM_DASK_STATE ?? "/var/tmp/slim-dask-ci";
}

/** Local base images built with debootstrap (Docker Hub is unreachable here). */
export const BASE_IMAGES = {
  /** minbase + python3 + python3-venv: build and runtime image of the pip preset. */
  slim: "slim-dask-local/python:3.11-slim-bookworm",
  /**
   * The faithful stand-in for the official `python:3.11-slim`: the slim base with what that
   * image's Dockerfile deletes (every stdlib `*.pyc`, test dirs), flattened. The e2e suite
   * and the benchmark build on it, so cold starts see a stdlib without bytecode.
   */
  faithful: "slim-dask-local/python-faithful:3.11-slim-bookworm",
  /**
   * The naive user's base, a stand-in for `python:3.11`: default debootstrap variant with
   * python3, pip, venv and the compilers and headers (`build-essential`, `python3-dev`) that
   * python:3.11's buildpack-deps base carries (the real image has still more, ~1 GB).
   */
  full: "slim-dask-local/python-full:3.11-bookworm",
} as const;

/** The Python minor version of both local bases (Debian bookworm). */
export const BASE_PYTHON = "3.11";

/** The dask release the wheelhouses were resolved for. */
export const DASK_VERSION = "2026.8.0";

/**
 * Wheel sets downloaded on the host: the article's (dask, distributed, bokeh, numpy, pandas:
 * array work only, as dask.dataframe requires pyarrow), the article's plus pyarrow (the
 * smallest set with working dataframes), and `dask[complete]`.
 */
export type WheelSet = "complete" | "article" | "article-arrow";

/** The dask work each wheel set can do (what the e2e suite and the benchmark check). */
export const SET_WORK: Record<WheelSet, readonly ("array" | "dataframe")[]> = {
  article: ["array"],
  "article-arrow": ["array", "dataframe"],
  complete: ["array", "dataframe"],
};

/**
 * Size goals per wheel set: MB (10^6 bytes) of the default slim image above its runtime base.
 * The e2e suite checks its set's image against them in every CI run; `npm run bench` reports
 * them for every variant.
 */
export const SIZE_GOALS_ABOVE_BASE_MB: Record<WheelSet, number> = {
  article: 150,
  "article-arrow": 250,
  complete: 290,
};

/**
 * Size goals of the minimal runtime (issue 19): MB of the whole image, which has no base
 * (the article's 2019 image was 258 MB in total).
 */
export const MINIMAL_SIZE_GOALS_MB: Record<WheelSet, number> = {
  article: 220,
  "article-arrow": 320,
  complete: 320,
};

/**
 * Cheap rebuilds (issue 19): the small package the e2e suite adds to its built image, from
 * its own wheelhouse (provisioned `--no-deps`: it needs only numpy, pandas and packaging,
 * which every set has), and the goal for what that rebuild's push sends: at most this share
 * of the new image's compressed size.
 */
export const SMALL_CHANGE = { package: "xarray", wheelhouse: "xarray" } as const;
export const REBUILD_PUSH_GOAL = 0.15;

/** The host directory of one wheel set; throws when provisioning has not downloaded it. */
export function wheelhouse(set: WheelSet | typeof SMALL_CHANGE.wheelhouse): string {
  const dir = path.join(repoRoot(), "build", "wheelhouse", set);
  if (!fs.existsSync(path.join(dir, ".complete"))) {
    throw new Error(`wheelhouse ${dir} is missing or incomplete: ${PROVISION}`);
  }
  return dir;
}

/** Credentials of the local registry (htpasswd auth on 127.0.0.1:5000). */
export interface RegistryCredentials {
  server: string;
  username: string;
  password: string;
}

/** Reads the registry credentials provisioning generated. */
export function registryCredentials(): RegistryCredentials {
  const dir = path.join(stateDir(), "registry");
  const read = (name: string): string => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${PROVISION}`);
    return fs.readFileSync(file, "utf8").trim();
  };
  return { server: "127.0.0.1:5000", username: read("username"), password: read("password") };
}

/** The message for a missing prerequisite, naming the fix. */
export function provisionHint(what: string): string {
  return `${what}: ${PROVISION}`;
}
