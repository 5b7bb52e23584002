/**
 * Worker groups on the real CI cluster (issue 18): a default pool and a `gpu` group that asks
 * Kubernetes for one `nvidia.com/gpu` and offers Dask the resource `GPU`. The node has no GPU:
 * its status advertises two of the extended resource (`kubectl patch --subresource=status`,
 * the documented way to advertise a node-level extended resource), so the scheduler and the
 * kubelet count them like devices. Values come from `slim-dask values`, installed with the
 * flags of DaskCluster's Release. Tests run in order and share the release.
 */
import * as path from "node:path";
import type { DaskClusterConfig, WorkerGroupConfig } from "../../components/cluster/args";
import { chartFullname, schedulerAddress } from "../../components/cluster/addresses";
import { chartPods } from "../../components/cluster/pods";
import { workerGroupDeploymentName } from "../../components/cluster/worker-groups";
import { requireDocker, requireImage } from "../support/docker";
import { BASE_IMAGES, repoRoot } from "../support/environment";
import { waitFor } from "../support/exec";
import { stepTimer } from "../support/timings";
import { clusterRegistry, getJson, helm, kubectl, registryLogin } from "./support/cluster-env";
import { buildForCluster, clusterImageConfig, ClusterImage, IMAGE_UID } from "./support/images";
import {
  componentPods,
  isReady,
  Pod,
  podEventMessages,
  publishClientScripts,
  runClientPod,
  releasePods,
} from "./support/pods";
import { applyPullSecret, installRelease, removeReleases, valuesFromCli } from "./support/release";

const MINUTE = 60_000;
const WORK_DIR = path.join(repoRoot(), "build", "k8s-groups");
const NAMESPACE = "slim-dask-groups";
const RELEASE = "groups";
const GPU_RESOURCE = "nvidia.com/gpu";
/** GPUs the node advertises. */
const NODE_GPUS = 2;

const { timings, timed } = stepTimer();
let image: ClusterImage;
let pullSecret: string;
let node: string;

/** A default pool of one worker and a `gpu` group; no CPU requests (the node's CPUs are few). */
function groupsConfig(
  gpuReplicas: number,
  overrides: Partial<DaskClusterConfig> = {},
  group: Partial<WorkerGroupConfig> = {},
) {
  return {
    image: image.pinned,
    releaseName: RELEASE,
    namespace: NAMESPACE,
    runAsUser: IMAGE_UID,
    timeoutSeconds: 300,
    workers: { replicas: 1 },
    scheduler: {},
    workerGroups: [
      { name: "gpu", replicas: gpuReplicas, gpus: 1, daskResources: { GPU: 1 }, ...group },
    ],
    imagePullCredentials: { server: clusterRegistry(), username: registryLogin().username },
    ...overrides,
  } satisfies DaskClusterConfig;
}

const gpuDeployment = () => workerGroupDeploymentName(chartFullname(RELEASE), "gpu");
/** The replicas the gpu group's Deployment asks for. */
async function gpuReplicas(): Promise<number> {
  const d = await getJson<{ spec: { replicas: number } }>([
    "-n",
    NAMESPACE,
    "deployment",
    gpuDeployment(),
  ]);
  return d.spec.replicas;
}

const asksForGpu = (pod: Pod) =>
  (pod.spec.containers[0] as { resources?: { limits?: Record<string, unknown> } }).resources
    ?.limits?.[GPU_RESOURCE] !== undefined;

async function install(label: string, config: DaskClusterConfig) {
  const release = await valuesFromCli(config, WORK_DIR, label);
  return { release, result: await installRelease(release, { allowFailure: true }) };
}

/** The node's status with `gpus` of the extended resource, or without it. */
async function advertiseGpus(gpus: number | undefined): Promise<void> {
  const key = GPU_RESOURCE.replace("/", "~1");
  const op =
    gpus === undefined
      ? { op: "remove", path: `/status/capacity/${key}` }
      : { op: "add", path: `/status/capacity/${key}`, value: String(gpus) };
  await kubectl(
    ["patch", "node", node, "--subresource=status", "--type=json", "-p", JSON.stringify([op])],
    { allowFailure: gpus === undefined },
  );
}

async function allocatableGpus(): Promise<string | undefined> {
  const n = await getJson<{ status: { allocatable: Record<string, string> } }>(["node", node]);
  return n.status.allocatable[GPU_RESOURCE];
}

