import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { repoRoot } from "./environment";

/** A property or type as the package schema spells it. */
export interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  description?: unknown;
  secret?: boolean;
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  enum?: { name: string; value: string }[];
}
export interface SchemaResource {
  isComponent?: boolean;
  description?: unknown;
  inputProperties: Record<string, SchemaProperty>;
  requiredInputs?: string[];
  properties: Record<string, SchemaProperty>;
  required?: string[];
}
export interface PackageSchema {
  name: string;
  resources: Record<string, SchemaResource>;
  types: Record<string, SchemaProperty>;
}

/**
 * The schema exactly as `pulumi package add` / `pulumi package get-schema` obtains it: the
 * Node.js plugin host (`@pulumi/pulumi/cmd/run-plugin`) requires the package directory (its
 * package.json `main`), collects the exported components with `getPulumiComponents`, names the
 * provider after package.json `name`, and serves `ComponentProvider.getSchema()`, which runs the
 * TypeScript analyzer from the package's entry point. `main` is under dist/: build first.
 * Returns the schema's JSON text as the provider serves it.
 */
export async function packageSchemaJson(): Promise<string> {
  const root = repoRoot();
  // The package directory itself, resolved through package.json `main` like the plugin host.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(root);
  const components = getPulumiComponents(exported);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const provider = new ComponentProvider({ name: pkg.name, dirname: root, components });
  return provider.getSchema();
}

/** {@link packageSchemaJson}, parsed. */
export async function analyzePackage(): Promise<PackageSchema> {
  return JSON.parse(await packageSchemaJson());
}
