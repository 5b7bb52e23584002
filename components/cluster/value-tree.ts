/** Plain-object helpers that follow helm's handling of values trees. */

/** Plain mapping test (arrays and null are not mappings). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` over `base` the way helm coalesces values: mappings merge key by key,
 * anything else (lists included) is replaced. Keys keep `base` order, new keys follow in
 * `override` order, so equal inputs give equal, equally ordered outputs. Inputs are not
 * modified.
 */
export function deepMerge(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const prev = out[key];
    out[key] = isMapping(prev) && isMapping(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** The value at `path`, or undefined when any step is missing. */
export function valueAt(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const key of path) {
    if (!isMapping(node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Go template truthiness, as in `{{ if }}` and sprig's `default`: false, 0, "", null,
 * empty lists and empty maps are false.
 */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (isMapping(value)) return Object.keys(value).length > 0;
  return true;
}

/** sprig `a | default b`: the first truthy value, else the last one. */
export function helmDefault(...values: unknown[]): unknown {
  return values.find(truthy) ?? values[values.length - 1];
}

/** Empty to Go's mergo: what sprig `merge` fills from its source. */
function mergoEmpty(value: unknown): boolean {
  return !truthy(value);
}

/**
 * sprig `merge dst src` (mergo without overwrite), as the chart's worker-group template uses
 * it: a key `dst` has with a non-empty value stays, mappings merge key by key, and a key it
 * lacks or holds empty (null, false, 0, "", [] or {}) takes `src`'s value; a null in `src`
 * changes nothing. Lists are never merged. Inputs are not modified.
 */
export function sprigMerge(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...dst };
  for (const [key, value] of Object.entries(src)) {
    if (value === null || value === undefined) continue;
    const own = out[key];
    if (isMapping(value) && isMapping(own) && !mergoEmpty(own)) {
      out[key] = sprigMerge(own, value);
    } else if (own === undefined || mergoEmpty(own)) {
      out[key] = value;
    }
  }
  return out;
}
