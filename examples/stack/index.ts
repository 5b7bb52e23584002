import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, SlimDaskImage } from "../../components";

// A slim image pushed to your registry, then a cluster running it pinned by digest:
// rebuilding the image changes the digest, which rolls the scheduler and worker pods.
const config = new pulumi.Config();
const username = config.get("registryUsername");
const password = config.getSecret("registryPassword");
const repository = config.require("registry");
const server = repository.split("/")[0];
const login = username && password ? { server, username, password } : undefined;

const image = new SlimDaskImage("dask-image", {
  imageName: repository,
  packages: ["s3fs"],
  registry: login,
});

const cluster = new DaskCluster("dask", {
  image: image.imageRef,
  namespace: "dask",
  createNamespace: true,
  runAsUser: image.user,
  workers: { replicas: 3, cpu: "2", memory: "8Gi" },
  imagePullCredentials: login,
});

export const imageRef = image.imageRef;
export const schedulerAddress = cluster.schedulerAddress;
export const dashboardUrl = cluster.dashboardUrl;
