import type { ChartValues } from "./addresses";
import { SCHEDULER_PORT } from "./constants";
import { splitImageForChart } from "./image-pin";
import { pullSecretName } from "./pull-secret";
import { ResolvedClusterConfig, ResolvedPodSettings, resolveClusterConfig } from "./resolve";
import { deepMerge } from "./value-tree";
import { workerGroupValues } from "./worker-groups";

/** Resources, env, args and placement of one pod, in the chart's value shapes. */
function podValues(pod: ResolvedPodSettings): ChartValues {
  const out: ChartValues = {};
  if (pod.cpu !== undefined || pod.memory !== undefined) {
    // requests = limits: guaranteed QoS, and Dask sizes itself from the limits.
    const q: Record<string, string> = {};
    if (pod.cpu !== undefined) q.cpu = pod.cpu;
    if (pod.memory !== undefined) q.memory = pod.memory;
    out.resources = { limits: { ...q }, requests: { ...q } };
  }
  const envNames = Object.keys(pod.env).sort();
  if (envNames.length > 0) out.env = envNames.map((name) => ({ name, value: pod.env[name] }));
  if (pod.extraArgs.length > 0) out.extraArgs = [...pod.extraArgs];
  if (Object.keys(pod.nodeSelector).length > 0) out.nodeSelector = { ...pod.nodeSelector };
  if (pod.tolerations.length > 0) out.tolerations = pod.tolerations.map((t) => ({ ...t }));
  if (pod.affinity !== undefined) out.affinity = structuredClone(pod.affinity);
  return out;
}

/**
 * The dask chart values for a plain cluster config (a CLI config file: no secrets): see
 * {@link chartValuesFor}. Throws SlimDaskError for any invalid config.
 */
export function daskChartValues(config: unknown): ChartValues {
  return chartValuesFor(resolveClusterConfig(config, "plain"));
}

/**
 * The chart values of a resolved config: the image pinned (digest kept) for scheduler and
 * workers, non-root pod securityContext with the image's uid and gid, resources with matching
 * `--nthreads`, the worker update strategy, worker groups (`additional_worker_groups`, see
 * worker-groups.ts), scheduler port fixed at 8786, Jupyter off unless
 * asked, pull secrets when credentials are given; raw `values` merged last (every path checked
 * against the chart model). Pure and deterministic: equal configs give deep-equal values with
 * the same key order.
 */
export function chartValuesFor(c: ResolvedClusterConfig): ChartValues {
  const pin = splitImageForChart(c.image, "image");
  const pullSecrets = c.imagePullCredentials
    ? { pullSecrets: [{ name: pullSecretName(c.releaseName) }] }
    : {};
  const image = { repository: pin.repository, tag: pin.tag, pullPolicy: c.imagePullPolicy };
  // Pod level: the chart has no container securityContext. fsGroup makes volumes writable.
  const securityContext = {
    runAsUser: c.runAsUser,
    runAsGroup: c.runAsGroup,
    runAsNonRoot: true,
    fsGroup: c.runAsGroup,
  };

  const worker: ChartValues = {
    image: { ...image, dask_worker: "dask-worker", ...pullSecrets },
    replicas: c.workers.replicas,
    strategy: structuredClone(c.workers.updateStrategy),
    ...podValues(c.workers),
    securityContext: { ...securityContext },
  };
  if (c.workers.threads !== undefined) worker.threads_per_worker = c.workers.threads;
  if (c.workers.cpu !== undefined && c.workers.memory === undefined) {
    // Without a memory limit the chart would pass its default `--memory-limit 4GiB`;
    // `auto` lets Dask read the real limit (cgroup or host memory).
    worker.default_resources = { memory: "auto" };
  }

  const values: ChartValues = {
    scheduler: {
      image: { ...image, ...pullSecrets },
      serviceType: c.scheduler.serviceType,
      servicePort: SCHEDULER_PORT,
      ...podValues(c.scheduler),
      securityContext: { ...securityContext },
    },
    worker,
    ...(c.workerGroups.length > 0
      ? { additional_worker_groups: c.workerGroups.map((g) => workerGroupValues(g, c.workers)) }
      : {}),
    jupyter: {
      enabled: c.jupyter,
      ...(c.imagePullCredentials ? { image: { ...pullSecrets } } : {}),
    },
  };
  return deepMerge(values, structuredClone(c.values));
}
