/**
 * slim-dask: Pulumi components for small, fast-starting Dask images and Dask clusters on
 * Kubernetes, plus the pure generators behind them.
 */
export {
  SlimDaskImage,
  SlimDaskImageArgs,
  RegistryArgs,
  OptimizationsArgs,
  ImageUserArgs,
  pinnedReference,
} from "./image/slim-dask-image";
export {
  DaskCluster,
  DaskClusterArgs,
  PodArgs,
  WorkerArgs,
  SchedulerArgs,
  TolerationArgs,
  ImagePullCredentialsArgs,
} from "./cluster/dask-cluster";
export * from "./image/recipe-types";
export * from "./cluster/config-types";
export { resolveRecipe } from "./image/recipe";
export { renderDockerfile } from "./image/dockerfile";
export { buildContext, writeBuildContext, defaultTag } from "./image/context";
export {
  daskChartValues,
  resolveClusterConfig,
  schedulerAddress,
  dashboardUrl,
} from "./cluster/values";
export { chartPods } from "./cluster/pods";
export { SlimDaskError } from "./common/errors";
export { parseImageReference } from "./common/docker-reference";
export { registryHost } from "./common/registry-host";
