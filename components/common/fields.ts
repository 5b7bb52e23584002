import * as pulumi from "@pulumi/pulumi";
import { SlimDaskError } from "./errors";
import {
  childPath,
  expectPlainObject,
  expectString,
  rejectUnknownKeys,
  requireOneOf,
  validateList,
} from "./validate";

/**
 * Field tables: each component arg is defined once, in a table that gives its name, type,
 * documentation, default, validator and whether it is secret. From the tables follow the
 * Pulumi args interfaces and the plain config types (generated into `args.ts`, see
 * `npm run generate`), the key lists and did-you-mean hints of the CLI config parser,
 * per-field validation (also in preview, while other fields are still unknown), and the
 * README's args tables. A unit test fails when a generated file drifts from its table.
 */

/** The shape of a field's value. */
export type FieldType =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "boolean" }
  /** A list of strings. */
  | { kind: "strings" }
  /** A map of string to string. */
  | { kind: "map" }
  /** A map of string to number (e.g. Dask worker resources). */
  | { kind: "numberMap" }
  /**
   * A free-form mapping (chart values, pod affinity): an object in TypeScript, a dict in
   * Python, a mapping in YAML (`{type: object, additionalProperties: Any}` in the schema),
   * checked by the field's validator. YAML or JSON text of a mapping is accepted too.
   */
  | { kind: "mapping" }
  /**
   * One of a closed set of strings: generated as an `as const` object and its type (`name`),
   * which the analyzer turns into a schema enum, so every language's tools offer the set.
   * `values` maps member names to values; `what` names the set in errors ("a preset").
   */
  | { kind: "enum"; name: string; values: Readonly<Record<string, string>>; what: string }
  /**
   * A nested section with its own table; `name` names its interfaces (`<name>` for the Pulumi
   * inputs, as the schema type users see, e.g. Python's `<name>Args`; `<name>Config` plain).
   */
  | { kind: "object"; name: string; fields: FieldTable; doc?: string }
  /** A list of nested sections (`doc` describes one item). */
  | { kind: "objects"; name: string; fields: FieldTable; doc?: string };

/** One field of a component's args. */
export interface Field {
  type: FieldType;
  /** What it is, for TSDoc, the package schema and the README. One or two sentences. */
  doc: string;
  /** The default, as the README and TSDoc show it (markdown). Omit for required fields. */
  default?: string;
  /** Required everywhere, or (`"args"`) only in component args: a config file may omit it. */
  required?: boolean | "args";
  /** Always handled as a Pulumi secret; refused in plain config files (they may be committed). */
  secret?: boolean;
  /** For a secret: where it goes instead of a config file (the fix of the refusal). */
  secretFix?: string;
  /** Must be a plain value when the component is constructed: it decides which resources exist. */
  plain?: boolean;
  /**
   * Field-local validation of a known value: returns the normalised value or throws a
   * SlimDaskError naming `field`. Checks that involve other fields live with the resolver.
   * Nested sections are checked through their own table.
   */
  check?: (value: unknown, field: string) => unknown;
}

/** A section's fields, in documentation order. */
export type FieldTable = Readonly<Record<string, Field>>;

/**
 * Marks a value that is not known yet (an Output or Promise when a component is
 * constructed, e.g. an image digest in preview). Validation skips it and validates the
 * value once known.
 */
export const UNKNOWN: unique symbol = Symbol("slim-dask.unknown");

/** True unless `value` is {@link UNKNOWN}. */
export function isKnown<T>(value: T | typeof UNKNOWN): value is T {
  return value !== UNKNOWN;
}

/** True when `value` holds {@link UNKNOWN} anywhere. */
export function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

/**
 * What can be checked of component args right now: a copy in which every Output or Promise
 * is replaced by {@link UNKNOWN}. Plain parts keep their values, so they are validated in
 * the constructor even in preview.
 */
export function plainView(value: unknown): unknown {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return UNKNOWN;
  if (Array.isArray(value)) return Array.from(value, plainView);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainView(v)]));
  }
  return value;
}

/**
 * What a config may hold: component args (secrets included), or plain configuration (a
 * config file that may be committed, or args with their secrets taken out), which must hold
 * no secret and need not name the fields only component args require.
 */
export type ConfigSource = "args" | "plain";

/**
 * Checks a section against its table: unknown keys are errors with a did-you-mean hint,
 * secrets in a plain file are refused, and every known value passes its field's check
 * (nested sections through their own tables). Returns the checked values, {@link UNKNOWN}
 * kept as is and absent fields left out.
 */
