import * as pulumi from "@pulumi/pulumi";
import { SlimDaskError } from "./errors";
import { hasUnknown, plainView } from "./fields";

/**
 * How component args reach child resources: each field on its own, so an unknown or secret
 * input only makes what is derived from it unknown or secret, and plain fields stay plain
 * (known in preview, diffable, never `[secret]`).
 */

/**
 * The error a user sees for a value that was only known after construction (an Output):
 * attached to the component, with slim-dask's plain message and no stack trace. The SDK
 * prefixes errors raised while serializing an input with `error serializing property ...`
 * by assigning to `message`; the message is made read-only so the user reads the field,
 * the value and the fix, not the SDK's serialization path.
 */
export function componentError(error: unknown, resource: pulumi.Resource): unknown {
  if (!(error instanceof SlimDaskError)) return error;
  const reported = new pulumi.ResourceError(error.message, resource, true);
  const message = error.message;
  Object.defineProperty(reported, "message", {
    get: () => message,
    set: () => undefined,
    enumerable: false,
  });
  return reported;
}

/** Runs `compute` and reports a SlimDaskError it throws as {@link componentError}. */
export function reportingTo<T>(resource: pulumi.Resource, compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    throw componentError(e, resource);
  }
}

/** True when `value` holds no Output or Promise anywhere. */
export function isPlain(value: unknown): boolean {
  return !hasUnknown(plainView(value));
}

/**
 * One field, checked: plain values are checked now and stay plain; Outputs are checked when
 * known (errors reported on `resource`). The result is unknown or secret only when the
 * field's own value is.
 */
export function checkedField<T>(
  value: unknown,
  check: (plain: unknown) => T,
  resource: pulumi.Resource,
): T | pulumi.Output<T> {
  if (isPlain(value)) return check(value);
  const output = pulumi.output(value) as unknown as pulumi.Output<unknown>;
  return output.apply((v) => reportingTo(resource, () => check(v)));
}

/** Drops keys whose value is undefined, so optional args do not show up as explicit keys. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * `args` without the named secret fields of a nested section, lifted so the rest can be
 * combined without turning secret: `imagePullCredentials: {server, username}` without its
 * password. When the section itself is an Output, the remaining fields are unsecreted:
 * they are coordinates (a host, a user name), not secrets.
 */
export function withoutSecretField(section: unknown, secretKey: string): unknown {
  if (section === undefined) return undefined;
  if (pulumi.Output.isInstance(section) || section instanceof Promise) {
    return pulumi.unsecret(
      pulumi.output(section as pulumi.Input<Record<string, unknown>>).apply((s) => {
        const { [secretKey]: _secret, ...rest } = s as Record<string, unknown>;
        return rest;
      }),
    );
  }
  const { [secretKey]: _secret, ...rest } = section as Record<string, unknown>;
  return rest;
}
