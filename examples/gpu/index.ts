import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, SlimDaskImage } from "slim-dask";

// A CPU pool and a GPU pool in one Dask cluster, on a Kubernetes cluster with a GPU node pool
// whose nodes carry the label `pool=gpu` and the taint `nvidia.com/gpu=present:NoSchedule`
// (the usual setup on GKE, EKS and AKS), with NVIDIA's device plugin installed. Tasks reach
// the GPU workers through the Dask resource `GPU`:
//
//   with dask.annotate(resources={"GPU": 1}):
//       result = train(data)          # runs only on the gpu group's workers
//
// Copy this file into your own project: it only imports the published package.
const config = new pulumi.Config();
const repository = config.require("registry");

// The CPU image and the GPU image: the GPU one adds CuPy built for CUDA 12.
const cpuImage = new SlimDaskImage("dask-cpu", { imageName: repository });
const gpuImage = new SlimDaskImage("dask-gpu", {
  imageName: `${repository}-gpu`,
  packages: ["cupy-cuda12x"],
});

const cluster = new DaskCluster("dask", {
  image: cpuImage.imageRef,
  runAsUser: cpuImage.user,
  namespace: "dask",
  createNamespace: true,
  workers: {
    replicas: 4,
    cpu: "2",
    memory: "8Gi",
    // Keep the CPU pool off the GPU nodes; the gpu group overrides the same key.
    nodeSelector: { pool: "cpu" },
  },
  workerGroups: [
    {
      name: "gpu",
      replicas: config.getNumber("gpuWorkers") ?? 1,
      image: gpuImage.imageRef,
      cpu: "8",
      memory: "60Gi",
      gpus: 1,
      daskResources: { GPU: 1 },
      nodeSelector: { pool: "gpu" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      env: { CUPY_CACHE_DIR: "/tmp/cupy" },
    },
  ],
});

export const schedulerAddress = cluster.schedulerAddress;
export const gpuDeployment = cluster.workerGroupDeployments.apply((d) => d.gpu);
