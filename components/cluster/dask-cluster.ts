import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SlimDaskError } from "../common/errors";
import { resolveArgs } from "../common/inputs";
import { requirePrintable } from "../common/validate";
import { DaskClusterConfig } from "./config-types";
import {
  CHART_NAME,
  chartValuesFor,
  dashboardUrl,
  resolveClusterConfig,
  schedulerAddress,
} from "./values";
import { dockerConfigJson, pullSecretName } from "./pull-secret";

/** Kubernetes toleration. */
export interface TolerationArgs {
  key?: pulumi.Input<string>;
  /** `Exists` or `Equal`. */
  operator?: pulumi.Input<string>;
  value?: pulumi.Input<string>;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  effect?: pulumi.Input<string>;
  tolerationSeconds?: pulumi.Input<number>;
}

/** What the scheduler and the workers both take: resources, environment and placement. */
export interface PodArgs {
  /** CPU as a Kubernetes quantity (`2`, `500m`); sets requests = limits. Default: none. */
  cpu?: pulumi.Input<string>;
  /** Memory (`4Gi`, `512Mi`); requests = limits, and a worker's `--memory-limit`. Default: none. */
  memory?: pulumi.Input<string>;
  /** Extra environment variables. */
  env?: pulumi.Input<{ [name: string]: pulumi.Input<string> }>;
  /** Extra `dask scheduler` / `dask worker` arguments. */
  extraArgs?: pulumi.Input<pulumi.Input<string>[]>;
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<TolerationArgs>[]>;
  /** Pod affinity, as in the Kubernetes pod spec. */
  affinity?: pulumi.Input<{ [key: string]: pulumi.Input<unknown> }>;
}

/** Worker pool. */
export interface WorkerArgs extends PodArgs {
  /** Number of workers. Default 3. */
  replicas?: pulumi.Input<number>;
  /** Threads per worker. Default: floor(cpu), at least 1, when `cpu` is set. */
  threads?: pulumi.Input<number>;
}

/** Scheduler. */
export interface SchedulerArgs extends PodArgs {
  /** `ClusterIP` (default), `NodePort` or `LoadBalancer`. */
  serviceType?: pulumi.Input<string>;
}

/** Registry login for pulling a private image. */
export interface ImagePullCredentialsArgs {
  server: pulumi.Input<string>;
  username: pulumi.Input<string>;
  /** Stored only inside a Kubernetes Secret and as a Pulumi secret. */
  password: pulumi.Input<string>;
}

/** Arguments of {@link DaskCluster}. */
export interface DaskClusterArgs {
  /** Image reference, ideally digest-pinned (`SlimDaskImage.imageRef`). A new digest rolls the pods. */
  image: pulumi.Input<string>;
  /** Helm release name. Default: the resource name. */
  releaseName?: pulumi.Input<string>;
  /** Namespace. Default `default`. */
  namespace?: pulumi.Input<string>;
  /** Create the namespace. Default false. */
  createNamespace?: pulumi.Input<boolean>;
  /** Chart version. Default `2024.1.1`, the newest published. */
  chartVersion?: pulumi.Input<string>;
  /** Chart repository (e.g. a mirror). Default `https://helm.dask.org`. */
  chartRepository?: pulumi.Input<string>;
  /** Helm timeout in seconds; the release is atomic and rolls back after it. Default 600. */
  timeoutSeconds?: pulumi.Input<number>;
  workers?: pulumi.Input<WorkerArgs>;
  scheduler?: pulumi.Input<SchedulerArgs>;
  /** Deploy the chart's Jupyter server (a large, separate image). Default false. */
  jupyter?: pulumi.Input<boolean>;
  /** Create a `kubernetes.io/dockerconfigjson` Secret and use it for every pod. Default: none. */
  imagePullCredentials?: pulumi.Input<ImagePullCredentialsArgs>;
  /** uid the pods run as, non-root. Default 1000, the SlimDaskImage default user. */
  runAsUser?: pulumi.Input<number>;
  /** Raw chart values merged last; every path must exist in the chart (typos are errors). */
  values?: pulumi.Input<{ [key: string]: unknown }>;
}

/** Everything the component needs, computed by the pure functions from plain args. */
interface Plan {
  config: ReturnType<typeof resolveClusterConfig>;
  values: Record<string, unknown>;
  pullSecret?: string;
  schedulerAddress: string;
  dashboardUrl: string;
}

