import { parseImageReference } from "../../../components/common/docker-reference";
import { chartPods } from "../../../components/cluster/pods";
import { daskChartValues } from "../../../components/cluster/values";
import { DIGEST, PINNED } from "./helpers";

describe("chartPods from generated values", () => {
  test("scheduler runs dask-scheduler on 8786 with the dashboard on 8787", () => {
    const pods = chartPods(
      daskChartValues({ image: PINNED, scheduler: { extraArgs: ["--x"] } }),
      "prod",
    );
    expect(pods.scheduler.args).toEqual([
      "dask-scheduler",
      "--port=8786",
      "--dashboard-address=:8787",
      "--x",
    ]);
    expect(pods.scheduler.replicas).toBe(1);
  });

  test("workers connect to <fullname>-scheduler:8786, no resource flags without limits", () => {
    const pods = chartPods(daskChartValues({ image: PINNED }), "prod");
    expect(pods.worker.args).toEqual([
      "dask-worker",
      "prod-dask-scheduler:8786",
      "--no-dashboard",
      "--dashboard-address",
      "8790",
    ]);
    expect(pods.worker.args).not.toContain("--nthreads");
    expect(pods.worker.args).not.toContain("--memory-limit");
    expect(pods.worker.replicas).toBe(3);
    expect(pods.worker.resources).toEqual({});
  });

  test("cpu and memory become --nthreads and --memory-limit", () => {
    const values = daskChartValues({
      image: PINNED,
      releaseName: "dask",
      workers: { cpu: "1500m", memory: "3Gi", extraArgs: ["--resources", "GPU=1"], replicas: 5 },
    });
    const { worker } = chartPods(values, "dask");
    expect(worker.args).toEqual([
      "dask-worker",
      "dask-scheduler:8786",
      "--nthreads",
      "1",
      "--memory-limit",
      "3Gi",
      "--no-dashboard",
      "--dashboard-address",
      "8790",
      "--resources",
      "GPU=1",
    ]);
    expect(worker.resources).toEqual({
      limits: { cpu: "1500m", memory: "3Gi" },
      requests: { cpu: "1500m", memory: "3Gi" },
    });
    expect(worker.replicas).toBe(5);
  });

  test("cpu alone passes --memory-limit auto, memory alone one thread", () => {
    const cpuOnly = chartPods(
      daskChartValues({ image: PINNED, workers: { cpu: "4" } }),
      "p",
    ).worker;
    expect(cpuOnly.args.slice(2, 6)).toEqual(["--nthreads", "4", "--memory-limit", "auto"]);
    const memOnly = chartPods(
      daskChartValues({ image: PINNED, workers: { memory: "1Gi" } }),
      "p",
    ).worker;
    expect(memOnly.args.slice(2, 6)).toEqual(["--nthreads", "1", "--memory-limit", "1Gi"]);
  });

  test("image string is <repository>:<tag> and a valid pinned reference", () => {
    const pods = chartPods(daskChartValues({ image: PINNED }), "prod");
    for (const c of [pods.scheduler, pods.worker]) {
      expect(c.image).toBe(`registry.example.com:5000/team/dask:latest@${DIGEST}`);
      expect(parseImageReference(c.image, "image").digest).toBe(DIGEST);
    }
  });

  test("env, securityContext and pull secrets reach the containers", () => {
    const values = daskChartValues({
      image: PINNED,
      releaseName: "prod",
      runAsUser: 2000,
      runAsGroup: 2000,
      imagePullCredentials: { server: "registry.example.com:5000", username: "u" },
      workers: { env: { B: "2", A: "1" } },
      scheduler: { env: { S: "x" } },
    });
    const pods = chartPods(values, "prod");
    expect(pods.worker.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    expect(pods.scheduler.env).toEqual([{ name: "S", value: "x" }]);
    for (const c of [pods.scheduler, pods.worker]) {
      expect(c.securityContext).toEqual({
        runAsUser: 2000,
        runAsGroup: 2000,
        runAsNonRoot: true,
        fsGroup: 2000,
      });
      expect(c.imagePullSecrets).toEqual([{ name: "prod-image-pull" }]);
    }
  });
});

describe("chartPods from raw values (chart template rules)", () => {
  test("chart defaults apply to empty values", () => {
    const pods = chartPods({}, "prod");
    expect(pods.scheduler.image).toBe("ghcr.io/dask/dask:2024.1.0");
    expect(pods.worker.args[0]).toBe("dask-worker");
    expect(pods.worker.env).toEqual([]);
    expect(pods.worker.imagePullSecrets).toEqual([]);
    expect(pods.scheduler.securityContext).toEqual({});
  });

  test("custom_scheduler_url, worker port, dask_worker and portDashboard", () => {
    const { worker } = chartPods(
      {
        worker: {
          custom_scheduler_url: "tcp://elsewhere:8786",
          port: 9000,
          portDashboard: 9001,
          image: { dask_worker: "dask-cuda-worker" },
        },
      },
      "prod",
    );
    expect(worker.args).toEqual([
      "dask-cuda-worker",
      "tcp://elsewhere:8786",
      "--no-dashboard",
      "--dashboard-address",
      "9001",
      "--worker-port",
      "9000",
    ]);
  });

  test("--nthreads falls back to limits.cpu, then default_resources; memory to default 4GiB", () => {
    const a = chartPods({ worker: { resources: { limits: { cpu: 2 } } } }, "r").worker;
    expect(a.args.slice(2, 6)).toEqual(["--nthreads", "2", "--memory-limit", "4GiB"]);
    const b = chartPods({ worker: { resources: { limits: { memory: "2G" } } } }, "r").worker;
    expect(b.args.slice(2, 6)).toEqual(["--nthreads", "1", "--memory-limit", "2G"]);
    const c = chartPods(
      { worker: { threads_per_worker: 0, resources: { limits: { cpu: 3, memory: "1G" } } } },
      "r",
    ).worker;
    // sprig `default` treats 0 as empty.
    expect(c.args[3]).toBe("3");
    // An empty limits map is false in a template `if`.
    expect(chartPods({ worker: { resources: { limits: {} } } }, "r").worker.args).not.toContain(
      "--nthreads",
    );
  });

  test("fullname overrides change the scheduler address the workers use", () => {
    expect(chartPods({ fullnameOverride: "x" }, "prod").worker.args[1]).toBe("x-scheduler:8786");
    expect(chartPods({ nameOverride: "c" }, "prod").worker.args[1]).toBe("prod-c-scheduler:8786");
    expect(chartPods({}, "my-dask-x").worker.args[1]).toBe("my-dask-x-scheduler:8786");
  });
});
