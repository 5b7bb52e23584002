import { parse } from "yaml";
import { parseImageReference } from "../common/docker-reference";
import { SlimDaskError, show } from "../common/errors";
import { Field, FieldTable, Section } from "../common/fields";
import {
  expectBoolean,
  expectPlainObject,
  expectString,
  rejectUnknownKeys,
  requireClean,
  requireInteger,
  requirePrintable,
  requireRegistryHost,
  requireString,
  validateEnvName,
  validateHostPath,
  validateId,
  validateList,
  validateMap,
} from "../common/validate";
import { checkValuePaths } from "./chart-model";
import { checkOwnedValuePaths } from "./owned-values";
import {
  DEFAULT_CHART_REPOSITORY,
  DEFAULT_CHART_VERSION,
  DEFAULT_GPU_RESOURCE_NAME,
  DEFAULT_GROUP_REPLICAS,
  DEFAULT_GROUP_UPDATE_STRATEGY,
  DEFAULT_NAMESPACE,
  DEFAULT_RUN_AS_USER,
  DEFAULT_SERVICE_TYPE,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_WORKER_REPLICAS,
  DEFAULT_WORKER_MAX_SURGE,
  DEFAULT_WORKER_MAX_UNAVAILABLE,
  DEFAULT_WORKER_UPDATE_STRATEGY,
  IMAGE_PULL_POLICY_VALUES,
  SCHEDULER_PORT,
  SERVICE_TYPE_VALUES,
  UPDATE_STRATEGY_TYPE_VALUES,
} from "./constants";
import { requireDns1123Label, requireLabelKey, requireLabelValue } from "./k8s-names";
import { parseCpu, parseMemory } from "./quantities";
import { valueAt } from "./value-tree";

/**
 * The DaskCluster field tables: every arg once, with its doc, default and field-local check.
 * `args.ts` (the Pulumi args and plain config interfaces) and the README tables are
 * generated from them; `resolve.ts` adds the checks that involve several fields.
 */

const SEMVER_RE = /^v?[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const string = { kind: "string" } as const;
const number = { kind: "number" } as const;
const boolean = { kind: "boolean" } as const;
const strings = { kind: "strings" } as const;
const map = { kind: "map" } as const;
const mapping = { kind: "mapping" } as const;

/**
 * Free-form YAML/JSON text (or, from a config file, a mapping) parsed into a mapping.
 * Duplicate keys are errors: the second would silently win.
 */
export function parseYamlMapping(
  value: unknown,
  field: string,
  example: string,
): Record<string, unknown> {
  let tree = value;
  if (typeof value === "string") {
    try {
      tree = parse(value, { uniqueKeys: true }) ?? {};
    } catch (e) {
      throw new SlimDaskError(
        field,
        `is not valid YAML/JSON: ${String((e as Error).message).split("\n")[0]}`,
        `write a YAML or JSON mapping, e.g. ${example}`,
      );
    }
  }
  return expectPlainObject(tree, field, `write a YAML or JSON mapping, e.g. ${example}`);
}

function requireChartRepository(value: unknown, field: string): string {
  const s = requireString(value, field);
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  // http:// is allowed: helm accepts it, and internal mirrors use it (helm verifies nothing
  // either way without a provenance file; pass the CA file for a private https mirror).
  if (
    !url ||
    !["https:", "http:", "oci:"].includes(url.protocol) ||
    !url.hostname ||
    /\s/.test(s)
  ) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not an https://, http:// or oci:// chart repository URL`,
      `use e.g. \`${DEFAULT_CHART_REPOSITORY}\`, \`http://charts.internal:8080\` or \`oci://registry.example.com/charts\``,
    );
  }
  if (url.username || url.password) {
    throw new SlimDaskError(
      field,
      "holds credentials in the URL",
      "remove them from the URL and set `chartRepositoryUsername` and `chartRepositoryPassword` (a secret)",
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

/** A password or token: any non-empty string. Never shown in a message. */
function requireSecretText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new SlimDaskError(
      field,
      "is empty or not a string",
      "pass the password or token as a non-empty Pulumi secret",
    );
  }
  return value;
}

