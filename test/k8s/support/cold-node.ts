import { secondsBetween, timestampOf } from "../../support/cold-start";
import { exec, waitFor } from "../../support/exec";
import { chainIds } from "../../support/layers";
import { apply, clusterEnv, containerdSocket, getJson, kubectl } from "./cluster-env";
import { podEventMessages, type Pod } from "./pods";

/**
 * A worker on a cold node: the time from the scheduler placing a worker pod on a node that
 * does not hold its image to the worker's "Registered to" log line. The node's containerd is
 * emptied of the image first (through the CRI, with crictl, as the kubelet would), so the
 * kubelet pulls every layer from the cluster's registry and unpacks it.
 */

/** One cold start. */
export interface ColdNodeRun {
  /** Scheduled (the scheduler's event, microseconds) -> "Registered to" (the CRI log stamp). */
  seconds: number;
  /** The kubelet's own pull time ("Successfully pulled image ... in Xs"). */
  pullSeconds: number;
  /** The image size the kubelet reports after the pull: the content it holds (compressed). */
  imageBytes: number;
}

/** What the cold-node measurement needs to know of an image in the cluster registry. */
export interface NodeImage {
  /** `<registry>/<repo>@sha256:...`: what the pod runs. */
  pinned: string;
  /** The manifest digest. */
  digest: string;
  /** The config's `rootfs.diff_ids`: the node's snapshots are named by their chain IDs. */
  diffIds: string[];
}

/**
 * The kubelet's pull event: `Successfully pulled image "x" in 1.234s (1.234s including
 * waiting). Image size: 123 bytes.` (durations may read `1m2.5s` or `850ms`).
 */
export function parsePulledMessage(message: string): { seconds: number; bytes: number } {
  const m = /Successfully pulled image "[^"]+" in (\S+) \(.*\)\. Image size: (\d+) bytes/.exec(
    message,
  );
  if (!m) throw new Error(`not a kubelet pull message: ${message}`);
  return { seconds: goDurationSeconds(m[1]), bytes: Number(m[2]) };
}

/** Seconds in a Go duration string as the kubelet prints it (`1m2.5s`, `850ms`, `3.2s`). */
export function goDurationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, µs: 1e-6, us: 1e-6 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|µs|us)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new Error(`not a Go duration: ${text}`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

/** A container of the release's on `image`; an image without slim-dask's shims runs the chart's `dask-worker` / `dask-scheduler` as `entrypoint` (`dask worker`, `dask scheduler`). */
export function containerOn<C extends { args?: string[] }>(
  container: C,
  image: string,
  entrypoint?: string[],
): C & { image: string; imagePullPolicy: string } {
  const args = container.args ?? [];
  return {
    ...container,
    image,
    imagePullPolicy: "IfNotPresent",
    args: entrypoint ? [...entrypoint, ...args.slice(1)] : args,
  };
}

/** The only container of a Deployment's pod template; the chart's templates have one. */
export function onlyContainer<C>(containers: C[], what: string): C {
  const [container, ...others] = containers;
  if (!container || others.length > 0) {
    throw new Error(`the chart's ${what} template should have exactly one container`);
  }
  return container;
}

/** The worker container of the release's worker Deployment, as a bare pod that runs `image`. */
export function coldWorkerPod(
  template: { metadata?: object; spec: Pod["spec"] & Record<string, unknown> },
  options: { name: string; namespace: string; image: string; entrypoint?: string[] },
): object {
  const container = onlyContainer(template.spec.containers, "worker");
  return {
    apiVersion: "v1",
    kind: "Pod",
    // Not the Deployment's labels: its ReplicaSet would adopt the pod and scale it away.
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { app: "slim-dask-cold-node" },
    },
    spec: {
      ...template.spec,
      restartPolicy: "Never",
      containers: [containerOn(container, options.image, options.entrypoint)],
    },
  };
}

/**
 * The JSON patch that moves the release's scheduler Deployment to `image` (its one
 * container, args mapped as {@link containerOn} does).
 */