export function checkSection(
  table: FieldTable,
  value: unknown,
  field: string,
  source: ConfigSource,
): Record<string, unknown> {
  const keys = Object.keys(table);
  const obj = expectPlainObject(
    value === undefined ? {} : value,
    field === "" ? "config" : field,
    `write a mapping with keys ${keys.join(", ")}`,
  );
  rejectUnknownKeys(obj, keys, field);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const v = obj[key];
    const path = childPath(field, key);
    const spec = table[key];
    if (spec.secret && source === "plain") {
      throw new SlimDaskError(
        path,
        "secrets are not accepted in config files (they may be committed)",
        spec.secretFix ??
          "give it only to the Pulumi component, as a Pulumi secret (e.g. `pulumi config set --secret`), never in a file",
      );
    }
    if (v === undefined) continue;
    out[key] = v === UNKNOWN && !spec.plain ? UNKNOWN : checkValue(spec, v, path, source);
  }
  for (const key of keys) {
    const required = table[key].required;
    if (required === "args" && source === "plain") continue;
    if (table[key].secret && source === "plain") continue;
    if (required && out[key] === undefined) {
      const path = childPath(field, key);
      throw new SlimDaskError(path, "is required", `set \`${path}\` (${table[key].doc})`);
    }
  }
  return out;
}

export function checkValue(
  spec: Field,
  value: unknown,
  field: string,
  source: ConfigSource,
): unknown {
  if (spec.plain && hasUnknown(value)) {
    throw new SlimDaskError(
      field,
      "must be a plain value, not an Output or Promise",
      "decide it in the program: it is needed before anything is deployed",
    );
  }
  const t = spec.type;
  let checked = value;
  if (t.kind === "object") {
    checked = checkSection(t.fields, value, field, source);
  } else if (t.kind === "objects") {
    checked = validateList(
      value,
      field,
      (item, f) => (item === UNKNOWN ? item : checkSection(t.fields, item, f, source)),
      "{...}",
    );
  } else if (hasUnknown(value)) {
    // A list or map with an unknown item is checked as a whole once it is known.
    return value;
  } else if (t.kind === "enum") {
    const allowed = Object.values(t.values);
    // A long string is shown truncated: the point is that it is none of the set.
    const fix = `use one of ${allowed.map((v) => `\`${v}\``).join(", ")}`;
    const text = value === "" && allowed.includes("") ? value : expectString(value, field, fix, 64);
    checked = requireOneOf(text, field, allowed, t.what);
  }
  return spec.check ? spec.check(checked, field) : checked;
}

// ---------------------------------------------------------------------------------------
// Generated TypeScript and README tables

function tsdoc(lines: string[], indent: string): string {
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */\n`;
}

function docLines(spec: Field): string[] {
  const lines = [spec.doc];
  if (spec.default !== undefined) lines.push(`Default: ${spec.default}.`);
  if (spec.secret) lines.push("Always stored as a Pulumi secret.");
  return lines;
}

function pulumiType(spec: Field): string {
  if (spec.plain) return plainType(spec);
  const t = spec.type;
  switch (t.kind) {
    case "string":
      return "pulumi.Input<string>";
    case "mapping":
      return "pulumi.Input<{ [key: string]: any }>";
    case "enum":
      return `pulumi.Input<${t.name}>`;
    case "number":
      return "pulumi.Input<number>";
    case "boolean":
      return "pulumi.Input<boolean>";
    case "strings":
      return "pulumi.Input<pulumi.Input<string>[]>";
    case "map":
      return "pulumi.Input<{ [key: string]: pulumi.Input<string> }>";
    case "numberMap":
      return "pulumi.Input<{ [key: string]: pulumi.Input<number> }>";
    case "object":
      return `pulumi.Input<${t.name}>`;
    case "objects":
      return `pulumi.Input<pulumi.Input<${t.name}>[]>`;
  }
}

function plainType(spec: Field): string {
  const t = spec.type;
  switch (t.kind) {
    case "string":
      return "string";
    case "mapping":
      return "Record<string, unknown>";
    case "enum":
      return t.name;
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "strings":
      return "string[]";
    case "map":
      return "Record<string, string>";
    case "numberMap":
      return "Record<string, number>";
    case "object":
      return `${t.name}Config`;
    case "objects":
      return `${t.name}Config[]`;
  }
}

/** A section to generate: its interface base name, summary and table. */
export interface Section {
  name: string;
  doc: string;
  fields: FieldTable;
}

/** Every section reachable from `root`, root first, each once, in table order. */
export function sectionsOf(root: Section): Section[] {
  const out: Section[] = [root];
  for (let i = 0; i < out.length; i++) {
    for (const spec of Object.values(out[i].fields)) {
      const t = spec.type;
      if ((t.kind === "object" || t.kind === "objects") && !out.some((s) => s.name === t.name)) {
        out.push({ name: t.name, doc: t.doc ?? spec.doc, fields: t.fields });
      }
    }
  }
  return out;
}