function requireValues(value: unknown, field: string): Record<string, unknown> {
  const values = parseYamlMapping(value, field, "`worker: {annotations: {team: data}}`");
  checkValuePaths(values, field);
  checkOwnedValuePaths(values, field);
  const port = valueAt(values, ["scheduler", "servicePort"]);
  if (port !== undefined && port !== SCHEDULER_PORT) {
    throw new SlimDaskError(
      `${field}.scheduler.servicePort`,
      `${show(port)} would break the cluster: the scheduler listens on --port=<servicePort> while the Service always targets 8786`,
      "drop it (slim-dask keeps 8786); expose the scheduler elsewhere with `scheduler.serviceType` or a separate Service",
    );
  }
  return values;
}

const AFFINITY_KEYS = ["nodeAffinity", "podAffinity", "podAntiAffinity"];

/** Pod affinity: only its top-level shape is checked here; Kubernetes validates the rest. */
function requireAffinity(value: unknown, field: string): Record<string, unknown> {
  const a = parseYamlMapping(value, field, "`{nodeAffinity: {...}}`");
  rejectUnknownKeys(a, AFFINITY_KEYS, field);
  return a;
}

function requireEnv(value: unknown, field: string): Record<string, string> {
  return validateMap(value, field, validateEnvName, (v, f) => requireClean(v, f, /\0/));
}

/** Extra args, refusing flags the chart already passes (`reserved`: flag -> fix). */
function extraArgs(command: string, reserved: Record<string, string>): Field {
  return {
    type: strings,
    doc: `Extra \`${command}\` arguments, after the chart's own.`,
    default: "`[]`",
    check: (value, field) =>
      validateList(
        value,
        field,
        (v, f) => {
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
        },
        '"--preload", "setup.py"',
      ),
  };
}

function requireImage(value: unknown, field: string): string {
  const s = expectString(
    value,
    field,
    "give an image reference such as `ghcr.io/acme/dask:1.0@sha256:...`",
    512,
  );
  parseImageReference(s, field);
  return s;
}

/** A Kubernetes toleration; Kubernetes validates how its fields combine. */
export const TOLERATION_FIELDS: FieldTable = {
  key: {
    type: string,
    doc: "Taint key to tolerate (empty with `Exists` tolerates every taint).",
    check: (v, f) => {
      const s = requireString(v, f);
      return s === "" ? s : requireLabelKey(s, f);
    },
  },
  operator: {
    type: {
      kind: "enum",
      name: "TolerationOperator",
      values: { Exists: "Exists", Equal: "Equal" },
      what: "a toleration operator",
    },
    doc: "`Exists` (any value) or `Equal` (the taint's value must be `value`).",
    default: "`Equal`",
  },
  value: { type: string, doc: "Taint value, for `Equal`.", check: requireLabelValue },
  effect: {
    type: {
      kind: "enum",
      name: "TaintEffect",
      values: {
        All: "",
        NoSchedule: "NoSchedule",
        PreferNoSchedule: "PreferNoSchedule",
        NoExecute: "NoExecute",
      },
      what: "a taint effect",
    },
    doc: "The taint effect tolerated; empty matches all.",
  },
  tolerationSeconds: {
    type: number,
    doc: "With `NoExecute`: how long the pod stays after the taint appears.",
    check: (v, f) => requireInteger(v, f, 0),
  },
};

