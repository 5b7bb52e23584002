import { SlimDaskError, show } from "../common/errors";
import { formatImageReference, parseImageReference } from "../common/docker-reference";
import { PROTOTYPE_KEYS, expectString, matchGrammar } from "../common/validate";

/**
 * Grammars for the strings an image recipe puts into a Dockerfile: package specs, channels,
 * env and label values, user names, platforms, versions, image references and host paths.
 * The validators image and cluster share live in `common/validate.ts`.
 */

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
export const PLATFORM_VALUES = {
  LinuxAmd64: "linux/amd64",
  LinuxArm64: "linux/arm64",
  LinuxArm64V8: "linux/arm64/v8",
} as const;
export const PLATFORMS: readonly string[] = Object.values(PLATFORM_VALUES);

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
