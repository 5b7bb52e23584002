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
