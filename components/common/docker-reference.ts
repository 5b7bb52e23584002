import { SlimDaskError, show } from "./errors";

/**
 * Docker image references, following the grammar of distribution/reference:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component ( "/" path-component )*
 *   domain     := host [ ":" port ]
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := "sha256:" 64 lowercase hex digits
 *
 * Only sha256 digests are accepted: it is the only algorithm registries hand out.
 */
export interface ImageReference {
  /** Repository including any registry host, e.g. `registry:5000/team/dask`. */
  name: string;
  /** Tag, if one was given. */
  tag?: string;
  /** `sha256:<hex>`, if one was given. */
  digest?: string;
}

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";

const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_RE = new RegExp(`^${NAME}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);
const NAME_MAX = 255;

function parseName(name: string): boolean {
  // A first component is a domain only when it looks like one (has "." or ":" or is
  // "localhost"); otherwise the whole name must be lowercase path components.
  const first = name.split("/")[0];
  const isDomain =
    name.includes("/") && (/[.:]/.test(first) || first === "localhost" || first.startsWith("["));
  const path = isDomain ? name.slice(first.length + 1) : name;
  return NAME_RE.test(name) && new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`).test(path);
}

/** Parses a reference, throwing a SlimDaskError that names `field` when it is malformed. */
export function parseImageReference(ref: string, field: string): ImageReference {
  const fix =
    "use a reference like `registry.example.com/team/dask:2026.8.0` or `repo@sha256:<64 hex>` (lowercase repository, no spaces or shell characters)";
  if (typeof ref !== "string" || ref.length === 0) {
    throw new SlimDaskError(field, `must be a non-empty image reference, got ${show(ref)}`, fix);
  }
  const m = REFERENCE_RE.exec(ref);
  if (!m || !parseName(m[1])) {
    throw new SlimDaskError(field, `${show(ref)} is not a valid image reference`, fix);
  }
  if (m[1].length > NAME_MAX) {
    throw new SlimDaskError(field, `repository name is longer than ${NAME_MAX} characters`, fix);
  }
  const out: ImageReference = { name: m[1] };
  if (m[2] !== undefined) out.tag = m[2];
  if (m[3] !== undefined) out.digest = m[3];
  return out;
}

/** Validates a repository name without tag or digest (e.g. `SlimDaskImage.imageName`). */
export function validateRepository(name: string, field: string): string {
  const parsed = parseImageReference(name, field);
  if (parsed.tag !== undefined || parsed.digest !== undefined) {
    throw new SlimDaskError(
      field,
      `${show(name)} includes a tag or digest`,
      "give the repository only (e.g. `registry.example.com/team/dask`) and set `tag` separately",
    );
  }
  return name;
}

/** Validates a tag on its own. */
export function validateTag(tag: string, field: string): string {
  if (typeof tag !== "string" || !TAG_RE.test(tag)) {
    throw new SlimDaskError(
      field,
      `${show(tag)} is not a valid image tag`,
      "use 1-128 characters of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
    );
  }
  return tag;
}

/** True when `digest` is a well-formed sha256 digest. */
export function isDigest(digest: string): boolean {
  return DIGEST_RE.test(digest);
}

/** Renders a reference back to its canonical string. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}
