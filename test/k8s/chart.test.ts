/**
 * The published dask chart (served by the cluster's https chart repository, digest checked)
 * against components/cluster/pods.ts: `helm template` of the chart with the values of
 * `slim-dask values` must give exactly the containers `chartPods()` derives, plus the names,
 * ports, Service ports, placement and worker strategy DaskCluster relies on.
 */
import { parseAllDocuments } from "yaml";
import type { DaskClusterConfig } from "../../components/cluster/args";
import { chartPods } from "../../components/cluster/pods";
import { chartFullname } from "../../components/cluster/addresses";
import { DEFAULT_CHART_VERSION } from "../../components/cluster/constants";
import * as path from "node:path";
import * as fs from "node:fs";
import { repoRoot } from "../support/environment";
import { exec } from "../support/exec";
import { helm } from "./support/cluster-env";
import {
  chartRepository,
  publishedChart,
  publishedChartFromRepository,
  verifyChartDigest,
} from "./support/published-chart";
import { valuesFromCli } from "./support/release";
import { gpuPoolConfig } from "../support/worker-group-configs";

const WORK_DIR = path.join(repoRoot(), "build", "k8s-chart");
const IMAGE =
  "10.244.0.1:5056/slim-dask/k8s:2026.8.0-0123456789ab@sha256:" + "5e1c6e8e0cfb4c0a".repeat(4);

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const CASES: Record<string, DaskClusterConfig> = {
  // Release name without "dask": fullname is <release>-dask.
  minimal: { image: IMAGE, releaseName: "analytics", namespace: "ci" },
  full: {
    image: IMAGE,
    releaseName: "prod-dask",
    namespace: "ci",
    jupyter: false,
    runAsUser: 1001,
    workers: {
      replicas: 4,
      cpu: "1500m",
      memory: "3Gi",
      threads: 2,
      env: { B: "2", A: "1" },
      extraArgs: ["--lifetime", "1h"],
      nodeSelector: { "kubernetes.io/arch": "amd64" },
      tolerations: [{ key: "dask", operator: "Exists", effect: "NoSchedule" }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    },
    scheduler: { cpu: "1", memory: "2Gi", extraArgs: ["--idle-timeout", "3600"], env: { S: "x" } },
    imagePullCredentials: { server: "10.244.0.1:5056", username: "bot" },
  },
  cpuOnly: { image: IMAGE, releaseName: "cpu", workers: { cpu: "2" } },
};

async function render(label: string, config: DaskClusterConfig) {
  const release = await valuesFromCli(config, WORK_DIR, label);
  const { stdout } = await helm([
    "template",
    config.releaseName as string,
    await publishedChartFromRepository(),
    "--namespace",
    config.namespace ?? "default",
    "-f",
    release.file,
  ]);
  const docs = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);
  const find = (kind: string, name: string) => {
    const m = docs.find((d) => d.kind === kind && d.metadata.name === name);
    if (!m) throw new Error(`${kind} ${name} not rendered:\n${stdout}`);
    return m;
  };
  return { release, docs, find };
}

test("DaskCluster's default chart version is the published archive the suite serves", () => {
  expect(publishedChart().version).toBe(DEFAULT_CHART_VERSION);
});

