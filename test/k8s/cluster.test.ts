/**
 * DaskCluster on a real Kubernetes (the single-node CI cluster of test/k8s/up.sh): the pip
 * preset image built from `slim-dask context`, pushed to the cluster's htpasswd registry,
 * pulled by the node with the pull Secret slim-dask builds, installed with the values of
 * `slim-dask values` through `helm upgrade --install --atomic --wait`. Tests run in order
 * and share the release. Nothing is skipped: no cluster or engine is a failure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DaskClusterConfig } from "../../components/cluster/args";
import { chartPods } from "../../components/cluster/pods";
import { pullSecretName } from "../../components/cluster/pull-secret";
import { chartFullname, dashboardUrl, schedulerAddress } from "../../components/cluster/addresses";
import { docker, requireDocker, requireImage } from "../support/docker";
import { BASE_IMAGES, DASK_VERSION, repoRoot } from "../support/environment";
import { waitFor } from "../support/exec";
import { clusterRegistry, helm, kubectl, registryLogin } from "./support/cluster-env";
import {
  buildForCluster,
  clusterImageConfig,
  ClusterImage,
  IMAGE_UID,
  pushToCluster,
} from "./support/images";
import {
  ClientSpec,
  componentPods,
  deletePod,
  finishClientPod,
  isReady,
  lastJson,
  Pod,
  podEventMessages,
  podLogs,
  publishClientScripts,
  runClientPod,
  startClientPod,
  releasePods,
} from "./support/pods";
import { applyPullSecret, installRelease, removeReleases, valuesFromCli } from "./support/release";
import { cpuMillis, nodeCpu } from "./support/capacity";
import { summarizeRollout, watchPods } from "./support/pod-watch";
import { stepTimer } from "../support/timings";

const MINUTE = 60_000;
const WORK_DIR = path.join(repoRoot(), "build", "k8s");
const NAMESPACE = "slim-dask-ci";
const RELEASE = "k8s";
const WORKERS = 2;
// One full CPU per worker: the two workers take the node's 2 CPUs, so a rollout has no room
// for a surge worker. The scheduler sets memory only (no CPU request).
const WORKER_CPU = "1";
const WORKER_MEMORY = "1Gi";
const ONE_GI = 1024 ** 3;
const WORKER_POOL = { replicas: WORKERS, cpu: WORKER_CPU, memory: WORKER_MEMORY };

const started = Date.now();
const { timings, timed } = stepTimer();
let registry: string;
let imageA: ClusterImage;
let imageB: ClusterImage | undefined;
let privateRef: string;
let pullSecret: string;
/** What the release runs now (set by every successful install or upgrade). */
let lastConfig: DaskClusterConfig | undefined;

function clusterConfig(
  image: string,
  overrides: Partial<DaskClusterConfig> = {},
): DaskClusterConfig {
  return {
    image,
    releaseName: RELEASE,
    namespace: NAMESPACE,
    jupyter: false,
    runAsUser: IMAGE_UID,
    timeoutSeconds: 300,
    workers: WORKER_POOL,
    scheduler: { memory: "1Gi" },
    imagePullCredentials: { server: registry, username: registryLogin().username },
    ...overrides,
  };
}

const address = () => schedulerAddress(RELEASE, NAMESPACE);

/** The config of the release as last installed, with `overrides`: one change at a time. */
function currentConfig(overrides: Partial<DaskClusterConfig>): DaskClusterConfig {
  return { ...(lastConfig ?? clusterConfig((imageB ?? imageA).pinned)), ...overrides };
}

/** Waits until a Deployment of the release has rolled out completely. */
async function rolloutStatus(component: "scheduler" | "worker"): Promise<void> {
  await kubectl(
    [
      "-n",
      NAMESPACE,
      "rollout",
      "status",
      `deploy/${chartFullname(RELEASE)}-${component}`,
      "--timeout=300s",
    ],
    { timeoutMs: 6 * MINUTE },
  );
}

