import { parseImageReference } from "../common/docker-reference";
import { SlimDaskError, show } from "../common/errors";
import { checkValuePaths } from "./chart-model";
import {
  expectBoolean,
  expectPlainObject,
  rejectUnknownKeys,
  requireClean,
  requireInteger,
  requireOneOf,
  requirePrintable,
  requireRegistryHost,
  requireString,
  validateEnvName,
  validateId,
  validateList,
  validateMap,
} from "../common/validate";
import { DaskClusterConfig, PullCredentialsConfig, Toleration } from "./config-types";
import {
  DEFAULT_CHART_REPOSITORY,
  DEFAULT_CHART_VERSION,
  DEFAULT_NAMESPACE,
  DEFAULT_RELEASE_NAME,
  DEFAULT_RUN_AS_USER,
  DEFAULT_SERVICE_TYPE,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_WORKER_REPLICAS,
  SCHEDULER_PORT,
  SERVICE_TYPES,
} from "./constants";
import { requireDns1123Label, requireLabelKey, requireLabelValue } from "./k8s-names";
import { parseCpu, parseMemory, threadsFromCpuMillis } from "./quantities";
import { valueAt } from "./value-tree";

/** Settings shared by scheduler and worker pods, validated. */
export interface ResolvedPodSettings {
  cpu?: string;
  memory?: string;
  env: Record<string, string>;
  extraArgs: string[];
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  affinity?: Record<string, unknown>;
}

/** Worker settings with defaults filled in. */
export interface ResolvedWorkers extends ResolvedPodSettings {
  replicas: number;
  /** Effective threads per worker; set only with cpu or memory (the chart ignores it otherwise). */
  threads?: number;
}

/** Scheduler settings with defaults filled in. */
export interface ResolvedScheduler extends ResolvedPodSettings {
  serviceType: (typeof SERVICE_TYPES)[number];
}

/** A validated DaskClusterConfig with every default filled in. */
export interface ResolvedClusterConfig {
  image: string;
  releaseName: string;
  namespace: string;
  createNamespace: boolean;
  chartVersion: string;
  chartRepository: string;
  timeoutSeconds: number;
  workers: ResolvedWorkers;
  scheduler: ResolvedScheduler;
  jupyter: boolean;
  imagePullCredentials?: PullCredentialsConfig;
  runAsUser: number;
  values: Record<string, unknown>;
}

const TOP_KEYS = [
  "image",
  "releaseName",
  "namespace",
  "createNamespace",
  "chartVersion",
  "chartRepository",
  "timeoutSeconds",
  "workers",
  "scheduler",
  "jupyter",
  "imagePullCredentials",
  "runAsUser",
  "values",
];
const POD_KEYS = ["cpu", "memory", "env", "extraArgs", "nodeSelector", "tolerations", "affinity"];
const WORKER_KEYS = ["replicas", "threads", ...POD_KEYS];
const SCHEDULER_KEYS = ["serviceType", ...POD_KEYS];
const TOLERATION_KEYS = ["key", "operator", "value", "effect", "tolerationSeconds"];
const AFFINITY_KEYS = ["nodeAffinity", "podAffinity", "podAntiAffinity"];
const SECRET_KEYS = ["password", "token", "auth", "identitytoken"];

// Flags the chart already passes: repeating them would fight the chart (or break the Service).
const SCHEDULER_RESERVED: Record<string, string> = {
  "--port": "the Service targets 8786; the scheduler port is fixed",
  "--dashboard-address": "the Service targets 8787; the dashboard port is fixed",
};
const WORKER_RESERVED: Record<string, string> = {
  "--nthreads": "set `workers.threads` instead",
  "--memory-limit": "set `workers.memory` instead",
};

