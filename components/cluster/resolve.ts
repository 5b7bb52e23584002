import { registryHost } from "../common/registry-host";
import { SlimDaskError, show } from "../common/errors";
import { ConfigSource, UNKNOWN, checkSection, hasUnknown, isKnown } from "../common/fields";
import { CLUSTER_FIELDS } from "./fields";
import type { ImagePullPolicy, ServiceType, TolerationConfig, UpdateStrategyType } from "./args";
import { parseImageReference } from "../common/docker-reference";
import {
  DEFAULT_CHART_REPOSITORY,
  DEFAULT_CHART_VERSION,
  DEFAULT_NAMESPACE,
  DEFAULT_RELEASE_NAME,
  DEFAULT_RUN_AS_USER,
  DEFAULT_SERVICE_TYPE,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_WORKER_REPLICAS,
  DEFAULT_WORKER_MAX_SURGE,
  DEFAULT_WORKER_MAX_UNAVAILABLE,
  DEFAULT_WORKER_UPDATE_STRATEGY,
  BUILT_IN_NAMESPACES,
} from "./constants";
import { parseCpu, threadsFromCpuMillis } from "./quantities";
import { chartFullname } from "./addresses";
import {
  ResolvedWorkerGroup,
  resolveWorkerGroups,
  workerGroupDeploymentName,
} from "./worker-groups";

/** Settings shared by scheduler and worker pods, validated. */
export interface ResolvedPodSettings {
  cpu?: string;
  memory?: string;
  env: Record<string, string>;
  extraArgs: string[];
  nodeSelector: Record<string, string>;
  tolerations: TolerationConfig[];
  affinity?: Record<string, unknown>;
}

/** Worker settings with defaults filled in. */
export interface ResolvedWorkers extends ResolvedPodSettings {
  replicas: number;
  /** Effective threads per worker; set only with cpu or memory (the chart ignores it otherwise). */
  threads?: number;
  updateStrategy: ResolvedUpdateStrategy;
}

/** The worker Deployment's strategy as the chart renders it (counts as numbers, percentages as text). */
export type ResolvedUpdateStrategy =
  | { type: "Recreate" }
  | {
      type: "RollingUpdate";
      rollingUpdate: { maxSurge: number | string; maxUnavailable: number | string };
    };

/** Scheduler settings with defaults filled in. */
export interface ResolvedScheduler extends ResolvedPodSettings {
  serviceType: ServiceType;
}

/** Registry coordinates of the pull secret (the password stays a Pulumi secret, outside). */
export interface ResolvedPullCredentials {
  server: string;
  username: string;
}

/** A validated cluster config with every default filled in. No secrets. */
export interface ResolvedClusterConfig {
  image: string;
  releaseName: string;
  namespace: string;
  createNamespace: boolean;
  chartVersion: string;
  chartRepository: string;
  chartRepositoryCaFile?: string;
  chartRepositoryUsername?: string;
  timeoutSeconds: number;
  workers: ResolvedWorkers;
  workerGroups: ResolvedWorkerGroup[];
  scheduler: ResolvedScheduler;
  jupyter: boolean;
  imagePullCredentials?: ResolvedPullCredentials;
  runAsUser: number;
  runAsGroup: number;
  imagePullPolicy: ImagePullPolicy;
  values: Record<string, unknown>;
}

type Checked = Record<string, unknown>;

const DOCKER_HUB = ["docker.io", "index.docker.io", "registry-1.docker.io"];

function pod(section: Checked): ResolvedPodSettings {
  const out: ResolvedPodSettings = {
    env: (section.env as Record<string, string>) ?? {},
    extraArgs: (section.extraArgs as string[]) ?? [],
    nodeSelector: (section.nodeSelector as Record<string, string>) ?? {},
    tolerations: (section.tolerations as TolerationConfig[]) ?? [],
  };
  if (section.cpu !== undefined) out.cpu = section.cpu as string;
  if (section.memory !== undefined) out.memory = section.memory as string;
  if (section.affinity !== undefined) out.affinity = section.affinity as Record<string, unknown>;
  return out;
}

/** A count stays a number, a percentage text: what Kubernetes' IntOrString expects. */
const intOrPercent = (s: string): number | string => (s.endsWith("%") ? s : Number(s));

