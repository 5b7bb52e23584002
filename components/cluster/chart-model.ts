import { SlimDaskError, show } from "../common/errors";
import { DEFAULT_CHART_VERSION } from "./constants";
import { editDistance } from "../common/validate";
import { isMapping } from "./value-tree";

/**
 * Every value path the dask chart (version 2024.1.1) reads: the keys of its values.yaml plus
 * keys only its templates read (`scheduler.env`, `scheduler.serviceAccountName`,
 * `worker.threads_per_worker`, `worker.port`, `worker.serviceAccountName`, ingress
 * `ingressClassName`/`secretName`, and the per-group keys of `additional_worker_groups`,
 * which are merged over `worker`). The chart has no values schema, so a typo such as
 * `worker.replicaCount` would be silently ignored; this model turns it into an error.
 * Maps and lists handed to Kubernetes as-is (resources, nodeSelector, env, ...) are "open":
 * their contents are not checked. Update together with DEFAULT_CHART_VERSION.
 */
export type ChartModelNode =
  | { kind: "leaf" }
  | { kind: "open" }
  | { kind: "object"; keys: Record<string, ChartModelNode> }
  | { kind: "list"; item: ChartModelNode };

const leaf: ChartModelNode = { kind: "leaf" };
const open: ChartModelNode = { kind: "open" };
const obj = (keys: Record<string, ChartModelNode>): ChartModelNode => ({ kind: "object", keys });
const list = (item: ChartModelNode): ChartModelNode => ({ kind: "list", item });

const image = (extra: Record<string, ChartModelNode> = {}) =>
  obj({ repository: leaf, tag: leaf, pullPolicy: leaf, pullSecrets: open, ...extra });

const ingress = obj({
  enabled: leaf,
  ingressClassName: leaf,
  pathType: leaf,
  tls: leaf,
  secretName: leaf,
  hostname: leaf,
  annotations: open,
});

/** Keys every pod-running component shares. */
const podKeys = {
  name: leaf,
  env: open,
  resources: open,
  tolerations: open,
  affinity: open,
  nodeSelector: open,
  securityContext: open,
  serviceAccountName: leaf,
  livenessProbe: open,
  readinessProbe: open,
};

const monitor = (targetLabels: string) =>
  obj({
    enabled: leaf,
    namespace: leaf,
    namespaceSelector: open,
    additionalLabels: open,
    interval: leaf,
    jobLabel: leaf,
    [targetLabels]: open,
    metricRelabelings: open,
  });

const worker = obj({
  ...podKeys,
  image: image({ dask_worker: leaf }),
  replicas: leaf,
  strategy: obj({ type: leaf }),
  custom_scheduler_url: leaf,
  default_resources: obj({ cpu: leaf, memory: leaf }),
  extraArgs: open,
  mounts: obj({ volumes: open, volumeMounts: open }),
  annotations: open,
  port: leaf,
  portDashboard: leaf,
  threads_per_worker: leaf,
  metrics: obj({ enabled: leaf, podMonitor: monitor("podTargetLabels") }),
});

/** The chart's value tree. */
export const CHART_MODEL: ChartModelNode = obj({
  nameOverride: leaf,
  fullnameOverride: leaf,
  scheduler: obj({
    ...podKeys,
    enabled: leaf,
    image: image(),
    replicas: leaf,
    serviceType: leaf,
    loadBalancerIP: leaf,
    servicePort: leaf,
    serviceAnnotations: open,
    extraArgs: open,
    metrics: obj({ enabled: leaf, serviceMonitor: monitor("targetLabels") }),
  }),
  webUI: obj({ name: leaf, servicePort: leaf, ingress }),
  worker,
  additional_worker_groups: list(worker),
  jupyter: obj({
    ...podKeys,
    enabled: leaf,
    rbac: leaf,
    image: image(),
    serviceType: leaf,
    servicePort: leaf,
    password: leaf,
    passwordHint: leaf,
    command: open,
    args: open,
    extraConfig: leaf,
    mounts: obj({ volumes: open, volumeMounts: open }),
    ingress,
  }),
});

const INDEX_RE = /^(?:0|[1-9][0-9]*)$/;

/**
 * True when `path` (e.g. `["worker", "resources", "limits", "cpu"]`) is read by the chart,
 * or lies inside an open map. List items are addressed by a numeric index segment.
 */
export function isKnownValuePath(path: readonly string[]): boolean {
  let node: ChartModelNode = CHART_MODEL;
  for (const segment of path) {
    if (node.kind === "open") return true;
    if (node.kind === "leaf") return false;
    if (node.kind === "list") {
      if (!INDEX_RE.test(segment)) return false;
      node = node.item;
    } else {
      if (!Object.prototype.hasOwnProperty.call(node.keys, segment)) return false;
      node = node.keys[segment];
    }
  }
  return true;
}

/** All known paths, dotted, list items written `[]` (e.g. `additional_worker_groups[].name`). */
export function knownValuePaths(): string[] {
  const out: string[] = [];
  const walk = (node: ChartModelNode, prefix: string): void => {
    if (prefix) out.push(prefix);
    if (node.kind === "list") walk(node.item, `${prefix}[]`);
    if (node.kind === "object") {
      for (const [k, child] of Object.entries(node.keys))
        walk(child, prefix ? `${prefix}.${k}` : k);
    }
  };
  walk(CHART_MODEL, "");
  return out;
}

/**
 * The known path closest to `path` (a completion of it, else the smallest case-insensitive
 * edit distance on the dotted form),
 * e.g. `worker.replicas` for `["worker", "replicaCount"]`.
 */
export function closestValuePath(path: readonly string[]): string {
  const wanted = path
    .map((s) => (INDEX_RE.test(s) ? "[]" : s))
    .join(".")
    .replace(/\.\[\]/g, "[]")
    .toLowerCase();
  let best = "";
  let bestScore = Infinity;
  for (const candidate of knownValuePaths()) {
    const lower = candidate.toLowerCase();
    // A truncated key (`image.repo`) is a completion, closer than any edit.
    const score = lower.startsWith(wanted)
      ? 1 + (lower.length - wanted.length) / 1000
      : editDistance(wanted, lower);
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

/**
 * Checks that every path in raw chart values is known to the chart, and that known maps and
 * lists get a mapping or list. Errors name the full path under `field`
 * (`values.worker.replicaCount`) and suggest the closest known path.
 */
export function checkValuePaths(values: unknown, field = "values"): void {
  const walk = (value: unknown, node: ChartModelNode, path: string[], shown: string): void => {
    if (node.kind === "open" || value === null) return;
    if (node.kind === "list") {
      if (!Array.isArray(value)) {
        throw new SlimDaskError(shown, `must be a list, got ${show(value)}`, "give a list");
      }
      value.forEach((item, i) => walk(item, node.item, [...path, String(i)], `${shown}[${i}]`));
      return;
    }
    if (node.kind === "object" && !isMapping(value)) {
      throw new SlimDaskError(shown, `must be a mapping, got ${show(value)}`, "give an object");
    }
    if (!isMapping(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      const childShown = `${shown}.${key}`;
      if (!isKnownValuePath(childPath)) {
        throw new SlimDaskError(
          childShown,
          `is not a value of the dask chart ${DEFAULT_CHART_VERSION} (it has no schema and would silently ignore it)`,
          `did you mean \`${field}.${closestValuePath(childPath)}\`?`,
        );
      }
      walk(child, node.kind === "object" ? node.keys[key] : node, childPath, childShown);
    }
  };
  walk(values, CHART_MODEL, [], field);
}