/** The node has no room for one more worker (what makes a surge impossible). */
async function expectFullNode(): Promise<void> {
  const cpu = await nodeCpu();
  expect(cpu.allocatable - cpu.requested).toBeLessThan(cpuMillis(WORKER_CPU));
}

function client(name: string, image: string, script: string, args: string[]): ClientSpec {
  return { name, namespace: NAMESPACE, image, pullSecret, script, args };
}

async function install(label: string, config: DaskClusterConfig) {
  const release = await valuesFromCli(config, WORK_DIR, label);
  return { release, result: await installRelease(release, { allowFailure: true }) };
}

/** The release's scheduler and worker pods, none terminating (each with the image digest it runs). */
async function liveReleasePods(): Promise<Pod[]> {
  return [
    ...(await componentPods(NAMESPACE, RELEASE, "scheduler")),
    ...(await componentPods(NAMESPACE, RELEASE, "worker")),
  ];
}

const runsDigest = (pod: Pod, digest: string) =>
  (pod.status.containerStatuses ?? []).every((c) => c.imageID.endsWith(digest));

beforeAll(async () => {
  await requireDocker();
  await requireImage(BASE_IMAGES.slim);
  registry = clusterRegistry();
  // The cluster answers (fails with the command that starts it otherwise).
  await kubectl(["get", "--raw", "/readyz"]);
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  await kubectl(["create", "namespace", NAMESPACE], { allowFailure: true });
  await publishClientScripts(NAMESPACE);
  imageA = await timed("buildAndPushA", () =>
    buildForCluster(clusterImageConfig(`${registry}/slim-dask/k8s`), path.join(WORK_DIR, "a")),
  );
  // The same image under a repository no pod has pulled yet, for the wrong-login test.
  privateRef = `${registry}/slim-dask/k8s-private:${imageA.tag}`;
  await docker(["tag", imageA.reference, privateRef]);
  const privateDigest = await pushToCluster(privateRef);
  expect(privateDigest).toBe(imageA.digest);
  pullSecret = await applyPullSecret(clusterConfig(imageA.pinned), registryLogin().password);
  expect(pullSecret).toBe(pullSecretName(RELEASE));
}, 30 * MINUTE);

afterAll(async () => {
  await kubectl(
    [
      "-n",
      NAMESPACE,
      "delete",
      "pods",
      "-l",
      "app=slim-dask-client",
      "--grace-period=0",
      "--force",
    ],
    {
      allowFailure: true,
    },
  ).catch(() => undefined);
  await removeReleases(NAMESPACE, [RELEASE, "badlogin"]);
  const wall = (Date.now() - started) / 1000;
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(path.join(WORK_DIR, "report.json"), JSON.stringify({ wall, timings }, null, 2));
  console.log(`k8s suite wall time ${wall.toFixed(0)}s; steps: ${JSON.stringify(timings)}`);
}, 5 * MINUTE);

test(
  "1. the release installs; scheduler and workers are Ready, non-root under runAsNonRoot, tini as PID 1",
  async () => {
    const { release, result } = await timed("install", () =>
      install("install", clusterConfig(imageA.pinned)),
    );
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    lastConfig = release.config;
    const pods = await liveReleasePods();
    expect(pods).toHaveLength(1 + WORKERS);
    const expected = chartPods(release.values, RELEASE);
    const fullname = chartFullname(RELEASE);
    for (const pod of pods) {
      const component = pod.metadata.labels?.component as "scheduler" | "worker";
      expect(isReady(pod)).toBe(true);
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: IMAGE_UID });
      expect(pod.spec.imagePullSecrets).toEqual([{ name: pullSecret }]);
      const [container] = pod.spec.containers;
      expect(container.name).toBe(`${fullname}-${component}`);
      expect(container.image).toBe(imageA.pinned);
      expect(container.args).toEqual(expected[component].args);
      expect(runsDigest(pod, imageA.digest)).toBe(true);
      const { stdout } = await kubectl([
        "-n",
        NAMESPACE,
        "exec",
        pod.metadata.name,
        "--",
        "python",
        "-c",
        "import os; print(os.getuid(), os.getgid()); print(open('/proc/1/cmdline').read().split('\\0')[0])",
      ]);
      const [ids, pid1] = stdout.trim().split("\n");
      expect(ids).toBe(`${IMAGE_UID} ${IMAGE_UID}`);
      expect(path.basename(pid1)).toBe("tini");
    }
  },
  10 * MINUTE,
);

