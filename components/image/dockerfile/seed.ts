import { installPrefix } from "../defaults";
import type { ImageRecipe } from "../recipe-types";
import { CondaTool, condaInstallCommands } from "./conda";
import { singleStageEnd } from "./runtime";
import { copyAssets, firstStage, installRun } from "./tail";
import { dockerfile } from "./text";

/** The article's conda 4.6: no --no-pyc; both of its bases already ship tini. */
const CONDA_46: CondaTool = {
  install: "/opt/conda/bin/conda install --yes",
  clean: "/opt/conda/bin/conda clean -afy",
  noPyc: false,
  tiniPackage: false,
};

/**
 * The 2019 article's final Dockerfile in effect: jcrist/alpine-conda (glibc on Alpine,
 * BusyBox userland) or, without smallBase, the article's starting continuumio/miniconda3.
 * The article's four deletions run through the shared prune script (which tolerates a
 * missing Bokeh, never follows symlinks and works with BusyBox find).
 */
export function renderSeed(recipe: ImageRecipe): string {
  const prefix = installPrefix(recipe.base);
  const alpine = recipe.optimizations.smallBase;
  return dockerfile([
    firstStage(
      recipe,
      [
        "Kept for comparison with the 2019 article only: its base images are unmaintained",
        "(conda 4.6, not updated since 2019, x86_64 only). Use micromamba or pip for real images.",
        alpine
          ? "Single stage on jcrist/alpine-conda: glibc on Alpine, BusyBox userland, tini included."
          : "Single stage on continuumio/miniconda3 (Debian), the article's starting point.",
      ],
      recipe.baseImage,
    ),
    copyAssets(),
    installRun(recipe, prefix, condaInstallCommands(recipe, CONDA_46)),
    ...singleStageEnd(recipe, prefix, alpine ? "busybox" : "debian", true),
  ]);
}