test("the chart repository serves exactly the published archive; a tampered copy is refused", async () => {
  const pulled = await publishedChartFromRepository();
  expect(() => verifyChartDigest(pulled)).not.toThrow();
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const tampered = path.join(WORK_DIR, `dask-${DEFAULT_CHART_VERSION}.tgz`);
  fs.writeFileSync(tampered, Buffer.concat([fs.readFileSync(pulled), Buffer.from([0])]));
  expect(() => verifyChartDigest(tampered)).toThrow(/not the published dask chart's/);
  // The script that fills the repository refuses it as well, and copies nothing.
  const dest = path.join(WORK_DIR, "fetch-dest");
  fs.rmSync(dest, { recursive: true, force: true });
  const fetch = await exec(
    "bash",
    [path.join(repoRoot(), "test", "k8s", "chart-repo", "fetch-chart.sh"), dest],
    { env: { ...process.env, SLIM_DASK_DASK_CHART: tampered }, allowFailure: true },
  );
  expect(fetch.code).not.toBe(0);
  expect(fetch.stderr).toContain(`not the published ${publishedChart().sha256}`);
  expect(fs.readdirSync(dest)).toEqual([]);
}, 120_000);

test("the chart repository is https with the test CA and needs its login", async () => {
  const repo = chartRepository();
  expect(repo.url).toMatch(/^https:\/\//);
  const status = async (...auth: string[]) =>
    (
      await exec("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--cacert",
        repo.caFile,
        ...auth,
        `${repo.url}/index.yaml`,
      ])
    ).stdout;
  expect(await status()).toBe("401");
  expect(await status("--user", `${repo.username}:wrong`)).toBe("401");
  // Without the CA the certificate is not trusted (curl exit 60), with it the login works.
  const untrusted = await exec("curl", ["-s", "-o", "/dev/null", `${repo.url}/index.yaml`], {
    allowFailure: true,
  });
  expect(untrusted.code).toBe(60);
  const ok = await exec(
    "curl",
    ["-s", "--cacert", repo.caFile, "--config", "-", `${repo.url}/index.yaml`],
    { input: `user = "${repo.username}:${repo.password}"\n` },
  );
  expect(ok.stdout).toContain(`digest: ${publishedChart().sha256}`);
  // helm with a wrong password is refused too.
  const wrong = await helm(
    [
      "pull",
      "dask",
      "--repo",
      repo.url,
      "--ca-file",
      repo.caFile,
      "--version",
      publishedChart().version,
      "--username",
      repo.username,
      "--password",
      "not-the-password",
      "--destination",
      WORK_DIR,
    ],
    { allowFailure: true },
  );
  expect(wrong.code).not.toBe(0);
  expect(wrong.stderr).toMatch(/401/);
}, 120_000);

test.each(Object.entries(CASES))(
  "helm template of the published chart gives chartPods() containers (%s)",
  async (label, config) => {
    const { release, docs, find } = await render(label, config);
    const values = release.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const name = config.releaseName as string;
    const fullname = chartFullname(name, values);
    const pods = chartPods(values, name);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        `Deployment/${fullname}-scheduler`,
        `Deployment/${fullname}-worker`,
        `Service/${fullname}-scheduler`,
      ].sort(),
    );
    for (const component of ["scheduler", "worker"] as const) {
      const deployment = find("Deployment", `${fullname}-${component}`);
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const want = pods[component];
      expect(container.name).toBe(`${fullname}-${component}`);
      expect(container.image).toBe(want.image);
      expect(container.image).toBe(config.image);
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual(want.args);
      expect(container.env ?? []).toEqual(want.env);
      expect(container.resources ?? {}).toEqual(want.resources);
      expect(pod.securityContext ?? {}).toEqual(want.securityContext);
      expect(pod.imagePullSecrets ?? []).toEqual(want.imagePullSecrets);
      expect(deployment.spec.replicas).toBe(want.replicas);
      const v = values[component] ?? {};
      expect(pod.nodeSelector).toEqual(v.nodeSelector);
      expect(pod.tolerations).toEqual(v.tolerations);
      expect(pod.affinity).toEqual(
        v.affinity && Object.keys(v.affinity).length > 0 ? v.affinity : undefined,
      );
    }
    const scheduler = find("Deployment", `${fullname}-scheduler`).spec.template.spec.containers[0];
    expect(scheduler.ports).toEqual([{ containerPort: 8786 }, { containerPort: 8787 }]);
    const worker = find("Deployment", `${fullname}-worker`);
    expect(worker.spec.template.spec.containers[0].ports).toEqual([
      { containerPort: 8790, name: "dashboard" },
    ]);
    // The worker Deployment renders the whole strategy: maxSurge 0, maxUnavailable 25%.
    expect(worker.spec.strategy).toEqual(values.worker.strategy);
    expect(worker.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 0, maxUnavailable: "25%" },
    });
    const service = find("Service", `${fullname}-scheduler`);
    expect(service.spec.ports).toEqual([
      { name: `${fullname}-scheduler`, port: 8786, targetPort: 8786 },
      { name: `${fullname}-webui`, port: 80, targetPort: 8787 },
    ]);
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.selector).toEqual({ app: "dask", release: name, component: "scheduler" });
  },
  120_000,
);

const GPU_IMAGE =
  "10.244.0.1:5056/slim-dask/k8s-gpu:2026.8.0-0123456789ab@sha256:" + "9a0b1c2d3e4f5a6b".repeat(4);

/**
 * Three worker-group configurations, each exercising a different side of the chart's merge
 * of a group over `worker`: own image and GPUs on tainted nodes; a group that inherits almost
 * everything from fully set workers; and groups on workers without limits (GPU-only, replicas
 * 0, another vendor's GPU, RollingUpdate, affinity merged key by key).
 */
const GROUP_CASES: Record<string, DaskClusterConfig> = {
  gpuPool: gpuPoolConfig({
    image: IMAGE,
    gpuImage: GPU_IMAGE,
    registry: "10.244.0.1:5056",
    releaseName: "gpu",
  }),
  inherits: {
    image: IMAGE,
    releaseName: "inherit-dask",
    namespace: "ci",
    runAsUser: 1001,
    workers: {
      replicas: 2,
      cpu: "1500m",
      memory: "3Gi",
      threads: 2,
      env: { B: "2" },
      extraArgs: ["--lifetime", "1h"],
      nodeSelector: { "kubernetes.io/arch": "amd64", pool: "cpu" },
      tolerations: [{ key: "dask", operator: "Exists", effect: "NoSchedule" }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    },
    workerGroups: [
      { name: "highmem", memory: "32Gi", nodeSelector: { pool: "highmem" } },
      { name: "twin" },
    ],
  },
  noLimits: {
    image: IMAGE,
    releaseName: "bare",
    namespace: "ci",
    workers: { replicas: 4 },
    workerGroups: [
      {
        name: "amd",
        gpus: 2,
        gpuResourceName: "amd.com/gpu",
        daskResources: { GPU: 2 },
        replicas: 0,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "gpu", operator: "In", values: ["mi300"] }] },
              ],
            },
          },
        },
      },
      {
        name: "batch",
        cpu: "4",
        updateStrategyType: "RollingUpdate",
        extraArgs: ["--lifetime", "2h"],
      },
    ],
  },
};

