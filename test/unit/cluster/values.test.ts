import { parseImageReference } from "../../../components/common/docker-reference";
import { DaskClusterConfig } from "../../../components/cluster/args";
import { daskChartValues } from "../../../components/cluster/values";
import { valueAt } from "../../../components/cluster/value-tree";
import { DIGEST, PINNED, errorOf } from "./helpers";

const at = (values: unknown, dotted: string) => valueAt(values, dotted.split("."));

describe("daskChartValues defaults", () => {
  const values = daskChartValues({ image: PINNED });

  test.each([
    ["jupyter.enabled", false],
    ["scheduler.servicePort", 8786],
    ["scheduler.serviceType", "ClusterIP"],
    ["worker.replicas", 3],
    ["worker.image.dask_worker", "dask-worker"],
    ["scheduler.image.repository", "registry.example.com:5000/team/dask"],
    ["scheduler.image.tag", `latest@${DIGEST}`],
    ["worker.image.repository", "registry.example.com:5000/team/dask"],
    ["worker.image.tag", `latest@${DIGEST}`],
    ["scheduler.image.pullPolicy", "IfNotPresent"],
    ["worker.image.pullPolicy", "IfNotPresent"],
  ])("%s = %j", (path, expected) => {
    expect(at(values, path)).toEqual(expected);
  });

  test("pods run non-root as uid 1000 at pod level", () => {
    const ctx = { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, fsGroup: 1000 };
    expect(at(values, "scheduler.securityContext")).toEqual(ctx);
    expect(at(values, "worker.securityContext")).toEqual(ctx);
  });

  test("no resources, threads, pull secrets or env unless asked", () => {
    for (const path of [
      "worker.resources",
      "worker.threads_per_worker",
      "worker.default_resources",
      "worker.image.pullSecrets",
      "scheduler.image.pullSecrets",
      "worker.env",
      "scheduler.resources",
      "jupyter.image",
    ]) {
      expect(at(values, path)).toBeUndefined();
    }
  });

  test("the rendered image keeps the digest", () => {
    const rendered = `${at(values, "worker.image.repository")}:${at(values, "worker.image.tag")}`;
    expect(parseImageReference(rendered, "x").digest).toBe(DIGEST);
  });
});