const SEMVER_RE = /^v?[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const DOCKER_HUB = ["docker.io", "index.docker.io", "registry-1.docker.io"];

function optional<T>(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  check: (v: unknown, f: string) => T,
): T | undefined {
  return obj[key] === undefined ? undefined : check(obj[key], field ? `${field}.${key}` : key);
}

function requireEnv(value: unknown, field: string): Record<string, string> {
  return validateMap(value, field, validateEnvName, (v, f) => requireClean(v, f, /\0/));
}

function requireArgs(value: unknown, field: string, reserved: Record<string, string>): string[] {
  const check = (v: unknown, f: string): string => {
    const arg = requireClean(v, f, /[\0\r\n]/);
    const flag = Object.keys(reserved).find((r) => arg === r || arg.startsWith(`${r}=`));
    if (flag !== undefined) {
      throw new SlimDaskError(
        f,
        `${show(arg)} repeats a flag the chart already passes`,
        reserved[flag],
      );
    }
    return arg;
  };
  return validateList(value, field, check, '"--preload", "setup.py"');
}

function requireToleration(value: unknown, field: string): Toleration {
  const t = expectPlainObject(value, field, "write `{key, operator, value, effect}`");
  rejectUnknownKeys(t, TOLERATION_KEYS, field);
  const out: Toleration = {};
  const key = optional(t, "key", field, requireString);
  if (key !== undefined && key !== "") out.key = requireLabelKey(key, `${field}.key`);
  const operator = optional(t, "operator", field, (v, f) =>
    requireOneOf(v, f, ["Exists", "Equal"], "a toleration operator"),
  );
  if (operator !== undefined) out.operator = operator;
  const tValue = optional(t, "value", field, requireLabelValue);
  if (tValue !== undefined) {
    if (operator === "Exists" && tValue !== "") {
      throw new SlimDaskError(
        `${field}.value`,
        `must be empty with operator Exists, got ${show(tValue)}`,
        "drop `value` or use operator `Equal`",
      );
    }
    out.value = tValue;
  }
  if (out.key === undefined && operator !== "Exists") {
    throw new SlimDaskError(
      `${field}.key`,
      "is required unless operator is `Exists`",
      "set `key`, or `operator: Exists` to tolerate every taint",
    );
  }
  const effect = optional(t, "effect", field, (v, f) =>
    requireOneOf(v, f, ["", "NoSchedule", "PreferNoSchedule", "NoExecute"], "a taint effect"),
  );
  if (effect !== undefined) out.effect = effect;
  const seconds = optional(t, "tolerationSeconds", field, (v, f) => requireInteger(v, f, 0));
  if (seconds !== undefined) {
    if (effect !== "NoExecute") {
      throw new SlimDaskError(
        `${field}.tolerationSeconds`,
        "only applies to effect `NoExecute`",
        "set `effect: NoExecute` or drop `tolerationSeconds`",
      );
    }
    out.tolerationSeconds = seconds;
  }
  return out;
}

function requireAffinity(value: unknown, field: string): Record<string, unknown> {
  const a = expectPlainObject(
    value,
    field,
    "write a pod spec affinity, e.g. `{nodeAffinity: ...}`",
  );
  rejectUnknownKeys(a, AFFINITY_KEYS, field);
  return a;
}

function resolvePod(
  obj: Record<string, unknown>,
  field: string,
  reserved: Record<string, string>,
): ResolvedPodSettings {
  const out: ResolvedPodSettings = {
    env: optional(obj, "env", field, requireEnv) ?? {},
    extraArgs: optional(obj, "extraArgs", field, (v, f) => requireArgs(v, f, reserved)) ?? [],
    nodeSelector:
      optional(obj, "nodeSelector", field, (v, f) =>
        validateMap(v, f, requireLabelKey, requireLabelValue),
      ) ?? {},
    tolerations:
      optional(obj, "tolerations", field, (v, f) =>
        validateList(v, f, requireToleration, "{key: dedicated, operator: Exists}"),
      ) ?? [],
  };
  if (obj.cpu !== undefined) {
    parseCpu(obj.cpu, `${field}.cpu`);
    out.cpu = obj.cpu as string;
  }
  if (obj.memory !== undefined) {
    parseMemory(obj.memory, `${field}.memory`);
    out.memory = obj.memory as string;
  }
  const affinity = optional(obj, "affinity", field, requireAffinity);
  if (affinity !== undefined) out.affinity = affinity;
  return out;
}

/** An optional config section: absent is empty; null, lists and unknown keys are errors. */
function section(value: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  const obj = expectPlainObject(
    value === undefined ? {} : value,
    field,
    `write a mapping with keys ${keys.join(", ")}`,
  );
  rejectUnknownKeys(obj, keys, field);
  return obj;
}

function resolveWorkers(value: unknown): ResolvedWorkers {
  const w = section(value, "workers", WORKER_KEYS);
  const pod = resolvePod(w, "workers", WORKER_RESERVED);
  const replicas = optional(w, "replicas", "workers", (v, f) => requireInteger(v, f, 0));
  const threads = optional(w, "threads", "workers", (v, f) => requireInteger(v, f, 1));
  const out: ResolvedWorkers = { replicas: replicas ?? DEFAULT_WORKER_REPLICAS, ...pod };
  if (pod.cpu === undefined && pod.memory === undefined) {
    if (threads !== undefined) {
      throw new SlimDaskError(
        "workers.threads",
        `${show(threads)} would be ignored: the chart passes --nthreads only when resource limits are set`,
        "also set `workers.cpu` and/or `workers.memory`",
      );
    }
    return out;
  }
  out.threads =
    threads ?? (pod.cpu !== undefined ? threadsFromCpuMillis(parseCpu(pod.cpu, "workers.cpu")) : 1);
  return out;
}

function resolveScheduler(value: unknown): ResolvedScheduler {
  const s = section(value, "scheduler", SCHEDULER_KEYS);
  const serviceType =
    optional(s, "serviceType", "scheduler", (v, f) =>
      requireOneOf(v, f, SERVICE_TYPES, "a service type the chart supports"),
    ) ?? DEFAULT_SERVICE_TYPE;
  return {
    serviceType,
    ...resolvePod(s, "scheduler", SCHEDULER_RESERVED),
  };
}

/** Registry host of an image reference, Docker Hub when it names none. */
function imageRegistry(image: string): string {
  const name = parseImageReference(image, "image").name;
  const first = name.split("/")[0];
  const hasDomain = name.includes("/") && (/[.:]/.test(first) || first === "localhost");
  return hasDomain ? first.toLowerCase() : "docker.io";
}

function resolvePullCredentials(value: unknown, image: string): PullCredentialsConfig {
  const field = "imagePullCredentials";
  const c = expectPlainObject(value, field, "write `{server: <registry host>, username: <user>}`");
  for (const key of Object.keys(c)) {
    if (SECRET_KEYS.includes(key.toLowerCase())) {
      throw new SlimDaskError(
        `${field}.${key}`,
        "secrets are not accepted in plain configuration",
        "give the password only as a Pulumi secret to the DaskCluster component (`imagePullCredentials.password`, e.g. from `pulumi config set --secret`), never in a file or plain config",
      );
    }
  }
  rejectUnknownKeys(c, ["server", "username"], field);
  if (c.server === undefined || c.username === undefined) {
    throw new SlimDaskError(
      field,
      "needs both `server` and `username`",
      "give `{server: <registry host>, username: <user>}`",
    );
  }
  const server = requireRegistryHost(c.server, `${field}.server`);
  const username = requirePrintable(c.username, `${field}.username`);
  const registry = imageRegistry(image);
  const same = (h: string) => (DOCKER_HUB.includes(h) ? "docker.io" : h);
  if (same(server.toLowerCase()) !== same(registry)) {
    throw new SlimDaskError(
      `${field}.server`,
      `${show(server)} is not the registry of the image (${show(registry)}), so the kubelet would never use the secret`,
      `set it to ${show(registry)}`,
    );
  }
  return { server, username };
}

function resolveValues(value: unknown): Record<string, unknown> {
  const values = expectPlainObject(
    value === undefined ? {} : value,
    "values",
    "write chart values as a mapping",
  );
  checkValuePaths(values, "values");
  const port = valueAt(values, ["scheduler", "servicePort"]);
  if (port !== undefined && port !== SCHEDULER_PORT) {
    throw new SlimDaskError(
      "values.scheduler.servicePort",
      `${show(port)} would break the cluster: the scheduler listens on --port=<servicePort> while the Service always targets 8786`,
      "drop it (slim-dask keeps 8786); expose the scheduler elsewhere with `scheduler.serviceType` or a separate Service",
    );
  }
  return values;
}

function requireChartRepository(value: unknown, field: string): string {
  const s = requireString(value, field);
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== "https:" && url.protocol !== "oci:") ||
    !url.hostname ||
    /\s/.test(s)
  ) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not an https:// or oci:// chart repository URL`,
      `use e.g. \`${DEFAULT_CHART_REPOSITORY}\` or \`oci://registry.example.com/charts\``,
    );
  }
  return s;
}

