/**
 * `pulumi preview` on a fresh stack, as a user runs the README's program: the image ref is
 * unknown until the build, the pull password is a secret. Plain fields must stay known and
 * plain, and bad plain input must fail in the constructor, before anything is registered.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster } from "../../../components/cluster/dask-cluster";
import { SlimDaskError } from "../../../components/common/errors";
import { SlimDaskImage } from "../../../components/image/slim-dask-image";
import {
  expectRejectedBeforeRegistration,
  hasSecretInput,
  hasUnknownInput,
  inputsOf,
  installMocks,
  settle,
  unwrapSecret,
} from "./mocks";

const seen = installMocks(true);
const PASSWORD = "preview-pull-password";

function contextDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-preview-")), "ctx");
}

/** Whether an output is known in this (preview) run. */
function isKnown<T>(output: pulumi.Output<T>): Promise<boolean> {
  return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}

/** The README's program: an image whose ref feeds the cluster, with secret pull credentials. */
function readmeProgram(prefix: string, cluster: Record<string, unknown> = {}) {
  const image = new SlimDaskImage(`${prefix}-image`, {
    imageName: "ghcr.io/acme/dask",
    base: "pip",
    contextDir: contextDir(),
    registry: { server: "ghcr.io", username: "acme-bot", password: pulumi.secret(PASSWORD) },
  });
  const daskCluster = new DaskCluster(prefix, {
    image: image.imageRef,
    runAsUser: image.user,
    runAsGroup: image.group,
    namespace: "dask",
    createNamespace: true,
    imagePullCredentials: {
      server: "ghcr.io",
      username: "acme-bot",
      password: pulumi.secret(PASSWORD),
    },
    workers: { replicas: 2, cpu: "1", memory: "2Gi" },
    ...cluster,
  });
  return { image, cluster: daskCluster };
}