test(
  "2. a client pod reaches schedulerAddress through CoreDNS and does array and dataframe work with the image's versions",
  async () => {
    // Small enough that the sum of squares (3.3e14) survives JSON's doubles exactly.
    const length = 100_000;
    const modulus = 7;
    const out = await timed("client work", () =>
      runClientPod<{
        workers: string[];
        arraySum: number;
        arraySquareSum: number;
        groupSums: Record<string, number>;
        python: string;
        dask: string;
        distributed: string;
      }>(client("work", imageA.pinned, "work.py", [address(), String(length), String(modulus)])),
    );
    const n = BigInt(length);
    expect(out.workers).toHaveLength(WORKERS);
    expect(out.arraySum).toBe(Number((n * (n - 1n)) / 2n));
    expect(BigInt(out.arraySquareSum)).toBe(((n - 1n) * n * (2n * n - 1n)) / 6n);
    const groups: Record<string, number> = {};
    for (let i = 0; i < length; i++)
      groups[String(i % modulus)] = (groups[String(i % modulus)] ?? 0) + i;
    expect(out.groupSums).toEqual(groups);
    // get_versions(check=True) in the client made any client/scheduler/worker mismatch fatal;
    // these are the versions the recipe pinned.
    expect(out.dask).toBe(DASK_VERSION);
    expect(out.distributed).toBe(DASK_VERSION);
    expect(out.python).toMatch(/^3\.11\./);
  },
  10 * MINUTE,
);

test(
  "3. the dashboard answers through the scheduler Service on dashboardUrl, for /status and every script",
  async () => {
    const url = dashboardUrl(RELEASE, NAMESPACE);
    expect(url).toBe(
      `http://${chartFullname(RELEASE)}-scheduler.${NAMESPACE}.svc.cluster.local:80`,
    );
    const out = await timed("dashboard", () =>
      runClientPod<{ status: number; scripts: Record<string, { status: number; bytes: number }> }>(
        client("dashboard", imageA.pinned, "dashboard.py", [url]),
      ),
    );
    expect(out.status).toBe(200);
    const scripts = Object.entries(out.scripts);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.some(([src]) => /bokeh.*\.min\.js/.test(src))).toBe(true);
    for (const [src, r] of scripts) {
      expect({ src, status: r.status }).toEqual({ src, status: 200 });
      expect(r.bytes).toBeGreaterThan(0);
    }
  },
  10 * MINUTE,
);

test(
  "4. --nthreads and --memory-limit as the scheduler sees them match the workers' cpu and memory",
  async () => {
    const out = await timed("worker info", () =>
      runClientPod<{ workers: { nthreads: number; memory_limit: number }[] }>(
        client("info", imageA.pinned, "worker_info.py", [address(), String(WORKERS)]),
      ),
    );
    expect(out.workers).toHaveLength(WORKERS);
    for (const w of out.workers) {
      expect(w.nthreads).toBe(Number(WORKER_CPU));
      expect(w.memory_limit).toBe(ONE_GI);
    }
  },
  10 * MINUTE,
);

