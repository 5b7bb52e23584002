import * as fs from "fs";
import * as path from "path";
import { FAKE_DIGEST, chartValues, one, runExample } from "./examples-harness";

jest.setTimeout(120_000);

const DIR = path.resolve(__dirname, "../../examples/kind");

describe("examples/kind under mocks", () => {
  test("pushes the pip image to the local registry and runs 1 worker of 1 CPU / 2Gi on kind, pinned by digest", async () => {
    const run = await runExample(path.join(DIR, "index.ts"), { project: "slim-dask-kind" });

    const provider = one(run, "pulumi:providers:kubernetes", "kind");
    expect(provider.inputs.context).toBe("kind-slim-dask");

    const image = one(run, "docker:index/image:Image", "dask-image");
    expect(image.inputs.imageName).toMatch(
      /^localhost:5001\/slim-dask:\d{4}\.\d+\.\d+-[0-9a-f]{12}$/,
    );
    expect(image.inputs.registry).toBeUndefined(); // the local registry has no login
    expect(image.inputs.skipPush).toBe(false);
    expect((image.inputs.build as Record<string, unknown>).platform).toBe("linux/amd64");
    // The build context lands in the program directory, where .gitignore expects it.
    const dockerfile = fs.readFileSync(
      path.join(run.programDir, ".slim-dask", "dask-image", "Dockerfile"),
      "utf8",
    );
    expect(dockerfile).toContain("python:3.12-slim-bookworm");

    const release = one(run, "kubernetes:helm.sh/v3:Release", "dask");
    expect(release.provider).toMatch(
      /^urn:pulumi:test::slim-dask-kind::pulumi:providers:kubernetes::kind::/,
    );
    expect(release.inputs).toMatchObject({ name: "dask", namespace: "dask", chart: "dask" });
    const values = chartValues(release);
    expect(values.worker.replicas).toBe(1);
    expect(values.worker.resources.limits).toEqual({ cpu: "1", memory: "2Gi" });
    expect(values.worker.resources.requests).toEqual({ cpu: "1", memory: "2Gi" });
    expect(values.scheduler.resources.limits).toEqual({ cpu: "500m", memory: "1Gi" });
    expect(values.worker.image.repository).toBe("localhost:5001/slim-dask");
    expect(values.worker.image.tag).toMatch(new RegExp(`@${FAKE_DIGEST}$`));
    expect(values.worker.image.pullSecrets ?? []).toEqual([]);
    expect(one(run, "kubernetes:core/v1:Namespace").inputs.metadata).toMatchObject({
      name: "dask",
    });

    expect(run.outputs.imageRef).toMatch(/^localhost:5001\/slim-dask:[^@]+@sha256:[0-9a-f]{64}$/);
    expect(run.outputs.schedulerAddress).toBe("tcp://dask-scheduler.dask.svc.cluster.local:8786");
    expect(run.outputs.portForward).toBe(
      "kubectl --context kind-slim-dask -n dask port-forward svc/dask-scheduler 8786:8786 8787:80",
    );
  });

  test("the README walks through every step, names what cannot run here, and git ignores the build context", () => {
    const readme = fs.readFileSync(path.join(DIR, "README.md"), "utf8");
    for (const step of [
      "scripts/create-cluster.sh",
      "pulumi up",
      "port-forward svc/dask-scheduler 8786:8786 8787:80",
      'Client("tcp://127.0.0.1:8786")',
      "pulumi destroy",
      "scripts/delete-cluster.sh",
      "rm -rf .slim-dask",
    ]) {
      expect(readme).toContain(step);
    }
    expect(readme).toMatch(/not run on the machine this project is tested on/i);
    expect(fs.readFileSync(path.join(DIR, ".gitignore"), "utf8")).toMatch(/^\.slim-dask\/$/m);
    for (const script of ["create-cluster.sh", "delete-cluster.sh"]) {
      expect(fs.statSync(path.join(DIR, "scripts", script)).mode & 0o111).not.toBe(0);
    }
  });
});
