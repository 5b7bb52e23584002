import { SlimDaskError, show } from "./errors";

/**
 * The validators image recipes and cluster configs share. Each takes `(value, field)` and
 * returns the value (possibly normalised) or throws a SlimDaskError naming `field`, the value
 * and the fix. Grammars are ASCII allow-lists, so shell metacharacters, quotes, control
 * characters, Unicode spaces and zero-width characters are rejected without being listed.
 * Lengths are checked before any regular expression runs, so no input can make one slow.
 */

/** Most items a list or map may have: far above real recipes, low enough to stay fast. */
export const MAX_ITEMS = 500;

/** Keys that would touch an object's prototype when used as a map key. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** Describes a value and its type for error messages (`null` and arrays are not "object"). */
export function describe(value: unknown): string {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  // JSON would print NaN and Infinity as null; numbers and bigints read better as-is.
  const shown =
    typeof value === "number" || typeof value === "bigint" ? String(value) : show(value);
  return `${type} ${shown}`;
}

/** A non-empty string no longer than `max`, or a SlimDaskError that says what was given. */
export function expectString(value: unknown, field: string, fix: string, max = 256): string {
  if (typeof value !== "string") {
    throw new SlimDaskError(
      field,
      `must be a string, got ${describe(value)}`,
      quoteHint(value, fix),
    );
  }
  if (value.length === 0) throw new SlimDaskError(field, `must not be empty, got ""`, fix);
  if (value.length > max) {
    // Long values are shown truncated: the point is the length, not the content.
    throw new SlimDaskError(
      field,
      `is ${value.length} characters long (at most ${max}), got ${show(value.slice(0, 40))}...`,
      fix,
    );
  }
  return value;
}

/** Checks `value` against an anchored grammar after the string checks. */
export function matchGrammar(
  value: unknown,
  field: string,
  grammar: RegExp,
  what: string,
  fix: string,
  max = 256,
): string {
  const s = expectString(value, field, fix, max);
  if (!grammar.test(s)) throw new SlimDaskError(field, `${show(s)} is not ${what}`, fix);
  return s;
}

/** A boolean, nothing else (no "true" strings, no 0/1). */
export function expectBoolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") {
    throw new SlimDaskError(
      field,
      `must be true or false, got ${describe(value)}`,
      "write true or false without quotes",
    );
  }
  return value;
}

/** A plain object (not null, not an array, not a class instance). */
export function expectPlainObject(
  value: unknown,
  field: string,
  fix: string,
): Record<string, unknown> {
  const proto =
    typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    (proto !== Object.prototype && proto !== null)
  ) {
    throw new SlimDaskError(field, `must be an object, got ${describe(value)}`, fix);
  }
  return value as Record<string, unknown>;
}

/** Levenshtein distance, for "did you mean" hints on misspelled keys. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The path of `key` under `field`: dotted for identifier-like keys, otherwise bracketed
 * and JSON-quoted, so a key with control characters cannot reach a terminal raw.
 */
export function childPath(field: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return field === "" ? key : `${field}.${key}`;
  return `${field}[${show(key)}]`;
}

/** Shared leading characters of `a` and `b`, ignoring case. */
function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n].toLowerCase() === b[n].toLowerCase()) n++;
  return n;
}

/**
 * The valid key a misspelled one most likely meant: within two edits (`optimisations`), or
 * sharing its first five letters (`replicaCount` for `replicas`).
 */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  return (
    valid.find((v) => editDistance(key.toLowerCase(), v.toLowerCase()) <= 2) ??
    valid.find((v) => commonPrefix(key, v) >= 5)
  );
}

/**
 * Rejects any own key of `obj` not in `valid`. The error names the key as a path under
 * `field` (or the key alone at top level) and lists the valid keys, with a suggestion when
 * the key is a likely misspelling.
 */
export function rejectUnknownKeys(
  obj: Record<string, unknown>,
  valid: readonly string[],
  field: string,
): void {
  for (const key of Object.keys(obj)) {
    if (valid.includes(key)) continue;
    const near = closestKey(key, valid);
    const hint = near !== undefined ? `did you mean \`${near}\`? ` : "";
    throw new SlimDaskError(
      childPath(field, key),
      `unknown key ${show(key)}`,
      `${hint}valid keys are: ${valid.join(", ")}`,
    );
  }
}

/** An array whose items each pass `item(value, "field[i]")`; returns the validated items. */
export function validateList<T>(
  value: unknown,
  field: string,
  item: (v: unknown, f: string) => T,
  fix: string,
): T[] {
  if (!Array.isArray(value)) {
    throw new SlimDaskError(
      field,
      `must be a list, got ${describe(value)}`,
      `write a list, e.g. [${fix}]`,
    );
  }
  if (value.length > MAX_ITEMS) {
    throw new SlimDaskError(
      field,
      `has ${value.length} items (at most ${MAX_ITEMS})`,
      "list fewer items; an image with more belongs in a lock file",
    );
  }
  // Array.from visits holes as undefined (map would skip them and keep the hole).
  return Array.from(value as unknown[], (v, i) => item(v, `${field}[${i}]`));
}

/**
 * A map of names to values (strings unless `val` says otherwise). Keys are checked by `key(k, field)` (a bad key is reported on the
 * map itself, since the key cannot be part of a path), values by `val(v, "field.KEY")`.
 * Returns a new object with keys sorted, so key order in the input never matters.
 */
