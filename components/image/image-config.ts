import { SlimDaskError, show } from "../common/errors";
import { validateRepository, validateTag } from "../common/docker-reference";
import { ImageRecipeConfig } from "./recipe-types";
import {
  expectBoolean,
  expectString,
  requirePrintable,
  requireRegistryHost,
} from "../common/validate";
import { validateHostPath } from "./validation";

/**
 * The non-recipe fields of an image config: where the image goes, not what is in it.
 * A CLI config file and the component args share them; the recipe fields are handed to
 * `resolveRecipe`, which knows those.
 */
export interface ImagePublishConfig {
  imageName?: string;
  tag?: string;
  push?: boolean;
  registry?: { server: string; username?: string };
  contextDir?: string;
}

const PUBLISH_KEYS = ["imageName", "tag", "push", "registry", "contextDir"] as const;

/** Fields under which a secret could hide in a plain config file. */
const SECRET_KEYS = new Set(["password", "token", "secret"]);

/**
 * Splits a parsed config (CLI file or unwrapped component args) into the recipe and the
 * publishing fields, validating the latter. Secrets are refused: a config file is plain
 * text and may be committed, so passwords belong in Pulumi secrets only.
 */
export function splitImageConfig(raw: unknown): {
  recipe: ImageRecipeConfig;
  publish: ImagePublishConfig;
} {
  if (raw === undefined || raw === null) return { recipe: {}, publish: {} };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new SlimDaskError(
      "config",
      `must be a mapping of fields, got ${show(raw)}`,
      'write the config as a YAML or JSON object, e.g. `python: "3.12"`',
    );
  }
  const recipe: Record<string, unknown> = {};
  const publish: ImagePublishConfig = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(PUBLISH_KEYS as readonly string[]).includes(key)) {
      recipe[key] = value;
      continue;
    }
    if (value === undefined) continue;
    switch (key) {
      case "imageName":
        publish.imageName = validateRepository(requireString(value, key), key);
        break;
      case "tag":
        publish.tag = validateTag(requireString(value, key), key);
        break;
      case "push":
        publish.push = expectBoolean(value, key);
        break;
      case "registry":
        publish.registry = parseRegistry(value);
        break;
      case "contextDir":
        publish.contextDir = validateHostPath(value, key);
        break;
    }
  }
  return { recipe: recipe as ImageRecipeConfig, publish };
}

function parseRegistry(value: unknown): { server: string; username?: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SlimDaskError(
      "registry",
      `must be a mapping, got ${show(value)}`,
      "give `registry: {server: ..., username: ...}`",
    );
  }
  const out: { server: string; username?: string } = { server: "" };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = `registry.${key}`;
    if (SECRET_KEYS.has(key)) {
      throw new SlimDaskError(
        field,
        "secrets are not accepted in plain configuration",
        "pass the password to the SlimDaskImage component as a Pulumi secret (`pulumi config set --secret`), never in a file",
      );
    }
    if (key === "server") out.server = requireRegistryHost(v, field);
    else if (key === "username") out.username = requirePrintable(v, field);
    else {
      throw new SlimDaskError(
        field,
        "is not a known registry field",
        "use only `server` and `username` (the password is a Pulumi secret)",
      );
    }
  }
  if (!out.server) {
    throw new SlimDaskError(
      "registry.server",
      "is required when `registry` is given",
      "set it to the registry host, e.g. `ghcr.io`",
    );
  }
  return out;
}

function requireString(value: unknown, field: string): string {
  return expectString(value, field, "give a non-empty string");
}
