import * as path from "node:path";
import { docker, containerLogs, removeContainers } from "./docker";
import { repoRoot } from "./environment";
import { ExecResult, waitFor } from "./exec";
import { dockerRunArgs, PodLike } from "./pod-to-docker";

/**
 * A Dask cluster as plain containers on a user-defined docker network, started from the
 * pods the chart would create: the scheduler answers under the chart's Service name
 * (`<fullname>-scheduler`) so the worker args resolve unchanged.
 */

/** Scheduler and worker pods as `chartPods()` derives them. */
export interface ClusterPods {
  scheduler: PodLike;
  worker: PodLike & { replicas: number };
}

/** A running cluster. */
export interface DockerCluster {
  network: string;
  scheduler: string;
  workers: string[];
  /** `tcp://<fullname>-scheduler:8786`, as the workers see it. */
  schedulerAddress: string;
  /** The image every container runs (the client uses it too). */
  image: string;
  /** The uid the pods run as. */
  user?: number;
  /** `http://127.0.0.1:<port>` of the published dashboard. */
  dashboardUrl: string;
}

function runAsUser(pod: PodLike): number | undefined {
  const uid = pod.securityContext.runAsUser;
  return typeof uid === "number" ? uid : undefined;
}

/** Dashboard port inside the scheduler container (fixed by the chart's args). */
const DASHBOARD_PORT = 8787;
/** Where the client scripts are mounted in client containers. */
const CLIENT_DIR = "/slim-dask-client";

/** Host directory of the Python client scripts. */
export function clientScriptsDir(): string {
  return path.join(repoRoot(), "test", "support", "python");
}

/** Starts the scheduler, then `worker.replicas` workers, on a fresh network named `prefix`. */
export async function startCluster(
  pods: ClusterPods,
  fullname: string,
  prefix: string,
): Promise<DockerCluster> {
  const schedulerHost = `${fullname}-scheduler`;
  const cluster: DockerCluster = {
    network: prefix,
    scheduler: `${prefix}-scheduler`,
    workers: Array.from({ length: pods.worker.replicas }, (_, i) => `${prefix}-worker-${i}`),
    schedulerAddress: `tcp://${schedulerHost}:8786`,
    image: pods.scheduler.image,
    user: runAsUser(pods.scheduler),
    dashboardUrl: "",
  };
  await stopCluster(cluster);
  await docker(["network", "create", cluster.network]);
  await docker(
    dockerRunArgs(pods.scheduler, {
      name: cluster.scheduler,
      network: cluster.network,
      aliases: [schedulerHost],
      extra: ["-p", `127.0.0.1::${DASHBOARD_PORT}`],
    }),
  );
  // Workers restart like a Deployment's pods: a worker that lost its scheduler exits.
  for (const name of cluster.workers) {
    await docker(dockerRunArgs(pods.worker, { name, network: cluster.network, restart: "always" }));
  }
  cluster.dashboardUrl = await dashboardUrl(cluster.scheduler);
  return cluster;
}

/** `http://127.0.0.1:<port>` where the scheduler's dashboard port is published. */
export async function dashboardUrl(scheduler: string): Promise<string> {
  const { stdout } = await docker(["port", scheduler, `${DASHBOARD_PORT}/tcp`]);
  const first = stdout.trim().split("\n")[0];
  const port = first.slice(first.lastIndexOf(":") + 1);
  return `http://127.0.0.1:${port}`;
}

/** Removes the cluster's containers and network (tolerating ones already gone). */
export async function stopCluster(
  cluster: Pick<DockerCluster, "network" | "scheduler" | "workers">,
): Promise<void> {
  await removeContainers([...cluster.workers, cluster.scheduler, `${cluster.network}-client`]);
  await docker(["network", "rm", cluster.network], { allowFailure: true });
}

/** `docker run` arguments of a client container running `script` from the client scripts. */
function clientArgs(cluster: DockerCluster, script: string, args: string[]): string[] {
  const user = cluster.user === undefined ? [] : ["--user", String(cluster.user)];
  return [
    "--network",
    cluster.network,
    ...user,
    "-v",
    `${clientScriptsDir()}:${CLIENT_DIR}:ro`,
    cluster.image,
    "python",
    `${CLIENT_DIR}/${script}`,
    ...args,
  ];
}

/** Runs a client script to completion in a container from the cluster's image. */
export function runClient(
  cluster: DockerCluster,
  script: string,
  args: string[],
  timeoutMs = 180_000,
): Promise<ExecResult> {
  return docker(["run", "--rm", ...clientArgs(cluster, script, args)], { timeoutMs });
}

/** Starts a client script detached; its container is `<network>-client`. */
export async function startClient(
  cluster: DockerCluster,
  script: string,
  args: string[],
): Promise<string> {
  const name = `${cluster.network}-client`;
  await removeContainers([name]);
  await docker(["run", "-d", "--name", name, ...clientArgs(cluster, script, args)]);
  return name;
}

/** Waits until a container's logs contain `text`; returns the logs. */
export function waitForLog(container: string, text: string, timeoutMs: number): Promise<string> {
  return waitFor(`"${text}" in the logs of ${container}`, timeoutMs, async () => {
    const logs = await containerLogs(container);
    return logs.includes(text) ? logs : undefined;
  });
}

/** Last JSON object line a client script printed. */
export function lastJson<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`no JSON line in client output:\n${stdout}`);
  return JSON.parse(line) as T;
}

/** PID 1's command line inside a running container, arguments joined by spaces. */
export async function pid1Command(container: string): Promise<string> {
  const { stdout } = await docker(["exec", container, "cat", "/proc/1/cmdline"]);
  return stdout.split("\0").filter(Boolean).join(" ");
}
