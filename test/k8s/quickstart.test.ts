/**
 * The README's plain-helm quickstart on the real cluster, as a user runs it: in a fresh app
 * directory where `npx slim-dask` is the installed package, with a helm that has never seen
 * the chart repository, `npx slim-dask values --config cluster.yaml > values.yaml`, then every
 * command `values` printed on stderr, one by one, exactly as printed, through bash. The config
 * creates its namespace and pulls from the cluster's registry with a login, and the chart
 * comes from the cluster's https chart repository with its CA and login: every kind of line
 * the CLI can print for an http repository runs here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import type { DaskClusterConfig } from "../../components/cluster/args";
import { pullSecretName } from "../../components/cluster/pull-secret";
import { requireDocker, requireImage } from "../support/docker";
import { BASE_IMAGES, repoRoot } from "../support/environment";
import { exec, ExecResult } from "../support/exec";
import {
  clusterEnv,
  clusterRegistry,
  getJson,
  helm,
  kubectl,
  registryLogin,
} from "./support/cluster-env";
import { buildForCluster, clusterImageConfig, ClusterImage, IMAGE_UID } from "./support/images";
import { componentPods, isReady, Pod } from "./support/pods";
import { chartRepository } from "./support/published-chart";
import { removeReleases } from "./support/release";

const MINUTE = 60_000;
const NAMESPACE = "slim-dask-quickstart";
const RELEASE = "quickstart";
const WORK_DIR = path.join(repoRoot(), "build", "k8s-quickstart");

let app: string;
let image: ClusterImage;
/** Environment of the user's shell: the cluster's kubectl and helm, passwords in variables. */
let shellEnv: NodeJS.ProcessEnv;
let printed: { stderr: string; commands: string[] };

/** A directory with the package installed as a user's app has it: `npx slim-dask` runs it. */
function makeApp(dir: string): void {
  fs.mkdirSync(path.join(dir, "node_modules", ".bin"), { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "app", private: true }));
  fs.symlinkSync(repoRoot(), path.join(dir, "node_modules", "slim-dask"));
  fs.symlinkSync(
    path.join("..", "slim-dask", "bin", "slim-dask.js"),
    path.join(dir, "node_modules", ".bin", "slim-dask"),
  );
}

function shell(command: string): Promise<ExecResult> {
  return exec("bash", ["-euo", "pipefail", "-c", command], {
    cwd: app,
    env: shellEnv,
    timeoutMs: 12 * MINUTE,
  });
}

beforeAll(async () => {
  await requireDocker();
  await requireImage(BASE_IMAGES.slim);
  await kubectl(["get", "--raw", "/readyz"]);
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  app = path.join(WORK_DIR, "app");
  makeApp(app);
  const registry = clusterRegistry();
  image = await buildForCluster(
    clusterImageConfig(`${registry}/slim-dask/quickstart`),
    path.join(WORK_DIR, "image"),
  );
  const repo = chartRepository();
  const config: DaskClusterConfig = {
    image: image.pinned,
    releaseName: RELEASE,
    namespace: NAMESPACE,
    createNamespace: true,
    jupyter: false,
    runAsUser: IMAGE_UID,
    timeoutSeconds: 300,
    // No CPU request: the node's CPU may be taken by another suite's release.
    workers: { replicas: 1, memory: "1Gi" },
    scheduler: { memory: "1Gi" },
    imagePullCredentials: { server: registry, username: registryLogin().username },
    chartRepository: repo.url,
    chartRepositoryCaFile: repo.caFile,
    chartRepositoryUsername: repo.username,
  };
  fs.writeFileSync(path.join(app, "cluster.yaml"), stringify(config));
  const helmHome = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-quickstart-helm-"));
  shellEnv = {
    ...clusterEnv(),
    HELM_CONFIG_HOME: path.join(helmHome, "config"),
    HELM_CACHE_HOME: path.join(helmHome, "cache"),
    HELM_DATA_HOME: path.join(helmHome, "data"),
    REGISTRY_PASSWORD: registryLogin().password,
    CHART_REPOSITORY_PASSWORD: repo.password,
    npm_config_offline: "true",
  };
  const { stderr } = await shell("npx slim-dask values --config cluster.yaml > values.yaml");
  printed = {
    stderr,
    commands: stderr
      .split("\n")
      .filter((l) => l.startsWith("  "))
      .map((l) => l.slice(2)),
  };
}, 30 * MINUTE);

afterAll(() => removeReleases(NAMESPACE, [RELEASE]), 5 * MINUTE);

test("values prints, for this config, the Secret with its namespace, the repository with its CA and login, and the install, in that order", () => {
  expect(printed.stderr).toContain("slim-dask: install values.yaml with:");
  const [secret, add, update, install, ...rest] = printed.commands;
  expect(rest).toEqual([]);
  expect(secret).toBe(
    `printf '%s' "$REGISTRY_PASSWORD" | npx slim-dask pull-secret --config cluster.yaml | kubectl apply -f -`,
  );
  expect(add).toMatch(
    /^printf '%s' "\$CHART_REPOSITORY_PASSWORD" \| helm repo add quickstart-charts https:\/\//,
  );
  expect(add).toContain(`--ca-file ${chartRepository().caFile}`);
  expect(update).toBe("helm repo update quickstart-charts");
  expect(install).toMatch(/^helm upgrade --install quickstart quickstart-charts\/dask --version /);
  expect(install).toContain(`--namespace ${NAMESPACE} --create-namespace --values values.yaml`);
  // Passwords are read from variables, never printed.
  expect(printed.stderr).not.toContain(registryLogin().password);
  expect(printed.stderr).not.toContain(chartRepository().password);
});

test(
  "every printed command runs as printed on a cluster without the namespace: the pods pull with the Secret and run the pinned image",
  async () => {
    const before = await kubectl(["get", "namespace", NAMESPACE], { allowFailure: true });
    expect(before.code).not.toBe(0);
    for (const command of printed.commands) {
      const result = await shell(command);
      for (const out of [result.stdout, result.stderr]) {
        expect(out).not.toContain(registryLogin().password);
        expect(out).not.toContain(chartRepository().password);
      }
    }
    // helm's --atomic waited for the pods; they pulled through the Secret pull-secret made.
    const pods: Pod[] = [
      ...(await componentPods(NAMESPACE, RELEASE, "scheduler")),
      ...(await componentPods(NAMESPACE, RELEASE, "worker")),
    ];
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(isReady(pod)).toBe(true);
      expect(pod.spec.containers[0].image).toBe(image.pinned);
      expect(pod.spec.imagePullSecrets).toEqual([{ name: pullSecretName(RELEASE) }]);
      for (const c of pod.status.containerStatuses ?? []) expect(c.imageID).toMatch(image.digest);
    }
    const secret = await getJson<{ type: string }>([
      "-n",
      NAMESPACE,
      "secret",
      pullSecretName(RELEASE),
    ]);
    expect(secret.type).toBe("kubernetes.io/dockerconfigjson");
  },
  20 * MINUTE,
);

test(
  "running the sequence again changes nothing that fails: the same commands upgrade in place",
  async () => {
    for (const command of printed.commands) await shell(command);
    const { stdout } = await helm(["history", RELEASE, "--namespace", NAMESPACE, "-o", "json"]);
    const history = JSON.parse(stdout) as { revision: number; status: string }[];
    expect(history.map((h) => h.status)).toEqual(["superseded", "deployed"]);
  },
  15 * MINUTE,
);