test.each(Object.entries(GROUP_CASES))(
  "helm template of the published chart gives chartPods() worker groups (%s)",
  async (label, config) => {
    const { release, docs, find } = await render(`group-${label}`, config);
    const values = release.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const name = config.releaseName as string;
    const fullname = chartFullname(name, values);
    const pods = chartPods(values, name);
    const groups = config.workerGroups ?? [];
    expect(pods.groups.map((g) => g.deployment)).toEqual(
      groups.map((g) => `${fullname}-worker-${g.name}`),
    );
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        `Deployment/${fullname}-scheduler`,
        `Deployment/${fullname}-worker`,
        `Service/${fullname}-scheduler`,
        ...pods.groups.map((g) => `Deployment/${g.deployment}`),
      ].sort(),
    );
    // The main workers are what they are without groups.
    const worker = find("Deployment", `${fullname}-worker`).spec.template.spec;
    expect(worker.containers[0].args).toEqual(pods.worker.args);
    expect(worker.containers[0].args).not.toContain("--resources");
    for (const want of pods.groups) {
      const deployment = find("Deployment", want.deployment);
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(deployment.spec.replicas).toBe(want.replicas);
      expect(deployment.spec.strategy).toEqual(want.strategy);
      expect(deployment.spec.template.metadata.labels).toEqual({
        app: "dask",
        release: name,
        component: "worker",
      });
      expect(container.image).toBe(want.image);
      expect(container.args).toEqual(want.args);
      expect(container.env ?? []).toEqual(want.env);
      expect(container.resources ?? {}).toEqual(want.resources);
      expect(pod.securityContext ?? {}).toEqual(want.securityContext);
      expect(pod.imagePullSecrets ?? []).toEqual(want.imagePullSecrets);
      expect(pod.nodeSelector ?? {}).toEqual(want.nodeSelector);
      expect(pod.tolerations ?? []).toEqual(want.tolerations);
      expect(pod.affinity ?? {}).toEqual(want.affinity);
    }
    // What each configuration is about, stated outright rather than only through the model.
    const group = (g: string) => find("Deployment", `${fullname}-worker-${g}`);
    const args = (g: string) => group(g).spec.template.spec.containers[0].args as string[];
    if (label === "gpuPool") {
      const gpu = group("gpu").spec.template.spec;
      expect(gpu.containers[0].image).toBe(GPU_IMAGE);
      expect(gpu.containers[0].resources.limits["nvidia.com/gpu"]).toBe(1);
      expect(args("gpu")).toEqual(
        expect.arrayContaining(["--resources", "GPU=1 MEMORY=60000000000"]),
      );
      expect(args("gpu").slice(2, 6)).toEqual(["--nthreads", "8", "--memory-limit", "60Gi"]);
      expect(group("gpu").spec.replicas).toBe(2);
      expect(gpu.containers[0].env).toEqual([
        { name: "A", value: "1" },
        { name: "SHARED", value: "gpu" },
      ]);
      expect(gpu.nodeSelector).toEqual({ pool: "gpu" });
      expect(gpu.imagePullSecrets).toEqual([{ name: "gpu-image-pull" }]);
      expect(group("gpu").spec.strategy).toEqual({ type: "Recreate" });
    }
    if (label === "inherits") {
      const twin = group("twin").spec.template.spec;
      expect(twin.containers[0].args.slice(2)).toEqual(worker.containers[0].args.slice(2));
      expect(twin.containers[0].resources).toEqual(worker.containers[0].resources);
      expect(twin.securityContext.runAsUser).toBe(1001);
      const highmem = group("highmem").spec.template.spec;
      expect(highmem.nodeSelector).toEqual({ "kubernetes.io/arch": "amd64", pool: "highmem" });
      expect(highmem.containers[0].resources.limits).toEqual({ cpu: "1500m", memory: "32Gi" });
      expect(args("highmem").slice(2, 6)).toEqual(["--nthreads", "2", "--memory-limit", "32Gi"]);
      expect(highmem.tolerations).toEqual([
        { key: "dask", operator: "Exists", effect: "NoSchedule" },
      ]);
    }
    if (label === "noLimits") {
      expect(group("amd").spec.replicas).toBe(0);
      expect(args("amd").slice(2, 6)).toEqual(["--nthreads", "1", "--memory-limit", "auto"]);
      expect(group("amd").spec.template.spec.containers[0].resources.limits).toEqual({
        "amd.com/gpu": 2,
      });
      expect(args("batch").slice(2, 6)).toEqual(["--nthreads", "4", "--memory-limit", "auto"]);
      expect(args("batch").slice(-2)).toEqual(["--lifetime", "2h"]);
      expect(group("batch").spec.strategy).toEqual({ type: "RollingUpdate" });
      expect(find("Deployment", `${fullname}-worker`).spec.replicas).toBe(4);
    }
  },
  120_000,
);
