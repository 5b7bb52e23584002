import * as fs from "node:fs";
import * as path from "node:path";
import { exec, ExecOptions, ExecResult } from "../../support/exec";

/**
 * The CI cluster as the k8s suite sees it: what `test/k8s/up.sh` wrote to `$K8S_HOME/env`
 * (kubeconfig, binaries, helm dirs, registry), and thin kubectl/helm wrappers using it.
 * A cluster that is not up fails with the command that starts it.
 */

/** Where up.sh keeps the cluster's state (same default as versions.sh). */
export function k8sHome(): string {
  return process.env.SLIM_DASK_K8S_HOME ?? "/var/tmp/slim-dask-k8s";
}

/** The socket of the cluster's own containerd (CRI and ctr). */
export function containerdSocket(): string {
  return path.join(k8sHome(), "containerd", "containerd.sock");
}

/** `export NAME=value ...` lines of `$K8S_HOME/env` as an environment for child processes. */
export function clusterEnv(): NodeJS.ProcessEnv {
  const file = path.join(k8sHome(), "env");
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: start the cluster with \`bash test/k8s/dev.sh up\``);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^export (.+)$/.exec(line.trim());
    if (!m) continue;
    for (const pair of m[1].split(" ")) {
      const eq = pair.indexOf("=");
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace("$PATH", process.env.PATH ?? "");
    }
  }
  return env;
}

/** Registry of the cluster (`<bridge IP>:<port>`), reachable from the node and the host only. */
export function clusterRegistry(): string {
  const registry = clusterEnv().SLIM_DASK_K8S_REGISTRY;
  if (!registry) throw new Error("SLIM_DASK_K8S_REGISTRY missing from the cluster env");
  return registry;
}

/** Login of the cluster registry (generated per bring-up; never printed). */
export function registryLogin(): { username: string; password: string } {
  const read = (name: string) =>
    fs.readFileSync(path.join(k8sHome(), "registry", name), "utf8").trim();
  return { username: read("username"), password: read("password") };
}

function run(tool: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return exec(tool, args, { timeoutMs: 5 * 60_000, ...options, env: clusterEnv() });
}

/** Runs kubectl against the CI cluster. */
export function kubectl(args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return run("kubectl", args, options);
}

/** Runs helm against the CI cluster. */
export function helm(args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return run("helm", args, options);
}

/** `kubectl get -o json`, parsed. */
export async function getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const { stdout } = await kubectl(["get", ...args, "-o", "json"]);
  return JSON.parse(stdout) as T;
}

/** `kubectl apply -f -` of JSON manifests (given on stdin, so secrets never reach argv). */
export async function apply(...manifests: object[]): Promise<void> {
  await kubectl(["apply", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }),
  });
}
