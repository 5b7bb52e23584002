/**
 * The defaults of the dask chart's values.yaml (2024.1.1) that chartPods and the address
 * helpers read; helm fills them in for keys slim-dask does not set. Keep in step with
 * chart-model.ts and DEFAULT_CHART_VERSION.
 */
export const CHART_DEFAULTS = {
  scheduler: {
    image: { repository: "ghcr.io/dask/dask", tag: "2024.1.0", pullPolicy: "IfNotPresent" },
    replicas: 1,
    servicePort: 8786,
    extraArgs: [],
    resources: {},
    securityContext: {},
  },
  webUI: { servicePort: 80 },
  worker: {
    image: {
      repository: "ghcr.io/dask/dask",
      tag: "2024.1.0",
      pullPolicy: "IfNotPresent",
      dask_worker: "dask-worker",
    },
    replicas: 3,
    custom_scheduler_url: null,
    default_resources: { cpu: 1, memory: "4GiB" },
    extraArgs: [],
    resources: {},
    securityContext: {},
    portDashboard: 8790,
  },
} as const;
