import { resolveClusterConfig } from "../../../components/cluster/resolve";
import { DIGEST, PINNED, errorOf } from "./helpers";

// Configs come from YAML files and untyped callers: the checks must hold for any shape.
const resolve = (config: Record<string, unknown>) =>
  resolveClusterConfig({ image: PINNED, ...config } as never);

describe("resolveClusterConfig defaults", () => {
  test("fills every default", () => {
    const c = resolve({});
    expect(c).toMatchObject({
      image: PINNED,
      releaseName: "dask",
      namespace: "default",
      createNamespace: false,
      chartVersion: "2024.1.1",
      chartRepository: "https://helm.dask.org",
      timeoutSeconds: 600,
      jupyter: false,
      runAsUser: 1000,
      values: {},
      workers: { replicas: 3, env: {}, extraArgs: [], nodeSelector: {}, tolerations: [] },
      scheduler: { serviceType: "ClusterIP", env: {}, extraArgs: [] },
    });
    expect(c.workers.threads).toBeUndefined();
    expect(c.imagePullCredentials).toBeUndefined();
  });

  test("keeps valid values", () => {
    const c = resolve({
      releaseName: "a".repeat(53),
      namespace: "team-x",
      chartVersion: "2024.1.2-rc.1",
      chartRepository: "oci://registry.example.com/charts",
      timeoutSeconds: 1,
      workers: {
        replicas: 0,
        tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
      },
      imagePullCredentials: { server: "registry.example.com:5000", username: "robot$ci" },
    });
    expect(c.workers.replicas).toBe(0);
    expect(c.releaseName).toHaveLength(53);
    expect(c.imagePullCredentials).toEqual({
      server: "registry.example.com:5000",
      username: "robot$ci",
    });
    expect(c.workers.tolerations[0].tolerationSeconds).toBe(30);
  });

  test("Docker Hub aliases match an image without a registry", () => {
    for (const server of ["docker.io", "index.docker.io", "registry-1.docker.io"]) {
      expect(
        resolveClusterConfig({
          image: `team/dask:1@${DIGEST}`,
          imagePullCredentials: { server, username: "u" },
        }).imagePullCredentials?.server,
      ).toBe(server);
    }
  });
});

