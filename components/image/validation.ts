import { SlimDaskError, show } from "../common/errors";
import { formatImageReference, parseImageReference } from "../common/docker-reference";

/**
 * Strict grammars for every string an image recipe puts into a Dockerfile. Each validator
 * takes `(value, field)` and returns the value unchanged or throws a SlimDaskError naming
 * `field`. All grammars are ASCII allow-lists, so shell metacharacters, quotes, control
 * characters, Unicode spaces and zero-width characters are rejected without being listed.
 * Lengths are checked before any regular expression runs, so no input can make one slow.
 */

/** Most items a list or map may have: far above real recipes, low enough to stay fast. */
export const MAX_ITEMS = 500;

/** Keys that would touch an object's prototype when used as a map key. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

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
    throw new SlimDaskError(field, `must be a string, got ${describe(value)}`, fix);
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
function matchGrammar(
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
    const near = valid.find((v) => editDistance(key.toLowerCase(), v.toLowerCase()) <= 2);
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
 * A string-to-string map. Keys are checked by `key(k, field)` (a bad key is reported on the
 * map itself, since the key cannot be part of a path), values by `val(v, "field.KEY")`.
 * Returns a new object with keys sorted, so key order in the input never matters.
 */
export function validateMap(
  value: unknown,
  field: string,
  key: (k: string, f: string) => string,
  val: (v: unknown, f: string) => string,
): Record<string, string> {
  const obj = expectPlainObject(value, field, `write a map of names to strings`);
  const keys = Object.keys(obj);
  if (keys.length > MAX_ITEMS) {
    throw new SlimDaskError(
      field,
      `has ${keys.length} keys (at most ${MAX_ITEMS})`,
      "set fewer keys; larger configuration belongs in a file the image reads",
    );
  }
  const out: Record<string, string> = {};
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

// ---------------------------------------------------------------------------------------
// Package specs

const CONDA_NAME = "[a-z0-9_][a-z0-9_.-]*";
const CONDA_OP = "(?:==|!=|>=|<=|>|<|=)";
const CONDA_VERSION = "[0-9A-Za-z*_+!][0-9A-Za-z.*_+!-]*";
const CONDA_SPEC_RE = new RegExp(
  `^(?:${CONDA_NAME}::)?(${CONDA_NAME})(?:${CONDA_OP}${CONDA_VERSION}(?:[,|]${CONDA_OP}?${CONDA_VERSION})*)?$`,
);

/**
 * A conda match spec: `name`, `channel::name`, optionally followed by version clauses
 * (`numpy>=1.26,<2`, `pyarrow=16.*`). Build strings (after a space) and bracket syntax are
 * not accepted: they are rarely needed and widen what reaches a shell.
 */
export function validateCondaSpec(value: unknown, field: string): string {
  return matchGrammar(
    value,
    field,
    CONDA_SPEC_RE,
    "a conda package spec",
    "write `name`, `name=1.2.*`, `name>=1.26,<2` or `channel::name` (lowercase name, no spaces, quotes or build strings)",
    200,
  );
}

/** The package name of a validated conda spec (without channel or version). */
export function condaSpecName(spec: string): string {
  const m = CONDA_SPEC_RE.exec(spec);
  return m ? m[1] : spec;
}

const PIP_NAME = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";
const PIP_OP = "(?:===|==|!=|<=|>=|~=|<|>)";
const PIP_VERSION = "[0-9A-Za-z*][0-9A-Za-z.*+!_-]*";
const PIP_CLAUSE = `${PIP_OP}${PIP_VERSION}`;
const PIP_REQ_RE = new RegExp(
  `^(${PIP_NAME})(?:\\[${PIP_NAME}(?:,${PIP_NAME})*\\])?(?:${PIP_CLAUSE}(?:,${PIP_CLAUSE})*)?$`,
);

/**
 * A pip requirement, a subset of PEP 508: `name`, `name[extra,extra]`, version clauses
 * (`pandas>=2.2,<3`). No URLs, environment markers, spaces or options such as
 * `--index-url`: those change where code comes from and belong in the build, not in a list
 * of package names.
 */
export function validatePipRequirement(value: unknown, field: string): string {
  return matchGrammar(
    value,
    field,
    PIP_REQ_RE,
    "a pip requirement",
    "write `name`, `name[extra]` or `name>=1.2,<2` (no URLs, markers, spaces or `--options`)",
    200,
  );
}

/** The PEP 503 normalised project name of a validated requirement. */
export function pipRequirementName(req: string): string {
  const m = PIP_REQ_RE.exec(req);
  return (m ? m[1] : req).toLowerCase().replace(/[-_.]+/g, "-");
}

/** An extra name of the `dask` package. Only real extras: pip silently ignores unknown ones. */
export const DASK_EXTRAS: readonly string[] = [
  "array",
  "bag",
  "complete",
  "dataframe",
  "delayed",
  "diagnostics",
  "distributed",
];

/** One of {@link DASK_EXTRAS}. */
export function validateDaskExtra(value: unknown, field: string): string {
  const s = expectString(value, field, `use one of: ${DASK_EXTRAS.join(", ")}`);
  if (!DASK_EXTRAS.includes(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not an extra of the dask package`,
      `use one of: ${DASK_EXTRAS.join(", ")}`,
    );
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// Channels

const CHANNEL_NAME_RE = /^[a-z0-9][a-z0-9_.-]*$/;
const DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const URL_SEGMENT = "(?!\\.\\.?(?:/|$))[A-Za-z0-9._~-]+";
const CHANNEL_URL_RE = new RegExp(
  `^https://${DNS_LABEL}(?:\\.${DNS_LABEL})*(?::[0-9]{1,5})?(?:/${URL_SEGMENT})*/?$`,
);

/**
 * A conda channel: a name (`conda-forge`, `bioconda`, `nvidia`) or an `https://` URL
 * without credentials, query or fragment. `http://` is refused because packages fetched
 * over it can be altered in transit; `file://` because it names a path on the build host
 * that does not exist inside the build and makes the image unreproducible elsewhere.
 */
export function validateChannel(value: unknown, field: string): string {
  const fix =
    "use a channel name like `conda-forge` or an `https://host/path` URL (no credentials, query or spaces)";
  const s = expectString(value, field, fix, 200);
  if (/^http:\/\//i.test(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} uses plain http, so packages could be altered in transit`,
      "use the https:// URL of the channel",
    );
  }
  if (/^file:/i.test(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} is a path on the build host, which the build cannot see and others cannot reproduce`,
      "publish the packages to an https:// channel, or use the pip preset with `wheelhouse`",
    );
  }
  if (!CHANNEL_NAME_RE.test(s) && !CHANNEL_URL_RE.test(s)) {
    throw new SlimDaskError(field, `${show(s)} is not a channel name or https URL`, fix);
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// Environment variables and labels

/** Characters allowed in env and label values: no quotes, `$`, `\`, backtick, `;|&<>()`. */
const SAFE_VALUE_RE =
  /^(?:[A-Za-z0-9_.,:/@%+=-](?:[A-Za-z0-9 _.,:/@%+=-]*[A-Za-z0-9_.,:/@%+=-])?)?$/;
const SAFE_VALUE_FIX =
  "use only letters, digits, spaces and `_.,:/@%+=-` (no quotes, `$`, backslashes, backticks, `;|&<>()`, tabs, newlines, or leading/trailing spaces)";

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

/** An env or label value from the conservative character set (may be empty). */
export function validateSafeValue(value: unknown, field: string): string {
  if (value === "") return value;
  return matchGrammar(value, field, SAFE_VALUE_RE, "a safe value", SAFE_VALUE_FIX, 1024);
}

const LABEL_KEY_RE = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const DOCKER_RESERVED_LABELS = /^(?:com\.docker\.|io\.docker\.|org\.dockerproject\.)/;

/**
 * A label key, reverse-DNS style (`org.opencontainers.image.source`, `team`): lowercase
 * letters, digits, `.` and `-`, no doubled separators, outside Docker's reserved namespaces.
 */
export function validateLabelKey(value: unknown, field: string): string {
  const fix = "use lowercase reverse-DNS keys like `org.opencontainers.image.source` or `team`";
  const s = matchGrammar(value, field, LABEL_KEY_RE, "a label key", fix, 128);
  if (/[.-]{2}/.test(s)) {
    throw new SlimDaskError(field, `${show(s)} has consecutive separators`, fix);
  }
  if (DOCKER_RESERVED_LABELS.test(s)) {
    throw new SlimDaskError(field, `${show(s)} is in a namespace reserved by Docker`, fix);
  }
  if (PROTOTYPE_KEYS.has(s)) {
    throw new SlimDaskError(field, `${show(s)} is reserved by JavaScript`, fix);
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// User, platform, versions, images, paths

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

/** A user name: `[a-z_][a-z0-9_-]{0,31}`, not `root`. */
export function validateUserName(value: unknown, field: string): string {
  const fix =
    "use 1-32 lowercase letters, digits, `_` or `-`, starting with a letter or `_`, e.g. `dask`";
  const s = matchGrammar(value, field, /^[a-z_][a-z0-9_-]{0,31}$/, "a user name", fix, 32);
  if (s === "root") {
    throw new SlimDaskError(
      field,
      `${show(s)} is the superuser`,
      "use a non-root name such as `dask`; the image is meant to run as a non-root user",
    );
  }
  return s;
}

/** Platforms the presets can build for. */
export const PLATFORMS: readonly string[] = ["linux/amd64", "linux/arm64", "linux/arm64/v8"];

/** One of {@link PLATFORMS}, further limited to `allowed` (e.g. the seed preset's x86-only base). */
export function validatePlatform(
  value: unknown,
  field: string,
  allowed: readonly string[] = PLATFORMS,
  why = "",
): string {
  const fix = `use one of: ${allowed.join(", ")}${why}`;
  const s = expectString(value, field, fix, 32);
  if (!allowed.includes(s)) {
    throw new SlimDaskError(field, `${show(s)} is not a supported platform`, fix);
  }
  return s;
}

/** A Python version `3.<minor>`; `minMinor..maxMinor` bounds the minor when given. */
export function validatePythonVersion(
  value: unknown,
  field: string,
  minMinor = 0,
  maxMinor = 99,
): string {
  const fix = `write \`3.<minor>\` with minor ${minMinor}..${maxMinor}, e.g. \`3.12\``;
  const s = matchGrammar(value, field, /^3\.(?:0|[1-9][0-9]?)$/, "a Python version", fix, 8);
  const minor = Number(s.slice(2));
  if (minor < minMinor || minor > maxMinor) {
    throw new SlimDaskError(field, `Python ${show(s)} is not supported`, fix);
  }
  return s;
}

const CALENDAR_VERSION_RE = /^20[0-9]{2}\.(?:[1-9]|1[0-2])\.(?:0|[1-9][0-9]{0,2})$/;
const ANY_RELEASE_RE = /^(?:0|[1-9][0-9]{0,3})\.(?:0|[1-9][0-9]{0,2})\.(?:0|[1-9][0-9]{0,2})$/;

/**
 * A dask release: calendar version `YYYY.M.P` (e.g. `2026.8.0`), or with `calendarOnly`
 * false any `X.Y.Z` (the seed preset may pin the article's `1.2.2`).
 */
export function validateDaskVersion(value: unknown, field: string, calendarOnly = true): string {
  return matchGrammar(
    value,
    field,
    calendarOnly ? CALENDAR_VERSION_RE : ANY_RELEASE_RE,
    "a dask release version",
    calendarOnly
      ? "write a calendar version like `2026.8.0` (no `v`, no spaces, no ranges)"
      : "write a release like `2026.8.0` or `1.2.2` (no `v`, no spaces, no ranges)",
    16,
  );
}

/** An image reference, normalised to its canonical form by the shared parser. */
export function validateImage(value: unknown, field: string): string {
  // The length cap runs first so the reference grammar never sees a huge string.
  const s = expectString(
    value,
    field,
    "use a reference like `debian:bookworm-slim` or `registry.example.com/team/base:1.0`",
    512,
  );
  return formatImageReference(parseImageReference(s, field));
}

/**
 * A host directory path (the pip preset's wheelhouse). Existence is checked when the build
 * context is written; here only the characters: no control or shell characters, no leading
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
