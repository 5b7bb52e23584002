import type { ImageRecipe } from "../recipe-types";
import { renderMicromamba } from "./micromamba";
import { renderMiniforge } from "./miniforge";
import { renderPip } from "./pip";
import { renderSeed } from "./seed";

export { pruneRules } from "./tail";

/**
 * Renders the complete Dockerfile for a resolved recipe (see `resolveRecipe`): byte-identical
 * for equal recipes, ending with a newline, buildable with Docker's legacy builder (no
 * BuildKit-only syntax). The build context must also hold `slim-dask/prune.sh`,
 * `slim-dask/install-shims.sh` and, for a pip wheelhouse, `wheels/` (see `buildContext`).
 */
export function renderDockerfile(recipe: ImageRecipe): string {
  switch (recipe.base) {
    case "micromamba":
      return renderMicromamba(recipe);
    case "miniforge":
      return renderMiniforge(recipe);
    case "seed":
      return renderSeed(recipe);
    case "pip":
      return renderPip(recipe);
  }
}