describe("resolveClusterConfig rejects bad input", () => {
  test.each<[string, Record<string, unknown>, string]>([
    ["missing image", { image: undefined }, "image"],
    ["bad image", { image: "Not An Image" }, "image"],
    ["image with shell chars", { image: "dask:1;id" }, "image"],
    ["unknown top-level key", { replicas: 3 }, "replicas"],
    ["release name uppercase", { releaseName: "Dask" }, "releaseName"],
    ["release name too long for helm", { releaseName: "a".repeat(54) }, "releaseName"],
    ["release name with dot", { releaseName: "a.b" }, "releaseName"],
    ["namespace trailing dash", { namespace: "team-" }, "namespace"],
    ["namespace null", { namespace: null }, "namespace"],
    ["createNamespace string", { createNamespace: "yes" }, "createNamespace"],
    ["chart version range", { chartVersion: "^2024.1" }, "chartVersion"],
    ["chart repository ftp", { chartRepository: "ftp://helm.dask.org" }, "chartRepository"],
    [
      "chart repository credentials in the URL",
      { chartRepository: "https://user:pw@charts.example.com" },
      "chartRepository",
    ],
    [
      "chart repository password in a file",
      { chartRepositoryPassword: "pw" },
      "chartRepositoryPassword",
    ],
    ["chart repository not a URL", { chartRepository: "helm.dask.org" }, "chartRepository"],
    ["timeout zero", { timeoutSeconds: 0 }, "timeoutSeconds"],
    ["timeout fractional", { timeoutSeconds: 1.5 }, "timeoutSeconds"],
    ["timeout string", { timeoutSeconds: "600" }, "timeoutSeconds"],
    ["workers null", { workers: null }, "workers"],
    ["workers array", { workers: [] }, "workers"],
    ["unknown worker key", { workers: { replicaCount: 2 } }, "workers.replicaCount"],
    ["negative replicas", { workers: { replicas: -1 } }, "workers.replicas"],
    ["fractional replicas", { workers: { replicas: 1.5 } }, "workers.replicas"],
    ["NaN replicas", { workers: { replicas: NaN } }, "workers.replicas"],
    ["string replicas", { workers: { replicas: "3" } }, "workers.replicas"],
    ["cpu with unit typo", { workers: { cpu: "2cores" } }, "workers.cpu"],
    ["cpu number", { workers: { cpu: 2 } }, "workers.cpu"],
    ["memory milli", { workers: { memory: "512m" } }, "workers.memory"],
    ["memory Ei", { workers: { memory: "1Ei" } }, "workers.memory"],
    ["scheduler memory GB", { scheduler: { memory: "4GB" } }, "scheduler.memory"],
    ["threads zero", { workers: { threads: 0, cpu: "1" } }, "workers.threads"],
    ["threads without resources", { workers: { threads: 2 } }, "workers.threads"],
    ["env name with dash", { workers: { env: { "MY-VAR": "x" } } }, "workers.env"],
    ["env name leading digit", { scheduler: { env: { "1X": "x" } } }, "scheduler.env"],
    ["env value number", { workers: { env: { X: 1 } } }, "workers.env.X"],
    ["env value with NUL", { workers: { env: { X: "a\0b" } } }, "workers.env.X"],
    ["env as list", { workers: { env: [{ name: "X", value: "1" }] } }, "workers.env"],
    ["extraArgs with newline", { workers: { extraArgs: ["--a\n--b"] } }, "workers.extraArgs[0]"],
    ["extraArgs as string", { workers: { extraArgs: "--a" } }, "workers.extraArgs"],
    ["extraArgs number", { scheduler: { extraArgs: [1] } }, "scheduler.extraArgs[0]"],
    ["scheduler --port", { scheduler: { extraArgs: ["--port=9000"] } }, "scheduler.extraArgs[0]"],
    [
      "worker --nthreads",
      { workers: { extraArgs: ["--x", "--nthreads"] } },
      "workers.extraArgs[1]",
    ],
    [
      "unknown service type",
      { scheduler: { serviceType: "ExternalName" } },
      "scheduler.serviceType",
    ],
    [
      "service type lowercase",
      { scheduler: { serviceType: "clusterip" } },
      "scheduler.serviceType",
    ],
    ["unknown scheduler key", { scheduler: { replicas: 2 } }, "scheduler.replicas"],
    [
      "nodeSelector bad key",
      { workers: { nodeSelector: { "-bad": "x" } } },
      "workers.nodeSelector",
    ],
    [
      "nodeSelector bad value",
      { workers: { nodeSelector: { ok: "no spaces" } } },
      "workers.nodeSelector.ok",
    ],
    [
      "nodeSelector value number",
      { workers: { nodeSelector: { ok: 1 } } },
      "workers.nodeSelector.ok",
    ],
    ["tolerations not a list", { workers: { tolerations: {} } }, "workers.tolerations"],
    [
      "toleration bad operator",
      { workers: { tolerations: [{ key: "k", operator: "In" }] } },
      "workers.tolerations[0].operator",
    ],
    [
      "toleration bad effect",
      { workers: { tolerations: [{ key: "k", effect: "NoRun" }] } },
      "workers.tolerations[0].effect",
    ],
    [
      "toleration unknown key",
      { workers: { tolerations: [{ key: "k", values: "v" }] } },
      "workers.tolerations[0].values",
    ],
    ["toleration null", { scheduler: { tolerations: [null] } }, "scheduler.tolerations[0]"],
    ["affinity array", { workers: { affinity: [] } }, "workers.affinity"],
    [
      "affinity typo",
      { workers: { affinity: { nodeAfinity: {} } } },
      "workers.affinity.nodeAfinity",
    ],
    ["runAsUser root", { runAsUser: 0 }, "runAsUser"],
    ["runAsUser negative", { runAsUser: -5 }, "runAsUser"],
    ["runAsUser string", { runAsUser: "1000" }, "runAsUser"],
    ["jupyter string", { jupyter: "false" }, "jupyter"],
    [
      "pull credentials with password",
      {
        imagePullCredentials: {
          server: "registry.example.com:5000",
          username: "u",
          password: "hunter2",
        },
      },
      "imagePullCredentials.password",
    ],
    [
      "pull credentials with token",
      { imagePullCredentials: { server: "registry.example.com:5000", username: "u", token: "t" } },
      "imagePullCredentials.token",
    ],
    [
      "pull credentials without username",
      { imagePullCredentials: { server: "registry.example.com:5000" } },
      "imagePullCredentials.username",
    ],
    [
      "pull credentials server with scheme",
      { imagePullCredentials: { server: "https://registry.example.com:5000", username: "u" } },
      "imagePullCredentials.server",
    ],
    [
      "pull credentials for another registry",
      { imagePullCredentials: { server: "ghcr.io", username: "u" } },
      "imagePullCredentials.server",
    ],
    [
      "pull credentials username with newline",
      { imagePullCredentials: { server: "registry.example.com:5000", username: "u\n" } },
      "imagePullCredentials.username",
    ],
    [
      "pull credentials unknown key",
      { imagePullCredentials: { server: "registry.example.com:5000", username: "u", email: "e" } },
      "imagePullCredentials.email",
    ],
    ["values array", { values: [] }, "values"],
    [
      "values unknown path",
      { values: { scheduler: { image: { digest: "x" } } } },
      "values.scheduler.image.digest",
    ],
    [
      "values servicePort",
      { values: { scheduler: { servicePort: "8787" } } },
      "values.scheduler.servicePort",
    ],
  ])("%s", (_, config, field) => {
    const e = errorOf(() => resolve(config));
    expect(e.field).toBe(field);
    expect(e.fix.length).toBeGreaterThan(0);
  });

  test("the password is never echoed and the fix points to the Pulumi secret", () => {
    const e = errorOf(() =>
      resolve({
        imagePullCredentials: {
          server: "registry.example.com:5000",
          username: "u",
          password: "hunter2",
        },
      }),
    );
    expect(e.message).not.toContain("hunter2");
    expect(e.fix).toMatch(/slim-dask pull-secret.*takes it as a secret/);
  });

  test("error messages show the offending value", () => {
    expect(errorOf(() => resolve({ workers: { replicas: -1 } })).message).toContain("-1");
    expect(errorOf(() => resolve({ workers: { memory: "512m" } })).message).toContain('"512m"');
    expect(errorOf(() => resolve({ scheduler: { serviceType: "Ingress" } })).message).toContain(
      '"Ingress"',
    );
  });

  test("unknown keys list the valid ones", () => {
    expect(errorOf(() => resolve({ workers: { gpus: 1 } })).fix).toContain("replicas");
  });
});