test(
  "5. a worker-only change (env) rolls the workers one at a time on a full node: a worker is Ready at every moment, no pod is left Pending, and a computation across the rollout is right",
  async () => {
    await expectFullNode();
    const before = await componentPods(NAMESPACE, RELEASE, "worker");
    expect(before).toHaveLength(WORKERS);
    const oldNames = before.map((p) => p.metadata.name);
    const image = (imageB ?? imageA).pinned;
    // 0.5 s tasks, 240 of them: about a minute of work on two one-thread workers, longer than
    // the rollout, so tasks run on old and on new workers.
    const count = 240;
    const spec = client("rolling", image, "rolling_work.py", [address(), String(count), "0.5"]);
    await startClientPod(spec);
    await waitFor(
      "the computation to start",
      3 * MINUTE,
      async () => ((await podLogs(NAMESPACE, "rolling")).includes("STARTED") ? true : undefined),
      1000,
    );
    const watch = watchPods(NAMESPACE, `release=${RELEASE},component=worker`);
    await waitFor("the watch's initial list", MINUTE, async () =>
      watch.events.length >= WORKERS ? true : undefined,
    );
    const from = watch.events.length;
    const { release, result } = await timed("worker-only rollout", () =>
      install("env-change", currentConfig({ workers: { ...WORKER_POOL, env: { ROLLED: "1" } } })),
    );
    // helm --wait (and so the Release) returns once replicas - maxUnavailable new workers are
    // Ready: the last one may still be starting. The rollout ends when the Deployment says so.
    await timed("worker-only rollout after helm returned", () => rolloutStatus("worker"));
    const summary = summarizeRollout(await watch.stop(), from);
    timings["worker-only rollout: longest unschedulable s"] =
      (summary.longestUnschedulable?.ms ?? 0) / 1000;
    expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({
      code: 0,
      stderr: "",
    });
    // The default: no surge, a quarter at a time (Kubernetes makes that 1 of 2).
    expect(release.values.worker).toMatchObject({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "25%" } },
    });
    // At no moment were both workers gone, and nothing waits for CPU now.
    expect(summary.minServing).toBeGreaterThanOrEqual(1);
    expect(summary.leftPending).toEqual([]);
    const after = await componentPods(NAMESPACE, RELEASE, "worker");
    expect(after).toHaveLength(WORKERS);
    expect(after.every(isReady)).toBe(true);
    const newNames = after.map((p) => p.metadata.name);
    expect(newNames.filter((n) => oldNames.includes(n))).toEqual([]);
    for (const pod of after) {
      const env = (pod.spec.containers[0] as { env?: { name: string; value: string }[] }).env;
      expect(env).toContainEqual({ name: "ROLLED", value: "1" });
    }
    // The computation survived the rollout, and ran on the old workers and on the new ones.
    const logs = await finishClientPod(spec, 10 * MINUTE);
    const out = lastJson<{ sum: number; pods: string[] }>(logs);
    expect(out.sum).toBe(Array.from({ length: count }, (_, i) => i * i).reduce((a, b) => a + b));
    // It was running on the old workers when the change started, and its kept results come
    // from the new ones (a leaving worker's results are recomputed by the others).
    const started = JSON.parse(/STARTED (\{.*\})/.exec(logs)?.[1] ?? "{}") as { pods?: string[] };
    expect(started.pods?.length).toBeGreaterThan(0);
    expect(started.pods?.filter((p) => !oldNames.includes(p))).toEqual([]);
    expect(out.pods.filter((p) => newNames.includes(p)).length).toBeGreaterThan(0);
    lastConfig = release.config;
  },
  20 * MINUTE,
);