/** Fields the scheduler, the workers and worker groups share: resources, environment, placement. */
function podFields(
  role: "scheduler" | "worker",
  reserved: Record<string, string>,
): Record<string, Field> {
  const pods = role === "worker" ? "each worker pod" : "the scheduler pod";
  return {
    cpu: {
      type: string,
      doc:
        role === "worker"
          ? "CPU of each worker as a Kubernetes quantity (`2`, `500m`); requests = limits, and `--nthreads` defaults to it."
          : "CPU of the scheduler as a Kubernetes quantity (`1`, `500m`); requests = limits.",
      default: "none",
      check: (v, f) => {
        parseCpu(v, f);
        return v;
      },
    },
    memory: {
      type: string,
      doc:
        role === "worker"
          ? "Memory of each worker (`4Gi`, `512Mi`, `4G`); requests = limits, and the worker's `--memory-limit`. Must read the same to Kubernetes and Dask (`500m` is refused)."
          : "Memory of the scheduler (`2Gi`, `512Mi`, `2G`); requests = limits. `500m` (milli-bytes to Kubernetes) is refused.",
      default: "none",
      check: (v, f) => {
        parseMemory(v, f);
        return v;
      },
    },
    env: {
      type: map,
      doc: `Extra environment variables of ${pods}.`,
      default: "`{}`",
      check: requireEnv,
    },
    extraArgs: extraArgs(`dask ${role}`, reserved),
    nodeSelector: {
      type: map,
      doc: `Node labels ${pods} must match.`,
      default: "`{}`",
      check: (v, f) => validateMap(v, f, requireLabelKey, requireLabelValue),
    },
    tolerations: {
      type: {
        kind: "objects",
        name: "Toleration",
        fields: TOLERATION_FIELDS,
        doc: "A node taint the pods tolerate, as in the pod spec.",
      },
      doc: `Taints ${pods} tolerates, as in the pod spec.`,
      default: "`[]`",
    },
    affinity: {
      type: mapping,
      doc: `Affinity of ${pods} (\`nodeAffinity\`, \`podAffinity\`, \`podAntiAffinity\`), as in the pod spec.`,
      default: "none",
      check: requireAffinity,
    },
  };
}

/** A Deployment's count of pods: an integer or a percentage of the replicas. */
function requireIntOrPercent(value: unknown, field: string): string {
  // Config files may write a bare YAML number; component args take text.
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  const s = requireString(text, field);
  const m = /^(0|[1-9][0-9]*)(%?)$/.exec(s);
  if (!m || (m[2] === "%" && Number(m[1]) > 100)) {
    throw new SlimDaskError(
      field,
      `${show(value)} is neither a pod count nor a percentage`,
      'write a count such as "1" or a percentage such as "25%"',
    );
  }
  return s;
}

/** How the worker Deployment replaces its pods (`worker.strategy`, rendered whole by the chart). */
export const UPDATE_STRATEGY_FIELDS: FieldTable = {
  type: {
    type: {
      kind: "enum",
      name: "UpdateStrategyType",
      values: UPDATE_STRATEGY_TYPE_VALUES,
      what: "a worker update strategy",
    },
    doc: "`RollingUpdate` replaces workers a few at a time; `Recreate` stops every worker before starting new ones.",
    default: `\`${DEFAULT_WORKER_UPDATE_STRATEGY}\``,
  },
  maxSurge: {
    type: string,
    doc: "RollingUpdate: workers started above `replicas` during a rollout, a count or a percentage (rounded up). Above 0 needs room for that many more workers.",
    default: `\`"${DEFAULT_WORKER_MAX_SURGE}"\``,
    check: requireIntOrPercent,
  },
  maxUnavailable: {
    type: string,
    doc: "RollingUpdate: workers stopped at once, a count or a percentage (rounded down; Kubernetes uses 1 when both this and maxSurge come to 0).",
    default: `\`"${DEFAULT_WORKER_MAX_UNAVAILABLE}"\``,
    check: requireIntOrPercent,
  },
};

/** The worker pool. */
export const WORKER_FIELDS: FieldTable = {
  replicas: {
    type: number,
    doc: "Number of workers.",
    default: `\`${DEFAULT_WORKER_REPLICAS}\``,
    check: (v, f) => requireInteger(v, f, 0),
  },
  threads: {
    type: number,
    doc: "Threads per worker (`--nthreads`); needs `cpu` or `memory`.",
    default: "floor(`cpu`), at least 1",
    check: (v, f) => requireInteger(v, f, 1),
  },
  updateStrategy: {
    type: {
      kind: "object",
      name: "UpdateStrategy",
      fields: UPDATE_STRATEGY_FIELDS,
      doc: "How the worker Deployment replaces its pods when the workers change.",
    },
    doc: "How a change to the workers (image, env, memory, ...) replaces them.",
    default: `\`{type: ${DEFAULT_WORKER_UPDATE_STRATEGY}, maxSurge: "${DEFAULT_WORKER_MAX_SURGE}", maxUnavailable: "${DEFAULT_WORKER_MAX_UNAVAILABLE}"}\`: in steps of a quarter, with no extra worker`,
  },
  ...podFields("worker", {
    "--nthreads": "set `workers.threads` instead",
    "--memory-limit": "set `workers.memory` instead",
  }),
};

