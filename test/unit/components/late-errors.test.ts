/**
 * An arg that is an Output is validated when it becomes known. Its error must reach the user
 * as the SDK's engine reports it: attached to the component, with slim-dask's plain message
 * (field, value, fix), not wrapped in `error serializing property ...` with a stack trace.
 * The SDK's own serializer (the code path every resource input goes through) is used here;
 * a full DaskCluster cannot be used, since the failed registration it causes is an
 * unhandled rejection that jest turns into a test failure.
 */
import * as pulumi from "@pulumi/pulumi";
import { serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { SlimDaskError } from "../../../components/common/errors";
import { checkedField, reportingTo } from "../../../components/common/inputs";
import { CLUSTER_FIELDS } from "../../../components/cluster/fields";
import { installMocks } from "./mocks";

installMocks();

class Holder extends pulumi.ComponentResource {
  constructor(name: string) {
    super("slim-dask:test:Holder", name, {});
  }
}

async function serializationError(value: pulumi.Output<unknown>): Promise<unknown> {
  // Observe every promise the Output holds: a rejected one left alone ends the test process.
  const internals = value as unknown as {
    promise(): Promise<unknown>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    allResources?: () => Promise<unknown>;
  };
  const ignore = () => undefined;
  internals.promise().catch(ignore);
  internals.isKnown.catch(ignore);
  internals.isSecret.catch(ignore);
  internals.allResources?.().catch(ignore);
  return serializeProperties("test", { values: value }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

test("a late SlimDaskError keeps its plain message through the SDK serializer, attached to the component", async () => {
  const holder = new Holder("holder");
  const workers = CLUSTER_FIELDS.workers.type;
  expect(workers.kind).toBe("object");
  const late = pulumi.output("500m").apply((memory) =>
    reportingTo(holder, () => {
      throw new SlimDaskError(
        "workers.memory",
        `"${memory}" is not a memory quantity`,
        "write 4Gi",
      );
    }),
  );
  const error = await serializationError(late);
  expect(pulumi.ResourceError.isInstance(error)).toBe(true);
  expect((error as pulumi.ResourceError).resource).toBe(holder);
  expect((error as pulumi.ResourceError).hideStack).toBe(true);
  expect((error as Error).message).toBe(
    'workers.memory: "500m" is not a memory quantity. Fix: write 4Gi',
  );
});

test("without the guard the SDK would wrap the message (the failure this prevents)", async () => {
  const late = pulumi.output("500m").apply(() => {
    throw new SlimDaskError("workers.memory", "bad", "fix");
  });
  const error = await serializationError(late);
  expect((error as Error).message).toMatch(/^error serializing property "values": workers\.memory/);
});

test("checkedField validates an Output field when known and reports on the component", async () => {
  const holder = new Holder("holder2");
  const check = CLUSTER_FIELDS.namespace.check!;
  const good = checkedField(pulumi.output("data"), (v) => check(v, "namespace"), holder);
  expect(await new Promise((r) => (good as pulumi.Output<unknown>).apply(r))).toBe("data");
  const bad = checkedField(pulumi.output("Data"), (v) => check(v, "namespace"), holder);
  const error = await serializationError(bad as pulumi.Output<unknown>);
  expect((error as Error).message).toMatch(/^namespace: "Data" is not a DNS-1123 label/);
  expect((error as pulumi.ResourceError).resource).toBe(holder);
  // Plain values are checked at once, in the constructor's call.
  expect(() => checkedField("Data", (v) => check(v, "namespace"), holder)).toThrow(SlimDaskError);
});

test("a SlimDaskError is a pulumi.RunError: a failing program prints its message, not a stack", () => {
  const e = new SlimDaskError("workers.memory", '"500m" is not a memory quantity', "write `512Mi`");
  expect(pulumi.RunError.isInstance(e)).toBe(true);
  expect(pulumi.ResourceError.isInstance(e)).toBe(false);
  expect(e).toBeInstanceOf(Error);
});
