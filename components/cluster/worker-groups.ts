import { SlimDaskError, show } from "../common/errors";
import { UNKNOWN, isKnown } from "../common/fields";
import type { ChartValues } from "./addresses";
import type { TolerationConfig, UpdateStrategyType } from "./args";
import {
  DEFAULT_GPU_RESOURCE_NAME,
  DEFAULT_GROUP_REPLICAS,
  DEFAULT_GROUP_UPDATE_STRATEGY,
} from "./constants";
import { splitImageForChart } from "./image-pin";
import { parseCpu, threadsFromCpuMillis } from "./quantities";
import type { ResolvedPodSettings } from "./resolve";
import { truthy } from "./value-tree";

/**
 * Worker groups: the chart's `additional_worker_groups`. The chart `merge`s each group over
 * `.Values.worker` (sprig, i.e. mergo without overwrite): a key the group leaves unset or
 * empty (0, "", [], {}) takes the workers' value, and mappings merge key by key. So a group
 * inherits every workers' field it does not set, cannot empty a list the workers set, and
 * would inherit `--nthreads` (threads_per_worker) computed for the workers' cpu: this module
 * renders what a group must own so that the merge gives what the group says.
 */

/** A validated group, defaults filled in; pod fields stay unset when inherited. */
export interface ResolvedWorkerGroup {
  name: string;
  replicas: number;
  image?: string;
  cpu?: string;
  memory?: string;
  threads?: number;
  gpus?: number;
  gpuResourceName: string;
  daskResources: Record<string, number>;
  updateStrategyType: UpdateStrategyType;
  env?: Record<string, string>;
  extraArgs?: string[];
  nodeSelector?: Record<string, string>;
  tolerations?: TolerationConfig[];
  affinity?: Record<string, unknown>;
}

/** What a group inherits from: the workers' resolved settings. */
export type InheritedWorkerSettings = ResolvedPodSettings & { threads?: number };

type Checked = Record<string, unknown>;

/** The Deployment the chart names for a group. */
export function workerGroupDeploymentName(fullname: string, group: string): string {
  return `${fullname}-worker-${group}`;
}

/** The `--resources` value: `NAME=value` pairs, names sorted, as Dask's CLI parses them. */
export function daskResourcesArg(resources: Record<string, number>): string {
  return Object.keys(resources)
    .sort()
    .map((k) => `${k}=${String(resources[k])}`)
    .join(" ");
}

/**
 * A field set to an empty list or mapping while the workers' is not: the chart's merge fills
 * an empty value from the workers, so the group would get theirs, not none.
 */
function refuseEmptied(g: Checked, workers: InheritedWorkerSettings, field: string): void {
  const lists = ["extraArgs", "tolerations", "nodeSelector", "affinity"] as const;
  for (const key of lists) {
    const own = g[key];
    if (own === undefined || !isKnown(own) || truthy(own)) continue;
    if (key === "extraArgs" && g.daskResources !== undefined) continue;
    if (!truthy(workers[key])) continue;
    throw new SlimDaskError(
      `${field}.${key}`,
      `is empty, and the chart fills an empty value from \`workers.${key}\`, so the group would get the workers' one`,
      `drop it to inherit \`workers.${key}\`, or give the group its own; to have none, move \`workers.${key}\` into the groups that need it`,
    );
  }
}

function resolveGroup(g: Checked, field: string, workers: InheritedWorkerSettings | undefined) {
  const out: ResolvedWorkerGroup = {
    name: g.name as string,
    replicas: (g.replicas as number) ?? DEFAULT_GROUP_REPLICAS,
    gpuResourceName: (g.gpuResourceName as string) ?? DEFAULT_GPU_RESOURCE_NAME,
    daskResources: (g.daskResources as Record<string, number>) ?? {},
    updateStrategyType:
      (g.updateStrategyType as UpdateStrategyType) ?? DEFAULT_GROUP_UPDATE_STRATEGY,
  };
  for (const key of [
    "image",
    "cpu",
    "memory",
    "threads",
    "gpus",
    "env",
    "extraArgs",
    "nodeSelector",
    "tolerations",
    "affinity",
  ] as const) {
    if (g[key] !== undefined) (out as unknown as Checked)[key] = g[key];
  }
  if (g.gpuResourceName !== undefined && g.gpus === undefined) {
    throw new SlimDaskError(
      `${field}.gpuResourceName`,
      "names the resource `gpus` asks for, and `gpus` is not set",
      `set \`${field}.gpus\`, or drop \`gpuResourceName\``,
    );
  }
  const daskResources = g.daskResources;
  if (g.gpus === undefined && daskResources !== undefined && isKnown(daskResources)) {
    const gpu = Object.keys(daskResources as Checked).find((k) => k.toUpperCase() === "GPU");
    if (gpu !== undefined) {
      throw new SlimDaskError(
        `${field}.gpus`,
        `is not set, yet \`daskResources.${gpu}\` tells Dask each worker has a GPU: Kubernetes would place the pods on any node, with no GPU for the tasks that ask for one`,
        `set \`${field}.gpus\` (the GPUs each worker gets from Kubernetes), or rename \`daskResources.${gpu}\` if it is not a device`,
      );
    }
  }
  if (workers !== undefined) {
    refuseEmptied(g, workers, field);
    const inheritsFlag =
      g.extraArgs === undefined && workers.extraArgs.some((a) => /^--resources(=|$)/.test(a));
    if (inheritsFlag && daskResources !== undefined) {
      throw new SlimDaskError(
        `${field}.daskResources`,
        "would pass a second `--resources`: the group inherits `workers.extraArgs`, which already pass one",
        `give the group its own \`${field}.extraArgs\` without \`--resources\``,
      );
    }
    const limited = [g.cpu, g.memory, g.gpus, workers.cpu, workers.memory].some(
      (v) => v !== undefined,
    );
    if (g.threads !== undefined && isKnown(g.threads) && !limited) {
      throw new SlimDaskError(
        `${field}.threads`,
        `${show(g.threads)} would be ignored: the chart passes --nthreads only when resource limits are set`,
        `also set \`${field}.cpu\`, \`memory\` or \`gpus\` (or \`workers.cpu\`/\`workers.memory\`)`,
      );
    }
  }
  return out;
}