/** A Dask worker resource name as `--resources "NAME=value"` accepts it. */
const DASK_RESOURCE_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;

function requireDaskResources(value: unknown, field: string): Record<string, number> {
  return validateMap(
    value,
    field,
    (k, f) => {
      if (!DASK_RESOURCE_RE.test(k)) {
        throw new SlimDaskError(
          f,
          `resource name ${show(k)} cannot be passed to \`dask worker --resources\``,
          "use letters, digits, `_`, `.` and `-`, starting with a letter or `_` (e.g. `GPU`, `MEMORY`)",
        );
      }
      return k;
    },
    (v, f) => {
      if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
        throw new SlimDaskError(
          f,
          `must be a number above 0, got ${show(v)}`,
          "write how much of it one worker has, unquoted (e.g. `1`, `70e9`)",
        );
      }
      return v;
    },
    "numbers",
  );
}

/** An extended resource name a device plugin advertises: `vendor.example/name`. */
function requireExtendedResource(value: unknown, field: string): string {
  const s = requireString(value, field);
  const slash = s.lastIndexOf("/");
  const domain = slash > 0 ? s.slice(0, slash) : "";
  if (!domain || domain === "kubernetes.io" || domain.endsWith(".kubernetes.io")) {
    throw new SlimDaskError(
      field,
      `${show(s)} is not an extended resource name`,
      "use the name the device plugin advertises, `<vendor domain>/<name>` outside kubernetes.io (e.g. `nvidia.com/gpu`, `amd.com/gpu`)",
    );
  }
  return requireLabelKey(s, field);
}

/**
 * A worker group's pod fields: those of the workers, documented as inherited. The chart
 * merges each group over `worker`, so a field a group leaves unset is the workers' own.
 */
function groupPodFields(): Record<string, Field> {
  const inherited: Record<string, string> = {
    cpu: "`workers.cpu`",
    memory: "`workers.memory`",
    env: "`workers.env`; a name the group sets wins",
    extraArgs: "`workers.extraArgs`; a list the group sets replaces it",
    nodeSelector: "`workers.nodeSelector`; the chart merges the two, a key the group sets wins",
    tolerations: "`workers.tolerations`; a list the group sets replaces it",
    affinity: "`workers.affinity`; the chart merges the two key by key",
  };
  const fields = podFields("worker", {
    "--nthreads": "set `threads` on the group instead",
    "--memory-limit": "set `memory` on the group instead",
    "--resources": "set `daskResources` on the group instead",
  });
  return Object.fromEntries(
    Object.entries(fields).map(([key, f]) => [
      key,
      {
        ...f,
        doc: f.doc
          .replace("each worker pod", "each pod of the group")
          .replace("each worker", "each worker of the group"),
        default: inherited[key],
      },
    ]),
  );
}

/**
 * A worker group: an extra Deployment of workers of another kind (GPU, high memory), which
 * Dask tasks reach through worker resources (`dask.annotate(resources={"GPU": 1})`).
 */
