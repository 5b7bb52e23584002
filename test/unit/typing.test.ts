/**
 * What TypeScript users get from the args types: free-form maps take objects (as
 * `k8s.helm.v3.Release` users expect), closed sets are checked by tsc, not only at run time.
 */
import * as fs from "fs";
import * as path from "path";
import { typeCheck } from "./examples-harness";

jest.setTimeout(300_000);

const DIR = path.resolve(__dirname, "../../build/typing");

/** Writes a program, importing from slim-dask the names it uses; returns tsc's diagnostics. */
function check(name: string, body: string): string[] {
  fs.mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `${name}.ts`);
  const names = ["DaskCluster", "SlimDaskImage", "ServiceType"].filter((n) => body.includes(n));
  fs.writeFileSync(file, `import { ${names.join(", ")} } from "slim-dask";\n${body}\n`);
  return typeCheck([file]);
}

const OK = `import * as pulumi from "@pulumi/pulumi";
const image = new SlimDaskImage("img", { imageName: "ghcr.io/acme/dask", base: "pip", platform: "linux/arm64" });
new DaskCluster("dask", {
  image: image.imageRef,
  values: { worker: { annotations: { team: "data" } }, scheduler: { serviceAnnotations: { a: pulumi.output("b") } } },
  workers: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    updateStrategy: { type: "Recreate" }, tolerations: [{ operator: "Exists", effect: "NoSchedule" }] },
  scheduler: { serviceType: ServiceType.LoadBalancer },
});
`;

test("objects for values and affinity, enum members and their literals all type-check", () => {
  expect(check("ok", OK)).toEqual([]);
});

test.each([
  ["base", `new SlimDaskImage("i", { imageName: "r", base: "conda" });`, '"conda"'],
  ["bytecode", `new SlimDaskImage("i", { imageName: "r", bytecode: "strip" });`, '"strip"'],
  ["platform", `new SlimDaskImage("i", { imageName: "r", platform: "linux/386" });`, '"linux/386"'],
  [
    "serviceType",
    `new DaskCluster("d", { image: "r@sha256:${"a".repeat(64)}", scheduler: { serviceType: "Loadbalancer" } });`,
    '"Loadbalancer"',
  ],
  [
    "updateStrategy.type",
    `new DaskCluster("d", { image: "r", workers: { updateStrategy: { type: "Rolling" } } });`,
    '"Rolling"',
  ],
  [
    "toleration effect",
    `new DaskCluster("d", { image: "r", workers: { tolerations: [{ effect: "NoScheduled" }] } });`,
    '"NoScheduled"',
  ],
])("a value outside the closed set fails tsc (%s)", (name, body, literal) => {
  const diagnostics = check(`bad-${name.replace(/\W/g, "-")}`, body);
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0]).toContain(`Type '${literal}' is not assignable to type`);
});
