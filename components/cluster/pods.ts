/**
 * What the dask chart's templates (version 2024.1.1, see DEFAULT_CHART_VERSION) give the
 * scheduler and worker containers for a set of values: image, args, env, pod
 * securityContext, resources, replicas and pull secrets. It mirrors
 * `dask-scheduler-deployment.yaml` and `dask-worker-deployment.yaml` and must be updated
 * with them. The e2e suite runs exactly these commands in Docker.
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
import { deepMerge, helmDefault, isMapping, truthy, valueAt } from "./value-tree";

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

function container(v: ChartValues, component: string, args: string[]): ChartContainer {
  const at = (...path: string[]) => valueAt(v, [component, ...path]);
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

/**
 * The scheduler and worker containers the chart renders from `values` (chart defaults
 * filled in) for release `releaseName`.
 */
export function chartPods(
  values: ChartValues,
  releaseName: string,
): { scheduler: ChartContainer; worker: ChartContainer } {
  const v = deepMerge(CHART_DEFAULTS as unknown as ChartValues, values);
  const at = (...path: string[]) => valueAt(v, path);
  const servicePort = String(at("scheduler", "servicePort"));
  // The chart renders args through `quote`/toYaml: every arg is a string.
  const strings = (list: unknown) => asList<unknown>(list).map(String);

  const schedulerArgs = [
    "dask-scheduler",
    `--port=${servicePort}`,
    `--dashboard-address=:${DASHBOARD_PORT}`,
    ...strings(at("scheduler", "extraArgs")),
  ];

  const limits = at("worker", "resources", "limits");
  const workerArgs = [
    String(at("worker", "image", "dask_worker")),
    truthy(at("worker", "custom_scheduler_url"))
      ? String(at("worker", "custom_scheduler_url"))
      : `${chartFullname(releaseName, v)}-scheduler:${servicePort}`,
    ...(truthy(limits)
      ? [
          "--nthreads",
          String(
            helmDefault(
              at("worker", "threads_per_worker"),
              valueAt(limits, ["cpu"]),
              at("worker", "default_resources", "cpu"),
            ),
          ),
          "--memory-limit",
          String(
            helmDefault(valueAt(limits, ["memory"]), at("worker", "default_resources", "memory")),
          ),
        ]
      : []),
    "--no-dashboard",
    "--dashboard-address",
    String(at("worker", "portDashboard")),
    ...(truthy(at("worker", "port")) ? ["--worker-port", String(at("worker", "port"))] : []),
    ...strings(at("worker", "extraArgs")),
  ];

  return {
    scheduler: container(v, "scheduler", schedulerArgs),
    worker: container(v, "worker", workerArgs),
  };
}
