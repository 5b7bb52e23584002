import {
  checkValuePaths,
  closestValuePath,
  isKnownValuePath,
  knownValuePaths,
} from "../../../components/cluster/chart-model";
import { errorOf } from "./helpers";

const p = (dotted: string) => dotted.split(".");

describe("isKnownValuePath", () => {
  test.each([
    "worker.replicas",
    "worker.image.dask_worker",
    "worker.threads_per_worker",
    "worker.port",
    "worker.serviceAccountName",
    "scheduler.env",
    "scheduler.serviceAccountName",
    "scheduler.metrics.serviceMonitor.interval",
    "webUI.ingress.annotations",
    "jupyter.enabled",
    "additional_worker_groups.0.name",
    "additional_worker_groups.3.resources.limits.memory",
    "fullnameOverride",
    // Inside open maps anything goes.
    "worker.resources.limits.nvidia.com/gpu",
    "worker.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",
    "scheduler.nodeSelector.kubernetes.io/arch",
    "worker.mounts.volumes.0.emptyDir",
    // The main worker Deployment renders the whole strategy object.
    "worker.strategy.rollingUpdate.maxSurge",
    "worker.metrics.podMonitor.targetLabels",
    "additional_worker_groups.0.strategy.type",
  ])("%s is known", (path) => {
    expect(isKnownValuePath(p(path))).toBe(true);
  });

  test.each([
    "worker.replicaCount",
    "worker.image.digest",
    "worker.replicas.extra",
    "scheduler.image.dask_worker",
    "workers",
    "additional_worker_groups.name",
    "additional_worker_groups.-1.name",
    "additional_worker_groups.0.bogus",
    "jupyter.ingress.host",
    // Listed in values.yaml or read only by NOTES.txt: no template renders them.
    "jupyter.name",
    "scheduler.name",
    "webUI.name",
    "jupyter.passwordHint",
    "worker.metrics.podMonitor.podTargetLabels",
    "additional_worker_groups.0.livenessProbe",
    "additional_worker_groups.0.strategy.rollingUpdate",
  ])("%s is unknown", (path) => {
    expect(isKnownValuePath(p(path))).toBe(false);
  });

  test("every listed path is known and the list covers both values files' sections", () => {
    const all = knownValuePaths();
    for (const path of all) {
      expect(isKnownValuePath(path.replace(/\[\]/g, ".0").split("."))).toBe(true);
    }
    expect(all).toEqual(expect.arrayContaining(["scheduler", "webUI", "worker", "jupyter"]));
    expect(all).toContain("additional_worker_groups[].threads_per_worker");
  });
});

describe("closestValuePath", () => {
  test.each([
    ["worker.replicaCount", "worker.replicas"],
    ["worker.image.repo", "worker.image.repository"],
    ["scheduler.serviceTyp", "scheduler.serviceType"],
    ["jupyter.enable", "jupyter.enabled"],
    ["additional_worker_groups.0.replica", "additional_worker_groups[].replicas"],
  ])("%s -> %s", (typo, expected) => {
    expect(closestValuePath(p(typo))).toBe(expected);
  });
});

describe("checkValuePaths", () => {
  test("names the full dotted path and suggests the closest known path", () => {
    const e = errorOf(() => checkValuePaths({ worker: { replicaCount: 5 } }));
    expect(e.field).toBe("values.worker.replicaCount");
    expect(e.fix).toContain("`values.worker.replicas`");
  });

  test("finds unknown keys nested inside known, non-open objects", () => {
    expect(errorOf(() => checkValuePaths({ worker: { image: { digest: "x" } } })).field).toBe(
      "values.worker.image.digest",
    );
    expect(errorOf(() => checkValuePaths({ worker: { replicas: { min: 1 } } })).field).toBe(
      "values.worker.replicas.min",
    );
    expect(
      errorOf(() =>
        checkValuePaths({ additional_worker_groups: [{ name: "a" }, { name: "b", nme: "c" }] }),
      ).field,
    ).toBe("values.additional_worker_groups[1].nme");
  });

  test.each([
    ["jupyter.name", "no template reads it"],
    ["scheduler.name", "NOTES.txt"],
    ["worker.metrics.podMonitor.podTargetLabels", "reads `targetLabels`"],
    ["scheduler.metrics.serviceMonitor.metricRelabelings", "two arguments"],
  ])("%s: a key people expect that changes no resource says why", (dotted, why) => {
    const values: Record<string, unknown> = {};
    dotted.split(".").reduce<Record<string, unknown>>((node, key, i, all) => {
      node[key] = i === all.length - 1 ? ["x"] : {};
      return node[key] as Record<string, unknown>;
    }, values);
    const e = errorOf(() => checkValuePaths(values));
    expect(e.field).toBe(`values.${dotted}`);
    expect(e.problem).toContain(why);
  });

  test("rejects a scalar where the chart expects a mapping or list", () => {
    expect(errorOf(() => checkValuePaths({ worker: { image: "dask:1" } })).field).toBe(
      "values.worker.image",
    );
    expect(errorOf(() => checkValuePaths({ additional_worker_groups: { name: "a" } })).field).toBe(
      "values.additional_worker_groups",
    );
  });

  test("accepts deep paths inside open maps and known leaves", () => {
    expect(() =>
      checkValuePaths({
        worker: {
          resources: { limits: { "nvidia.com/gpu": 1 } },
          affinity: { podAntiAffinity: { anything: [{ deep: { er: true } }] } },
          mounts: { volumes: [{ name: "data", emptyDir: {} }] },
          threads_per_worker: 2,
        },
        scheduler: { securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
        additional_worker_groups: [{ name: "gpu", resources: { limits: { cpu: 4 } } }],
        webUI: { ingress: { enabled: true, annotations: { "a/b": "c" } } },
      }),
    ).not.toThrow();
  });
});
