/**
 * The test chart (test/k8s/chart/dask) against components/cluster/pods.ts: both mirror the
 * published chart 2024.1.1's templates, so `helm template` of the chart with the values of
 * `slim-dask values` must give exactly the containers `chartPods()` derives, plus the names,
 * ports, Service ports, placement and worker strategy of the published templates.
 */
import { parseAllDocuments } from "yaml";
import type { DaskClusterConfig } from "../../components/cluster/args";
import { chartPods } from "../../components/cluster/pods";
import { chartFullname } from "../../components/cluster/addresses";
import { DEFAULT_CHART_VERSION } from "../../components/cluster/constants";
import * as path from "node:path";
import * as fs from "node:fs";
import { parse } from "yaml";
import { repoRoot } from "../support/environment";
import { helm } from "./support/cluster-env";
import { testChartDir, valuesFromCli } from "./support/release";

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
    testChartDir(),
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

test("the test chart is the dask chart at the version DaskCluster installs", () => {
  const chart = parse(fs.readFileSync(path.join(testChartDir(), "Chart.yaml"), "utf8"));
  expect(chart).toMatchObject({ name: "dask", version: DEFAULT_CHART_VERSION });
});

test.each(Object.entries(CASES))(
  "helm template of the test chart gives chartPods() containers (%s)",
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
    // The published template renders only `strategy.type` (maxSurge cannot come from values).
    expect(worker.spec.strategy).toEqual({
      type: values.worker?.strategy?.type ?? "RollingUpdate",
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