/**
 * The TypeScript module of a component's args: for each section a Pulumi args interface
 * (`<name>Args`, every field a `pulumi.Input`) and a plain config interface
 * (`<name>Config`, what a config file or an unwrapped arg holds; secrets left out).
 */
export function renderArgsModule(root: Section, generator: string): string {
  let out =
    `// Generated by \`npm run generate\` from ${generator}: edit the field table there, not this file.\n` +
    (sectionsOf(root).some((sec) =>
      Object.values(sec.fields).some((f) => f.type.kind === "mapping"),
    )
      ? "/* eslint-disable @typescript-eslint/no-explicit-any -- free-form mappings are `any` to every language */\n"
      : "") +
    'import type * as pulumi from "@pulumi/pulumi";\n';
  for (const e of enumsOf(root)) {
    out += `\n${tsdoc([e.doc], "")}export const ${e.name} = {\n`;
    for (const [member, value] of Object.entries(e.values)) {
      out += `  ${member}: ${JSON.stringify(value)},\n`;
    }
    out += `} as const;\n${tsdoc([e.doc], "")}export type ${e.name} = (typeof ${e.name})[keyof typeof ${e.name}];\n`;
  }
  for (const section of sectionsOf(root)) {
    const lines = section === root ? [`Arguments of ${section.doc}`] : [section.doc];
    out += `\n${tsdoc(lines, "")}export interface ${interfaceName(root, section)} {\n`;
    for (const [key, spec] of Object.entries(section.fields)) {
      out += tsdoc(docLines(spec), "  ");
      out += `  ${key}${spec.required ? "" : "?"}: ${pulumiType(spec)};\n`;
    }
    out += "}\n";
  }
  for (const section of sectionsOf(root)) {
    out += `\n${tsdoc([`${section.doc} As plain values (a config file, or args once known).`], "")}export interface ${section.name}Config {\n`;
    for (const [key, spec] of Object.entries(section.fields)) {
      if (spec.secret) continue;
      out += `  ${key}${spec.required === true ? "" : "?"}: ${plainType(spec)};\n`;
    }
    out += "}\n";
  }
  return out;
}

/** The component's args interface is `<name>Args`; a nested type is named as the schema type. */
function interfaceName(root: Section, section: Section): string {
  return section === root ? `${section.name}Args` : section.name;
}

/** Every enum of the sections reachable from `root`, each once, with its description. */
function enumsOf(root: Section): { name: string; doc: string; values: Record<string, string> }[] {
  const out = new Map<string, { name: string; doc: string; values: Record<string, string> }>();
  for (const section of sectionsOf(root)) {
    for (const spec of Object.values(section.fields)) {
      const t = spec.type;
      if (t.kind !== "enum" || out.has(t.name)) continue;
      const list = Object.values(t.values)
        .map((v) => (v === "" ? '`""`' : `\`${v}\``))
        .join(", ");
      out.set(t.name, { name: t.name, doc: `${capitalize(t.what)}: ${list}.`, values: t.values });
    }
  }
  return [...out.values()];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function markdownType(spec: Field): string {
  const t = spec.type;
  if (t.kind === "object") return `\`${t.name}\``;
  if (t.kind === "objects") return `\`${t.name}[]\``;
  if (t.kind === "enum") {
    return `\`${t.name}\`: ${Object.values(t.values)
      .map((v) => (v === "" ? '`""`' : `\`${v}\``))
      .join(" \\| ")}`;
  }
  return {
    string: "string",
    mapping: "mapping",
    number: "number",
    boolean: "boolean",
    strings: "string[]",
    map: "map",
    numberMap: "map of numbers",
  }[t.kind];
}

/** Markdown tables for a component's sections: arg, type, default, meaning. */
export function renderFieldsMarkdown(root: Section): string {
  const escape = (s: string) => s.replace(/\|/g, "\\|");
  return sectionsOf(root)
    .map((section) => {
      const rows = Object.entries(section.fields).map(([key, spec]) => {
        const flags = [spec.secret ? "secret" : "", spec.plain ? "plain value" : ""]
          .filter(Boolean)
          .join(", ");
        const def = spec.required ? "required" : (spec.default ?? "none");
        return `| \`${key}\` | ${markdownType(spec)}${flags ? ` (${flags})` : ""} | ${escape(def)} | ${escape(spec.doc)} |`;
      });
      return [
        `**\`${interfaceName(root, section)}\`**: ${section.doc}`,
        "",
        "| arg | type | default | meaning |",
        "| --- | --- | --- | --- |",
        ...rows,
      ].join("\n");
    })
    .join("\n\n");
}
