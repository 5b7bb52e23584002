/**
 * What the dask chart's templates (version 2024.1.1, see DEFAULT_CHART_VERSION) give the
 * scheduler, worker and worker-group containers for a set of values: image, args, env, pod
 * securityContext, resources, replicas and pull secrets. It mirrors
 * `dask-scheduler-deployment.yaml`, `dask-worker-deployment.yaml` and
 * `additional-worker-deployment.yaml` and must be updated with them. The e2e suite runs exactly these commands in Docker.
 *
 * Where the template text stored in public mirrors is older than 2024.1.1 (it shows
 * `--port 8786 --bokeh-port 8787` for the scheduler and no `--dashboard-address` or
 * `threads_per_worker` for workers), this follows the 2024.1.1 templates as described in the
 * project reference README.
 */
import { CHART_DEFAULTS } from "./chart-defaults";
import { DASHBOARD_PORT } from "./constants";
import { chartImageString } from "./image-pin";
import { ChartValues, chartFullname } from "./addresses";
import { deepMerge, helmDefault, isMapping, sprigMerge, truthy, valueAt } from "./value-tree";

/** One component's container as the chart renders it. */
export interface ChartContainer {
  /** `"<repository>:<tag>"`. */
  image: string;
  /** Container args (the chart never sets `command`, so the image ENTRYPOINT runs them). */
  args: string[];
  env: { name: string; value: string }[];
  /** Pod-level securityContext. */
  securityContext: Record<string, unknown>;
  resources: Record<string, unknown>;
  replicas: number;
  imagePullSecrets: { name: string }[];
}

function asList<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function asMap(value: unknown): Record<string, unknown> {
  return isMapping(value) ? value : {};
}

function container(w: ChartValues, args: string[]): ChartContainer {
  const at = (...path: string[]) => valueAt(w, path);
  return {
    image: chartImageString({
      repository: String(at("image", "repository")),
      tag: String(at("image", "tag")),
    }),
    args,
    env: asList<{ name: string; value: string }>(at("env")),
    securityContext: asMap(at("securityContext")),
    resources: asMap(at("resources")),
    replicas: Number(at("replicas")),
    imagePullSecrets: asList<{ name: string }>(at("image", "pullSecrets")),
  };
}

/** A worker group's Deployment as the chart renders it: container, name, placement, strategy. */
export interface ChartWorkerGroup extends ChartContainer {
  deployment: string;
  /** The group's template renders only the strategy's type. */
  strategy: { type: string };
  nodeSelector: Record<string, unknown>;
  tolerations: unknown[];
  affinity: Record<string, unknown>;
}

// The chart renders args through `quote`/toYaml: every arg is a string.
const strings = (list: unknown) => asList<unknown>(list).map(String);

/** `dask-worker` args of the main worker template and the group template (`w` is the worker tree). */
function workerArgs(w: ChartValues, schedulerAddress: string): string[] {
  const at = (...path: string[]) => valueAt(w, path);
  const limits = at("resources", "limits");
  return [
    String(at("image", "dask_worker")),
    truthy(at("custom_scheduler_url")) ? String(at("custom_scheduler_url")) : schedulerAddress,
    ...(truthy(limits)
      ? [
          "--nthreads",
          String(
            helmDefault(
              at("threads_per_worker"),
              valueAt(limits, ["cpu"]),
              at("default_resources", "cpu"),
            ),
          ),
          "--memory-limit",
          String(helmDefault(valueAt(limits, ["memory"]), at("default_resources", "memory"))),
        ]
      : []),
    "--no-dashboard",
    "--dashboard-address",
    String(at("portDashboard")),
    ...(truthy(at("port")) ? ["--worker-port", String(at("port"))] : []),
    ...strings(at("extraArgs")),
  ];
}

/**
 * The scheduler and worker containers the chart renders from `values` (chart defaults
 * filled in) for release `releaseName`, and one Deployment per worker group: each group
 * merged over `worker` with sprig's `merge`, as `additional-worker-deployment.yaml` does.
 */
export function chartPods(
  values: ChartValues,
  releaseName: string,
): { scheduler: ChartContainer; worker: ChartContainer; groups: ChartWorkerGroup[] } {
  const v = deepMerge(CHART_DEFAULTS as unknown as ChartValues, values);
  const at = (...path: string[]) => valueAt(v, path);
  const servicePort = String(at("scheduler", "servicePort"));
  const fullname = chartFullname(releaseName, v);
  const scheduler = asMap(at("scheduler"));
  const worker = asMap(at("worker"));

  const schedulerArgs = [
    "dask-scheduler",
    `--port=${servicePort}`,
    `--dashboard-address=:${DASHBOARD_PORT}`,
    ...strings(scheduler.extraArgs),
  ];
  const schedulerAddress = `${fullname}-scheduler:${servicePort}`;

  const groups = asList<unknown>(at("additional_worker_groups")).map((item) => {
    const g = sprigMerge(structuredClone(asMap(item)), worker);
    return {
      ...container(g, workerArgs(g, schedulerAddress)),
      deployment: `${fullname}-worker-${String(g.name)}`,
      strategy: { type: String(valueAt(g, ["strategy", "type"])) },
      nodeSelector: asMap(g.nodeSelector),
      tolerations: asList<unknown>(g.tolerations),
      affinity: asMap(g.affinity),
    };
  });

  return {
    scheduler: container(scheduler, schedulerArgs),
    worker: container(worker, workerArgs(worker, schedulerAddress)),
    groups,
  };
}