describe("a moving image and a namespace that always exists", () => {
  test.each([
    ["ghcr.io/acme/dask", "it means `:latest`"],
    ["ghcr.io/acme/dask:2026.8.0", "a tag can be moved"],
  ])("%s without a digest is refused: %s", (image, why) => {
    const e = errorOf(() => resolveClusterConfig({ image }));
    expect(e.field).toBe("image");
    expect(e.problem).toContain(why);
    expect(e.problem).toContain("keeps running that image after every push");
    expect(e.fix).toContain("imagePullPolicy: Always");
  });

  test("imagePullPolicy: Always takes a moving reference; a digest needs nothing", () => {
    expect(
      resolveClusterConfig({ image: "ghcr.io/acme/dask:dev", imagePullPolicy: "Always" })
        .imagePullPolicy,
    ).toBe("Always");
    expect(resolveClusterConfig({ image: PINNED }).imagePullPolicy).toBe("IfNotPresent");
    expect(
      errorOf(() => resolveClusterConfig({ image: PINNED, imagePullPolicy: "Never" })).field,
    ).toBe("imagePullPolicy");
  });

  test.each(["default", "kube-system", "kube-public", "kube-node-lease"])(
    "createNamespace for %s is refused before anything is registered",
    (namespace) => {
      const e = errorOf(() =>
        resolveClusterConfig({ image: PINNED, namespace, createNamespace: true }),
      );
      expect(e.field).toBe("createNamespace");
      expect(e.problem).toContain("always exists");
      expect(e.fix).toContain("createNamespace: false");
    },
  );

  test("createNamespace without a namespace means default, and is refused too", () => {
    expect(
      errorOf(() => resolveClusterConfig({ image: PINNED, createNamespace: true })).field,
    ).toBe("createNamespace");
    expect(
      resolveClusterConfig({ image: PINNED, namespace: "dask", createNamespace: true })
        .createNamespace,
    ).toBe(true);
  });
});
