import { installPrefix, isMultiStage } from "../defaults";
import type { ImageRecipe } from "../recipe-types";
import { CondaTool, condaInstallCommands } from "./conda";
import { runtimeStage, singleStageEnd } from "./runtime";
import { copyAssets, firstStage, installRun } from "./tail";
import { dockerfile } from "./text";

/** micromamba: a static binary with an empty base env, so tini and python come from conda-forge. */
const MICROMAMBA: CondaTool = {
  install: "micromamba install --yes --name base",
  clean: "micromamba clean --all --yes",
  noPyc: true,
  tiniPackage: true,
};

/**
 * The default preset: micromamba installs into /opt/conda in a build stage; with smallBase
 * the pruned prefix is copied onto a slim Debian runtime (no micromamba, no compilers).
 */
export function renderMicromamba(recipe: ImageRecipe): string {
  const prefix = installPrefix(recipe.base);
  const multiStage = isMultiStage(recipe.base, recipe.optimizations.smallBase);
  return dockerfile([
    multiStage
      ? firstStage(
          recipe,
          ["Build stage: micromamba installs into its root prefix /opt/conda as mambauser."],
          `${recipe.baseImage} AS build`,
        )
      : firstStage(
          recipe,
          ["Single stage: micromamba installs into its root prefix /opt/conda as mambauser."],
          recipe.baseImage,
        ),
    copyAssets(),
    installRun(recipe, prefix, condaInstallCommands(recipe, MICROMAMBA)),
    ...(multiStage
      ? runtimeStage(recipe, prefix)
      : singleStageEnd(recipe, prefix, "debian", false)),
  ]);
}
