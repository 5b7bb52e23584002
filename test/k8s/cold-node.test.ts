/**
 * A ready worker on a cold node (issue 19): on the CI cluster, the time from the scheduler
 * placing a worker pod on the node, which holds nothing of its image, to "Registered to" in
 * the worker's log, for the naive image (one `pip install` stage on the full Python base, no
 * wheelhouse layer), the default slim image and the minimal runtime, all `dask[complete]`.
 * Each run removes the image from the node's containerd first (through the CRI), so the
 * kubelet pulls every layer from the cluster's registry with the pull Secret and unpacks it.
 *
 * The worker is the chart's own worker template (read from the release's Deployment) run as
 * a bare pod; the release's scheduler runs an image that shares no layer with the ones being
 * measured: the minimal one while naive workers are measured, the naive one (as `dask
 * scheduler`) while default and minimal workers are, since those two share their package
 * layers (the layer split makes them byte-identical).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DaskClusterConfig } from "../../components/cluster/args";
import { chartFullname } from "../../components/cluster/addresses";
import { docker, requireDocker, requireImage } from "../support/docker";
import { BASE_IMAGES, repoRoot } from "../support/environment";
import { buildNaive } from "../support/slim-build";
import { pulledBytes, registryConfig, registryManifest } from "../support/builders";
import { clusterRegistry, getJson, kubectl, registryLogin } from "./support/cluster-env";
import {
  buildForCluster,
  clusterImageConfig,
  IMAGE_UID,
  pushCompressedToCluster,
} from "./support/images";
import { applyPullSecret, installRelease, removeReleases, valuesFromCli } from "./support/release";
import {
  coldStart,
  ColdNodeRun,
  coldWorkerPod,
  NodeImage,
  removeFromNode,
  schedulerPatch,
  shareLayers,
  unpackedLayers,
} from "./support/cold-node";
import type { Pod } from "./support/pods";
import { exec } from "../support/exec";
import {
  COLD_NODE_SPEED_UP_GOAL,
  ColdNodeKind,
  ColdNodeReport,
  coldNodeGoals,
  coldNodeMarkdown,
} from "../bench/cold-node-report";

const MINUTE = 60_000;
const WORK_DIR = path.join(repoRoot(), "build", "k8s-cold-node");
const NAMESPACE = "slim-dask-cold";
const RELEASE = "cold";
const RUNS = Number(process.env.SLIM_DASK_COLD_NODE_RUNS ?? 5);

interface Measured extends NodeImage {
  kind: ColdNodeKind;
  /** The local docker tag it was pushed from. */
  reference: string;
  /** What a node pulls: the compressed layer blobs and the config, as the registry stores them. */
  pulledBytes: number;
  layers: number;
  mediaTypes: string[];
  /** `dask worker` / `dask scheduler` for an image without slim-dask's entry points. */
  entrypoint?: { worker: string[]; scheduler: string[] };
  runs: ColdNodeRun[];
}

let registry: string;
/** The chart's worker template, read in test 2 (the release's values do not change after). */
let workerTemplate: Parameters<typeof coldWorkerPod>[0] | undefined;
const images = {} as Record<ColdNodeKind, Measured>;
const loadAtStart = os.loadavg()[0];

/** Registry facts of a pushed image: digest, layers, compressed size. */
async function registryFacts(
  kind: ColdNodeKind,
  reference: string,
  digest: string,
): Promise<Measured> {
  const login = { server: registry, ...registryLogin() };
  const manifest = await registryManifest(reference, login);
  const config = (await registryConfig(reference, login)) as { rootfs: { diff_ids: string[] } };
  return {
    kind,
    reference,
    pinned: `${reference.replace(/:[^:/]+$/, "")}@${digest}`,
    digest,
    diffIds: config.rootfs.diff_ids,
    pulledBytes: pulledBytes(manifest),
    layers: manifest.layers.length,
    mediaTypes: [...new Set(manifest.layers.map((l) => l.mediaType))],
    runs: [],
  };
}

function clusterConfig(schedulerImage: string): DaskClusterConfig {
  return {
    image: schedulerImage,
    releaseName: RELEASE,
    namespace: NAMESPACE,
    jupyter: false,
    runAsUser: IMAGE_UID,
    timeoutSeconds: 300,
    // The measured workers are bare pods from the template; the Deployment keeps none.
    workers: { replicas: 0, cpu: "1", memory: "1Gi" },
    scheduler: { memory: "1Gi" },
    imagePullCredentials: { server: registry, username: registryLogin().username },
  };
}

