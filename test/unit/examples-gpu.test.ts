import * as fs from "fs";
import * as path from "path";
import { FAKE_DIGEST, chartValues, one, runExample, typeCheck } from "./examples-harness";

jest.setTimeout(120_000);

const DIR = path.resolve(__dirname, "../../examples/gpu");
const PROGRAM = path.join(DIR, "index.ts");
const project = "slim-dask-gpu";

describe("examples/gpu under mocks", () => {
  test("type-checks (strict, slim-dask resolved as the package)", () => {
    expect(typeCheck([PROGRAM])).toEqual([]);
  });

  test("a CPU pool on pool=cpu nodes and a GPU group on tainted pool=gpu nodes, each on its own pinned image", async () => {
    const run = await runExample(PROGRAM, { project, config: { registry: "ghcr.io/acme/dask" } });
    const images = run.resources.filter((r) => r.type === "docker:index/image:Image");
    expect(images.map((i) => i.name).sort()).toEqual(["dask-cpu", "dask-gpu"]);
    const values = chartValues(one(run, "kubernetes:helm.sh/v3:Release", "dask"));
    expect(values.worker.nodeSelector).toEqual({ pool: "cpu" });
    expect(values.worker.image.repository).toBe("ghcr.io/acme/dask");
    const [gpu] = values.additional_worker_groups;
    expect(gpu).toMatchObject({
      name: "gpu",
      replicas: 1,
      strategy: { type: "Recreate" },
      image: { repository: "ghcr.io/acme/dask-gpu" },
      resources: { limits: { cpu: "8", memory: "60Gi", "nvidia.com/gpu": 1 } },
      threads_per_worker: 8,
      extraArgs: ["--resources", "GPU=1"],
      nodeSelector: { pool: "gpu" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      env: [{ name: "CUPY_CACHE_DIR", value: "/tmp/cupy" }],
    });
    expect(gpu.image?.tag).toMatch(new RegExp(`@${FAKE_DIGEST}$`));
    expect(run.outputs.gpuDeployment).toBe("dask-worker-gpu");
  });

  test("gpuWorkers 0 keeps the group's Deployment with no pod", async () => {
    const run = await runExample(PROGRAM, {
      project,
      config: { registry: "ghcr.io/acme/dask", gpuWorkers: "0" },
    });
    const values = chartValues(one(run, "kubernetes:helm.sh/v3:Release", "dask"));
    expect(values.additional_worker_groups[0].replicas).toBe("0");
  });

  test("the README's worker-groups snippet type-checks against the package", () => {
    const readme = fs.readFileSync(path.resolve(DIR, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Worker groups"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toContain("workerGroups");
    const dir = path.resolve(DIR, "../../build/readme");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "worker-groups.ts");
    fs.writeFileSync(
      file,
      'import { DaskCluster, SlimDaskImage } from "slim-dask";\n' +
        "declare const cpuImage: SlimDaskImage;\ndeclare const gpuImage: SlimDaskImage;\n" +
        code,
    );
    expect(typeCheck([file])).toEqual([]);
  });

  test("the README says what ran here and what did not", () => {
    const readme = fs.readFileSync(path.join(DIR, "README.md"), "utf8");
    expect(readme).toContain('dask.annotate(resources={"GPU": 1})');
    expect(readme).toMatch(/Nothing on the machine this project is tested on has a GPU/);
    expect(readme).toContain("test/k8s/worker-groups.test.ts");
  });
});
