import { SlimDaskError, show } from "../common/errors";
import { requireString } from "../common/validate";

/** Kubernetes name and label syntax (apimachinery validation), for early, readable errors. */

const DNS1123_LABEL_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE =
  /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
// Label names and values: alphanumeric at both ends, `-`, `_`, `.` inside, at most 63.
const LABEL_NAME_RE = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** True for a DNS-1123 label of at most `max` characters (63 by default). */
export function isDns1123Label(value: string, max = 63): boolean {
  return value.length <= max && DNS1123_LABEL_RE.test(value);
}

/** A DNS-1123 label (lowercase alphanumerics and `-`, alphanumeric at both ends). */
export function requireDns1123Label(value: unknown, field: string, max = 63): string {
  const s = requireString(value, field);
  if (!isDns1123Label(s, max)) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not a DNS-1123 label of at most ${max} characters`,
      "use lowercase letters, digits and `-`, starting and ending with a letter or digit (e.g. `dask-prod`)",
    );
  }
  return s;
}

/** A label key: optional DNS subdomain prefix and `/`, then a name of at most 63 chars. */
export function requireLabelKey(key: string, field: string): string {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk =
    prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN_RE.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME_RE.test(name)) {
    throw new SlimDaskError(
      field,
      `${show(key)} is not a Kubernetes label key`,
      "use `name` or `prefix/name` (prefix a DNS subdomain, name up to 63 letters, digits, `-`, `_`, `.`), e.g. `kubernetes.io/arch`",
    );
  }
  return key;
}

/** A label value: empty, or up to 63 letters, digits, `-`, `_`, `.` (alphanumeric ends). */
export function requireLabelValue(value: unknown, field: string): string {
  const s = requireString(value, field);
  if (s !== "" && (s.length > 63 || !LABEL_NAME_RE.test(s))) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not a Kubernetes label value`,
      "use up to 63 letters, digits, `-`, `_`, `.`, starting and ending alphanumeric",
    );
  }
  return s;
}
