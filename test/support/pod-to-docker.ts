import type { ChartContainer } from "../../components/cluster/pods";
import { parseCpu, parseMemory } from "../../components/cluster/quantities";

/** A container as `chartPods()` renders it (see components/cluster/pods.ts). */
export type PodLike = Pick<
  ChartContainer,
  "image" | "args" | "env" | "securityContext" | "resources"
>;

/** A number field of a loosely typed object, or undefined; anything else is a test-setup bug. */
function numberAt(obj: Record<string, unknown>, key: string): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number")
    throw new Error(`${key} must be a number, got ${JSON.stringify(value)}`);
  return value;
}

/** `resources.limits.<key>` as a string quantity, or undefined. */
function limitAt(resources: Record<string, unknown>, key: "cpu" | "memory"): string | undefined {
  const limits = resources.limits;
  if (typeof limits !== "object" || limits === null) return undefined;
  const value = (limits as Record<string, unknown>)[key];
  return value === undefined ? undefined : String(value);
}

/** Where and how one container runs. */
export interface ContainerPlacement {
  name: string;
  network: string;
  /** Extra DNS names on the network (the scheduler's Service name). */
  aliases?: string[];
  /** `docker run --restart` policy; workers use `always` like a Deployment's pods. */
  restart?: "no" | "always";
  /** Extra raw `docker run` flags (e.g. `-p 127.0.0.1::8787`). */
  extra?: string[];
}

/**
 * `docker run -d` arguments that start `pod` with exactly its image, args, env, user and
 * cpu/memory limits. Only args are passed after the image, never an entrypoint, so the
 * image's ENTRYPOINT (tini) stays PID 1 as it does under Kubernetes.
 */
export function dockerRunArgs(pod: PodLike, placement: ContainerPlacement): string[] {
  const args = ["run", "-d", "--name", placement.name, "--network", placement.network];
  for (const alias of placement.aliases ?? []) args.push("--network-alias", alias);
  if (placement.restart) args.push("--restart", placement.restart);
  const user = numberAt(pod.securityContext, "runAsUser");
  if (user !== undefined) {
    const group = numberAt(pod.securityContext, "runAsGroup");
    args.push("--user", group === undefined ? String(user) : `${user}:${group}`);
  }
  const cpu = limitAt(pod.resources, "cpu");
  if (cpu !== undefined) args.push("--cpus", String(parseCpu(cpu, "resources.limits.cpu") / 1000));
  const memory = limitAt(pod.resources, "memory");
  if (memory !== undefined) {
    args.push("--memory", String(parseMemory(memory, "resources.limits.memory")));
  }
  for (const { name, value } of pod.env) args.push("--env", `${name}=${value}`);
  args.push(...(placement.extra ?? []), pod.image, ...pod.args);
  return args;
}
