import type { DaskClusterConfig } from "../../components/cluster/args";

/**
 * A CPU pool on `pool: cpu` nodes and a `gpu` group on tainted `pool: gpu` nodes with its own
 * image, GPUs and Dask resources: the configuration the unit tests and the real-helm renders
 * both check, so that they check the same thing.
 */
export function gpuPoolConfig(c: {
  image: string;
  gpuImage: string;
  registry: string;
  releaseName: string;
}): DaskClusterConfig {
  return {
    image: c.image,
    releaseName: c.releaseName,
    namespace: "ci",
    workers: {
      replicas: 4,
      cpu: "2",
      memory: "8Gi",
      env: { A: "1", SHARED: "workers" },
      nodeSelector: { pool: "cpu" },
    },
    workerGroups: [
      {
        name: "gpu",
        replicas: 2,
        image: c.gpuImage,
        cpu: "8",
        memory: "60Gi",
        gpus: 1,
        daskResources: { MEMORY: 60e9, GPU: 1 },
        nodeSelector: { pool: "gpu" },
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        env: { SHARED: "gpu" },
      },
    ],
    imagePullCredentials: { server: c.registry, username: "bot" },
  };
}
