import { SlimDaskError, show } from "../common/errors";
import { DEFAULT_CHART_VERSION } from "./constants";
import { editDistance } from "../common/validate";
import { isMapping } from "./value-tree";

/**
 * Every value path the manifest templates of the dask chart 2024.1.1 read, and nothing else:
 * a path is accepted exactly when a template renders it into a resource. The chart has no
 * values schema, so a typo such as `worker.replicaCount` would be silently ignored; this model
 * turns it into an error. It follows the templates, not values.yaml: values.yaml lists keys
 * no template reads (`jupyter.name`, `worker.metrics.podMonitor.podTargetLabels`, whose
 * template reads `targetLabels`), and templates read keys values.yaml does not list
 * (`scheduler.env`, `worker.threads_per_worker`, `worker.port`, ingress `secretName`, ...).
 *
 * Where a template passes a value through `toYaml` (`worker.strategy`, resources, env, probes,
 * affinity, annotations, ...), the node is "open": every key below it is rendered as given.
 * `test/k8s/chart-model.test.ts` proves the model against the published chart with real helm:
 * every accepted path changes the rendered manifests, every refused one does not. Update
 * together with DEFAULT_CHART_VERSION.
 */
export type ChartModelNode =
  /** A scalar the templates render. */
  | { kind: "leaf" }
  /** Rendered with `toYaml`: any value, any keys below. */
  | { kind: "open" }
  | { kind: "object"; keys: Record<string, ChartModelNode> }
  | { kind: "list"; item: ChartModelNode }
  /**
   * A key people expect (values.yaml lists it, or only NOTES.txt reads it) that changes no
   * resource, or (`renderFails`) one the template reads but cannot render.
   */
  | { kind: "unrendered"; why: string; fix: string; renderFails?: boolean };

const leaf: ChartModelNode = { kind: "leaf" };
const open: ChartModelNode = { kind: "open" };
const obj = (keys: Record<string, ChartModelNode>): ChartModelNode => ({ kind: "object", keys });
const list = (item: ChartModelNode): ChartModelNode => ({ kind: "list", item });
const unrendered = (why: string, fix: string, renderFails = false): ChartModelNode => ({
  kind: "unrendered",
  why,
  fix,
  ...(renderFails ? { renderFails } : {}),
});
const onlyNotes = unrendered(
  "is read only by the chart's NOTES.txt (the text helm prints after an install) and changes no resource",
  "drop it",
);

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

/** Pod fields the scheduler, worker and Jupyter templates all render. */
const podKeys = {
  env: open,
  resources: open,
  tolerations: open,
  affinity: open,
  nodeSelector: open,
  securityContext: open,
  serviceAccountName: leaf,
};
const probes = { livenessProbe: open, readinessProbe: open };

/** A ServiceMonitor / PodMonitor block; both templates read `targetLabels`. */
const monitor = (extra: Record<string, ChartModelNode>) =>
  obj({
    enabled: leaf,
    namespace: leaf,
    namespaceSelector: open,
    additionalLabels: open,
    interval: leaf,
    jobLabel: leaf,
    targetLabels: open,
    metricRelabelings: open,
    ...extra,
  });

/** What the main worker Deployment and every additional group's Deployment read. */
const workerKeys = {
  ...podKeys,
  image: image({ dask_worker: leaf }),
  replicas: leaf,
  custom_scheduler_url: leaf,
  default_resources: obj({ cpu: leaf, memory: leaf }),
  extraArgs: open,
  mounts: obj({ volumes: open, volumeMounts: open }),
  annotations: open,
  port: leaf,
  portDashboard: leaf,
  threads_per_worker: leaf,
};

const worker = obj({
  ...workerKeys,
  ...probes,
  // Read by additional_worker_groups only: a group without a name inherits it.
  name: leaf,
  // The main worker Deployment renders the whole object (maxSurge, maxUnavailable, ...).
  strategy: open,
  metrics: obj({
    enabled: leaf,
    podMonitor: monitor({
      podTargetLabels: unrendered(
        "is listed in values.yaml, but the PodMonitor template reads `targetLabels`",
        "write it as `values.worker.metrics.podMonitor.targetLabels`",
      ),
    }),
  }),
});

const notForGroups = unrendered(
  "is not rendered for additional worker groups (their template has no probes or metrics)",
  "set it on `values.worker` for the main workers only, or drop it",
);

/** An additional group: merged over `worker`, rendered by a template that reads less. */
const workerGroup = obj({
  ...workerKeys,
  name: leaf,
  // Groups render only `strategy.type`.
  strategy: obj({
    type: leaf,
    rollingUpdate: unrendered(
      "is not rendered for additional worker groups (their template renders only `strategy.type`)",
      "drop it; a group's RollingUpdate uses Kubernetes' default surge",
    ),
  }),
  livenessProbe: notForGroups,
  readinessProbe: notForGroups,
  metrics: notForGroups,
});