test(
  "6. a changed recipe gives a new digest; helm upgrade moves the scheduler and the workers onto it on a full node, no pod left Pending",
  async () => {
    const b = await timed("buildAndPushB", () =>
      buildForCluster(
        clusterImageConfig(`${registry}/slim-dask/k8s`, { SLIM_DASK_ROLLOUT: "b" }),
        path.join(WORK_DIR, "b"),
      ),
    );
    expect(b.tag).not.toBe(imageA.tag);
    expect(b.digest).not.toBe(imageA.digest);

    // No room for one more worker: Kubernetes' default surge (25% of 2 workers = 1 pod) would
    // need a whole CPU more than the node has left.
    await expectFullNode();
    const watch = watchPods(NAMESPACE, `release=${RELEASE}`);
    await waitFor("the watch's initial list", MINUTE, async () =>
      watch.events.length >= 1 + WORKERS ? true : undefined,
    );
    const from = watch.events.length;
    const { release, result } = await timed("upgrade", () =>
      install("upgrade-b", currentConfig({ image: b.pinned })),
    );
    await timed("image rollout after helm returned", async () => {
      await rolloutStatus("scheduler");
      await rolloutStatus("worker");
    });
    const summary = summarizeRollout(await watch.stop(), from);
    timings["image upgrade: longest unschedulable s"] =
      (summary.longestUnschedulable?.ms ?? 0) / 1000;
    // With a surge the extra worker would stay Pending and helm would roll back after the
    // timeout: helm's message would say so.
    expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({
      code: 0,
      stderr: "",
    });
    expect(release.values.worker).toMatchObject({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0 } },
    });
    expect(summary.leftPending).toEqual([]);
    lastConfig = release.config;
    // From here on the release runs B (later tests use whichever image is live).
    imageB = b;
    const pods = await waitFor(
      "only new-digest pods",
      2 * MINUTE,
      async () => {
        const all = await liveReleasePods();
        return all.length === 1 + WORKERS && all.every((p) => runsDigest(p, b.digest) && isReady(p))
          ? all
          : undefined;
      },
      1000,
    );
    expect(pods.filter((p) => runsDigest(p, imageA.digest))).toEqual([]);
    const out = await runClientPod<{ sum: number; workers: number }>(
      client("after-upgrade", b.pinned, "quick_work.py", [address(), String(WORKERS)]),
    );
    expect(out).toEqual({ sum: 499_999_500_000, workers: WORKERS });
  },
  30 * MINUTE,
);

test(
  "7. an upgrade to an image that does not exist fails, the release rolls back, the old pods keep serving",
  async () => {
    const current = imageB ?? imageA;
    const missing = `${registry}/slim-dask/k8s:missing@sha256:${"0".repeat(64)}`;
    const before = await helm(["history", RELEASE, "--namespace", NAMESPACE, "-o", "json"]);
    const revisions = JSON.parse(before.stdout) as { revision: number; status: string }[];
    const upgrade = timed("failed upgrade", () =>
      install("missing", currentConfig({ image: missing, timeoutSeconds: 90 })),
    );
    // While helm waits, the new pods cannot pull, and the old scheduler still answers clients.
    await waitFor(
      "a pod failing to pull the missing image",
      2 * MINUTE,
      async () => {
        const pods = await liveReleasePods();
        return pods.some((p) =>
          (p.status.containerStatuses ?? []).some((c) =>
            ["ErrImagePull", "ImagePullBackOff"].includes(c.state.waiting?.reason ?? ""),
          ),
        )
          ? true
          : undefined;
      },
      1000,
    );
    const schedulers = await componentPods(NAMESPACE, RELEASE, "scheduler");
    expect(schedulers.filter((p) => isReady(p) && runsDigest(p, current.digest))).toHaveLength(1);
    const during = await runClientPod<{ workers: unknown[] }>(
      client("during-upgrade", current.pinned, "worker_info.py", [address(), "0"]),
    );
    expect(Array.isArray(during.workers)).toBe(true);
    const { result } = await upgrade;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/roll(ed)? back|rollback/i);

    const history = JSON.parse(
      (await helm(["history", RELEASE, "--namespace", NAMESPACE, "-o", "json"])).stdout,
    ) as { revision: number; status: string; description: string }[];
    const last = history[history.length - 1];
    expect(last.status).toBe("deployed");
    expect(last.description).toMatch(
      new RegExp(`Rollback to ${revisions[revisions.length - 1].revision}`),
    );
    await waitFor(
      "the old pods back, all Ready",
      3 * MINUTE,
      async () => {
        const all = await liveReleasePods();
        return all.length === 1 + WORKERS &&
          all.every((p) => runsDigest(p, current.digest) && isReady(p))
          ? all
          : undefined;
      },
      1000,
    );
    const after = await runClientPod<{ sum: number; workers: number }>(
      client("after-rollback", current.pinned, "quick_work.py", [address(), String(WORKERS)]),
    );
    expect(after).toEqual({ sum: 499_999_500_000, workers: WORKERS });
  },
  15 * MINUTE,
);

