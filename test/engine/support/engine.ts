import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  EngineEvent,
  LocalWorkspace,
  OpType,
  PulumiCommand,
  PulumiFn,
  Stack,
} from "@pulumi/pulumi/automation";
import { clusterEnv } from "../../k8s/support/cluster-env";
import { built, engineVersions } from "./builds";

/**
 * The real Pulumi engine for the engine suite: the CLI and the kubernetes provider that
 * test/engine/build.sh builds from the Go module proxy (versions in test/engine/versions.sh),
 * a `file://` backend and the passphrase secrets provider in a fresh directory, and the CI
 * cluster's kubeconfig. Programs are inline (Automation API): they run inside this Node process,
 * so no Node.js language host is needed; the CLI runs the engine, the provider is a real plugin
 * process, the state is a real state file.
 */

/** The engine of one suite run: a CLI, a provider on PATH, a backend and a passphrase. */
export interface Engine {
  command: PulumiCommand;
  envVars: Record<string, string>;
  /** The directory of the file backend and PULUMI_HOME (removed by `dispose`). */
  dir: string;
  /** The passphrase that encrypts this run's secrets (also in `envVars`). */
  passphrase: string;
  dispose(): void;
}

/** Sets up the engine; fails with the command that builds what is missing. */
export async function startEngine(): Promise<Engine> {
  const v = engineVersions();
  const pulumi = built(`pulumi-v${v.PULUMI_VERSION}`);
  const provider = built(`pulumi-resource-kubernetes-v${v.PULUMI_K8S_PROVIDER_VERSION}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-engine-"));
  // The CLI and the provider are found by their plain names.
  fs.mkdirSync(path.join(dir, "bin"));
  fs.symlinkSync(pulumi, path.join(dir, "bin", "pulumi"));
  fs.symlinkSync(provider, path.join(dir, "bin", "pulumi-resource-kubernetes"));
  fs.mkdirSync(path.join(dir, "backend"));
  const cluster = clusterEnv();
  const passphrase = crypto.randomBytes(18).toString("base64url");
  const envVars: Record<string, string> = {
    PATH: `${path.join(dir, "bin")}:${cluster.PATH}`,
    KUBECONFIG: cluster.KUBECONFIG as string,
    HELM_CACHE_HOME: path.join(dir, "helm", "cache"),
    HELM_CONFIG_HOME: path.join(dir, "helm", "config"),
    HELM_DATA_HOME: path.join(dir, "helm", "data"),
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  return attachEngine(dir, envVars);
}

/** The engine `startEngine` set up in `dir`, for another process of the same run. */
export async function attachEngine(dir: string, envVars: Record<string, string>): Promise<Engine> {
  const command = await PulumiCommand.get({ root: dir, skipVersionCheck: false });
  return {
    command,
    envVars,
    dir,
    passphrase: envVars.PULUMI_CONFIG_PASSPHRASE,
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A stack of the suite's project running `program` inline. */
export async function inlineStack(
  engine: Engine,
  stackName: string,
  program: PulumiFn,
  config: Record<string, { value: string; secret?: boolean }> = {},
): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "slim-dask-engine", program },
    {
      // Inside the run's directory, so nothing is left in /tmp when the run is disposed.
      workDir: fs.mkdtempSync(path.join(engine.dir, `workspace-${stackName}-`)),
      pulumiCommand: engine.command,
      envVars: engine.envVars,
      secretsProvider: "passphrase",
      projectSettings: {
        name: "slim-dask-engine",
        runtime: "nodejs",
        backend: { url: engine.envVars.PULUMI_BACKEND_URL },
      },
    },
  );
  await stack.setAllConfig(config);
  return stack;
}

/** One resource step the engine reported: the operation and the inputs it planned. */
export interface Step {
  op: OpType;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Collects the resource steps of an operation (`onEvent` of preview/up/destroy). */
export function stepRecorder(): { steps: Step[]; onEvent: (e: EngineEvent) => void } {
  const steps: Step[] = [];
  return {
    steps,
    onEvent: (e) => {
      const m = e.resourcePreEvent?.metadata;
      if (!m) return;
      steps.push({
        op: m.op,
        type: m.type,
        name: m.urn.split("::").pop() ?? m.urn,
        inputs: (m.new?.inputs ?? m.old?.inputs ?? {}) as Record<string, unknown>,
      });
    },
  };
}

/** The marker the engine puts where a value is unknown (in preview). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