export function schedulerPatch(
  containers: { args?: string[] }[],
  image: string,
  entrypoint?: string[],
): object[] {
  const container = onlyContainer(containers, "scheduler");
  return [
    {
      op: "replace",
      path: "/spec/template/spec/containers/0",
      value: containerOn(container, image, entrypoint),
    },
  ];
}

/** crictl against the cluster's containerd (image and runtime endpoints). */
export function crictl(args: string[]) {
  const endpoint = `unix://${containerdSocket()}`;
  return exec(
    "crictl",
    ["--runtime-endpoint", endpoint, "--image-endpoint", endpoint, "--timeout", "60s", ...args],
    { env: clusterEnv(), timeoutMs: 3 * 60_000 },
  );
}

/**
 * Removes pod sandboxes (with their containers) once the kubelet has stopped them: stopping
 * one ourselves races the kubelet's own teardown of its network ("failed to delete eth0").
 * True when none of them is left; false while one is still running or not yet removable.
 */
async function removeStoppedSandboxes(ids: string[]): Promise<boolean> {
  if (ids.length === 0) return true;
  const { stdout } = await crictl(["pods", "-o", "json"]);
  const items = (JSON.parse(stdout) as { items: { id: string; state: string }[] }).items.filter(
    (p) => ids.includes(p.id),
  );
  if (items.some((p) => p.state !== "SANDBOX_NOTREADY")) return false;
  // Stopped is not yet removable while the kubelet still tears its network namespace down.
  const removed = await Promise.all(
    items.map((p) =>
      crictl(["rmp", p.id]).then(
        () => true,
        () => false,
      ),
    ),
  );
  return removed.every(Boolean);
}

/** Names of committed snapshots in the CRI's containerd namespace. */
async function snapshotNames(): Promise<Set<string>> {
  const { stdout } = await exec("ctr", [
    "--address",
    containerdSocket(),
    "-n",
    "k8s.io",
    "snapshots",
    "ls",
  ]);
  return new Set(
    stdout
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .filter(Boolean),
  );
}

/** A container as `crictl ps -a -o json` lists it (the fields read here). */
interface CriContainer {
  podSandboxId: string;
  state: string;
  imageRef: string;
  image: { image: string };
}

/** The diff ID of an empty layer (WORKDIR and the like): any two images may share it. */
export const EMPTY_LAYER =
  "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/** True when two images share a layer with content (the empty layer does not count). */
export function shareLayers(a: string[], b: string[]): boolean {
  return a.some((d) => d !== EMPTY_LAYER && b.includes(d));
}

/**
 * IDs of the node's images that hold a layer of `image`: the image itself, and any other
 * push of the same layers (another repository or digest, e.g. the suite's other releases),
 * whose unpacked layers would make the pull a warm one.
 */
async function imagesWithLayersOf(image: NodeImage): Promise<string[]> {
  const { stdout } = await crictl(["images", "-o", "json"]);
  const listed = JSON.parse(stdout) as { images: { id: string }[] };
  const ids: string[] = [];
  for (const { id } of listed.images) {
    const status = JSON.parse((await crictl(["inspecti", "-o", "json", id])).stdout) as {
      info?: { imageSpec?: { rootfs?: { diff_ids?: string[] } } };
    };
    const diffIds = status.info?.imageSpec?.rootfs?.diff_ids;
    if (!diffIds) throw new Error(`crictl inspecti ${id} gives no rootfs diff IDs`);
    if (shareLayers(diffIds, image.diffIds)) ids.push(id);
  }
  return ids;
}

/**
 * Removes from the node, through the CRI, every image holding a layer of `image`, and checks
 * that nothing of it is left unpacked (no snapshot named by one of its chain IDs). Their
 * containers go first, once stopped (a scheduler replaced by an upgrade may still be
 * terminating): a container, even exited, keeps its image's layers; then the images, whose
 * removal runs containerd's garbage collection. A running container of one of them fails
 * the wait, naming the image.
 */