function updateStrategy(u: Checked): ResolvedUpdateStrategy {
  const field = "workers.updateStrategy";
  const type = (u.type as UpdateStrategyType) ?? DEFAULT_WORKER_UPDATE_STRATEGY;
  if (type === "Recreate") {
    const set = ["maxSurge", "maxUnavailable"].find((k) => u[k] !== undefined);
    if (set !== undefined) {
      throw new SlimDaskError(
        `${field}.${set}`,
        "applies only to `type: RollingUpdate`; `Recreate` stops every worker first",
        `drop \`${set}\`, or set \`${field}.type\` to \`RollingUpdate\``,
      );
    }
    return { type };
  }
  const maxSurge = (u.maxSurge as string) ?? DEFAULT_WORKER_MAX_SURGE;
  const maxUnavailable = (u.maxUnavailable as string) ?? DEFAULT_WORKER_MAX_UNAVAILABLE;
  const zero = (s: unknown) => s === "0" || s === "0%";
  if (zero(maxSurge) && zero(maxUnavailable)) {
    throw new SlimDaskError(
      `${field}.maxUnavailable`,
      "is 0 and so is maxSurge: a rollout could neither add nor stop a worker, and Kubernetes refuses it",
      `set \`${field}.maxUnavailable\` to "1" or "25%" (or allow a surge)`,
    );
  }
  // Unknown parts (preview) stay unknown; they are rendered once known.
  return {
    type,
    rollingUpdate: {
      maxSurge: isKnown(maxSurge) ? intOrPercent(maxSurge) : maxSurge,
      maxUnavailable: isKnown(maxUnavailable) ? intOrPercent(maxUnavailable) : maxUnavailable,
    },
  };
}

function workers(w: Checked): ResolvedWorkers {
  const out: ResolvedWorkers = {
    replicas: (w.replicas as number) ?? DEFAULT_WORKER_REPLICAS,
    updateStrategy: updateStrategy((w.updateStrategy as Checked | undefined) ?? {}),
    ...pod(w),
  };
  const threads = w.threads;
  // Whether cpu/memory are set is known even while their values are not.
  if (w.cpu === undefined && w.memory === undefined) {
    if (threads !== undefined && isKnown(threads)) {
      throw new SlimDaskError(
        "workers.threads",
        `${show(threads)} would be ignored: the chart passes --nthreads only when resource limits are set`,
        "also set `workers.cpu` and/or `workers.memory`",
      );
    }
    return out;
  }
  if (threads !== undefined) out.threads = threads as number;
  else if (w.cpu === undefined) out.threads = 1;
  else if (isKnown(w.cpu)) out.threads = threadsFromCpuMillis(parseCpu(w.cpu, "workers.cpu"));
  return out;
}

/** An image without a digest must be pulled at every start (a tag can move). */
function requirePinned(
  image: string,
  field: string,
  policy: unknown,
  resolvedPolicy: ImagePullPolicy,
): void {
  if (!isKnown(policy)) return;
  const ref = parseImageReference(image, field);
  if (ref.digest === undefined && resolvedPolicy !== "Always") {
    throw new SlimDaskError(
      field,
      `${show(image)} has no digest: ${ref.tag === undefined ? "it means `:latest`, and " : "a tag can be moved, and "}with \`IfNotPresent\` a node that pulled it once keeps running that image after every push`,
      "pin it by digest (`SlimDaskImage.imageRef`, or `repo:tag@sha256:...`), or set `imagePullPolicy: Always` to pull at every pod start",
    );
  }
}

/** The pull secret is for one registry: an image elsewhere would be pulled without it. */
function sameRegistry(server: string, image: string, field: string): void {
  const registry = registryHost(image, field);
  const same = (h: string) => (DOCKER_HUB.includes(h) ? "docker.io" : h);
  if (same(server.toLowerCase()) !== same(registry)) {
    const credentials = field === "image";
    throw new SlimDaskError(
      credentials ? "imagePullCredentials.server" : field,
      credentials
        ? `${show(server)} is not the registry of the image (${show(registry)}), so the kubelet would never use the secret`
        : `is in ${show(registry)}, and the pull secret is for ${show(server)}, so the kubelet would pull it without a login`,
      credentials
        ? `set it to ${show(registry)}`
        : `push the group's image to ${show(server)}, next to \`image\``,
    );
  }
}

function pullCredentials(c: Checked, image: unknown): ResolvedPullCredentials {
  if (isKnown(c.server) && isKnown(image))
    sameRegistry(c.server as string, image as string, "image");
  return { server: c.server as string, username: c.username as string };
}

