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
    workers: { replicas: workers, cpu: "2", memory: "6Gi" },
    scheduler: { cpu: "1", memory: "2Gi" },
  },
  { providers: [eksProvider] },
);

export const imageRef = image.imageRef;
export const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
export const schedulerAddress = dask.schedulerAddress;