beforeAll(async () => {
  await requireDocker();
  await requireImage(BASE_IMAGES.slim);
  await kubectl(["get", "--raw", "/readyz"]);
  await kubectl(["create", "namespace", NAMESPACE], { allowFailure: true });
  await publishClientScripts(NAMESPACE);
  // The k8s suite's image: the same recipe gives the same tag, so a built one is reused.
  image = await timed("build", () =>
    buildForCluster(clusterImageConfig(`${clusterRegistry()}/slim-dask/k8s`), WORK_DIR),
  );
  pullSecret = await applyPullSecret(groupsConfig(1), registryLogin().password);
  const nodes = await getJson<{ items: { metadata: { name: string } }[] }>(["nodes"]);
  expect(nodes.items).toHaveLength(1);
  node = nodes.items[0].metadata.name;
  await advertiseGpus(NODE_GPUS);
  // The kubelet copies the capacity to allocatable on its next status update.
  await waitFor(
    "the node's allocatable GPUs",
    2 * MINUTE,
    async () => ((await allocatableGpus()) === String(NODE_GPUS) ? true : undefined),
    1000,
  );
}, 30 * MINUTE);

afterAll(async () => {
  await removeReleases(NAMESPACE, [RELEASE]);
  if (node) await advertiseGpus(undefined).catch(() => undefined);
  console.log(`worker groups steps: ${JSON.stringify(timings)}`);
}, 5 * MINUTE);

test(
  "1. the gpu group's Deployment runs beside the default pool, asking for one GPU and offering Dask GPU=1",
  async () => {
    const { release, result } = await timed("install", () => install("install", groupsConfig(1)));
    expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({
      code: 0,
      stderr: "",
    });
    expect(await gpuReplicas()).toBe(1);
    const pods = await componentPods(NAMESPACE, RELEASE, "worker");
    expect(pods).toHaveLength(2);
    expect(pods.every(isReady)).toBe(true);
    const gpu = pods.filter(asksForGpu);
    expect(gpu).toHaveLength(1);
    expect(gpu[0].metadata.name.startsWith(`${gpuDeployment()}-`)).toBe(true);
    expect(gpu[0].spec.imagePullSecrets).toEqual([{ name: pullSecret }]);
    const [want] = chartPods(release.values, RELEASE).groups;
    expect(gpu[0].spec.containers[0].args).toEqual(want.args);
    expect(want.args).toEqual(expect.arrayContaining(["--resources", "GPU=1"]));
  },
  10 * MINUTE,
);

test(
  "2. tasks that ask for GPU=1 run only on the gpu group's worker; tasks that ask for nothing run on both",
  async () => {
    const pods = await componentPods(NAMESPACE, RELEASE, "worker");
    const gpuPod = pods.filter(asksForGpu).map((p) => p.metadata.name);
    const cpuPod = pods.filter((p) => !asksForGpu(p)).map((p) => p.metadata.name);
    const out = await timed("client", () =>
      runClientPod<{
        workers: Record<string, Record<string, number>>;
        annotated: string[];
        submitted: string[];
        anywhere: string[];
      }>({
        name: "groups-work",
        namespace: NAMESPACE,
        image: image.pinned,
        pullSecret,
        script: "groups_work.py",
        args: [schedulerAddress(RELEASE, NAMESPACE), "2"],
      }),
    );
    expect(out.workers).toEqual({ [gpuPod[0]]: { GPU: 1 }, [cpuPod[0]]: {} });
    expect(out.annotated).toEqual(gpuPod);
    expect(out.submitted).toEqual(gpuPod);
    expect(out.anywhere).toEqual([...gpuPod, ...cpuPod].sort());
  },
  10 * MINUTE,
);

test(
  "3. scaling the gpu group past the node's GPUs leaves exactly the extra pod Pending (Insufficient nvidia.com/gpu); helm times out and the atomic release rolls back",
  async () => {
    const replicas = NODE_GPUS + 1;
    const upgrading = timed("scale past the GPUs", () =>
      install("too-many", groupsConfig(replicas, { timeoutSeconds: 45 })),
    );
    const seen = await waitFor(
      `${replicas} gpu pods, one of them unschedulable`,
      2 * MINUTE,
      async () => {
        const gpu = (await componentPods(NAMESPACE, RELEASE, "worker")).filter(asksForGpu);
        const pending = gpu.filter((p) =>
          (p.status as { conditions?: { type: string; reason?: string }[] }).conditions?.some(
            (c) => c.type === "PodScheduled" && c.reason === "Unschedulable",
          ),
        );
        const running = gpu.filter((p) => p.status.phase === "Running");
        return gpu.length === replicas && pending.length === 1 && running.length === NODE_GPUS
          ? pending[0]
          : undefined;
      },
      1000,
    );
    const events = await podEventMessages(NAMESPACE, seen.metadata.name);
    expect(events).toContain(`Insufficient ${GPU_RESOURCE}`);
    const { result } = await upgrading;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/roll(ed)? back|rollback/i);
    const history = JSON.parse(
      (await helm(["history", RELEASE, "--namespace", NAMESPACE, "-o", "json"])).stdout,
    ) as { status: string; description: string }[];
    expect(history[history.length - 1]).toMatchObject({
      status: "deployed",
      description: expect.stringMatching(/^Rollback to 1/),
    });
    const back = await waitFor(
      "the gpu group back to one Ready pod",
      3 * MINUTE,
      async () => {
        const gpu = (await componentPods(NAMESPACE, RELEASE, "worker")).filter(asksForGpu);
        return gpu.length === 1 && gpu.every(isReady) ? gpu : undefined;
      },
      1000,
    );
    expect(back).toHaveLength(1);
  },
  10 * MINUTE,
);

