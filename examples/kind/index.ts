import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, Platform, SlimDaskImage } from "slim-dask";

// A Dask cluster that fits a laptop: the `pip` image pushed to the kind cluster's local registry
// (scripts/create-cluster.sh), then one scheduler and one worker of 1 CPU / 2Gi running it,
// pinned by digest.
const config = new pulumi.Config();
const registry = config.get("registry") ?? "localhost:5001";
const kubeContext = config.get("kubeContext") ?? "kind-slim-dask";

// An explicit provider: the release goes to the kind cluster, whatever context is current.
const kind = new k8s.Provider("kind", { context: kubeContext });

// The local registry has no login; the kind nodes pull `localhost:5001/...` from it through
// the containerd mirror the script configures.
const image = new SlimDaskImage("dask-image", {
  imageName: `${registry}/slim-dask`,
  base: "pip",
  python: "3.12",
  // Config values are strings; SlimDaskImage refuses one that is not a Platform.
  platform: (config.get("platform") as Platform | undefined) ?? Platform.LinuxAmd64,
});

const cluster = new DaskCluster(
  "dask",
  {
    image: image.imageRef, // localhost:5001/slim-dask:<tag>@sha256:...
    runAsUser: image.user,
    releaseName: "dask",
    namespace: "dask",
    createNamespace: true,
    workers: { replicas: 1, cpu: "1", memory: "2Gi" },
    scheduler: { cpu: "500m", memory: "1Gi" },
    timeoutSeconds: 300,
  },
  { providers: [kind] },
);

export const imageRef = image.imageRef;
export const schedulerAddress = cluster.schedulerAddress;
export const portForward = pulumi.interpolate`kubectl --context ${kubeContext} -n ${cluster.namespace} port-forward svc/dask-scheduler 8786:8786 8787:80`;
