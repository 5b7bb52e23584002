import { SlimDaskError } from "../common/errors";
import { isMapping } from "./value-tree";

/**
 * Chart values that DaskCluster's typed fields set. Raw `values` are merged last, so a value
 * here would silently undo what the field guarantees: `worker.image` would replace the
 * digest-pinned image, `scheduler.securityContext` could run the scheduler as root,
 * `worker.resources` would change `--nthreads`/`--memory-limit` behind `workers.cpu`. Each
 * path is refused in `values`, and the error names the field to use instead. Paths are dotted;
 * `[]` stands for any item of a list. The longest matching path decides.
 */
const OWNED: Record<string, { field: string; guarantee: string }> = {
  "scheduler.image": { field: "image", guarantee: "runs the digest-pinned image" },
  "worker.image": { field: "image", guarantee: "runs the digest-pinned image" },
  additional_worker_groups: {
    field: "workerGroups",
    guarantee: "renders each group so that the chart's merge with `worker` gives what it says",
  },
  "scheduler.image.pullPolicy": { field: "imagePullPolicy", guarantee: "pulls as told" },
  "worker.image.pullPolicy": { field: "imagePullPolicy", guarantee: "pulls as told" },
  "scheduler.image.pullSecrets": {
    field: "imagePullCredentials",
    guarantee: "pulls with the Secret it creates",
  },
  "worker.image.pullSecrets": {
    field: "imagePullCredentials",
    guarantee: "pulls with the Secret it creates",
  },
  "jupyter.image.pullSecrets": {
    field: "imagePullCredentials",
    guarantee: "pulls with the Secret it creates",
  },
  "scheduler.securityContext": {
    field: "runAsUser` / `runAsGroup",
    guarantee: "runs every pod as the image's non-root user",
  },
  "worker.securityContext": {
    field: "runAsUser` / `runAsGroup",
    guarantee: "runs every pod as the image's non-root user",
  },
  "scheduler.resources": { field: "scheduler.cpu` / `scheduler.memory", guarantee: "sizes pods" },
  "worker.resources": {
    field: "workers.cpu` / `workers.memory",
    guarantee: "derives `--nthreads` and `--memory-limit` from them",
  },
  "worker.threads_per_worker": { field: "workers.threads", guarantee: "passes `--nthreads`" },
  "worker.default_resources": {
    field: "workers.cpu` / `workers.memory",
    guarantee: "derives `--nthreads` and `--memory-limit` from them",
  },
  "worker.replicas": { field: "workers.replicas", guarantee: "sizes the worker pool" },
  "worker.strategy": { field: "workers.updateStrategy", guarantee: "rolls the workers" },
  "worker.env": { field: "workers.env", guarantee: "sets the environment" },
  "worker.extraArgs": {
    field: "workers.extraArgs",
    guarantee: "refuses flags the chart already passes",
  },
  "worker.nodeSelector": { field: "workers.nodeSelector", guarantee: "places the pods" },
  "worker.tolerations": { field: "workers.tolerations", guarantee: "places the pods" },
  "worker.affinity": { field: "workers.affinity", guarantee: "places the pods" },
  "scheduler.env": { field: "scheduler.env", guarantee: "sets the environment" },
  "scheduler.extraArgs": {
    field: "scheduler.extraArgs",
    guarantee: "refuses flags the chart already passes",
  },
  "scheduler.nodeSelector": { field: "scheduler.nodeSelector", guarantee: "places the pods" },
  "scheduler.tolerations": { field: "scheduler.tolerations", guarantee: "places the pods" },
  "scheduler.affinity": { field: "scheduler.affinity", guarantee: "places the pods" },
  "scheduler.serviceType": { field: "scheduler.serviceType", guarantee: "exposes the scheduler" },
  "jupyter.enabled": { field: "jupyter", guarantee: "deploys Jupyter or not" },
};

const pattern = (path: readonly string[]) =>
  path
    .map((s) => (/^[0-9]+$/.test(s) ? "[]" : s))
    .join(".")
    .replace(/\.\[\]/g, "[]");

/** The dotted paths DaskCluster's fields own (for docs and tests). */
export function ownedValuePaths(): string[] {
  return Object.keys(OWNED);
}

/**
 * Refuses raw `values` that set a path a typed field owns, naming that path and the field.
 * Every leaf (a scalar, or an empty list or mapping) is attributed to its longest owned
 * prefix, so `worker.image.pullSecrets` names `imagePullCredentials` and
 * `worker.image.tag` names `image`.
 */
export function checkOwnedValuePaths(values: unknown, field = "values"): void {
  const walk = (value: unknown, path: string[]): void => {
    const children: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : isMapping(value)
        ? Object.entries(value)
        : [];
    if (children.length > 0) {
      for (const [key, child] of children) walk(child, [...path, key]);
      return;
    }
    for (let n = path.length; n > 0; n--) {
      const key = pattern(path.slice(0, n));
      if (!Object.prototype.hasOwnProperty.call(OWNED, key)) continue;
      const owner = OWNED[key];
      const shown = path
        .slice(0, n)
        .map((s) => (/^[0-9]+$/.test(s) ? `[${s}]` : `.${s}`))
        .join("");
      throw new SlimDaskError(
        `${field}${shown}`,
        `is set by slim-dask, which ${owner.guarantee}; a raw value would undo that`,
        `set \`${owner.field}\` instead`,
      );
    }
  };
  walk(values, []);
}