function plan(name: string, raw: Record<string, unknown>): Plan {
  const { imagePullCredentials, ...rest } = raw;
  const plainConfig = { releaseName: name, ...rest } as DaskClusterConfig;
  if (imagePullCredentials !== undefined && imagePullCredentials !== null) {
    // The password never enters the pure config: only server and username are validated there.
    const { server, username } = imagePullCredentials as { server?: unknown; username?: unknown };
    plainConfig.imagePullCredentials = {
      server,
      username,
    } as DaskClusterConfig["imagePullCredentials"];
  }
  const config = resolveClusterConfig(plainConfig);
  const values = chartValuesFor(config) as Record<string, unknown>;
  return {
    config,
    values,
    pullSecret: config.imagePullCredentials ? pullSecretName(config.releaseName) : undefined,
    schedulerAddress: schedulerAddress(config.releaseName, config.namespace, values),
    dashboardUrl: dashboardUrl(config.releaseName, config.namespace, values),
  };
}

/** Whether to create the namespace: decides the resource graph, so it must be known now. */
function createsNamespace(value: DaskClusterArgs["createNamespace"]): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new SlimDaskError(
      "createNamespace",
      "must be a plain true or false, not an Output or Promise",
      "decide it in the program (e.g. `createNamespace: true`); it selects which resources exist",
    );
  }
  return value;
}

/**
 * Scheduler and workers from the official dask helm chart, running a (slim) image pinned by
 * digest, non-root, with tini as PID 1 from the image's entrypoint.
 */
export class DaskCluster extends pulumi.ComponentResource {
  /** Helm release name. */
  public readonly releaseName: pulumi.Output<string>;
  /** Namespace of the release. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster scheduler address, `tcp://<fullname>-scheduler.<ns>.svc.cluster.local:8786`. */
  public readonly schedulerAddress: pulumi.Output<string>;
  /** In-cluster dashboard URL. */
  public readonly dashboardUrl: pulumi.Output<string>;
  /** The computed chart values (no secrets in them: pull secrets are referenced by name). */
  public readonly values: pulumi.Output<{ [key: string]: unknown }>;
  /** Helm release status. */
  public readonly status: pulumi.Output<k8s.types.output.helm.v3.ReleaseStatus>;

  constructor(name: string, args: DaskClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const p = resolveArgs(args, (plain) => plan(name, plain));
    const createNamespace = createsNamespace(args.createNamespace);
    super("slim-dask:index:DaskCluster", name, {}, opts);

    const namespaceName = p.apply((x) => x.config.namespace);
    const dependsOn: pulumi.Resource[] = [];

    if (createNamespace) {
      // A Namespace resource (rather than helm's createNamespace) so the pull Secret can live in it.
      dependsOn.push(
        new k8s.core.v1.Namespace(
          `${name}-namespace`,
          { metadata: { name: namespaceName } },
          { parent: this },
        ),
      );
    }

    if (args.imagePullCredentials !== undefined) {
      const creds = pulumi.output(args.imagePullCredentials);
      const dockerconfig = pulumi.secret(
        creds.apply((c) =>
          dockerConfigJson(
            c.server,
            requirePrintable(c.username, "imagePullCredentials.username"),
            c.password,
          ),
        ),
      );
      const secret = new k8s.core.v1.Secret(
        `${name}-image-pull`,
        {
          metadata: { name: p.apply((x) => x.pullSecret as string), namespace: namespaceName },
          type: "kubernetes.io/dockerconfigjson",
          stringData: { ".dockerconfigjson": dockerconfig },
        },
        { parent: this, dependsOn: [...dependsOn] },
      );
      dependsOn.push(secret);
    }

    const release = new k8s.helm.v3.Release(
      name,
      {
        name: p.apply((x) => x.config.releaseName),
        chart: CHART_NAME,
        version: p.apply((x) => x.config.chartVersion),
        repositoryOpts: { repo: p.apply((x) => x.config.chartRepository) },
        namespace: namespaceName,
        values: p.apply((x) => x.values),
        atomic: true,
        timeout: p.apply((x) => x.config.timeoutSeconds),
      },
      { parent: this, dependsOn },
    );

    this.releaseName = release.name;
    this.namespace = release.namespace;
    this.schedulerAddress = p.apply((x) => x.schedulerAddress);
    this.dashboardUrl = p.apply((x) => x.dashboardUrl);
    this.values = p.apply((x) => x.values);
    this.status = release.status;
    this.registerOutputs({
      releaseName: this.releaseName,
      namespace: this.namespace,
      schedulerAddress: this.schedulerAddress,
      dashboardUrl: this.dashboardUrl,
      values: this.values,
      status: this.status,
    });
  }
}