function requireChartVersion(value: unknown, field: string): string {
  const s = requireString(value, field);
  if (!SEMVER_RE.test(s)) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not an exact chart version`,
      `use a version like \`${DEFAULT_CHART_VERSION}\``,
    );
  }
  return s;
}

/**
 * Validates a plain cluster config and fills in defaults. Every problem is a SlimDaskError
 * naming the field, the value and the fix; unknown keys are errors listing the valid ones.
 */
export function resolveClusterConfig(config: DaskClusterConfig): ResolvedClusterConfig {
  const c = expectPlainObject(config, "config", "give an object with at least `image`");
  rejectUnknownKeys(c, TOP_KEYS, "");
  const image = requireString(c.image, "image");
  parseImageReference(image, "image");
  const out: ResolvedClusterConfig = {
    image,
    releaseName:
      optional(c, "releaseName", "", (v, f) => requireDns1123Label(v, f, 53)) ??
      DEFAULT_RELEASE_NAME,
    namespace: optional(c, "namespace", "", requireDns1123Label) ?? DEFAULT_NAMESPACE,
    createNamespace: optional(c, "createNamespace", "", expectBoolean) ?? false,
    chartVersion: optional(c, "chartVersion", "", requireChartVersion) ?? DEFAULT_CHART_VERSION,
    chartRepository:
      optional(c, "chartRepository", "", requireChartRepository) ?? DEFAULT_CHART_REPOSITORY,
    timeoutSeconds:
      optional(c, "timeoutSeconds", "", (v, f) => requireInteger(v, f, 1)) ??
      DEFAULT_TIMEOUT_SECONDS,
    workers: resolveWorkers(c.workers),
    scheduler: resolveScheduler(c.scheduler),
    jupyter: optional(c, "jupyter", "", expectBoolean) ?? false,
    runAsUser: optional(c, "runAsUser", "", validateId) ?? DEFAULT_RUN_AS_USER,
    values: resolveValues(c.values),
  };
  if (c.imagePullCredentials !== undefined) {
    out.imagePullCredentials = resolvePullCredentials(c.imagePullCredentials, image);
  }
  return out;
}