/** The chart's value tree. */
export const CHART_MODEL: ChartModelNode = obj({
  nameOverride: leaf,
  fullnameOverride: leaf,
  scheduler: obj({
    ...podKeys,
    ...probes,
    name: onlyNotes,
    enabled: leaf,
    image: image(),
    replicas: leaf,
    serviceType: leaf,
    loadBalancerIP: leaf,
    servicePort: leaf,
    serviceAnnotations: open,
    extraArgs: open,
    metrics: obj({
      enabled: leaf,
      serviceMonitor: monitor({
        // The template calls `toYaml .` with two arguments there: any value fails the render.
        metricRelabelings: unrendered(
          "cannot be rendered by the chart 2024.1.1: its ServiceMonitor template calls `toYaml` with two arguments, so helm fails",
          "drop it, or relabel in Prometheus instead",
          true,
        ),
      }),
    }),
  }),
  webUI: obj({ name: onlyNotes, servicePort: leaf, ingress }),
  worker,
  additional_worker_groups: list(workerGroup),
  jupyter: obj({
    ...podKeys,
    ...probes,
    name: unrendered("is listed in values.yaml but no template reads it", "drop it"),
    enabled: leaf,
    rbac: leaf,
    replicas: onlyNotes,
    image: image(),
    serviceType: leaf,
    servicePort: leaf,
    password: leaf,
    passwordHint: onlyNotes,
    command: open,
    args: open,
    extraConfig: leaf,
    mounts: obj({ volumes: open, volumeMounts: open }),
    ingress,
  }),
});

const INDEX_RE = /^(?:0|[1-9][0-9]*)$/;

/** The model node at `path` (list items by numeric index), or undefined when none. */
function nodeAt(path: readonly string[]): ChartModelNode | undefined {
  let node: ChartModelNode = CHART_MODEL;
  for (const segment of path) {
    if (node.kind === "open") return node;
    if (node.kind === "list") {
      if (!INDEX_RE.test(segment)) return undefined;
      node = node.item;
    } else if (node.kind === "object" && Object.prototype.hasOwnProperty.call(node.keys, segment)) {
      node = node.keys[segment];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * True when `path` (e.g. `["worker", "resources", "limits", "cpu"]`) is rendered by the
 * chart, or lies inside an open node. List items are addressed by a numeric index segment.
 */
export function isKnownValuePath(path: readonly string[]): boolean {
  const node = nodeAt(path);
  return node !== undefined && node.kind !== "unrendered";
}

/**
 * Every path of the model and its node (the unrendered ones too), dotted, list items
 * written `[]`.
 */
export function modelPaths(): { path: string; node: ChartModelNode }[] {
  const out: { path: string; node: ChartModelNode }[] = [];
  const walk = (node: ChartModelNode, prefix: string): void => {
    if (prefix) out.push({ path: prefix, node });
    if (node.kind === "list") walk(node.item, `${prefix}[]`);
    if (node.kind === "object") {
      for (const [k, child] of Object.entries(node.keys))
        walk(child, prefix ? `${prefix}.${k}` : k);
    }
  };
  walk(CHART_MODEL, "");
  return out;
}

/** All rendered paths, dotted, list items written `[]` (e.g. `additional_worker_groups[].name`). */
export function knownValuePaths(): string[] {
  return modelPaths()
    .filter((p) => p.node.kind !== "unrendered")
    .map((p) => p.path);
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
 * Checks that every path in raw chart values is rendered by the chart, and that known maps
 * and lists get a mapping or list. Errors name the full path under `field`
 * (`values.worker.replicaCount`) and suggest the closest known path.
 */
export function checkValuePaths(values: unknown, field = "values"): void {
  const walk = (value: unknown, node: ChartModelNode, path: string[], shown: string): void => {
    if (node.kind === "open" || value === null) return;
    if (node.kind === "unrendered") throw new SlimDaskError(shown, node.why, node.fix);
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
      const keys = node.kind === "object" ? node.keys : {};
      if (!Object.prototype.hasOwnProperty.call(keys, key)) {
        throw new SlimDaskError(
          childShown,
          `is not rendered by any template of the dask chart ${DEFAULT_CHART_VERSION} (it has no schema and would silently ignore it)`,
          `did you mean \`${field}.${closestValuePath(childPath)}\`?`,
        );
      }
      walk(child, keys[key], childPath, childShown);
    }
  };
  walk(values, CHART_MODEL, [], field);
}