export const WORKER_GROUP_FIELDS: FieldTable = {
  name: {
    type: string,
    doc: "Group name; the Deployment is `<fullname>-worker-<name>` (at most 63 characters).",
    required: true,
    check: requireDns1123Label,
  },
  replicas: {
    type: number,
    doc: "Number of workers in the group (0 keeps the group with no pods).",
    default: `\`${DEFAULT_GROUP_REPLICAS}\``,
    check: (v, f) => requireInteger(v, f, 0),
  },
  image: {
    type: string,
    doc: "The group's own image (e.g. a GPU build), pinned by digest like `image`.",
    default: "`image`",
    check: requireImage,
  },
  threads: {
    type: number,
    doc: "Threads per worker (`--nthreads`); needs `cpu`, `memory` or `gpus` (on the group or the workers).",
    default: "floor(the group's `cpu`), else the workers' threads, else 1",
    check: (v, f) => requireInteger(v, f, 1),
  },
  gpus: {
    type: number,
    doc: "GPUs of each worker: the limit and request of `gpuResourceName`, so pods land only on nodes that have them.",
    default: "none",
    check: (v, f) => requireInteger(v, f, 1),
  },
  gpuResourceName: {
    type: string,
    doc: "The extended resource `gpus` asks for (`amd.com/gpu`, `gpu.intel.com/i915`, ...).",
    default: `\`${DEFAULT_GPU_RESOURCE_NAME}\``,
    check: requireExtendedResource,
  },
  daskResources: {
    type: { kind: "numberMap" },
    doc: 'Abstract resources each worker offers to Dask tasks (`--resources`), e.g. `{GPU: 1, MEMORY: 70e9}`; tasks ask with `dask.annotate(resources={"GPU": 1})`.',
    default: "none",
    check: requireDaskResources,
  },
  updateStrategyType: {
    type: {
      kind: "enum",
      name: "UpdateStrategyType",
      values: UPDATE_STRATEGY_TYPE_VALUES,
      what: "a worker update strategy",
    },
    doc: "How a change replaces the group's workers. The chart renders only the type for groups: `RollingUpdate` then uses Kubernetes' default surge, one pod more than `replicas`, which a full GPU node cannot place.",
    default: `\`${DEFAULT_GROUP_UPDATE_STRATEGY}\` (stop the group's workers, then start the new ones)`,
  },
  ...groupPodFields(),
};

/** The scheduler. */
export const SCHEDULER_FIELDS: FieldTable = {
  serviceType: {
    type: {
      kind: "enum",
      name: "ServiceType",
      values: SERVICE_TYPE_VALUES,
      what: "a service type the chart supports",
    },
    doc: "Type of the scheduler Service: `ClusterIP` (inside the cluster), `NodePort` or `LoadBalancer`.",
    default: `\`${DEFAULT_SERVICE_TYPE}\``,
  },
  ...podFields("scheduler", {
    "--port": "the Service targets 8786; the scheduler port is fixed",
    "--dashboard-address": "the Service targets 8787; the dashboard port is fixed",
  }),
};

/** A registry login for pulling the image. */
export const PULL_CREDENTIALS_FIELDS: FieldTable = {
  server: {
    type: string,
    doc: "Registry host, the image's (e.g. `ghcr.io`).",
    required: true,
    check: requireRegistryHost,
  },
  username: { type: string, doc: "Registry user.", required: true, check: requirePrintable },
  password: {
    type: string,
    doc: "Registry password or token; stored only inside the Kubernetes Secret.",
    required: true,
    secret: true,
    secretFix:
      "pipe it to `slim-dask pull-secret --config <file>`, which prints the Secret for `kubectl apply -f -` (the Pulumi component takes it as a secret)",
    check: requireSecretText,
  },
};