/** The gpu group's pods once its rollout is over: none terminating, none Pending. */
async function settledGpuPods(count: number): Promise<Pod[]> {
  return waitFor(
    `${count} Ready gpu pods and nothing else`,
    3 * MINUTE,
    async () => {
      const gpu = (await releasePods(NAMESPACE, RELEASE)).filter(asksForGpu);
      return gpu.length === count && gpu.every((p) => isReady(p) && !p.metadata.deletionTimestamp)
        ? gpu
        : undefined;
    },
    1000,
  );
}

const envOf = (pod: Pod) =>
  (pod.spec.containers[0] as { env?: { name: string; value: string }[] }).env ?? [];

test(
  "4. on a full GPU node, a change to the group rolls it with the default Recreate; RollingUpdate's surge pod finds no GPU and the release rolls back",
  async () => {
    // Two GPU workers take the node's two GPUs.
    const full = await timed("fill the GPUs", () => install("full", groupsConfig(NODE_GPUS)));
    expect(full.result.code).toBe(0);
    const before = (await settledGpuPods(NODE_GPUS)).map((p) => p.metadata.name);

    const { release, result } = await timed("Recreate on a full node", () =>
      install("recreate", groupsConfig(NODE_GPUS, {}, { env: { ROLLED: "1" } })),
    );
    expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({
      code: 0,
      stderr: "",
    });
    expect(release.values.additional_worker_groups).toEqual([
      expect.objectContaining({ strategy: { type: "Recreate" } }),
    ]);
    const after = await settledGpuPods(NODE_GPUS);
    expect(after.map((p) => p.metadata.name).filter((n) => before.includes(n))).toEqual([]);
    for (const pod of after) expect(envOf(pod)).toContainEqual({ name: "ROLLED", value: "1" });

    // The same kind of change with RollingUpdate: Kubernetes' default surge starts a third GPU
    // worker first, which no node can place.
    const rolling = timed("RollingUpdate on a full node", () =>
      install(
        "rolling",
        groupsConfig(
          NODE_GPUS,
          { timeoutSeconds: 45 },
          {
            env: { ROLLED: "2" },
            updateStrategyType: "RollingUpdate",
          },
        ),
      ),
    );
    const surge = await waitFor(
      "an unschedulable surge pod",
      2 * MINUTE,
      async () => {
        const gpu = (await componentPods(NAMESPACE, RELEASE, "worker")).filter(asksForGpu);
        return gpu.find((p) =>
          (p.status as { conditions?: { type: string; reason?: string }[] }).conditions?.some(
            (c) => c.type === "PodScheduled" && c.reason === "Unschedulable",
          ),
        );
      },
      1000,
    );
    expect(await podEventMessages(NAMESPACE, surge.metadata.name)).toContain(
      `Insufficient ${GPU_RESOURCE}`,
    );
    const { result: failed } = await rolling;
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/roll(ed)? back|rollback/i);
    for (const pod of await settledGpuPods(NODE_GPUS)) {
      expect(envOf(pod)).toContainEqual({ name: "ROLLED", value: "1" });
    }
  },
  15 * MINUTE,
);

test(
  "5. replicas 0 scales the gpu group to no pods (the merge with the workers would have made it theirs)",
  async () => {
    const { result } = await timed("scale to zero", () => install("zero", groupsConfig(0)));
    expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({
      code: 0,
      stderr: "",
    });
    expect(await gpuReplicas()).toBe(0);
    const gone = await waitFor(
      "no gpu pod left",
      2 * MINUTE,
      async () => {
        const pods = await componentPods(NAMESPACE, RELEASE, "worker");
        return pods.filter(asksForGpu).length === 0 ? pods : undefined;
      },
      1000,
    );
    expect(gone).toHaveLength(1);
  },
  10 * MINUTE,
);
