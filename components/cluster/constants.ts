/**
 * Fixed facts of the Dask helm chart that slim-dask pins, and the defaults slim-dask fills
 * in. Changing DEFAULT_CHART_VERSION means re-checking chart-model.ts and pods.ts against
 * that version's templates.
 */

/** Newest chart published at https://helm.dask.org (spring 2026). */
export const DEFAULT_CHART_VERSION = "2024.1.1";
/** The chart's official repository. */
export const DEFAULT_CHART_REPOSITORY = "https://helm.dask.org";
/** Chart name; also the name part of the chart's `dask.fullname` rule. */
export const CHART_NAME = "dask";
/** Port the scheduler listens on and the Service's targetPort (fixed in the chart). */
export const SCHEDULER_PORT = 8786;
/** Port of the scheduler dashboard inside the pod (`--dashboard-address=:8787`). */
export const DASHBOARD_PORT = 8787;
/** Helm timeout; the release is atomic and rolls back after it. */
export const DEFAULT_TIMEOUT_SECONDS = 600;
/** Namespace when none is given. */
export const DEFAULT_NAMESPACE = "default";
/** Helm release name when none is given. */
export const DEFAULT_RELEASE_NAME = "dask";
/** Worker count when none is given (the chart's own default too). */
export const DEFAULT_WORKER_REPLICAS = 3;
/** uid the pods run as: the SlimDaskImage default user. */
export const DEFAULT_RUN_AS_USER = 1000;
/** Scheduler Service type when none is given. */
export const DEFAULT_SERVICE_TYPE = "ClusterIP";
/** Service types the chart's scheduler Service supports. */
export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
/** Worker Deployment strategies the chart renders (`worker.strategy.type`). */
export const WORKER_UPDATE_STRATEGIES = ["Recreate", "RollingUpdate"] as const;
/**
 * `Recreate`: workers request what they limit (guaranteed QoS), so on a full node a rolling
 * update's extra worker would stay Pending until the atomic timeout rolled the release back.
 * The chart renders only `strategy.type` (no maxSurge), and a new image restarts the scheduler,
 * which drops running work anyway, so stopping the old workers first costs nothing extra.
 */
export const DEFAULT_WORKER_UPDATE_STRATEGY = "Recreate";