/** Every DaskCluster arg. */
export const CLUSTER_FIELDS: FieldTable = {
  image: {
    type: string,
    doc: "Image reference pinned by digest (`SlimDaskImage.imageRef`, `repo:tag@sha256:...`); a new digest rolls the pods. Without a digest, set `imagePullPolicy: Always`.",
    required: true,
    check: requireImage,
  },
  imagePullPolicy: {
    type: {
      kind: "enum",
      name: "ImagePullPolicy",
      values: IMAGE_PULL_POLICY_VALUES,
      what: "an image pull policy",
    },
    doc: "`IfNotPresent` (a digest-pinned image never changes) or `Always` (pull at every pod start: the only safe choice for an image without a digest).",
    default: "`IfNotPresent`; an `image` without a digest needs `Always`",
  },
  releaseName: {
    type: string,
    doc: "Helm release name (DNS label, at most 53 characters).",
    default: "the resource name (CLI: `dask`)",
    check: (v, f) => requireDns1123Label(v, f, 53),
  },
  namespace: {
    type: string,
    doc: "Namespace of the release.",
    default: `\`${DEFAULT_NAMESPACE}\``,
    check: requireDns1123Label,
  },
  createNamespace: {
    type: boolean,
    doc: "Create the namespace, and delete it on destroy (a plain value: it decides which resources exist). Not for `default`, `kube-system`, `kube-public` or `kube-node-lease`, which always exist.",
    default: "`false`",
    plain: true,
    check: expectBoolean,
  },
  chartVersion: {
    type: string,
    doc: "Version of the dask chart.",
    default: `\`${DEFAULT_CHART_VERSION}\` (newest published)`,
    check: requireChartVersion,
  },
  chartRepository: {
    type: string,
    doc: "Chart repository: `https://`, `http://` (e.g. an internal mirror) or `oci://`.",
    default: `\`${DEFAULT_CHART_REPOSITORY}\``,
    check: requireChartRepository,
  },
  chartRepositoryCaFile: {
    type: string,
    doc: "CA bundle (a file on the machine running Pulumi) to verify the repository's TLS certificate.",
    default: "none",
    check: validateHostPath,
  },
  chartRepositoryUsername: {
    type: string,
    doc: "User for a chart repository that needs a login.",
    default: "none",
    check: requirePrintable,
  },
  chartRepositoryPassword: {
    type: string,
    doc: "Password for the chart repository.",
    default: "none",
    secret: true,
    secretFix:
      "give it to helm on stdin: `helm repo add <name> <url> --username <user> --password-stdin` (the Pulumi component takes it as a secret)",
    check: requireSecretText,
  },
  timeoutSeconds: {
    type: number,
    doc: "Helm timeout; the release is atomic and rolls back after it.",
    default: `\`${DEFAULT_TIMEOUT_SECONDS}\``,
    check: (v, f) => requireInteger(v, f, 1),
  },
  workers: {
    type: {
      kind: "object",
      name: "Worker",
      fields: WORKER_FIELDS,
      doc: "The worker pool: how many workers, their size, environment, placement and rollout.",
    },
    doc: "The worker pool.",
    default: `\`{replicas: ${DEFAULT_WORKER_REPLICAS}}\``,
  },
  scheduler: {
    type: {
      kind: "object",
      name: "Scheduler",
      fields: SCHEDULER_FIELDS,
      doc: "The scheduler: its Service, size, environment and placement.",
    },
    doc: "The scheduler.",
    default: `\`{serviceType: ${DEFAULT_SERVICE_TYPE}}\``,
  },
  workerGroups: {
    type: {
      kind: "objects",
      name: "WorkerGroup",
      fields: WORKER_GROUP_FIELDS,
      doc: "A group of workers of another kind (GPU, high memory) that tasks ask for through Dask resources; unset fields come from `workers`.",
    },
    doc: "Extra worker Deployments (the chart's `additional_worker_groups`), each with its own size, GPUs, Dask resources, placement and optionally image.",
    default: "`[]`",
  },
  jupyter: {
    type: boolean,
    doc: "Deploy the chart's Jupyter server (a separate, large image).",
    default: "`false`",
    check: expectBoolean,
  },
  imagePullCredentials: {
    type: {
      kind: "object",
      name: "ImagePullCredentials",
      fields: PULL_CREDENTIALS_FIELDS,
      doc: "A registry login the pods pull the image with (kept in a `kubernetes.io/dockerconfigjson` Secret).",
    },
    doc: "A registry login: slim-dask creates a `kubernetes.io/dockerconfigjson` Secret and every pod uses it.",
    default: "none",
  },
  runAsUser: {
    type: number,
    doc: "uid of the pods (non-root; `SlimDaskImage.user`).",
    default: `\`${DEFAULT_RUN_AS_USER}\``,
    check: validateId,
  },
  runAsGroup: {
    type: number,
    doc: "gid of the pods and their volumes' `fsGroup` (`SlimDaskImage.group`).",
    default: `\`${DEFAULT_RUN_AS_USER}\``,
    check: validateId,
  },
  values: {
    type: mapping,
    doc: "Raw chart values, merged last: every path must be one the chart renders (typos are errors), and paths a field above sets are refused.",
    default: "none",
    check: requireValues,
  },
};

/** The root section, for generation. */
export const CLUSTER_SECTION: Section = {
  name: "DaskCluster",
  doc: "a DaskCluster: the dask helm chart running a (slim) image",
  fields: CLUSTER_FIELDS,
};