describe("daskChartValues field mapping", () => {
  const config: DaskClusterConfig = {
    image: "ghcr.io/team/dask:2026.8.0",
    // A moving tag is refused unless every pod start pulls it.
    imagePullPolicy: "Always",
    releaseName: "analytics",
    jupyter: true,
    runAsUser: 4242,
    runAsGroup: 4343,
    imagePullCredentials: { server: "ghcr.io", username: "bot" },
    workers: {
      replicas: 7,
      cpu: "2",
      memory: "8Gi",
      env: { ZED: "last", ALPHA: "first", MIDDLE: "" },
      extraArgs: ["--resources", "GPU=1"],
      nodeSelector: { "kubernetes.io/arch": "arm64" },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "dask", effect: "NoSchedule" }],
      affinity: { nodeAffinity: { preferred: [] } },
    },
    scheduler: {
      serviceType: "LoadBalancer",
      cpu: "500m",
      memory: "1Gi",
      env: { DASK_LOGGING__DISTRIBUTED: "debug" },
      extraArgs: ["--idle-timeout", "3600"],
      nodeSelector: { pool: "system" },
      tolerations: [{ operator: "Exists" }],
      affinity: { podAffinity: {} },
    },
  };
  const values = daskChartValues(config);

  test.each([
    ["worker.replicas", 7],
    [
      "worker.resources",
      { limits: { cpu: "2", memory: "8Gi" }, requests: { cpu: "2", memory: "8Gi" } },
    ],
    ["worker.threads_per_worker", 2],
    [
      "worker.env",
      [
        { name: "ALPHA", value: "first" },
        { name: "MIDDLE", value: "" },
        { name: "ZED", value: "last" },
      ],
    ],
    ["worker.extraArgs", ["--resources", "GPU=1"]],
    ["worker.nodeSelector", { "kubernetes.io/arch": "arm64" }],
    [
      "worker.tolerations",
      [{ key: "dedicated", operator: "Equal", value: "dask", effect: "NoSchedule" }],
    ],
    ["worker.affinity", { nodeAffinity: { preferred: [] } }],
    ["worker.image.tag", "2026.8.0"],
    ["worker.image.pullPolicy", "Always"],
    ["scheduler.image.pullPolicy", "Always"],
    ["scheduler.serviceType", "LoadBalancer"],
    ["scheduler.servicePort", 8786],
    [
      "scheduler.resources",
      { limits: { cpu: "500m", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } },
    ],
    ["scheduler.env", [{ name: "DASK_LOGGING__DISTRIBUTED", value: "debug" }]],
    ["scheduler.extraArgs", ["--idle-timeout", "3600"]],
    ["scheduler.nodeSelector", { pool: "system" }],
    ["scheduler.tolerations", [{ operator: "Exists" }]],
    ["scheduler.affinity", { podAffinity: {} }],
    ["jupyter.enabled", true],
    ["scheduler.image.pullSecrets", [{ name: "analytics-image-pull" }]],
    ["worker.image.pullSecrets", [{ name: "analytics-image-pull" }]],
    ["jupyter.image.pullSecrets", [{ name: "analytics-image-pull" }]],
    ["worker.securityContext.runAsUser", 4242],
    ["scheduler.securityContext.runAsGroup", 4343],
    ["worker.securityContext.fsGroup", 4343],
    [
      "worker.strategy",
      { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "25%" } },
    ],
  ])("%s", (path, expected) => {
    expect(at(values, path)).toEqual(expected);
  });

  test("threads: explicit wins; fractional cpu never reaches --nthreads", () => {
    const threads = (workers: DaskClusterConfig["workers"]) =>
      at(daskChartValues({ image: PINNED, workers }), "worker.threads_per_worker");
    expect(threads({ cpu: "4", threads: 1 })).toBe(1);
    expect(threads({ cpu: "500m" })).toBe(1);
    expect(threads({ cpu: "1.5" })).toBe(1);
    expect(threads({ cpu: "3.9" })).toBe(3);
    expect(threads({ memory: "2Gi" })).toBe(1);
    expect(threads({ memory: "2Gi", threads: 4 })).toBe(4);
  });

  test("cpu without memory lets Dask size memory itself instead of the chart's 4GiB", () => {
    const values = daskChartValues({ image: PINNED, workers: { cpu: "2" } });
    expect(at(values, "worker.resources")).toEqual({
      limits: { cpu: "2" },
      requests: { cpu: "2" },
    });
    expect(at(values, "worker.default_resources")).toEqual({ memory: "auto" });
    const both = daskChartValues({ image: PINNED, workers: { cpu: "2", memory: "4Gi" } });
    expect(at(both, "worker.default_resources")).toBeUndefined();
  });

  test("does not alias the input: mutating the output leaves the config alone", () => {
    const affinity = { nodeAffinity: { x: [1] } };
    const out = daskChartValues({ image: PINNED, workers: { affinity } });
    (at(out, "worker.affinity.nodeAffinity") as { x: number[] }).x.push(2);
    expect(affinity.nodeAffinity.x).toEqual([1]);
  });
});

