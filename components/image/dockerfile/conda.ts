import type { ImageRecipe } from "../recipe-types";
import { installWithoutBytecode } from "./tail";
import { shellWord } from "./text";

/** Pieces the three conda presets (micromamba, miniforge, seed) share. */

/** How a preset's installer is invoked and what it supports. */
export interface CondaTool {
  /** The install command up to the subcommand, e.g. `micromamba install --yes --name base`. */
  install: string;
  /** The cache clean-up command, e.g. `conda clean -afy`. */
  clean: string;
  /** Whether the installer has `--no-pyc` (libmamba does; conda 4.6 does not). */
  noPyc: boolean;
  /** Whether `tini` must be installed as a conda package (the base image lacks it). */
  tiniPackage: boolean;
}

/**
 * The specs to install, sorted: python and dask pinned, `tini` and `nomkl` when enabled,
 * then the recipe's packages.
 */
export function condaSpecs(recipe: ImageRecipe, tool: CondaTool): string[] {
  const specs = [`python=${recipe.python}`, `dask=${recipe.dask}`, ...recipe.packages];
  if (recipe.optimizations.tini && tool.tiniPackage) specs.push("tini");
  if (recipe.optimizations.nomkl) specs.push("nomkl");
  return [...new Set(specs)].sort();
}

/**
 * The install command: `--freeze-installed` keeps packages the base already has, `--no-pyc`
 * when bytecode is deleted or compiled later, `--override-channels` so only the recipe's
 * channels (in priority order) are used whatever the base's .condarc says.
 */
export function condaInstall(recipe: ImageRecipe, tool: CondaTool): string {
  const words = [tool.install];
  if (recipe.optimizations.freezeInstalled) words.push("--freeze-installed");
  if (tool.noPyc && installWithoutBytecode(recipe)) words.push("--no-pyc");
  words.push("--override-channels", ...recipe.channels.map((c) => `-c ${shellWord(c)}`));
  words.push(...condaSpecs(recipe, tool).map(shellWord));
  return words.join(" ");
}

/** Install, then (cleanCache) the clean-up, as the head of the install RUN. */
export function condaInstallCommands(recipe: ImageRecipe, tool: CondaTool): string[] {
  const commands = [condaInstall(recipe, tool)];
  if (recipe.optimizations.cleanCache) commands.push(tool.clean);
  return commands;
}