/** Installs the release with its scheduler on `image`; returns the worker template. */
async function schedulerOn(image: Measured) {
  const config = clusterConfig(image.pinned);
  await applyPullSecret(config, registryLogin().password);
  const release = await valuesFromCli(config, WORK_DIR, `scheduler-${image.kind}`);
  await installRelease(release);
  return (await releaseDeployment("worker")).spec.template as Parameters<typeof coldWorkerPod>[0];
}

/** The name of the release's scheduler or worker Deployment. */
const deploymentName = (component: "scheduler" | "worker") =>
  `${chartFullname(RELEASE)}-${component}`;

/** The release's scheduler or worker Deployment. */
function releaseDeployment(component: "scheduler" | "worker") {
  return getJson<{ spec: { template: { spec: Pod["spec"] } } }>([
    "-n",
    NAMESPACE,
    "deployment",
    deploymentName(component),
  ]);
}

/**
 * Moves the installed release's scheduler to `image` (an image the chart's values cannot
 * name: the naive one needs `dask scheduler` for the chart's `dask-scheduler`) and waits
 * for the new pod.
 */
async function moveSchedulerTo(image: Measured): Promise<void> {
  const name = deploymentName("scheduler");
  const { spec } = await releaseDeployment("scheduler");
  const patch = schedulerPatch(
    spec.template.spec.containers,
    image.pinned,
    image.entrypoint?.scheduler,
  );
  await kubectl([
    "-n",
    NAMESPACE,
    "patch",
    "deployment",
    name,
    "--type=json",
    "-p",
    JSON.stringify(patch),
  ]);
  await kubectl(["-n", NAMESPACE, "rollout", "status", `deployment/${name}`, "--timeout=5m"], {
    timeoutMs: 6 * MINUTE,
  });
}

/** One cold start of `image` on a node emptied of it. */
async function measure(
  image: Measured,
  template: Parameters<typeof coldWorkerPod>[0],
  run: number,
): Promise<void> {
  await removeFromNode(image);
  const pod = coldWorkerPod(template, {
    name: `cold-${image.kind}-${run}`,
    namespace: NAMESPACE,
    image: image.pinned,
    entrypoint: image.entrypoint?.worker,
  }) as { metadata: { name: string; namespace: string } };
  const result = await coldStart(pod, 5 * MINUTE);
  image.runs.push(result);
  console.log(
    `cold node ${image.kind} run ${run}: ${result.seconds.toFixed(2)} s to "Registered to" (pull ${result.pullSeconds.toFixed(2)} s, ${(result.imageBytes / 1e6).toFixed(1)} MB fetched)`,
  );
}

beforeAll(async () => {
  await requireDocker();
  await requireImage(BASE_IMAGES.faithful);
  await requireImage(BASE_IMAGES.full);
  registry = clusterRegistry();
  await kubectl(["get", "--raw", "/readyz"]);
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  await kubectl(["create", "namespace", NAMESPACE], { allowFailure: true });
  for (const runtime of ["image", "minimal"] as const) {
    const kind: ColdNodeKind = runtime === "image" ? "default" : "minimal";
    const built = await buildForCluster(
      clusterImageConfig(`${registry}/slim-dask/cold-${kind}`, {}, runtime),
      path.join(WORK_DIR, kind),
      pushCompressedToCluster,
    );
    images[kind] = await registryFacts(kind, built.reference, built.digest);
  }
  // BuildKit bind-mounts the wheelhouse for the naive install: no layer a PyPI install lacks.
  const naive = await buildNaive(
    "complete",
    `${registry}/slim-dask/cold-naive`,
    path.join(WORK_DIR, "naive"),
    "buildkit",
    "mount",
  );
  images.naive = {
    ...(await registryFacts(
      "naive",
      naive.reference,
      await pushCompressedToCluster(naive.reference),
    )),
    entrypoint: { worker: ["dask", "worker"], scheduler: ["dask", "scheduler"] },
  };
}, 40 * MINUTE);

