import { installPrefix } from "../defaults";
import type { ImageRecipe } from "../recipe-types";
import { CondaTool, condaInstallCommands } from "./conda";
import { singleStageEnd } from "./runtime";
import { copyAssets, firstStage, installRun } from "./tail";
import { dockerfile } from "./text";

/** miniforge ships conda, mamba (libmamba: has --no-pyc) and tini already. */
const MAMBA: CondaTool = {
  install: "mamba install --yes --name base",
  clean: "conda clean -afy",
  noPyc: true,
  tiniPackage: false,
};

/**
 * The official dask image's approach: one stage on condaforge/miniforge3 (Ubuntu), conda
 * and mamba kept so the running image can still install packages.
 */
export function renderMiniforge(recipe: ImageRecipe): string {
  const prefix = installPrefix(recipe.base);
  return dockerfile([
    firstStage(
      recipe,
      ["Single stage on miniforge (Ubuntu, conda + mamba + tini); conda stays usable at run time."],
      recipe.baseImage,
    ),
    copyAssets(),
    installRun(recipe, prefix, condaInstallCommands(recipe, MAMBA)),
    ...singleStageEnd(recipe, prefix, "debian", true),
  ]);
}
