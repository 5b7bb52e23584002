import type { ImageRecipeConfig } from "../../components/image/recipe-types";

/**
 * The golden Dockerfiles: every preset's defaults and a few option mixes. `npm run golden`
 * writes `<name>.Dockerfile` next to this file; a unit test compares them with the renderer,
 * so every change to an image is reviewed as a Dockerfile diff.
 */
export const GOLDEN_CASES: Readonly<Record<string, ImageRecipeConfig>> = {
  "micromamba-defaults": {},
  "miniforge-defaults": { base: "miniforge" },
  "seed-defaults": { base: "seed" },
  "pip-defaults": { base: "pip" },
  "micromamba-single-stage": { optimizations: { smallBase: false } },
  "seed-miniconda": { base: "seed", optimizations: { smallBase: false } },
  "pip-single-stage-keep": { base: "pip", bytecode: "keep", optimizations: { smallBase: false } },
  "pip-wheelhouse-delete": {
    base: "pip",
    python: "3.11",
    bytecode: "delete",
    pipPackages: ["pyarrow", "bokeh"],
    wheelhouse: "/srv/wheels",
  },
  "pip-installer-kept-unstripped": {
    base: "pip",
    optimizations: { installerTools: false, strip: false, tests: false, cythonSources: false },
  },
  "micromamba-mixed": {
    packages: ["zarr", "numpy>=1.26,<2"],
    channels: ["conda-forge", "bioconda"],
    user: { uid: 2000, gid: 3000, name: "worker" },
    env: { DASK_DISTRIBUTED__WORKER__DAEMON: "False" },
    labels: { team: "data" },
    optimizations: { tini: false, headers: false },
  },
  "miniforge-user": { base: "miniforge", user: { uid: 1001, gid: 1001, name: "analyst" } },
  "pip-minimal": { base: "pip", runtime: "minimal" },
  "pip-minimal-no-shell-no-tini": {
    base: "pip",
    runtime: "minimal",
    debugShell: false,
    bytecode: "delete",
    user: { uid: 2000, gid: 2000, name: "worker" },
    optimizations: { tini: false },
  },
};

/** The file a case is stored in. */
export function goldenFile(name: string): string {
  return `${name}.Dockerfile`;
}
