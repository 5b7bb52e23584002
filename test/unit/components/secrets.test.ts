/**
 * Secrets only where secret: one secret input (a registry or pull password) must not make
 * every output and child input secret. Checked for every combination, at the wire level
 * (what the engine receives) and on the component outputs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster } from "../../../components/cluster/dask-cluster";
import { SlimDaskImage } from "../../../components/image/slim-dask-image";
import {
  childRecorder,
  hasSecretInput,
  inputsOf,
  installMocks,
  settle,
  unwrapSecret,
  valueOf,
} from "./mocks";

const seen = installMocks();
const REGISTRY_PASSWORD = "registry-secret-value";
const PULL_PASSWORD = "pull-secret-value";

const COMBINATIONS = [
  { name: "no password", registry: false, pull: false },
  { name: "image registry password", registry: true, pull: false },
  { name: "pull credentials", registry: false, pull: true },
  { name: "both", registry: true, pull: true },
];

describe.each(COMBINATIONS)("secrets with $name", ({ name, registry, pull }) => {
  const id = name.replace(/\W+/g, "-");
  beforeAll(() => {
    seen.length = 0;
  });

  test("every output and child input is secret exactly when derived from a password", async () => {
    const rec = childRecorder();
    const image = new SlimDaskImage(
      `${id}-image`,
      {
        imageName: "ghcr.io/acme/dask",
        contextDir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-secrets-")), "ctx"),
        ...(registry
          ? {
              registry: {
                server: "ghcr.io",
                username: "bot",
                password: pulumi.secret(REGISTRY_PASSWORD),
              },
            }
          : {}),
      },
      rec.opts,
    );
    const cluster = new DaskCluster(`${id}-cluster`, {
      image: image.imageRef,
      runAsUser: image.user,
      runAsGroup: image.group,
      createNamespace: true,
      namespace: "dask",
      ...(pull
        ? {
            imagePullCredentials: {
              server: "ghcr.io",
              username: "bot",
              password: pulumi.secret(PULL_PASSWORD),
            },
          }
        : {}),
    });

    const outputs: Record<string, pulumi.Output<unknown>> = {
      "image.dockerfile": image.dockerfile,
      "image.imageName": image.imageName,
      "image.tag": image.tag,
      "image.repoDigest": image.repoDigest,
      "image.imageRef": image.imageRef,
      "image.user": image.user,
      "image.group": image.group,
      "cluster.releaseName": cluster.releaseName,
      "cluster.namespace": cluster.namespace,
      "cluster.schedulerAddress": cluster.schedulerAddress,
      "cluster.dashboardUrl": cluster.dashboardUrl,
      "cluster.values": cluster.values,
      "cluster.status": cluster.status,
    };
    for (const [key, out] of Object.entries(outputs)) {
      expect({ key, secret: await pulumi.isSecret(out) }).toEqual({ key, secret: false });
      const text = JSON.stringify(await valueOf(out));
      expect({
        key,
        leaks: text.includes(REGISTRY_PASSWORD) || text.includes(PULL_PASSWORD),
      }).toEqual({
        key,
        leaks: false,
      });
    }
    await settle();

    const docker = inputsOf(seen, "docker:index/image:Image", `${id}-image`);
    for (const key of ["imageName", "build", "skipPush"]) {
      expect({ key, secret: hasSecretInput(docker[key]) }).toEqual({ key, secret: false });
    }
    if (registry) {
      // The wire format lifts a nested secret to the whole property; the child's own inputs
      // show that only the password is secret.
      expect(unwrapSecret(docker.registry).value).toMatchObject({ password: REGISTRY_PASSWORD });
      const login = rec.children.find((c) => c.type === "docker:index/image:Image")?.props
        .registry as Record<string, pulumi.Input<string>>;
      expect(await pulumi.isSecret(pulumi.output(login.password))).toBe(true);
      expect(await pulumi.isSecret(pulumi.output(login.server))).toBe(false);
      expect(await pulumi.isSecret(pulumi.output(login.username))).toBe(false);
    } else {
      expect(docker.registry).toBeUndefined();
    }

    const release = inputsOf(seen, "kubernetes:helm.sh/v3:Release", `${id}-cluster`);
    for (const key of [
      "name",
      "namespace",
      "chart",
      "version",
      "repositoryOpts",
      "values",
      "timeout",
    ]) {
      expect({ key, secret: hasSecretInput(release[key]) }).toEqual({ key, secret: false });
    }
    const ns = inputsOf(seen, "kubernetes:core/v1:Namespace", `${id}-cluster-namespace`);
    expect(hasSecretInput(ns.metadata)).toBe(false);

    const secrets = seen.filter((r) => r.type === "kubernetes:core/v1:Secret");
    expect(secrets).toHaveLength(pull ? 1 : 0);
    if (pull) {
      expect(hasSecretInput(secrets[0].inputs.metadata)).toBe(false);
      expect(hasSecretInput(secrets[0].inputs.type)).toBe(false);
      expect(hasSecretInput(secrets[0].inputs.stringData)).toBe(true);
      expect(JSON.stringify(secrets[0].inputs.stringData)).toContain(
        Buffer.from(`bot:${PULL_PASSWORD}`).toString("base64"),
      );
    }
  });
});

test("a chart repository login is passed through, its password as a secret", async () => {
  seen.length = 0;
  const rec = childRecorder();
  new DaskCluster(
    "mirror",
    {
      image: `charts.internal:5000/dask:1@sha256:${"cd".repeat(32)}`,
      chartRepository: "http://charts.internal:8080/dask",
      chartRepositoryCaFile: "certs/internal-ca.pem",
      chartRepositoryUsername: "reader",
      chartRepositoryPassword: pulumi.secret("chart-pw"),
    },
    rec.opts,
  );
  await settle();
  expect(
    unwrapSecret(inputsOf(seen, "kubernetes:helm.sh/v3:Release", "mirror").repositoryOpts).value,
  ).toEqual({
    repo: "http://charts.internal:8080/dask",
    caFile: "certs/internal-ca.pem",
    username: "reader",
    password: "chart-pw",
  });
  const opts = rec.children.find((c) => c.type === "kubernetes:helm.sh/v3:Release")?.props
    .repositoryOpts as Record<string, pulumi.Input<string>>;
  expect(await pulumi.isSecret(pulumi.output(opts.password))).toBe(true);
  for (const key of ["repo", "caFile", "username"]) {
    expect({ key, secret: await pulumi.isSecret(pulumi.output(opts[key])) }).toEqual({
      key,
      secret: false,
    });
  }
});