export async function removeFromNode(image: NodeImage): Promise<void> {
  const ids = await imagesWithLayersOf(image);
  await waitFor(
    `every container sharing a layer with ${image.pinned} to stop`,
    3 * 60_000,
    async () => {
      const ps = JSON.parse((await crictl(["ps", "-a", "-o", "json"])).stdout) as {
        containers: CriContainer[];
      };
      const users = ps.containers.filter(
        (c) => ids.includes(c.imageRef) || ids.includes(c.image.image),
      );
      if (users.some((c) => c.state !== "CONTAINER_EXITED")) return undefined;
      return (await removeStoppedSandboxes([...new Set(users.map((c) => c.podSandboxId))]))
        ? true
        : undefined;
    },
    1000,
  );
  if (ids.length > 0) await crictl(["rmi", ...ids]);
  await waitFor(
    `the node to drop every unpacked layer of ${image.pinned}`,
    60_000,
    async () => ((await unpackedLayers(image)) === 0 ? true : undefined),
    500,
  );
}

/** How many of `image`'s layers the node holds unpacked (committed snapshots). */
export async function unpackedLayers(image: NodeImage): Promise<number> {
  const names = await snapshotNames();
  return chainIds(image.diffIds).filter((c) => names.has(c)).length;
}

/**
 * Deletes a pod and, through the CRI, its sandbox and containers as soon as the kubelet has
 * stopped them: the kubelet's own container garbage collection runs once a minute, and a
 * container keeps its image's layers.
 */
export async function removePodNow(namespace: string, name: string): Promise<void> {
  await kubectl(
    ["-n", namespace, "delete", "pod", name, "--ignore-not-found", "--grace-period=0", "--force"],
    { allowFailure: true },
  );
  const { stdout } = await crictl(["pods", "--name", `^${name}$`, "--namespace", namespace, "-q"]);
  const sandboxes = stdout.split("\n").filter(Boolean);
  await waitFor(
    `the kubelet to stop pod ${name}`,
    2 * 60_000,
    async () => ((await removeStoppedSandboxes(sandboxes)) ? true : undefined),
    500,
  );
}

/** The scheduler's `Scheduled` event of a pod: its time, to the microsecond. */
async function scheduledAt(namespace: string, pod: string): Promise<string> {
  const list = await getJson<{ items: { reason: string; eventTime?: string }[] }>([
    "-n",
    namespace,
    "events.events.k8s.io",
    "--field-selector",
    `regarding.name=${pod}`,
  ]);
  const event = list.items.find((e) => e.reason === "Scheduled" && e.eventTime);
  if (!event?.eventTime) throw new Error(`no Scheduled event with an eventTime for ${pod}`);
  return event.eventTime;
}

/**
 * Creates `pod` (a worker of `coldWorkerPod`) on a node without its image and waits for
 * "Registered to"; the pod and its containers are removed whatever happens.
 */
export async function coldStart(
  pod: { metadata: { name: string; namespace: string } },
  timeoutMs: number,
): Promise<ColdNodeRun> {
  const { name, namespace } = pod.metadata;
  try {
    await apply(pod);
    const logs = await waitFor(
      `worker ${name} to register with the scheduler`,
      timeoutMs,
      async () => {
        const { stdout } = await kubectl(["-n", namespace, "logs", "--timestamps", name], {
          allowFailure: true,
        });
        return stdout.includes("Registered to") ? stdout : undefined;
      },
      // The time comes from the log's stamps; polling only costs CPU the worker could use.
      1000,
    );
    const registered = timestampOf(logs, "Registered to");
    if (!registered) throw new Error(`no timestamp on the "Registered to" line of ${name}`);
    const message = await podEventMessages(namespace, name, "Pulled");
    if (!message.includes("Successfully pulled")) {
      throw new Error(`${name} pulled nothing (the image was on the node): ${message}`);
    }
    const pull = parsePulledMessage(message);
    return {
      seconds: secondsBetween(await scheduledAt(namespace, name), registered),
      pullSeconds: pull.seconds,
      imageBytes: pull.bytes,
    };
  } finally {
    await removePodNow(namespace, name);
  }
}
