import * as pulumi from "@pulumi/pulumi";
import { unknown } from "@pulumi/pulumi/output";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { SlimDaskError } from "../../../components/common/errors";

/** A resource as the mock engine saw it, plus the parent it was given. */
export interface SeenResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom: boolean;
}

/** The fake digest every mocked push returns, so tests can assert the pin. */
export const FAKE_DIGEST = `sha256:${"ab".repeat(32)}`;

/**
 * Installs Pulumi mocks (no CLI, no plugins) and returns the list every new resource is
 * appended to. docker.Image gets a repoDigest like a real push; helm Releases a status.
 * With `preview`, the program runs as `pulumi preview` does on a fresh stack: what a
 * provider computes (the pushed digest, the release status) comes back unknown.
 */
export function installMocks(preview = false): SeenResource[] {
  const seen: SeenResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        seen.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          custom: args.custom ?? false,
        });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/image:Image") {
          const repo = String(args.inputs.imageName).replace(/:[^:/]+$/, "");
          state.repoDigest = preview
            ? unknownValue
            : args.inputs.skipPush
              ? ""
              : `${repo}@${FAKE_DIGEST}`;
        }
        if (args.type === "kubernetes:helm.sh/v3:Release") {
          state.status = preview
            ? unknownValue
            : { status: "deployed", name: args.inputs.name, namespace: args.inputs.namespace };
        }
        return { id: preview ? undefined : `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    "slim-dask",
    "test",
    preview,
  );
  return seen;
}

/** True when a mocked input arrived unknown (anywhere inside it). */
export function hasUnknownInput(input: unknown): boolean {
  if (input === unknown) return true;
  if (Array.isArray(input)) return input.some(hasUnknownInput);
  if (input !== null && typeof input === "object") {
    return Object.values(input).some(hasUnknownInput);
  }
  return false;
}

/** True when a mocked input travelled as a secret, at its top level or anywhere inside. */
export function hasSecretInput(input: unknown): boolean {
  if (unwrapSecret(input).secret) return true;
  if (Array.isArray(input)) return input.some(hasSecretInput);
  if (input !== null && typeof input === "object") {
    return Object.values(input).some(hasSecretInput);
  }
  return false;
}

/** Resolves an Output in a test (mocks make every value known). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** Records the parent and type of every child a component creates (transformations reach children). */
export function childRecorder(): {
  opts: pulumi.ComponentResourceOptions;
  children: {
    type: string;
    name: string;
    parent: pulumi.Resource | undefined;
    props: Record<string, unknown>;
  }[];
} {
  const children: {
    type: string;
    name: string;
    parent: pulumi.Resource | undefined;
    props: Record<string, unknown>;
  }[] = [];
  return {
    children,
    opts: {
      transformations: [
        (a) => {
          children.push({ type: a.type, name: a.name, parent: a.opts.parent, props: a.props });
          return undefined;
        },
      ],
    },
  };
}

/** Waits until Pulumi's mock engine has registered every pending resource. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Pulumi's wire marker for secret values, as the mock engine receives them. */
const SECRET_SIG = {
  key: "4dabf18193072939515e22adb298388d",
  value: "1b47061264138c4ac30d75fd1eb44270",
};

/** Splits a mocked input into whether it travelled as a secret and its plain value. */
export function unwrapSecret(input: unknown): { secret: boolean; value: unknown } {
  if (
    typeof input === "object" &&
    input !== null &&
    (input as Record<string, unknown>)[SECRET_SIG.key] === SECRET_SIG.value
  ) {
    return { secret: true, value: (input as Record<string, unknown>).value };
  }
  return { secret: false, value: input };
}

/** The inputs of the one resource of `type` registered as `name`. */
export function inputsOf(
  seen: SeenResource[],
  type: string,
  name: string,
): Record<string, unknown> {
  const found = seen.filter((r) => r.type === type && r.name === name);
  expect(found).toHaveLength(1);
  return found[0].inputs;
}

/** Resources of the mock engine registered under a name. */
export function named(seen: SeenResource[], name: string): SeenResource[] {
  return seen.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

/**
 * Asserts that constructing a component named "bad" throws a SlimDaskError on `field` and
 * that nothing at all was registered under that name (no half-built component).
 */
export async function expectRejectedBeforeRegistration(
  seen: SeenResource[],
  construct: () => unknown,
  field: string,
): Promise<void> {
  let error: unknown;
  try {
    construct();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SlimDaskError);
  expect((error as SlimDaskError).field).toBe(field);
  await settle();
  expect(named(seen, "bad")).toEqual([]);
}
