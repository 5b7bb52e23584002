/**
 * Plain (non-Pulumi) types of a Dask cluster configuration: the DaskCluster args after
 * unwrapping, or a CLI config file. No secrets: pull credentials carry server and
 * username only here; the password exists only as a Pulumi secret in the component.
 */

/** A Kubernetes toleration, as in the pod spec. */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** What the scheduler and the workers both take: resources, environment and placement. */
export interface PodConfig {
  cpu?: string;
  memory?: string;
  env?: Record<string, string>;
  extraArgs?: string[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Record<string, unknown>;
}

/** Worker pool settings. */
export interface WorkerConfig extends PodConfig {
  replicas?: number;
  threads?: number;
}

/** Scheduler settings. */
export interface SchedulerConfig extends PodConfig {
  serviceType?: string;
}

/** Registry coordinates of the pull secret (the password never appears in plain config). */
export interface PullCredentialsConfig {
  server: string;
  username: string;
}

/** What a user writes for a cluster. */
export interface DaskClusterConfig {
  image: string;
  releaseName?: string;
  namespace?: string;
  createNamespace?: boolean;
  chartVersion?: string;
  chartRepository?: string;
  timeoutSeconds?: number;
  workers?: WorkerConfig;
  scheduler?: SchedulerConfig;
  jupyter?: boolean;
  imagePullCredentials?: PullCredentialsConfig;
  runAsUser?: number;
  values?: Record<string, unknown>;
}
