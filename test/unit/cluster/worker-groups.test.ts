import { stringify } from "yaml";
import type { DaskClusterConfig } from "../../../components/cluster/args";
import { chartPods } from "../../../components/cluster/pods";
import { daskChartValues } from "../../../components/cluster/values";
import { sprigMerge } from "../../../components/cluster/value-tree";
import { daskResourcesArg } from "../../../components/cluster/worker-groups";
import { gpuPoolConfig } from "../../support/worker-group-configs";
import { PINNED, errorOf } from "./helpers";

const GPU_IMAGE = `registry.example.com:5000/team/dask-gpu:1@sha256:${"cd".repeat(32)}`;

const GPU_CLUSTER = gpuPoolConfig({
  image: PINNED,
  gpuImage: GPU_IMAGE,
  registry: "registry.example.com:5000",
  releaseName: "analytics",
});

type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const groupsOf = (config: DaskClusterConfig) =>
  daskChartValues(config).additional_worker_groups as Tree[];

const withGroups = (groups: unknown[], extra: Partial<DaskClusterConfig> = {}) =>
  ({ image: PINNED, workerGroups: groups, ...extra }) as DaskClusterConfig;

describe("sprigMerge: the chart's `merge` of a group over `worker`", () => {
  test("the group's non-empty values win, mappings merge key by key, lists are replaced", () => {
    expect(
      sprigMerge(
        { a: 1, m: { x: 1 }, l: [1], s: "own" },
        { a: 2, m: { x: 2, y: 2 }, l: [2, 3], s: "src", extra: true },
      ),
    ).toEqual({ a: 1, m: { x: 1, y: 2 }, l: [1], s: "own", extra: true });
  });

  test("empty values (0, false, '', [], {}, null) are filled from the source; a null source changes nothing", () => {
    expect(
      sprigMerge(
        { n: 0, b: false, s: "", l: [], m: {}, z: null, keep: "x" },
        { n: 3, b: true, s: "w", l: [1], m: { k: "v" }, z: "w", keep: null },
      ),
    ).toEqual({ n: 3, b: true, s: "w", l: [1], m: { k: "v" }, z: "w", keep: "x" });
  });

  test("inputs are not modified", () => {
    const dst = { m: { x: 1 } };
    const src = { m: { y: 2 } };
    sprigMerge(dst, src);
    expect(dst).toEqual({ m: { x: 1 } });
    expect(src).toEqual({ m: { y: 2 } });
  });
});

