import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, SlimDaskImage, registryHost } from "slim-dask";

// Amazon ECR for the image, a new EKS cluster for Dask. The nodes of eks.Cluster's default node
// group may pull from ECR in the same account (AmazonEC2ContainerRegistryReadOnly), so the
// cluster needs no pull Secret; the push logs in with a short-lived ECR token.
const config = new pulumi.Config();
const workers = config.getNumber("workers") ?? 2;

const repository = new aws.ecr.Repository("dask", {
  forceDelete: true, // `pulumi destroy` also deletes the pushed images
});

// A 12-hour token for `docker login`; the password is a secret output.
const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId });

const image = new SlimDaskImage("dask-image", {
  imageName: repository.repositoryUrl,
  base: "pip",
  python: "3.12",
  pipPackages: ["s3fs"],
  platform: "linux/amd64", // the node group below runs x86_64 instances
  registry: {
    server: repository.repositoryUrl.apply((url) => registryHost(url, "repositoryUrl")),
    username: token.userName,
    password: token.password,
  },
});

const cluster = new eks.Cluster("dask", {
  instanceType: "m6i.large", // 2 vCPU, 8 GiB
  desiredCapacity: workers + 1,
  minSize: 1,
  maxSize: workers + 2,
});

// Every Kubernetes resource of the DaskCluster goes through the EKS cluster's kubeconfig.
const eksProvider = new k8s.Provider("eks", { kubeconfig: cluster.kubeconfigJson });

const dask = new DaskCluster(
  "dask",
  {
    image: image.imageRef,
    runAsUser: image.user,
    releaseName: "dask",
    namespace: "dask",
    createNamespace: true,
    // Sized to fit one worker per m6i.large node. Requests = limits, so a worker must fit the
    // node's allocatable minus the daemonsets, not its 2 vCPU / 8 GiB. With EKS's documented
    // reservations (kubelet CPU: 6% of the first core + 1% of the second = 70m; memory:
    // 255Mi + 11Mi x 29 max pods = 574Mi, plus a 100Mi eviction threshold) a node offers about
    // 1930m CPU and 7.2 GiB; aws-node and kube-proxy request 25m + 100m CPU. That leaves about
    // 1800m: 1500m and 5Gi fit, with room for CoreDNS's 100m on one node. `cpu: "2"` never would.
    workers: { replicas: workers, cpu: "1500m", memory: "5Gi" },
    scheduler: { cpu: "1", memory: "2Gi" },
  },
  { providers: [eksProvider] },
);

export const imageRef = image.imageRef;
export const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
export const schedulerAddress = dask.schedulerAddress;
