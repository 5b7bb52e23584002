import type { ImageRecipe } from "../recipe-types";
import { buildStage } from "./build-stage";
import { finalStage } from "./final-stage";
import { dockerfile } from "./text";

export { pruneRules, splitsLayers } from "./build-stage";
export { PRESETS } from "./presets";

/**
 * Renders the complete Dockerfile for a resolved recipe (see `resolveRecipe`): byte-identical
 * for equal recipes, ending with a newline, buildable with both Docker builders, BuildKit and
 * the legacy one (no BuildKit-only syntax). Every preset difference comes from the `PRESETS`
 * table. The build context must also hold `slim-dask/prune.sh`, `slim-dask/install-shims.sh`,
 * `slim-dask/strip.sh` and, for a pip wheelhouse, `wheels/` (see `buildContext`).
 */
export function renderDockerfile(recipe: ImageRecipe): string {
  return dockerfile([...buildStage(recipe), ...finalStage(recipe)]);
}
