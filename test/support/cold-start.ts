import { docker, removeContainers } from "./docker";
import { waitForLog, DockerCluster, ClusterPods, startCluster, stopCluster } from "./dask-docker";
import { dockerRunArgs } from "./pod-to-docker";

/**
 * Worker cold start: from the container's start (the engine's State.StartedAt) to the
 * worker's "Registered to" log line, both stamped by the engine's clock (`docker logs -t`).
 */

/** Seconds between two RFC 3339 timestamps as docker prints them (nanoseconds cut to ms). */
export function secondsBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

/** The engine timestamp of the first `docker logs -t` line containing `text`. */
export function timestampOf(timestampedLogs: string, text: string): string | undefined {
  const line = timestampedLogs.split("\n").find((l) => l.includes(text));
  return line?.split(" ")[0];
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Starts the scheduler of `pods` (no workers), then starts and removes one worker `runs`
 * times, returning each cold start in seconds.
 */
export async function measureColdStarts(
  pods: ClusterPods,
  fullname: string,
  prefix: string,
  runs: number,
): Promise<number[]> {
  const cluster: DockerCluster = await startCluster(
    { scheduler: pods.scheduler, worker: { ...pods.worker, replicas: 0 } },
    fullname,
    prefix,
  );
  const seconds: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const name = `${prefix}-cold-${run}`;
      await docker(dockerRunArgs(pods.worker, { name, network: cluster.network }));
      try {
        await waitForLog(name, "Registered to", 120_000);
        const { stdout: startedAt } = await docker([
          "inspect",
          "--format",
          "{{.State.StartedAt}}",
          name,
        ]);
        const logs = await docker(["logs", "-t", name]);
        const registered = timestampOf(logs.stdout + logs.stderr, "Registered to");
        if (!registered) throw new Error(`no "Registered to" line in the logs of ${name}`);
        seconds.push(secondsBetween(startedAt.trim(), registered));
      } finally {
        await removeContainers([name]);
      }
    }
  } finally {
    await stopCluster(cluster);
  }
  return seconds;
}
