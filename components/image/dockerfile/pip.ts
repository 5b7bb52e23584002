import { installPrefix, isMultiStage } from "../defaults";
import type { ImageRecipe } from "../recipe-types";
import { runtimeStage, singleStageEnd } from "./runtime";
import { copyAssets, firstStage, installRun, installWithoutBytecode } from "./tail";
import { run, shellWord, step } from "./text";
import { dockerfile } from "./text";

/** Where the build context's `wheels/` directory is copied for an offline install. */
const WHEEL_DIR = "/tmp/wheels";

/** `dask[extras]==<dask>` then the recipe's pip packages (already sorted). */
function requirements(recipe: ImageRecipe): string[] {
  const extras = recipe.daskExtras.length > 0 ? `[${recipe.daskExtras.join(",")}]` : "";
  return [`dask${extras}==${recipe.dask}`, ...recipe.pipPackages];
}

/** `python3 -m venv`, then one pip install of everything. */
function installCommands(recipe: ImageRecipe, prefix: string): string[] {
  const flags = ["--disable-pip-version-check"];
  if (recipe.optimizations.cleanCache) flags.push("--no-cache-dir");
  if (installWithoutBytecode(recipe)) flags.push("--no-compile");
  if (recipe.wheelhouse !== "") flags.push("--no-index", `--find-links ${WHEEL_DIR}`);
  return [
    `python3 -m venv ${prefix}`,
    `${prefix}/bin/pip install ${[...flags, ...requirements(recipe).map(shellWord)].join(" ")}`,
  ];
}

/**
 * The buildable twin of micromamba: a venv at /opt/venv on the official slim Python image
 * (wheels from PyPI or, offline, from the recipe's wheelhouse); with smallBase the venv is
 * copied onto a fresh slim runtime stage without the build stage's apt lists or wheels.
 */
export function renderPip(recipe: ImageRecipe): string {
  const prefix = installPrefix(recipe.base);
  const multiStage = isMultiStage(recipe.base, recipe.optimizations.smallBase);
  const tini = recipe.optimizations.tini;
  const blocks = [
    firstStage(
      recipe,
      [
        multiStage
          ? "Build stage: a venv at /opt/venv on the slim Python image."
          : "Single stage: a venv at /opt/venv on the slim Python image.",
      ],
      multiStage ? `${recipe.baseImage} AS build` : recipe.baseImage,
    ),
  ];
  if (tini) {
    blocks.push(
      step(
        "tini from Debian (the package has a static /usr/bin/tini-static too); no apt lists kept.",
        run([
          "apt-get update",
          "apt-get install -y --no-install-recommends tini",
          "rm -rf /var/lib/apt/lists/*",
        ]),
      ),
    );
  }
  blocks.push(copyAssets());
  if (recipe.wheelhouse !== "") {
    blocks.push(
      step(
        "The wheelhouse, for an offline install (pip never reaches an index).",
        `COPY wheels/ ${WHEEL_DIR}/`,
      ),
    );
  }
  blocks.push(installRun(recipe, prefix, installCommands(recipe, prefix)));
  if (!multiStage)
    return dockerfile([...blocks, ...singleStageEnd(recipe, prefix, "debian", true)]);
  const tiniCopy = step(
    "The static tini: the runtime image needs neither apt nor tini's libraries.",
    "COPY --from=build /usr/bin/tini-static /usr/bin/tini",
  );
  return dockerfile([...blocks, ...runtimeStage(recipe, prefix, tini ? [tiniCopy] : [])]);
}
