import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, SlimDaskImage, registryHost } from "slim-dask";

// A slim image pushed to your registry, then a cluster running it pinned by digest:
// rebuilding the image changes the digest, which rolls the scheduler and worker pods.
// Copy this file into your own project: it only imports the published package.
const config = new pulumi.Config();
// Required: Pulumi fails with "Missing required configuration variable 'registry'" and the
// `pulumi config set` command to run.
const repository = config.require("registry");

/** The registry login from config: both keys or neither (then the ambient `docker login`). */
function registryLogin() {
  const username = config.get("registryUsername");
  const password = config.getSecret("registryPassword"); // undefined when not set
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new pulumi.RunError(
      "registryUsername and registryPassword go together: set both (`pulumi config set registryUsername <user>`, `pulumi config set --secret registryPassword <token>`) or neither",
    );
  }
  // `acme/dask` is on Docker Hub: the server is docker.io, not "acme".
  return { server: registryHost(repository, "registry"), username, password };
}
const login = registryLogin();

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
  workers: { replicas: 2, cpu: "1", memory: "4Gi" },
  imagePullCredentials: login,
});

export const imageRef = image.imageRef;
export const schedulerAddress = cluster.schedulerAddress;
export const dashboardUrl = cluster.dashboardUrl;
