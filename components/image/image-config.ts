import { ConfigSource, checkSection } from "../common/fields";
import { IMAGE_FIELDS, PUBLISH_FIELDS } from "./fields";

/**
 * The non-recipe fields of an image config: where the image goes, not what is in it. They
 * never change the Dockerfile. (The registry password is never part of it: it stays a
 * Pulumi secret in the component.)
 */
export interface ImagePublish {
  imageName?: string;
  tag?: string;
  push: boolean;
  registry?: { server: string; username: string };
  cacheFrom: string[];
  contextDir?: string;
}

/**
 * Checks a whole image config (CLI file or component args) against the field table and
 * splits it into the recipe (handed to `resolveRecipe`) and the publishing fields. A file
 * may hold no secrets: it is plain text and may be committed.
 */
export function splitImageConfig(
  raw: unknown,
  source: ConfigSource = "plain",
): { recipe: Record<string, unknown>; publish: ImagePublish } {
  const checked = checkSection(IMAGE_FIELDS, raw === undefined ? {} : raw, "", source);
  const recipe: Record<string, unknown> = {};
  const p: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(checked)) {
    if (Object.prototype.hasOwnProperty.call(PUBLISH_FIELDS, key)) p[key] = value;
    else recipe[key] = value;
  }
  const publish: ImagePublish = {
    push: (p.push as boolean | undefined) ?? true,
    cacheFrom: (p.cacheFrom as string[] | undefined) ?? [],
  };
  if (p.imageName !== undefined) publish.imageName = p.imageName as string;
  if (p.tag !== undefined) publish.tag = p.tag as string;
  if (p.contextDir !== undefined) publish.contextDir = p.contextDir as string;
  if (p.registry !== undefined) {
    const { server, username } = p.registry as { server: string; username: string };
    publish.registry = { server, username };
  }
  return { recipe, publish };
}
