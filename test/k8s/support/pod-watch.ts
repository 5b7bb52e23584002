import { spawn } from "node:child_process";
import { clusterEnv } from "./cluster-env";
import { isReady, Pod } from "./pods";

/**
 * Every change to a set of pods, as the API server reports it (`kubectl get --watch
 * --output-watch-events -o json`): the suite's way to see a rollout as it happens instead of
 * sampling it. Each event is one pod's new state, in the API server's order, so "how many
 * workers were Ready" after every event is exact, not a guess between two polls.
 */

/** One pod's state after one watch event. */
export interface PodEvent {
  /** ms since the watch started. */
  at: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  name: string;
  phase: string;
  /** Ready and not terminating: a pod that can do work. */
  serving: boolean;
  /**
   * Not deleted or being deleted: a pod the rollout keeps, Ready or not (a container that
   * restarts, e.g. a worker whose scheduler restarted, is kept but not serving).
   */
  kept: boolean;
  /** PodScheduled=False reason and message, e.g. `Unschedulable: 0/1 nodes ...Insufficient cpu`. */
  unschedulable?: string;
  /** The image digest its container runs, once known. */
  imageID?: string;
}

/** The watch: its events so far, and `stop()` to end it. */
export interface PodWatch {
  events: PodEvent[];
  /** Ends the watch and resolves with every event. */
  stop(): Promise<PodEvent[]>;
}

function toEvent(at: number, type: PodEvent["type"], pod: Pod): PodEvent {
  const scheduled = pod.status.conditions?.find((c) => c.type === "PodScheduled");
  const cond = scheduled as { status: string; reason?: string; message?: string } | undefined;
  return {
    at,
    type,
    name: pod.metadata.name,
    phase: pod.status.phase,
    serving: type !== "DELETED" && isReady(pod) && !pod.metadata.deletionTimestamp,
    kept: type !== "DELETED" && !pod.metadata.deletionTimestamp,
    unschedulable:
      cond && cond.status === "False" ? `${cond.reason}: ${cond.message ?? ""}` : undefined,
    imageID: pod.status.containerStatuses?.[0]?.imageID || undefined,
  };
}

/** Splits a stream of concatenated JSON documents into whole ones. */
export function jsonDocuments(): (chunk: string) => unknown[] {
  let buffer = "";
  return (chunk) => {
    buffer += chunk;
    const docs: unknown[] = [];
    let depth = 0;
    let inString = false;
    let escaped = false;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === "\\") escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === "{") {
        if (depth === 0) start = i;
        depth++;
      } else if (ch === "}") {
        depth--;
        if (depth === 0 && start >= 0) {
          docs.push(JSON.parse(buffer.slice(start, i + 1)));
          consumed = i + 1;
          start = -1;
        }
      }
    }
    buffer = buffer.slice(consumed);
    return docs;
  };
}

/** Starts watching the pods of `namespace` that match `selector`. */
export function watchPods(namespace: string, selector: string): PodWatch {
  const started = Date.now();
  const events: PodEvent[] = [];
  const child = spawn(
    "kubectl",
    [
      "-n",
      namespace,
      "get",
      "pods",
      "-l",
      selector,
      "--watch",
      "--output-watch-events",
      "-o",
      "json",
    ],
    { env: clusterEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  const split = jsonDocuments();
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    for (const doc of split(chunk)) {
      const e = doc as { type: PodEvent["type"]; object: Pod };
      if (e.object?.metadata?.name) events.push(toEvent(Date.now() - started, e.type, e.object));
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    events,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      if (events.length === 0) throw new Error(`the pod watch saw nothing: ${stderr.slice(-500)}`);
      return events;
    },
  };
}

/** What a rollout looked like, from a watch's events. */
export interface RolloutSummary {
  /** Fewest serving pods at any moment from event `from` on. */
  minServing: number;
  /** Fewest pods not being deleted at any moment from event `from` on. */
  minKept: number;
  /** Longest time a pod spent unschedulable, ms, and why. */
  longestUnschedulable: { name: string; ms: number; reason: string } | undefined;
  /** Pods still Pending or unschedulable at the last event. */
  leftPending: string[];
  /** Every pod seen, in order of first appearance. */
  pods: string[];
}

/**
 * Folds watch events into what the rollout tests assert. `from` is the number of events seen
 * before the change started (the watch opens with one ADDED event per existing pod): serving
 * pods are counted from the state those events left.
 */
export function summarizeRollout(events: PodEvent[], from: number): RolloutSummary {
  const state = new Map<string, PodEvent>();
  const pendingSince = new Map<string, { at: number; reason: string }>();
  let minServing = Infinity;
  let minKept = Infinity;
  let longest: RolloutSummary["longestUnschedulable"];
  events.forEach((e, i) => {
    if (e.type === "DELETED") state.delete(e.name);
    else state.set(e.name, e);
    const since = pendingSince.get(e.name);
    if (e.unschedulable && !since) pendingSince.set(e.name, { at: e.at, reason: e.unschedulable });
    if (since && (!e.unschedulable || e.type === "DELETED")) {
      const ms = e.at - since.at;
      if (!longest || ms > longest.ms) longest = { name: e.name, ms, reason: since.reason };
      pendingSince.delete(e.name);
    }
    if (i >= from - 1) {
      const pods = [...state.values()];
      minServing = Math.min(minServing, pods.filter((p) => p.serving).length);
      minKept = Math.min(minKept, pods.filter((p) => p.kept).length);
    }
  });
  return {
    minServing,
    minKept,
    longestUnschedulable: longest,
    leftPending: [...state.values()]
      .filter((p) => p.phase === "Pending" || p.unschedulable)
      .map((p) => p.name),
    pods: [...new Set(events.map((e) => e.name))],
  };
}