/**
 * Validates a cluster config and fills in defaults. Every problem is a SlimDaskError naming
 * the field, the value and the fix; unknown keys are errors listing the valid ones (with a
 * did-you-mean hint). `source: "plain"` (a CLI config file, or args without their secrets) refuses secrets; `"args"` (component
 * args) accepts them, and may hold {@link UNKNOWN} values (Outputs not known yet): those are
 * skipped, and so is every check that needs them, so the rest is validated in preview too.
 * The result is only complete when nothing was unknown.
 */
export function resolveClusterConfig(
  config: unknown,
  source: ConfigSource = "plain",
): ResolvedClusterConfig {
  const c = checkSection(CLUSTER_FIELDS, config, "", source);
  const out: ResolvedClusterConfig = {
    image: c.image as string,
    releaseName: (c.releaseName as string) ?? DEFAULT_RELEASE_NAME,
    namespace: (c.namespace as string) ?? DEFAULT_NAMESPACE,
    createNamespace: (c.createNamespace as boolean) ?? false,
    chartVersion: (c.chartVersion as string) ?? DEFAULT_CHART_VERSION,
    chartRepository: (c.chartRepository as string) ?? DEFAULT_CHART_REPOSITORY,
    timeoutSeconds: (c.timeoutSeconds as number) ?? DEFAULT_TIMEOUT_SECONDS,
    workers: c.workers === UNKNOWN ? (UNKNOWN as never) : workers((c.workers as Checked) ?? {}),
    scheduler:
      c.scheduler === UNKNOWN
        ? (UNKNOWN as never)
        : {
            serviceType:
              ((c.scheduler as Checked | undefined)
                ?.serviceType as ResolvedScheduler["serviceType"]) ?? DEFAULT_SERVICE_TYPE,
            ...pod((c.scheduler as Checked) ?? {}),
          },
    workerGroups: [],
    jupyter: (c.jupyter as boolean) ?? false,
    runAsUser: (c.runAsUser as number) ?? DEFAULT_RUN_AS_USER,
    runAsGroup: (c.runAsGroup as number) ?? DEFAULT_RUN_AS_USER,
    imagePullPolicy: (c.imagePullPolicy as ImagePullPolicy) ?? "IfNotPresent",
    values: (c.values as Record<string, unknown>) ?? {},
  };
  if (c.chartRepositoryCaFile !== undefined)
    out.chartRepositoryCaFile = c.chartRepositoryCaFile as string;
  if (c.chartRepositoryUsername !== undefined)
    out.chartRepositoryUsername = c.chartRepositoryUsername as string;
  if (
    out.createNamespace &&
    isKnown(out.namespace) &&
    BUILT_IN_NAMESPACES.includes(out.namespace)
  ) {
    throw new SlimDaskError(
      "createNamespace",
      `namespace ${show(out.namespace)} always exists: creating it fails at \`up\`, and destroy would try to delete it`,
      "set `createNamespace: false` for a namespace the cluster already has, or name a namespace of your own",
    );
  }
  if (isKnown(c.image) && c.image !== undefined) {
    requirePinned(c.image as string, "image", c.imagePullPolicy, out.imagePullPolicy);
  }
  const creds = c.imagePullCredentials;
  if (creds !== undefined && isKnown(creds)) {
    out.imagePullCredentials = pullCredentials(creds as Checked, c.image);
  }
  out.workerGroups = resolveWorkerGroups(
    c.workerGroups,
    isKnown(out.workers) && !hasUnknown(out.workers) ? out.workers : undefined,
  );
  checkGroups(out, c);
  return out;
}

/** What involves a group and the rest: its Deployment name's length, its image's pin. */
function checkGroups(out: ResolvedClusterConfig, c: Checked): void {
  if (!isKnown(out.workerGroups)) return;
  out.workerGroups.forEach((g, i) => {
    if (!isKnown(g)) return;
    const field = `workerGroups[${i}]`;
    if (isKnown(g.name) && isKnown(out.releaseName) && !hasUnknown(out.values)) {
      const deployment = workerGroupDeploymentName(
        chartFullname(out.releaseName, out.values),
        g.name,
      );
      if (deployment.length > 63) {
        throw new SlimDaskError(
          `${field}.name`,
          `makes the Deployment name ${show(deployment)} ${deployment.length} characters long (at most 63)`,
          "shorten the group name or the release name",
        );
      }
    }
    if (g.image !== undefined && isKnown(g.image)) {
      requirePinned(g.image, `${field}.image`, c.imagePullPolicy, out.imagePullPolicy);
      const creds = out.imagePullCredentials;
      if (creds !== undefined && isKnown(creds.server)) {
        sameRegistry(creds.server, g.image, `${field}.image`);
      }
    }
  });
}