describe("raw values", () => {
  test("are merged last, deep, with lists replaced", () => {
    const values = daskChartValues({
      image: PINNED,
      workers: { replicas: 2, cpu: "1", memory: "2Gi" },
      values: {
        worker: {
          annotations: { team: "data" },
          mounts: { volumes: [{ name: "a", emptyDir: {} }] },
          portDashboard: 9000,
        },
        scheduler: { serviceAnnotations: { a: "1" }, livenessProbe: { httpGet: { port: 8787 } } },
      },
    });
    expect(at(values, "worker.replicas")).toBe(2);
    expect(at(values, "worker.annotations")).toEqual({ team: "data" });
    expect(at(values, "worker.mounts.volumes")).toEqual([{ name: "a", emptyDir: {} }]);
    expect(at(values, "worker.portDashboard")).toBe(9000);
    expect(at(values, "worker.image.dask_worker")).toBe("dask-worker");
    expect(at(values, "scheduler.serviceAnnotations")).toEqual({ a: "1" });
    expect(at(values, "scheduler.livenessProbe.httpGet.port")).toBe(8787);
  });

  // What a typed field guarantees cannot be undone through raw values: each path names its field.
  test.each([
    [
      { worker: { image: { repository: "evil/image", tag: "latest" } } },
      "values.worker.image",
      "`image`",
    ],
    [{ scheduler: { image: { tag: "latest" } } }, "values.scheduler.image", "`image`"],
    [
      { worker: { image: { pullSecrets: [{ name: "x" }] } } },
      "values.worker.image.pullSecrets",
      "`imagePullCredentials`",
    ],
    [
      { jupyter: { image: { pullSecrets: [] } } },
      "values.jupyter.image.pullSecrets",
      "`imagePullCredentials`",
    ],
    [
      { scheduler: { securityContext: { runAsUser: 0, runAsNonRoot: false } } },
      "values.scheduler.securityContext",
      "`runAsUser` / `runAsGroup`",
    ],
    [
      { worker: { securityContext: {} } },
      "values.worker.securityContext",
      "`runAsUser` / `runAsGroup`",
    ],
    [
      { worker: { resources: { limits: { "nvidia.com/gpu": 1 } } } },
      "values.worker.resources",
      "`workers.cpu` / `workers.memory`",
    ],
    [
      { worker: { threads_per_worker: 8 } },
      "values.worker.threads_per_worker",
      "`workers.threads`",
    ],
    [
      { worker: { default_resources: { memory: "1Gi" } } },
      "values.worker.default_resources",
      "`workers.cpu` / `workers.memory`",
    ],
    [{ worker: { replicas: 9 } }, "values.worker.replicas", "`workers.replicas`"],
    [
      { worker: { strategy: { type: "Recreate" } } },
      "values.worker.strategy",
      "`workers.updateStrategy`",
    ],
    [
      { worker: { extraArgs: ["--nthreads", "64"] } },
      "values.worker.extraArgs",
      "`workers.extraArgs`",
    ],
    [{ worker: { env: [{ name: "A", value: "1" }] } }, "values.worker.env", "`workers.env`"],
    [
      { scheduler: { resources: {} } },
      "values.scheduler.resources",
      "`scheduler.cpu` / `scheduler.memory`",
    ],
    [{ jupyter: { enabled: true } }, "values.jupyter.enabled", "`jupyter`"],
    [
      { additional_worker_groups: [{ name: "gpu" }, { name: "b", image: { tag: "x" } }] },
      "values.additional_worker_groups",
      "`workerGroups`",
    ],
  ])("%j is refused: %s belongs to %s", (values, field, owner) => {
    const e = errorOf(() => daskChartValues({ image: PINNED, values }));
    expect(e.field).toBe(field);
    expect(e.problem).toContain("set by slim-dask");
    expect(e.fix).toBe(`set ${owner} instead`);
  });

  test("unknown paths are errors naming the full path with a suggestion", () => {
    const e = errorOf(() =>
      daskChartValues({ image: PINNED, values: { worker: { replicaCount: 2 } } }),
    );
    expect(e.field).toBe("values.worker.replicaCount");
    expect(e.fix).toContain("values.worker.replicas");
  });

  test("changing scheduler.servicePort is refused with the reason", () => {
    const e = errorOf(() =>
      daskChartValues({ image: PINNED, values: { scheduler: { servicePort: 9999 } } }),
    );
    expect(e.field).toBe("values.scheduler.servicePort");
    expect(e.problem).toContain("8786");
    expect(e.problem).toContain("--port");
    // Restating the fixed port is harmless.
    expect(() =>
      daskChartValues({ image: PINNED, values: { scheduler: { servicePort: 8786 } } }),
    ).not.toThrow();
  });
});

describe("determinism", () => {
  const config = (): DaskClusterConfig => ({
    image: PINNED,
    workers: { env: { B: "2", A: "1" }, cpu: "1", memory: "1Gi", nodeSelector: { b: "1", a: "2" } },
    values: { worker: { annotations: { z: "1", y: "2" } } },
  });

  test("equal input gives deep-equal output with the same key order", () => {
    const a = daskChartValues(config());
    const b = daskChartValues(config());
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  test("env and nodeSelector order does not depend on input key order", () => {
    const reordered = config();
    reordered.workers = {
      ...reordered.workers,
      env: { A: "1", B: "2" },
      nodeSelector: { a: "2", b: "1" },
    };
    expect(JSON.stringify(daskChartValues(reordered))).toBe(
      JSON.stringify(daskChartValues(config())),
    );
  });
});
