import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../support/environment";
import { waitFor } from "../../support/exec";
import { IMAGE_UID } from "./images";
import { apply, getJson, kubectl } from "./cluster-env";

/**
 * Client pods: the image under test running one of the Python client scripts (the e2e
 * suite's, plus the k8s ones), mounted from a ConfigMap, as uid 1000 under runAsNonRoot.
 */

const SCRIPTS_CONFIGMAP = "slim-dask-client-scripts";
const SCRIPTS_DIR = "/slim-dask-client";

/** A pod as `kubectl get -o json` returns it (the fields the tests read). */
export interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: {
    containers: { name: string; image: string; args?: string[] }[];
    securityContext?: Record<string, unknown>;
    imagePullSecrets?: { name: string }[];
  };
  status: {
    phase: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      imageID: string;
      ready: boolean;
      restartCount: number;
      state: { waiting?: { reason: string; message?: string }; running?: object };
    }[];
  };
}

/** Publishes the client scripts as a ConfigMap in `namespace`. */
export async function publishClientScripts(namespace: string): Promise<void> {
  const data: Record<string, string> = {};
  for (const dir of [
    path.join(repoRoot(), "test", "support", "python"),
    path.join(repoRoot(), "test", "k8s", "python"),
  ]) {
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".py"))) {
      data[f] = fs.readFileSync(path.join(dir, f), "utf8");
    }
  }
  await apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: SCRIPTS_CONFIGMAP, namespace },
    data,
  });
}

/** What a client pod runs. */
export interface ClientSpec {
  name: string;
  namespace: string;
  image: string;
  pullSecret: string;
  script: string;
  args: string[];
}

function clientPod(spec: ClientSpec): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: spec.name, namespace: spec.namespace, labels: { app: "slim-dask-client" } },
    spec: {
      restartPolicy: "Never",
      imagePullSecrets: [{ name: spec.pullSecret }],
      securityContext: { runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, runAsNonRoot: true },
      containers: [
        {
          name: "client",
          image: spec.image,
          imagePullPolicy: "IfNotPresent",
          args: ["python", `${SCRIPTS_DIR}/${spec.script}`, ...spec.args],
          volumeMounts: [{ name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true }],
        },
      ],
      volumes: [{ name: "scripts", configMap: { name: SCRIPTS_CONFIGMAP } }],
    },
  };
}

/** Deletes a pod now (no grace), waiting until it is gone. */
export async function deletePod(namespace: string, name: string): Promise<void> {
  await kubectl(
    ["-n", namespace, "delete", "pod", name, "--ignore-not-found", "--grace-period=0", "--force"],
    { allowFailure: true },
  );
}

/** Logs of a pod's only container. */
export async function podLogs(namespace: string, name: string): Promise<string> {
  const { stdout } = await kubectl(["-n", namespace, "logs", name], { allowFailure: true });
  return stdout;
}

/** Starts a client pod (replacing one of the same name). */
export async function startClientPod(spec: ClientSpec): Promise<void> {
  await deletePod(spec.namespace, spec.name);
  await apply(clientPod(spec));
}

/** Waits for a started client pod to finish; returns its logs, throws with them on failure. */
export async function finishClientPod(spec: ClientSpec, timeoutMs: number): Promise<string> {
  const phase = await waitFor(
    `client pod ${spec.name} to finish`,
    timeoutMs,
    async () => {
      const pod = await getJson<Pod>(["-n", spec.namespace, "pod", spec.name]);
      return ["Succeeded", "Failed"].includes(pod.status.phase) ? pod.status.phase : undefined;
    },
    1000,
  );
  const logs = await podLogs(spec.namespace, spec.name);
  await deletePod(spec.namespace, spec.name);
  if (phase !== "Succeeded")
    throw new Error(`client pod ${spec.name} failed:\n${logs.slice(-4000)}`);
  return logs;
}

/** Runs a client pod to completion; returns the JSON object on its last JSON line. */
export async function runClientPod<T = Record<string, unknown>>(
  spec: ClientSpec,
  timeoutMs = 5 * 60_000,
): Promise<T> {
  await startClientPod(spec);
  return lastJson<T>(await finishClientPod(spec, timeoutMs));
}

/** The last line of `logs` that parses as a JSON object. */
export function lastJson<T>(logs: string): T {
  const line = logs
    .split("\n")
    .reverse()
    .find((l) => l.trim().startsWith("{"));
  if (!line) throw new Error(`no JSON line in:\n${logs.slice(-2000)}`);
  return JSON.parse(line) as T;
}

/** Every pod of a release (the chart's `release` label), terminating ones included. */
export async function releasePods(namespace: string, release: string): Promise<Pod[]> {
  const list = await getJson<{ items: Pod[] }>([
    "-n",
    namespace,
    "pods",
    "-l",
    `release=${release}`,
  ]);
  return list.items;
}

/** Pods of one component of a release (label selector of the chart). */
export async function componentPods(
  namespace: string,
  release: string,
  component: "scheduler" | "worker",
): Promise<Pod[]> {
  const list = await getJson<{ items: Pod[] }>([
    "-n",
    namespace,
    "pods",
    "-l",
    `release=${release},component=${component}`,
  ]);
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

/** True when every container of the pod is ready. */
export function isReady(pod: Pod): boolean {
  return pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/**
 * The messages of every event about a pod (scheduling, pulls, ...), or of those with one
 * `reason` (e.g. `Pulled`), space-separated.
 */
export async function podEventMessages(
  namespace: string,
  pod: string,
  reason?: string,
): Promise<string> {
  const { stdout } = await kubectl([
    "-n",
    namespace,
    "get",
    "events",
    "--field-selector",
    `involvedObject.name=${pod}${reason ? `,reason=${reason}` : ""}`,
    "-o",
    "jsonpath={.items[*].message}",
  ]);
  return stdout;
}
