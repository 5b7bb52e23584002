import { CHART_DEFAULTS } from "./chart-defaults";
import { CHART_NAME, SCHEDULER_PORT } from "./constants";
import { helmDefault, truthy, valueAt } from "./value-tree";

/** Chart values as passed to helm: a plain, JSON-serialisable tree. */
export type ChartValues = Record<string, unknown>;

/** sprig `trunc 63 | trimSuffix "-"`: trimSuffix drops one trailing `-`, not all. */
function trunc63(name: string): string {
  const cut = name.slice(0, 63);
  return cut.endsWith("-") ? cut.slice(0, -1) : cut;
}

/**
 * The chart's `dask.fullname`: `fullnameOverride`, else the release name when it contains
 * the chart name (`dask`, or `nameOverride`), else `<release>-<chart name>`; truncated to 63
 * characters and one trailing `-` trimmed. All resource names derive from it.
 */
export function chartFullname(releaseName: string, values: ChartValues = {}): string {
  const override = valueAt(values, ["fullnameOverride"]);
  if (truthy(override)) return trunc63(String(override));
  const name = String(helmDefault(valueAt(values, ["nameOverride"]), CHART_NAME));
  return trunc63(releaseName.includes(name) ? releaseName : `${releaseName}-${name}`);
}

function schedulerHost(releaseName: string, namespace: string, values: ChartValues): string {
  return `${chartFullname(releaseName, values)}-scheduler.${namespace}.svc.cluster.local`;
}

/**
 * In-cluster scheduler address, `tcp://<fullname>-scheduler.<namespace>.svc.cluster.local:8786`.
 * slim-dask never lets `scheduler.servicePort` move off 8786.
 */
export function schedulerAddress(
  releaseName: string,
  namespace: string,
  values: ChartValues = {},
): string {
  return `tcp://${schedulerHost(releaseName, namespace, values)}:${SCHEDULER_PORT}`;
}

/**
 * In-cluster dashboard URL: the scheduler Service maps `webUI.servicePort` (default 80) to
 * the dashboard's 8787.
 */
export function dashboardUrl(
  releaseName: string,
  namespace: string,
  values: ChartValues = {},
): string {
  const port = helmDefault(
    valueAt(values, ["webUI", "servicePort"]),
    CHART_DEFAULTS.webUI.servicePort,
  );
  return `http://${schedulerHost(releaseName, namespace, values)}:${String(port)}`;
}
