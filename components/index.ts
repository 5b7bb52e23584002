/**
 * slim-dask: Pulumi components for small, fast-starting Dask images and Dask clusters on
 * Kubernetes, plus the pure generators behind them.
 */
export { SlimDaskImage, pinnedReference } from "./image/slim-dask-image";
export * from "./image/args";
export { DaskCluster } from "./cluster/dask-cluster";
export * from "./cluster/args";
export type { ImageRecipe, BasePreset, BytecodePolicy } from "./image/recipe-types";
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