/** The machine and cluster, in one phrase, for the report. */
async function machine(): Promise<string> {
  const { stdout } = await kubectl(["version", "-o", "json"]);
  const k8s = (JSON.parse(stdout) as { serverVersion: { gitVersion: string } }).serverVersion;
  const containerd = (await exec("containerd", ["--version"])).stdout.split(" ")[2];
  const load = `1-minute load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`;
  return `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, single-node Kubernetes ${k8s.gitVersion}, containerd ${containerd}, registry on the node's bridge; ${load}`;
}

afterAll(async () => {
  await removeReleases(NAMESPACE, [RELEASE]);
  // Off the node too: the default image has the same config as the other suites' image, and
  // the CRI would report their pods' image under this suite's repository digest.
  for (const image of Object.values(images)) {
    await removeFromNode(image).catch((e: unknown) =>
      console.warn(`left on the node: ${String(e)}`),
    );
  }
  // 1.8 GB of local images (the naive one alone 1.1 GB); the builder cache keeps the layers.
  const local = Object.values(images).map((i) => i.reference);
  if (local.length > 0) await docker(["rmi", ...local], { allowFailure: true });
  const report: ColdNodeReport = {
    date: new Date().toISOString(),
    machine: await machine().catch((e: unknown) => String(e)),
    set: "dask[complete]",
    images: Object.values(images).map(({ kind, pulledBytes, layers, runs }) => ({
      kind,
      pulledBytes,
      layers,
      runs,
    })),
  };
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(path.join(WORK_DIR, "cold-node.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(coldNodeMarkdown(report));
}, 5 * MINUTE);

test("1. the registry serves gzip layers; naive shares no layer with the slim images, which share their package layers; the slim ones pull far fewer bytes", () => {
  const { naive, default: slim, minimal } = images;
  for (const image of [naive, slim, minimal]) {
    expect(image.mediaTypes).toEqual(["application/vnd.docker.image.rootfs.diff.tar.gzip"]);
  }
  expect([
    shareLayers(naive.diffIds, slim.diffIds),
    shareLayers(naive.diffIds, minimal.diffIds),
  ]).toEqual([false, false]);
  // The layer split copies the same packages byte for byte in both runtimes: hence the
  // scheduler's images below.
  expect(shareLayers(slim.diffIds, minimal.diffIds)).toBe(true);
  expect(slim.pulledBytes).toBeLessThan(naive.pulledBytes / 2);
  expect(minimal.pulledBytes).toBeLessThan(slim.pulledBytes);
});

test(
  `2. naive workers start cold ${RUNS} times (scheduler on the minimal image)`,
  async () => {
    const template = await schedulerOn(images.minimal);
    // The snapshot names the removal checks are the ones containerd uses: the scheduler's
    // image is unpacked on the node, every layer of it.
    expect(await unpackedLayers(images.minimal)).toBe(images.minimal.diffIds.length);
    workerTemplate = template;
    for (let run = 0; run < RUNS; run++) await measure(images.naive, template, run);
    expect(images.naive.runs).toHaveLength(RUNS);
  },
  20 * MINUTE,
);

test(
  `3. default and minimal workers start cold ${RUNS} times each (scheduler on the naive image)`,
  async () => {
    expect(workerTemplate).toBeDefined();
    await moveSchedulerTo(images.naive);
    expect(await unpackedLayers(images.naive)).toBe(images.naive.diffIds.length);
    // Alternated, so a change of load during the phase weighs on both alike; each removal
    // takes the other's shared layers off the node too.
    for (let run = 0; run < RUNS; run++) {
      await measure(images.default, workerTemplate!, run);
      await measure(images.minimal, workerTemplate!, run);
    }
    expect(images.default.runs).toHaveLength(RUNS);
    expect(images.minimal.runs).toHaveLength(RUNS);
  },
  40 * MINUTE,
);

/**
 * The goal (3x) is reported met or missed in docs/benchmarks.md, from this run's
 * figures; the test guards against a regression: a slim image that is not clearly faster.
 */
const REGRESSION_FLOOR = 1.5;

test(`4. default and minimal workers are ready at least ${REGRESSION_FLOOR}x sooner than naive (goal: ${COLD_NODE_SPEED_UP_GOAL}x)`, () => {
  const goals = coldNodeGoals({ date: "", machine: "", set: "", images: Object.values(images) });
  console.log(`cold node speed-ups: ${JSON.stringify(goals)}`);
  for (const goal of goals) expect(goal.speedUp).toBeGreaterThanOrEqual(REGRESSION_FLOOR);
});