describe("preview of a fresh stack", () => {
  beforeEach(() => {
    seen.length = 0;
  });

  test("the Release, Namespace and Secret get known, non-secret names; only values wait for the image", async () => {
    const { cluster } = readmeProgram("dask");
    expect(await isKnown(cluster.values)).toBe(false);
    await settle();

    const release = inputsOf(seen, "kubernetes:helm.sh/v3:Release", "dask");
    for (const key of [
      "name",
      "namespace",
      "chart",
      "version",
      "repositoryOpts",
      "timeout",
      "atomic",
    ]) {
      expect({ key, unknown: hasUnknownInput(release[key]) }).toEqual({ key, unknown: false });
      expect({ key, secret: hasSecretInput(release[key]) }).toEqual({ key, secret: false });
    }
    expect(release).toMatchObject({
      name: "dask",
      namespace: "dask",
      chart: "dask",
      version: "2024.1.1",
      repositoryOpts: { repo: "https://helm.dask.org" },
      timeout: 600,
      atomic: true,
    });
    expect(hasUnknownInput(release.values)).toBe(true);
    expect(hasSecretInput(release.values)).toBe(false);

    const namespace = inputsOf(seen, "kubernetes:core/v1:Namespace", "dask-namespace");
    expect(namespace.metadata).toEqual({ name: "dask" });
    const secret = inputsOf(seen, "kubernetes:core/v1:Secret", "dask-image-pull");
    expect(secret.metadata).toEqual({ name: "dask-image-pull", namespace: "dask" });
    expect(hasSecretInput(secret.metadata)).toBe(false);
    expect(unwrapSecret(secret.stringData).secret || hasSecretInput(secret.stringData)).toBe(true);
  });

  test("the cluster's addresses and names are known in preview and not secret", async () => {
    const { cluster } = readmeProgram("analytics");
    for (const [name, out] of Object.entries({
      releaseName: cluster.releaseName,
      namespace: cluster.namespace,
      schedulerAddress: cluster.schedulerAddress,
      dashboardUrl: cluster.dashboardUrl,
    })) {
      expect({ name, known: await isKnown(out) }).toEqual({ name, known: true });
      expect({ name, secret: await pulumi.isSecret(out) }).toEqual({ name, secret: false });
    }
    expect(await new Promise((r) => cluster.schedulerAddress.apply(r))).toBe(
      "tcp://analytics-dask-scheduler.dask.svc.cluster.local:8786",
    );
  });

  test("the image's Dockerfile, tag and build inputs are known in preview; only the password is secret", async () => {
    const { image } = readmeProgram("img");
    expect(await isKnown(image.dockerfile)).toBe(true);
    expect(await isKnown(image.tag)).toBe(true);
    expect(await isKnown(image.imageRef)).toBe(false);
    expect(await pulumi.isSecret(image.dockerfile)).toBe(false);
    await settle();
    const inputs = inputsOf(seen, "docker:index/image:Image", "img-image");
    for (const key of ["imageName", "build", "skipPush"]) {
      expect({ key, unknown: hasUnknownInput(inputs[key]) }).toEqual({ key, unknown: false });
      expect({ key, secret: hasSecretInput(inputs[key]) }).toEqual({ key, secret: false });
    }
    // The wire format lifts a nested secret to the whole property: the registry travels as
    // a secret because of its password (the child's own inputs are checked in secrets.test).
    expect(unwrapSecret(inputs.registry)).toEqual({
      secret: true,
      value: { server: "ghcr.io", username: "acme-bot", password: PASSWORD },
    });
  });

  test.each([
    [{ workers: { memory: "500m" } }, "workers.memory"],
    [{ values: "worker:\n  replicaCount: 2\n" }, "values.worker.replicaCount"],
    [{ namespace: "Team" }, "namespace"],
    [{ releaseName: "a".repeat(54) }, "releaseName"],
    [{ workers: { threads: 2, cpu: undefined, memory: undefined } }, "workers.threads"],
    [
      {
        imagePullCredentials: {
          server: "https://ghcr.io",
          username: "u",
          password: pulumi.secret("p"),
        },
      },
      "imagePullCredentials.server",
    ],
    [{ chartRepository: "helm.dask.org" }, "chartRepository"],
  ])(
    "bad input %j fails in the constructor while the image is still unknown",
    async (bad, field) => {
      const image = new SlimDaskImage("src", {
        imageName: "ghcr.io/acme/dask",
        contextDir: contextDir(),
      });
      await expectRejectedBeforeRegistration(
        seen,
        () =>
          new DaskCluster("bad", {
            image: image.imageRef,
            workers: { cpu: "1", memory: "2Gi" },
            ...bad,
          } as never),
        field,
      );
    },
  );

  test("the registry must match the image: checked once the image is known, not before", () => {
    // An unknown image cannot be compared with the pull server yet: construction succeeds.
    const image = new SlimDaskImage("src2", {
      imageName: "ghcr.io/acme/dask",
      contextDir: contextDir(),
    });
    expect(
      () =>
        new DaskCluster("later", {
          image: image.imageRef,
          imagePullCredentials: { server: "ghcr.io", username: "u", password: pulumi.secret("p") },
        }),
    ).not.toThrow();
  });

  test("an unknown imageName leaves the recipe known and plain-field errors immediate", async () => {
    const source = new SlimDaskImage("src3", {
      imageName: "ghcr.io/acme/base",
      contextDir: contextDir(),
    });
    const image = new SlimDaskImage("derived", {
      imageName: source.imageRef.apply((r) => r.split(":")[0]),
      contextDir: contextDir(),
    });
    expect(await isKnown(image.dockerfile)).toBe(true);
    expect(await isKnown(image.tag)).toBe(true);
    await expectRejectedBeforeRegistration(
      seen,
      () =>
        new SlimDaskImage("bad", {
          imageName: source.imageRef,
          contextDir: contextDir(),
          packages: ["dask; rm -rf /"],
        }),
      "packages[0]",
    );
  });

  test("worker groups: Deployment names known in preview while a group's image is unknown; a bad plain group fails at once", async () => {
    const gpuImage = new SlimDaskImage("gpu-image", {
      imageName: "ghcr.io/acme/dask-gpu",
      base: "pip",
      contextDir: contextDir(),
    });
    const { cluster } = readmeProgram("groups", {
      workerGroups: [
        { name: "gpu", image: gpuImage.imageRef, gpus: 1, daskResources: { GPU: 1 } },
        { name: "highmem", memory: "64Gi" },
      ],
    });
    expect(await isKnown(cluster.workerGroupDeployments)).toBe(true);
    expect(await new Promise((r) => cluster.workerGroupDeployments.apply(r))).toEqual({
      gpu: "groups-dask-worker-gpu",
      highmem: "groups-dask-worker-highmem",
    });
    expect(await isKnown(cluster.values)).toBe(false);
    await expectRejectedBeforeRegistration(
      seen,
      () =>
        readmeProgram("badgroups", {
          workerGroups: [{ name: "gpu", image: gpuImage.imageRef, daskResources: { GPU: 1 } }],
        }),
      "workerGroups[0].gpus",
    );
  });

  test("createNamespace must be plain: it decides which resources exist", () => {
    let error: unknown;
    try {
      new DaskCluster("ns", {
        image: "ghcr.io/acme/dask:1",
        createNamespace: pulumi.output(true) as never,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlimDaskError);
    expect((error as SlimDaskError).field).toBe("createNamespace");
  });
});
