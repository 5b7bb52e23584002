import * as pulumi from "@pulumi/pulumi";

/**
 * True when `value` contains no Output or Promise anywhere, so it can be validated
 * synchronously in a constructor: bad input then fails before any resource is
 * registered, instead of mid-deployment.
 */
export function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(isPlain);
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}

/** Drops keys whose value is undefined, so optional args do not show up as explicit keys. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