describe("workerGroups -> additional_worker_groups", () => {
  test("a GPU group renders its own size, GPU limit, Dask resources, placement and image", () => {
    const [gpu] = groupsOf(GPU_CLUSTER);
    expect(gpu).toEqual({
      name: "gpu",
      replicas: 2,
      strategy: { type: "Recreate" },
      image: {
        repository: "registry.example.com:5000/team/dask-gpu",
        tag: `1@sha256:${"cd".repeat(32)}`,
      },
      resources: {
        limits: { cpu: "8", memory: "60Gi", "nvidia.com/gpu": 1 },
        requests: { cpu: "8", memory: "60Gi", "nvidia.com/gpu": 1 },
      },
      threads_per_worker: 8,
      // The list replaces the workers' one: their variables are written out, the group's win.
      env: [
        { name: "A", value: "1" },
        { name: "SHARED", value: "gpu" },
      ],
      extraArgs: ["--resources", "GPU=1 MEMORY=60000000000"],
      nodeSelector: { pool: "gpu" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    });
  });

  test("chartPods predicts the group's Deployment from the merge: inherited pull secret and uid, own args", () => {
    const values = daskChartValues(GPU_CLUSTER);
    const pods = chartPods(values, "analytics");
    expect(pods.groups).toHaveLength(1);
    const [gpu] = pods.groups;
    expect(gpu.deployment).toBe("analytics-dask-worker-gpu");
    expect(gpu.image).toBe(GPU_IMAGE);
    expect(gpu.replicas).toBe(2);
    expect(gpu.args).toEqual([
      "dask-worker",
      "analytics-dask-scheduler:8786",
      "--nthreads",
      "8",
      "--memory-limit",
      "60Gi",
      "--no-dashboard",
      "--dashboard-address",
      "8790",
      "--resources",
      "GPU=1 MEMORY=60000000000",
    ]);
    expect(gpu.imagePullSecrets).toEqual(pods.worker.imagePullSecrets);
    expect(gpu.imagePullSecrets).toEqual([{ name: "analytics-image-pull" }]);
    expect(gpu.securityContext).toEqual(pods.worker.securityContext);
    // The selector merges: the group's `pool` wins, nothing else was set.
    expect(gpu.nodeSelector).toEqual({ pool: "gpu" });
    expect(gpu.strategy).toEqual({ type: "Recreate" });
    // The main workers are unchanged by the group.
    expect(pods.worker.args).not.toContain("--resources");
    expect(pods.worker.replicas).toBe(4);
  });

  test("a group that sets only memory inherits the workers' cpu and threads through the merge", () => {
    const config = withGroups([{ name: "highmem", memory: "120Gi" }], {
      workers: { cpu: "3", memory: "8Gi", threads: 2 },
    });
    const [group] = groupsOf(config);
    expect(group.resources).toEqual({
      limits: { memory: "120Gi" },
      requests: { memory: "120Gi" },
    });
    expect(group.threads_per_worker).toBeUndefined();
    const [pod] = chartPods(daskChartValues(config), "dask").groups;
    expect(pod.resources).toEqual({
      limits: { cpu: "3", memory: "120Gi" },
      requests: { cpu: "3", memory: "120Gi" },
    });
    expect(pod.args.slice(2, 6)).toEqual(["--nthreads", "2", "--memory-limit", "120Gi"]);
  });

  test("a group's own cpu sets its threads (the merge would keep the workers' threads_per_worker)", () => {
    const config = withGroups([{ name: "big", cpu: "16" }], {
      workers: { cpu: "2", memory: "8Gi" },
    });
    const [pod] = chartPods(daskChartValues(config), "dask").groups;
    expect(pod.args.slice(2, 6)).toEqual(["--nthreads", "16", "--memory-limit", "8Gi"]);
  });

  test("a GPU-only group on workers without limits gets one thread and Dask's own memory limit, not the chart's 4GiB", () => {
    const config = withGroups([{ name: "gpu", gpus: 2, gpuResourceName: "amd.com/gpu" }]);
    const [group] = groupsOf(config);
    expect(group.default_resources).toEqual({ memory: "auto" });
    const [pod] = chartPods(daskChartValues(config), "dask").groups;
    expect(pod.resources).toEqual({
      limits: { "amd.com/gpu": 2 },
      requests: { "amd.com/gpu": 2 },
    });
    expect(pod.args.slice(2, 6)).toEqual(["--nthreads", "1", "--memory-limit", "auto"]);
  });

  test("replicas 0 stays 0 (the merge would fill a 0 with the workers' count)", () => {
    const config = withGroups([{ name: "gpu", replicas: 0 }], { workers: { replicas: 5 } });
    expect(groupsOf(config)[0].replicas).toBe("0");
    expect(chartPods(daskChartValues(config), "dask").groups[0].replicas).toBe(0);
    // What the merge does with a plain 0: the reason for the string.
    expect(sprigMerge({ replicas: 0 }, { replicas: 5 }).replicas).toBe(5);
  });

  test("a group with only a name is the workers' twin: image, size, env, args and placement inherited", () => {
    const config = withGroups([{ name: "twin" }], {
      workers: {
        cpu: "2",
        memory: "4Gi",
        env: { A: "1" },
        extraArgs: ["--lifetime", "1h"],
        tolerations: [{ key: "dask", operator: "Exists" }],
      },
    });
    expect(groupsOf(config)).toEqual([
      { name: "twin", replicas: 1, strategy: { type: "Recreate" } },
    ]);
    const pods = chartPods(daskChartValues(config), "dask");
    const [twin] = pods.groups;
    for (const key of ["image", "env", "resources", "securityContext"] as const) {
      expect(twin[key]).toEqual(pods.worker[key]);
    }
    expect(twin.args.slice(2)).toEqual(pods.worker.args.slice(2));
    expect(twin.tolerations).toEqual([{ key: "dask", operator: "Exists" }]);
    expect(twin.replicas).toBe(1);
  });

  test("Dask resources inherit the workers' extra args, sorted and written as Dask parses them", () => {
    const config = withGroups(
      [{ name: "g", gpus: 1, daskResources: { b: 0.5, GPU: 1, A: 1e21 } }],
      {
        workers: { extraArgs: ["--lifetime", "1h"] },
      },
    );
    expect(groupsOf(config)[0].extraArgs).toEqual([
      "--lifetime",
      "1h",
      "--resources",
      "A=1e+21 GPU=1 b=0.5",
    ]);
    expect(daskResourcesArg({ z: 1, a: 2 })).toBe("a=2 z=1");
  });

  test("the same config, keys in another order, gives byte-identical values", () => {
    const a = withGroups([
      { name: "g", gpus: 1, daskResources: { GPU: 1, MEM: 2 }, env: { X: "1", Y: "2" } },
    ]);
    const b = withGroups([
      { env: { Y: "2", X: "1" }, daskResources: { MEM: 2, GPU: 1 }, gpus: 1, name: "g" },
    ]);
    expect(stringify(daskChartValues(a))).toBe(stringify(daskChartValues(b)));
  });

  test("no groups: no additional_worker_groups key at all", () => {
    expect(daskChartValues({ image: PINNED })).not.toHaveProperty("additional_worker_groups");
  });
});

describe("workerGroups checks name the field and the fix", () => {
  const cases: [string, DaskClusterConfig, string, RegExp][] = [
    [
      "duplicate names",
      withGroups([{ name: "gpu" }, { name: "gpu" }]),
      "workerGroups[1].name",
      /also the name of workerGroups\[0\]/,
    ],
    [
      "a name that is not a DNS label",
      withGroups([{ name: "GPU_pool" }]),
      "workerGroups[0].name",
      /DNS-1123 label/,
    ],
    [
      "a Deployment name over 63 characters",
      withGroups([{ name: "g".repeat(40) }], { releaseName: "r".repeat(20) }),
      "workerGroups[0].name",
      /73 characters long \(at most 63\)/,
    ],
    [
      "Dask told of a GPU that Kubernetes does not give",
      withGroups([{ name: "g", daskResources: { gpu: 1 } }]),
      "workerGroups[0].gpus",
      /tells Dask each worker has a GPU/,
    ],
    [
      "a GPU resource name without gpus",
      withGroups([{ name: "g", gpuResourceName: "amd.com/gpu" }]),
      "workerGroups[0].gpuResourceName",
      /`gpus` is not set/,
    ],
    [
      "a GPU resource outside a vendor domain",
      withGroups([{ name: "g", gpus: 1, gpuResourceName: "gpu" }]),
      "workerGroups[0].gpuResourceName",
      /not an extended resource name/,
    ],
    [
      "a Dask resource name --resources cannot carry",
      withGroups([{ name: "g", daskResources: { "A=B": 1 } }]),
      "workerGroups[0].daskResources",
      /cannot be passed to `dask worker --resources`/,
    ],
    [
      "a Dask resource amount that is not a positive number",
      withGroups([{ name: "g", daskResources: { MEMORY: 0 } }]),
      "workerGroups[0].daskResources.MEMORY",
      /must be a number above 0/,
    ],
    [
      "--resources by hand",
      withGroups([{ name: "g", extraArgs: ["--resources=GPU=1"] }]),
      "workerGroups[0].extraArgs[0]",
      /set `daskResources` on the group/,
    ],
    [
      "a second --resources inherited from the workers",
      withGroups([{ name: "g", daskResources: { X: 1 } }], {
        workers: { extraArgs: ["--resources", "Y=1"] },
      }),
      "workerGroups[0].daskResources",
      /second `--resources`/,
    ],
    [
      "an empty list the chart would fill from the workers",
      withGroups([{ name: "g", tolerations: [] }], {
        workers: { tolerations: [{ key: "dask", operator: "Exists" }] },
      }),
      "workerGroups[0].tolerations",
      /fills an empty value from `workers.tolerations`/,
    ],
    [
      "threads with no limit anywhere",
      withGroups([{ name: "g", threads: 4 }]),
      "workerGroups[0].threads",
      /only when resource limits are set/,
    ],
    [
      "a group image without a digest",
      withGroups([{ name: "g", image: "registry.example.com:5000/team/gpu:1" }]),
      "workerGroups[0].image",
      /has no digest/,
    ],
    [
      "a group image outside the pull secret's registry",
      withGroups([{ name: "g", image: `ghcr.io/acme/gpu@sha256:${"ef".repeat(32)}` }], {
        imagePullCredentials: { server: "registry.example.com:5000", username: "bot" },
      }),
      "workerGroups[0].image",
      /pull it without a login/,
    ],
    [
      "a typo in a group's key",
      withGroups([{ name: "g", replcas: 2 }]),
      "workerGroups[0].replcas",
      /unknown key/,
    ],
    [
      "raw additional_worker_groups values",
      { image: PINNED, values: { additional_worker_groups: [{ name: "x" }] } },
      "values.additional_worker_groups",
      /set `workerGroups` instead/,
    ],
  ];

  test.each(cases)("%s", (_label, config, field, message) => {
    const e = errorOf(() => daskChartValues(config));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.fix.length).toBeGreaterThan(10);
  });

  test("a Deployment name of exactly 63 characters passes, 64 does not", () => {
    // "rrr...-dask-worker-" is 33 characters.
    const release = { releaseName: "r".repeat(20) };
    expect(() => daskChartValues(withGroups([{ name: "g".repeat(30) }], release))).not.toThrow();
    expect(
      errorOf(() => daskChartValues(withGroups([{ name: "g".repeat(31) }], release))).message,
    ).toMatch(/64 characters long/);
  });

  test("an empty list is fine when the workers have none, and a group with Dask resources may empty its args", () => {
    expect(() => daskChartValues(withGroups([{ name: "g", tolerations: [] }]))).not.toThrow();
    const config = withGroups([{ name: "g", extraArgs: [], daskResources: { X: 1 } }], {
      workers: { extraArgs: ["--lifetime", "1h"] },
    });
    expect(groupsOf(config)[0].extraArgs).toEqual(["--resources", "X=1"]);
  });
});