test(
  "8. a worker deleted mid-computation and a restarted scheduler: the result is right, the workers reconnect",
  async () => {
    const image = (imageB ?? imageA).pinned;
    const count = 40;
    const spec = client("slow", image, "slow_work.py", [address(), String(count), "1"]);
    await startClientPod(spec);
    await waitFor(
      "the slow computation to start",
      3 * MINUTE,
      async () => ((await podLogs(NAMESPACE, "slow")).includes("STARTED") ? true : undefined),
      1000,
    );
    const [victim] = await componentPods(NAMESPACE, RELEASE, "worker");
    await timed("worker loss", async () => {
      await deletePod(NAMESPACE, victim.metadata.name);
      const logs = await finishClientPod(spec, 5 * MINUTE);
      const out = lastJson<{ sum: number }>(logs);
      expect(out.sum).toBe(Array.from({ length: count }, (_, i) => i * i).reduce((a, b) => a + b));
    });

    const [scheduler] = await componentPods(NAMESPACE, RELEASE, "scheduler");
    await timed("scheduler restart", async () => {
      await deletePod(NAMESPACE, scheduler.metadata.name);
      await rolloutStatus("scheduler");
      const waited = await runClientPod<{ workers: string[] }>(
        client("reconnect", image, "wait_workers.py", [address(), String(WORKERS), "240"]),
        6 * MINUTE,
      );
      expect(waited.workers).toHaveLength(WORKERS);
      const out = await runClientPod<{ arraySum: number; workers: string[] }>(
        client("work-after-restart", image, "work.py", [address(), "100000", "3"]),
      );
      expect(out.arraySum).toBe((100000 * 99999) / 2);
      expect(out.workers).toHaveLength(WORKERS);
    });
    const pods = await liveReleasePods();
    expect(pods.map((p) => p.metadata.name)).not.toContain(victim.metadata.name);
    expect(pods.map((p) => p.metadata.name)).not.toContain(scheduler.metadata.name);
  },
  20 * MINUTE,
);

test(
  "9. a wrong registry login in the pull Secret gives ImagePullBackOff, not a running pod",
  async () => {
    const releaseName = "badlogin";
    const config = clusterConfig(`${privateRef}@${imageA.digest}`, {
      releaseName,
      timeoutSeconds: 60,
      // No CPU request: the node's CPUs belong to the first release, and a Pending pod
      // would prove nothing about the login.
      workers: { replicas: 1 },
      scheduler: {},
    });
    const secret = await applyPullSecret(config, `${registryLogin().password}-wrong`);
    expect(secret).toBe(pullSecretName(releaseName));
    const installing = timed("bad login", () => install("badlogin", config));
    const reasons = await waitFor(
      "ImagePullBackOff on the badlogin pods",
      2 * MINUTE,
      async () => {
        const pods = await releasePods(NAMESPACE, releaseName);
        const waiting = pods.flatMap((p) =>
          (p.status.containerStatuses ?? []).map(
            (c) => c.state.waiting?.reason ?? (c.state.running ? "Running" : ""),
          ),
        );
        return waiting.includes("ImagePullBackOff") ? { pods, waiting } : undefined;
      },
      1000,
    );
    expect(reasons.waiting).not.toContain("Running");
    const events = await podEventMessages(NAMESPACE, reasons.pods[0].metadata.name);
    expect(events).toMatch(/401 Unauthorized|unauthorized/i);
    const { result } = await installing;
    expect(result.code).not.toBe(0);
    const left = await releasePods(NAMESPACE, releaseName);
    expect(left.filter((p) => p.status.phase === "Running")).toEqual([]);
  },
  10 * MINUTE,
);
