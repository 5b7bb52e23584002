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
/** When the kubelet pulls the image (the `ImagePullPolicy` enum). */
export const IMAGE_PULL_POLICY_VALUES = { IfNotPresent: "IfNotPresent", Always: "Always" } as const;
/** Namespaces every cluster has: DaskCluster must not create (or, on destroy, delete) them. */
export const BUILT_IN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Service types the chart's scheduler Service supports (the `ServiceType` enum). */
export const SERVICE_TYPE_VALUES = {
  ClusterIP: "ClusterIP",
  NodePort: "NodePort",
  LoadBalancer: "LoadBalancer",
} as const;
/** Worker Deployment strategies (`worker.strategy.type`; the chart renders the whole object). */
export const UPDATE_STRATEGY_TYPE_VALUES = {
  RollingUpdate: "RollingUpdate",
  Recreate: "Recreate",
} as const;
/**
 * Workers roll in place: never an extra worker (`maxSurge: 0`, so a full node or a quota at
 * its limit needs no spare room), never all at once (`maxUnavailable: 25%`, rounded down by
 * Kubernetes and at least 1: 2 workers roll one at a time, 100 in four steps of 25). A
 * worker-only change (env, memory) keeps the others computing; Dask reruns the tasks of a
 * worker that leaves. `Recreate` would stop every worker at once on every change.
 */
export const DEFAULT_WORKER_UPDATE_STRATEGY = "RollingUpdate";
/** Extra workers a rolling update may add (none: it must fit where the old ones ran). */
export const DEFAULT_WORKER_MAX_SURGE = "0";
/** Workers a rolling update may take down at once. */
export const DEFAULT_WORKER_MAX_UNAVAILABLE = "25%";

/** Pods of a worker group when none is given: GPU and high-memory groups are usually small. */
export const DEFAULT_GROUP_REPLICAS = 1;
/**
 * A group's Deployment strategy. The chart renders only `strategy.type` for groups, so
 * `RollingUpdate` means Kubernetes' default surge of 25% (at least one extra pod), which a
 * full GPU node cannot place: the rollout would wait for a GPU that never frees up.
 * `Recreate` stops the group's workers first, so the new ones always fit.
 */
export const DEFAULT_GROUP_UPDATE_STRATEGY = "Recreate";
/** The extended resource a group's `gpus` asks for when none is named (NVIDIA's device plugin). */
export const DEFAULT_GPU_RESOURCE_NAME = "nvidia.com/gpu";