/**
 * Validates the groups against each other and the workers they inherit from: unique names,
 * no GPU resource for Dask without GPUs from Kubernetes, no empty list the chart would fill
 * from the workers, no threads without limits. `workers` is undefined while unknown (preview).
 */
export function resolveWorkerGroups(
  groups: unknown,
  workers: InheritedWorkerSettings | undefined,
): ResolvedWorkerGroup[] {
  if (groups === undefined) return [];
  if (!isKnown(groups)) return UNKNOWN as never;
  const seen = new Map<string, number>();
  return (groups as unknown[]).map((item, i) => {
    const field = `workerGroups[${i}]`;
    if (!isKnown(item)) return UNKNOWN as never;
    const g = item as Checked;
    if (isKnown(g.name)) {
      const first = seen.get(g.name as string);
      if (first !== undefined) {
        throw new SlimDaskError(
          `${field}.name`,
          `${show(g.name)} is also the name of workerGroups[${first}]: both would render the same Deployment`,
          "give each group its own name",
        );
      }
      seen.set(g.name as string, i);
    }
    return resolveGroup(g, field, workers);
  });
}

/** Requests = limits, as for the workers; the GPU limit only where the group asks for GPUs. */
function groupResources(g: ResolvedWorkerGroup): ChartValues | undefined {
  const q: Record<string, string | number> = {};
  if (g.cpu !== undefined) q.cpu = g.cpu;
  if (g.memory !== undefined) q.memory = g.memory;
  if (g.gpus !== undefined) q[g.gpuResourceName] = g.gpus;
  return Object.keys(q).length > 0 ? { limits: { ...q }, requests: { ...q } } : undefined;
}

/**
 * One group's entry of `additional_worker_groups`: only what the group sets, plus what the
 * merge would otherwise get wrong. Pure and deterministic.
 */
export function workerGroupValues(
  g: ResolvedWorkerGroup,
  workers: InheritedWorkerSettings,
): ChartValues {
  // A replica count of 0 is "empty" to the merge, which would take the workers' count; the
  // string "0" is not, and the template renders it as the number 0.
  const out: ChartValues = {
    name: g.name,
    replicas: g.replicas === 0 ? "0" : g.replicas,
    strategy: { type: g.updateStrategyType },
  };
  if (g.image !== undefined) {
    const pin = splitImageForChart(g.image, "image");
    out.image = { repository: pin.repository, tag: pin.tag };
  }
  const resources = groupResources(g);
  if (resources !== undefined) out.resources = resources;
  // Merged, the group would keep the workers' threads_per_worker, computed for their cpu.
  const threads =
    g.threads ?? (g.cpu !== undefined ? threadsFromCpuMillis(parseCpu(g.cpu, "cpu")) : undefined);
  if (threads !== undefined) out.threads_per_worker = threads;
  const memory = g.memory ?? workers.memory;
  if (resources !== undefined && memory === undefined) {
    // Else the chart's default `--memory-limit 4GiB`; `auto` reads the pod's real limit.
    out.default_resources = { memory: "auto" };
  }
  if (g.env !== undefined && Object.keys(g.env).length > 0) {
    // A list is not merged but replaced: write the workers' variables too.
    const env = { ...workers.env, ...g.env };
    out.env = Object.keys(env)
      .sort()
      .map((name) => ({ name, value: env[name] }));
  }
  const flags = Object.keys(g.daskResources).length > 0;
  if (g.extraArgs !== undefined || flags) {
    out.extraArgs = [
      ...(g.extraArgs ?? workers.extraArgs),
      ...(flags ? ["--resources", daskResourcesArg(g.daskResources)] : []),
    ];
  }
  if (g.nodeSelector !== undefined && truthy(g.nodeSelector)) {
    out.nodeSelector = { ...g.nodeSelector };
  }
  if (g.tolerations !== undefined && g.tolerations.length > 0) {
    out.tolerations = g.tolerations.map((t) => ({ ...t }));
  }
  if (g.affinity !== undefined && truthy(g.affinity)) out.affinity = structuredClone(g.affinity);
  return out;
}
