import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PulumiFn } from "@pulumi/pulumi/automation";
import { DaskCluster, DaskClusterArgs } from "../../../components";
import { clusterRegistry, registryLogin } from "../../k8s/support/cluster-env";
import { IMAGE_UID } from "../../k8s/support/images";
import { chartRepository } from "../../k8s/support/published-chart";

/** The namespace and release of the suite's main stack. */
export const NAMESPACE = "slim-dask-engine";
export const RELEASE = "engine";

/** What a test program varies. */
export interface ProgramOptions {
  releaseName?: string;
  namespace?: string;
  createNamespace?: boolean;
  workers?: DaskClusterArgs["workers"];
  values?: DaskClusterArgs["values"];
  timeoutSeconds?: number;
  /** Pass `workers` and `values` as Outputs: checked only once known, as a user's computed args. */
  lateArgs?: boolean;
}

/**
 * The README's TypeScript program, on the CI cluster. The image reference comes from stack
 * config through a ConfigMap of the same program: like `SlimDaskImage.imageRef` (the docker
 * provider is not served here), it is an output of a resource, unknown in a fresh preview.
 */
export function daskProgram(o: ProgramOptions = {}): PulumiFn {
  return async () => {
    const cfg = new pulumi.Config();
    const releaseName = o.releaseName ?? RELEASE;
    const source = new k8s.core.v1.ConfigMap("image-source", {
      metadata: { namespace: "default", name: `${releaseName}-image-source` },
      data: { imageRef: cfg.require("imageRef") },
    });
    // A resource's id is unknown in the preview of its creation.
    const image = pulumi.all([source.id, source.data]).apply(([, data]) => data.imageRef);
    // An Input of T may be an Output of it: the same arg, only known later.
    const late = <T>(value: T): T => (o.lateArgs ? (pulumi.output(value) as unknown as T) : value);
    const registry = cfg.require("registry");
    const login = {
      server: registry,
      username: cfg.require("registryUsername"),
      password: cfg.requireSecret("registryPassword"),
    };
    const cluster = new DaskCluster("dask", {
      image,
      runAsUser: IMAGE_UID,
      releaseName,
      namespace: o.namespace ?? NAMESPACE,
      createNamespace: o.createNamespace ?? true,
      workers: late(o.workers ?? { replicas: 2, cpu: "1", memory: "1Gi" }),
      scheduler: { memory: "1Gi" },
      imagePullCredentials: login,
      chartRepository: cfg.require("chartRepository"),
      chartRepositoryCaFile: cfg.require("chartRepositoryCaFile"),
      chartRepositoryUsername: cfg.require("chartRepositoryUsername"),
      chartRepositoryPassword: cfg.requireSecret("chartRepositoryPassword"),
      timeoutSeconds: o.timeoutSeconds ?? 300,
      values: o.values === undefined ? undefined : late(o.values),
    });
    return {
      schedulerAddress: cluster.schedulerAddress,
      dashboardUrl: cluster.dashboardUrl,
      releaseName: cluster.releaseName,
      namespace: cluster.namespace,
    };
  };
}

/** The stack config of a program: registry and chart repository logins as secrets. */
export function stackConfig(imageRef: string) {
  const repo = chartRepository();
  return {
    imageRef: { value: imageRef },
    registry: { value: clusterRegistry() },
    registryUsername: { value: registryLogin().username },
    registryPassword: { value: registryLogin().password, secret: true },
    chartRepository: { value: repo.url },
    chartRepositoryCaFile: { value: repo.caFile },
    chartRepositoryUsername: { value: repo.username },
    chartRepositoryPassword: { value: repo.password, secret: true },
  };
}
