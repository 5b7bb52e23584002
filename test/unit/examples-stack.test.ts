import * as fs from "fs";
import * as path from "path";
import { chartValues, isSecretInput, one, plain, runExample } from "./examples-harness";

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, "../..");
const PROGRAM = path.join(ROOT, "examples", "stack", "index.ts");
const project = "slim-dask-example";

describe("the root Pulumi.yaml program (examples/stack)", () => {
  test("a Docker Hub repository logs in to docker.io with the password kept secret", async () => {
    const run = await runExample(PROGRAM, {
      project,
      config: { registry: "acme/dask", registryUsername: "acme-bot" },
      secretConfig: { registryPassword: "hub-token" },
    });
    const image = one(run, "docker:index/image:Image", "dask-image");
    expect(plain(image.inputs.imageName)).toMatch(/^acme\/dask:/);
    const registry = plain(image.inputs.registry) as Record<string, unknown>;
    expect(plain(registry.server)).toBe("docker.io");
    expect(plain(registry.username)).toBe("acme-bot");
    expect(isSecretInput(registry.password) || isSecretInput(image.inputs.registry)).toBe(true);
    // The pull Secret for the pods uses the same server.
    const secret = one(run, "kubernetes:core/v1:Secret");
    expect(isSecretInput(secret.inputs.stringData) || isSecretInput(secret.inputs.data)).toBe(true);
    const payload = JSON.stringify(plain(secret.inputs.stringData ?? secret.inputs.data));
    expect(payload).toContain("docker.io");
    const values = chartValues(one(run, "kubernetes:helm.sh/v3:Release"));
    expect(values.worker.replicas).toBe(2);
    expect(values.worker.resources.limits).toEqual({ cpu: "1", memory: "4Gi" });
  });

  test("a registry host in the repository is the server; no login config means no login", async () => {
    const run = await runExample(PROGRAM, { project, config: { registry: "ghcr.io/acme/dask" } });
    expect(one(run, "docker:index/image:Image").inputs.registry).toBeUndefined();
    expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret")).toEqual([]);
    expect(run.outputs.imageRef).toMatch(/^ghcr\.io\/acme\/dask:[^@]+@sha256:/);
  });

  test("a missing registry or half a login is a clear error naming the config key", async () => {
    await expect(runExample(PROGRAM, { project })).rejects.toThrow(
      /Missing required configuration variable 'slim-dask-example:registry'[\s\S]*pulumi config set slim-dask-example:registry/,
    );
    await expect(
      runExample(PROGRAM, { project, config: { registry: "acme/dask", registryUsername: "u" } }),
    ).rejects.toThrow(/registryUsername and registryPassword go together/);
  });

  test("Pulumi.yaml declares no secret with a default, and the program imports only the package", () => {
    const yaml = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    expect(yaml).not.toMatch(/secret:\s*true/);
    expect(yaml).not.toMatch(/^\s+default:/m);
    const source = fs.readFileSync(PROGRAM, "utf8");
    const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(["@pulumi/pulumi", "slim-dask"]);
  });
});
