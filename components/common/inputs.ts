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

/**
 * Resolves component args with `resolve`. Plain args are resolved right away, so invalid
 * input throws in the constructor before anything is registered (no half-built component);
 * args holding Outputs are resolved, and validated, once those are known.
 */
export function resolveArgs<T>(
  args: object,
  resolve: (plain: Record<string, unknown>) => T,
): pulumi.Output<T> {
  const whole = pulumi.output(args as Record<string, unknown>);
  if (isPlain(args)) {
    const value = resolve(args as Record<string, unknown>);
    return whole.apply(() => value);
  }
  return whole.apply((plain) => resolve(plain as Record<string, unknown>));
}