export function validateMap<V = string>(
  value: unknown,
  field: string,
  key: (k: string, f: string) => string,
  val: (v: unknown, f: string) => V,
  values = "strings",
): Record<string, V> {
  const obj = expectPlainObject(value, field, `write a map of names to ${values}`);
  const keys = Object.keys(obj);
  if (keys.length > MAX_ITEMS) {
    throw new SlimDaskError(
      field,
      `has ${keys.length} keys (at most ${MAX_ITEMS})`,
      "set fewer keys; larger configuration belongs in a file the image reads",
    );
  }
  const out: Record<string, V> = {};
  for (const k of keys.sort(compareCodeUnits)) {
    if (PROTOTYPE_KEYS.has(k)) {
      throw new SlimDaskError(
        field,
        `key ${show(k)} is reserved by JavaScript`,
        "use a different name",
      );
    }
    key(k, field);
    out[k] = val(obj[k], `${field}.${k}`);
  }
  return out;
}

/** Locale-independent ordering, so sorted output is the same on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The fix for a number where a string belongs: YAML reads `3.10` as the number 3.1 and
 * `2024.1` as a float, so the hint says to quote it.
 */
function quoteHint(value: unknown, fix: string): string {
  return typeof value === "number"
    ? `quote it: YAML reads unquoted ${String(value)} as a number (write e.g. "3.10", not 3.10); ${fix}`
    : fix;
}

/** A string, possibly empty (YAML numbers and booleans are not silently converted). */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw new SlimDaskError(
      field,
      `must be a string, got ${describe(value)}`,
      quoteHint(value, "quote the value"),
    );
  }
  return value;
}

/** An integer in [min, max] (rejects NaN, fractions, numeric strings). */
export function requireInteger(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new SlimDaskError(
      field,
      `must be an integer ${range}, got ${describe(value)}`,
      `write a whole number ${range}, unquoted`,
    );
  }
  return value;
}

/** A string without the characters in `forbidden` (NUL, line breaks...). */
export function requireClean(value: unknown, field: string, forbidden: RegExp): string {
  const s = requireString(value, field);
  if (forbidden.test(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} contains a forbidden control character`,
      "remove NUL bytes and line breaks",
    );
  }
  return s;
}

/** A string from a fixed set. */
export function requireOneOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
  what: string,
): T {
  const s = requireString(value, field);
  if (!(allowed as readonly string[]).includes(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not ${what}`,
      `use one of ${allowed.map((a) => (a === "" ? '""' : `\`${a}\``)).join(", ")}`,
    );
  }
  return s as T;
}

/** A registry host with optional port, as docker login takes it. */
export function requireRegistryHost(value: unknown, field: string): string {
  const s = expectString(value, field, "give a non-empty string");
  if (
    !/^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$/.test(
      s,
    )
  ) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not a registry host`,
      "give a host with optional port, e.g. `ghcr.io` or `registry.example.com:5000` (no scheme, no path)",
    );
  }
  return s;
}

/** Printable ASCII without whitespace at the ends: usernames and similar identifiers. */
export function requirePrintable(value: unknown, field: string): string {
  const s = expectString(value, field, "give a non-empty string");
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} has control characters, surrounding spaces or is empty`,
      "give a plain printable value",
    );
  }
  return s;
}

/** Names the image sets itself; overriding them breaks the image. */
const RESERVED_ENV: Record<string, string> = {
  PATH: "the image puts its install prefix on PATH; add tools to the recipe instead of overriding PATH",
  PYTHONDONTWRITEBYTECODE:
    "set `bytecode` (`delete`, `keep` or `compile`) instead; the image sets this variable from it",
};

/** An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`, not reserved. */
export function validateEnvName(value: unknown, field: string): string {
  const s = matchGrammar(
    value,
    field,
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "an environment variable name",
    "use letters, digits and `_`, not starting with a digit (e.g. `DASK_DISTRIBUTED__WORKER__DAEMON`)",
    128,
  );
  if (PROTOTYPE_KEYS.has(s)) {
    throw new SlimDaskError(field, `${show(s)} is reserved by JavaScript`, "use a different name");
  }
  if (Object.prototype.hasOwnProperty.call(RESERVED_ENV, s)) {
    throw new SlimDaskError(`${field}.${s}`, `${show(s)} is set by the image`, RESERVED_ENV[s]);
  }
  return s;
}

/** Largest id that is safe everywhere (2^31 - 2; 2^31 - 1 is reserved on some systems). */
const MAX_ID = 2147483646;

/** A uid or gid: an integer 1..2147483646. 0 is refused: the image runs as a non-root user. */
export function validateId(value: unknown, field: string): number {
  const fix = `use an integer from 1 to ${MAX_ID} (0 is root; the image is meant to run as a non-root user)`;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new SlimDaskError(field, `must be an integer, got ${describe(value)}`, fix);
  }
  if (value < 1 || value > MAX_ID) {
    throw new SlimDaskError(field, `${show(value)} is out of range`, fix);
  }
  return value;
}

/**
 * A host path (a wheelhouse, a context directory, a CA file). Existence is checked where the
 * file is used; here only the characters: no control or shell characters, no leading
 * `-` (it would read as an option), no leading or trailing spaces.
 */
export function validateHostPath(value: unknown, field: string): string {
  return matchGrammar(
    value,
    field,
    /^[A-Za-z0-9_./~+@%,:=](?:[A-Za-z0-9 _./~+@%,:=-]*[A-Za-z0-9_./~+@%,:=-])?$/,
    "a safe directory path",
    "give a directory path of letters, digits and `_./~+@%,:=-`, not starting with `-` and without quotes, `$` or control characters",
    4096,
  );
}
