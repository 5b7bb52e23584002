import * as fs from "fs";
import * as path from "path";
import { isSecretInput, one, plain, runExample, typeCheck } from "./examples-harness";

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");

/** The README's TypeScript quickstart, written where it can import the package as a user would. */
function quickstartFile(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quickstart: Pulumi TypeScript"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error("no ```ts block in the TypeScript quickstart");
  const dir = path.join(ROOT, "build", "readme");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "quickstart.ts");
  fs.writeFileSync(file, code);
  return file;
}

describe("the README TypeScript quickstart", () => {
  test("type-checks as printed (strict, imports resolved as from the package)", () => {
    const diagnostics = typeCheck([quickstartFile()]);
    expect(diagnostics).toEqual([]);
  });

  test("runs under mocks: the login goes to the repository's registry with the password secret", async () => {
    const run = await runExample(quickstartFile(), {
      project: "quickstart",
      config: { repository: "ghcr.io/acme/dask", registryUsername: "acme-bot" },
      secretConfig: { registryPassword: "ghcr-token" },
    });
    const image = one(run, "docker:index/image:Image", "dask-image");
    const registry = plain(image.inputs.registry) as Record<string, unknown>;
    expect(plain(registry.server)).toBe("ghcr.io");
    expect(isSecretInput(image.inputs.registry) || isSecretInput(registry.password)).toBe(true);
    expect(one(run, "kubernetes:core/v1:Secret")).toBeDefined();
    expect(run.outputs.scheduler).toBe("tcp://dask-scheduler.dask.svc.cluster.local:8786");
  });
});
