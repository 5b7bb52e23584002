import { SlimDaskError, show } from "../common/errors";
import { describe } from "../image/validation";

/**
 * Scalar checks the cluster config needs beyond the shared ones in image/validation.ts:
 * every failure is a SlimDaskError naming the dotted field, the value and the fix.
 */

/** A string, possibly empty (YAML numbers and booleans are not silently converted). */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw new SlimDaskError(field, `must be a string, got ${describe(value)}`, "quote the value");
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
