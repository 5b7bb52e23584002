import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { DaskCluster } from "../../../components/cluster/dask-cluster";
import { SlimDaskImage } from "../../../components/image/slim-dask-image";
import {
  FAKE_DIGEST,
  childRecorder,
  expectRejectedBeforeRegistration,
  installMocks,
  named,
  settle,
  unwrapSecret,
  valueOf,
} from "./mocks";

const seen = installMocks();
const DIGEST_REF = `ghcr.io/acme/dask@sha256:${"c".repeat(64)}`;
const PASSWORD = "s3cr3t-pull-password";

type Values = Record<string, Record<string, unknown>>;

function only(type: string, name: string) {
  const found = named(seen, name).filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0];
}

describe("DaskCluster", () => {
  beforeEach(() => {
    seen.length = 0;
  });

  test("deploys the dask chart as a pinned, atomic helm release", async () => {
    const rec = childRecorder();
    const cluster = new DaskCluster(
      "analytics",
      {
        image: DIGEST_REF,
        releaseName: "analytics-dask",
        namespace: "data",
        workers: { replicas: 2, cpu: "1500m", memory: "4Gi" },
      },
      rec.opts,
    );
    const [address, dashboard, values, status] = await Promise.all([
      valueOf(cluster.schedulerAddress),
      valueOf(cluster.dashboardUrl),
      valueOf(cluster.values).then(parse),
      valueOf(cluster.status),
    ]);
    await settle();

    const release = only("kubernetes:helm.sh/v3:Release", "analytics").inputs;
    expect(release.name).toBe("analytics-dask");
    expect(release.chart).toBe("dask");
    expect(release.version).toBe("2024.1.1");
    expect(release.repositoryOpts).toEqual({ repo: "https://helm.dask.org" });
    expect(release.namespace).toBe("data");
    expect(release.atomic).toBe(true);
    expect(release.timeout).toBe(600);
    expect(release.values).toEqual(values);

    const v = values as Values;
    expect(v.scheduler.image).toMatchObject({ repository: "ghcr.io/acme/dask" });
    expect(
      `${(v.worker.image as Values["x"]).repository}:${(v.worker.image as Values["x"]).tag}`,
    ).toBe(`ghcr.io/acme/dask:latest@sha256:${"c".repeat(64)}`);
    expect(v.worker.replicas).toBe(2);
    expect(v.worker.threads_per_worker).toBe(1);
    expect((v.jupyter as Record<string, unknown>).enabled).toBe(false);
    expect(v.scheduler.servicePort).toBe(8786);

    expect(address).toBe("tcp://analytics-dask-scheduler.data.svc.cluster.local:8786");
    expect(dashboard).toContain("analytics-dask-scheduler.data.svc.cluster.local");
    expect(status).toBe("deployed");

    // Only the release: no pull secret, no namespace unless asked for.
    expect(seen.filter((r) => r.custom).map((r) => r.type)).toEqual([
      "kubernetes:helm.sh/v3:Release",
    ]);
    expect(rec.children.find((c) => c.type === "kubernetes:helm.sh/v3:Release")?.parent).toBe(
      cluster,
    );
    expect(seen.find((r) => r.name === "analytics" && !r.custom)?.type).toBe(
      "slim-dask:index:DaskCluster",
    );
  });

  test("worker groups reach the release's values; their Deployment names are outputs", async () => {
    const cluster = new DaskCluster("gpus", {
      image: DIGEST_REF,
      workers: { replicas: 2, cpu: "2", memory: "8Gi" },
      workerGroups: pulumi.output([
        { name: "gpu", replicas: 1, gpus: 1, daskResources: { GPU: 1 } },
        { name: "highmem", memory: "64Gi" },
      ]),
    });
    const [values, deployments] = await Promise.all([
      valueOf(cluster.values).then(parse),
      valueOf(cluster.workerGroupDeployments),
    ]);
    await settle();
    expect(deployments).toEqual({
      gpu: "gpus-dask-worker-gpu",
      highmem: "gpus-dask-worker-highmem",
    });
    const release = only("kubernetes:helm.sh/v3:Release", "gpus").inputs;
    expect(release.values).toEqual(values);
    const groups = (values as Record<string, Record<string, unknown>[]>).additional_worker_groups;
    expect(groups.map((g) => g.name)).toEqual(["gpu", "highmem"]);
    expect(groups[0].extraArgs).toEqual(["--resources", "GPU=1"]);
  });

  test("pull credentials become a dockerconfigjson Secret wired into every component", async () => {
    const rec = childRecorder();
    const cluster = new DaskCluster(
      "private",
      {
        image: DIGEST_REF,
        namespace: "data",
        createNamespace: true,
        imagePullCredentials: { server: "ghcr.io", username: "bot", password: PASSWORD },
      },
      rec.opts,
    );
    const values = parse(await valueOf(cluster.values)) as Values;
    await settle();

    const secret = only("kubernetes:core/v1:Secret", "private-image-pull");
    const secretName = (secret.inputs.metadata as Record<string, string>).name;
    expect(secret.inputs.type).toBe("kubernetes.io/dockerconfigjson");
    expect((secret.inputs.metadata as Record<string, string>).namespace).toBe("data");
    const stringData = unwrapSecret(secret.inputs.stringData);
    expect(stringData.secret).toBe(true);
    const config = JSON.parse((stringData.value as Record<string, string>)[".dockerconfigjson"]);
    expect(config.auths["ghcr.io"].username).toBe("bot");
    expect(config.auths["ghcr.io"].password).toBe(PASSWORD);
    expect(Buffer.from(config.auths["ghcr.io"].auth, "base64").toString()).toBe(`bot:${PASSWORD}`);

    for (const component of ["scheduler", "worker"]) {
      expect((values[component].image as Record<string, unknown>).pullSecrets).toEqual([
        { name: secretName },
      ]);
    }
    expect(JSON.stringify(values)).not.toContain(PASSWORD);
    expect(only("kubernetes:core/v1:Namespace", "private").inputs.metadata).toEqual({
      name: "data",
    });
  });

  test("pods run as the image's non-root user", async () => {
    const cluster = new DaskCluster("secure", { image: DIGEST_REF, runAsUser: 4242 });
    const values = parse(await valueOf(cluster.values)) as Values;
    for (const component of ["scheduler", "worker"]) {
      expect(values[component].securityContext).toMatchObject({
        runAsUser: 4242,
        runAsNonRoot: true,
      });
    }
  });

  test("a stack chains SlimDaskImage.imageRef into DaskCluster.image, digest and user included", async () => {
    const image = new SlimDaskImage("img", {
      imageName: "registry.example.com/team/dask",
      contextDir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-stack-")), "ctx"),
      user: { uid: 2000, gid: 2100, name: "dask" },
    });
    const cluster = new DaskCluster("dask", {
      image: image.imageRef,
      runAsUser: image.user,
      runAsGroup: image.group,
    });
    const values = parse(await valueOf(cluster.values)) as Values;
    const tag = await valueOf(image.tag);
    const workerImage = values.worker.image as Record<string, string>;
    expect(workerImage.repository).toBe("registry.example.com/team/dask");
    expect(workerImage.tag).toBe(`${tag}@${FAKE_DIGEST}`);
    expect(values.worker.securityContext).toMatchObject({
      runAsUser: 2000,
      runAsGroup: 2100,
      fsGroup: 2100,
    });
    await settle();
    expect(only("kubernetes:helm.sh/v3:Release", "dask").inputs.values).toEqual(values);
  });

  test.each([
    [{ image: "not a ref" }, "image"],
    [{ image: DIGEST_REF, workers: { replicas: -1 } }, "workers.replicas"],
    [{ image: DIGEST_REF, workers: { memory: "lots" } }, "workers.memory"],
    [{ image: DIGEST_REF, values: { worker: { replicaCount: 5 } } }, "values.worker.replicaCount"],
    [{ image: DIGEST_REF, scheduler: { serviceType: "Ingress" } }, "scheduler.serviceType"],
    [{ image: DIGEST_REF, createNamespace: pulumi.output(true) }, "createNamespace"],
  ])("bad input %j fails before any resource is registered", async (args, field) => {
    await expectRejectedBeforeRegistration(
      seen,
      () => new DaskCluster("bad", args as never),
      field,
    );
  });
});
