import {
  chartFullname,
  dashboardUrl,
  schedulerAddress,
} from "../../../components/cluster/addresses";
import { dockerConfigJson, pullSecretName } from "../../../components/cluster/pull-secret";
import { isDns1123Label } from "../../../components/cluster/k8s-names";
import { errorOf } from "./helpers";

describe("chartFullname", () => {
  test.each([
    ["dask", {}, "dask"],
    ["my-dask-x", {}, "my-dask-x"],
    ["prod", {}, "prod-dask"],
    ["daskprod", {}, "daskprod"],
    ["prod", { fullnameOverride: "analytics" }, "analytics"],
    ["dask", { fullnameOverride: "" }, "dask"],
    ["prod", { nameOverride: "cluster" }, "prod-cluster"],
    ["my-cluster-1", { nameOverride: "cluster" }, "my-cluster-1"],
    ["dask-prod", { nameOverride: "cluster" }, "dask-prod-cluster"],
  ])("release %s with %j -> %s", (release, values, expected) => {
    expect(chartFullname(release, values)).toBe(expected);
  });

  test("long names are truncated to 63 and one trailing dash trimmed", () => {
    const r = "a".repeat(53);
    expect(chartFullname(r)).toBe(`${r}-dask`);
    expect(chartFullname("x".repeat(60))).toBe(`${"x".repeat(60)}-da`);
    // 62 chars + "-" at position 63 is cut to 63 then loses the dash.
    expect(chartFullname("y".repeat(62))).toBe("y".repeat(62));
    expect(chartFullname("p", { fullnameOverride: "f".repeat(70) })).toHaveLength(63);
    expect(chartFullname("p", { fullnameOverride: `${"f".repeat(62)}--x` })).toBe(
      `${"f".repeat(62)}`,
    );
  });
});

describe("addresses", () => {
  test("scheduler address uses the fullname, namespace and 8786", () => {
    expect(schedulerAddress("prod", "data")).toBe(
      "tcp://prod-dask-scheduler.data.svc.cluster.local:8786",
    );
    expect(schedulerAddress("dask", "default")).toBe(
      "tcp://dask-scheduler.default.svc.cluster.local:8786",
    );
    expect(schedulerAddress("prod", "ns", { fullnameOverride: "x" })).toBe(
      "tcp://x-scheduler.ns.svc.cluster.local:8786",
    );
  });

  test("dashboard URL uses webUI.servicePort (80 by default)", () => {
    expect(dashboardUrl("prod", "data")).toBe(
      "http://prod-dask-scheduler.data.svc.cluster.local:80",
    );
    expect(dashboardUrl("prod", "data", { webUI: { servicePort: 8080 } })).toBe(
      "http://prod-dask-scheduler.data.svc.cluster.local:8080",
    );
  });
});

describe("pull secret", () => {
  test("is named after the release", () => {
    expect(pullSecretName("analytics")).toBe("analytics-image-pull");
  });

  test("stays a DNS-1123 label and distinct for long release names", () => {
    const a = pullSecretName(`${"a".repeat(52)}b`);
    const b = pullSecretName(`${"a".repeat(52)}c`);
    for (const name of [a, b, pullSecretName(`${"a".repeat(40)}-${"b".repeat(12)}`)]) {
      expect(isDns1123Label(name)).toBe(true);
      expect(name.endsWith("-image-pull")).toBe(true);
    }
    expect(a).not.toBe(b);
  });

  test("dockerconfigjson has the auths entry with base64 user:pass", () => {
    const json = dockerConfigJson("ghcr.io", "bot", "s3cr:et");
    expect(JSON.parse(json)).toEqual({
      auths: {
        "ghcr.io": {
          username: "bot",
          password: "s3cr:et",
          auth: Buffer.from("bot:s3cr:et").toString("base64"),
        },
      },
    });
    expect(dockerConfigJson("ghcr.io", "bot", "s3cr:et")).toBe(json);
  });

  test("an empty password is refused without echoing anything", () => {
    const e = errorOf(() => dockerConfigJson("ghcr.io", "bot", ""));
    expect(e.field).toBe("imagePullCredentials.password");
  });
});
