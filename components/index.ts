/**
 * slim-dask: Pulumi components for small, fast-starting Dask images and Dask clusters on
 * Kubernetes, plus the pure generators behind them.
 */
// Args before classes: the component analyzer (`pulumi package add`) records an interface's
// description only when it reaches the declaration before the component class.
export * from "./image/args";
export * from "./cluster/args";
export { SlimDaskImage, pinnedReference } from "./image/slim-dask-image";
export { DaskCluster } from "./cluster/dask-cluster";
export type { ImageRecipe } from "./image/recipe-types";
export { resolveRecipe } from "./image/recipe";
export { renderDockerfile } from "./image/dockerfile";
export { buildContext, writeBuildContext, defaultTag } from "./image/context";
export { daskChartValues, chartValuesFor } from "./cluster/values";
export { resolveClusterConfig } from "./cluster/resolve";
export { chartFullname, schedulerAddress, dashboardUrl } from "./cluster/addresses";
export { chartPods } from "./cluster/pods";
export { dockerConfigJson, pullSecretName } from "./cluster/pull-secret";
export { SlimDaskError } from "./common/errors";
export { parseImageReference } from "./common/docker-reference";
export { registryHost } from "./common/registry-host";
