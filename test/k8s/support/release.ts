import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import type { DaskClusterConfig } from "../../../components/cluster/args";
import { dockerConfigJson, pullSecretName } from "../../../components/cluster/pull-secret";
import { resolveClusterConfig } from "../../../components/cluster/resolve";
import type { ChartValues } from "../../../components/cluster/addresses";
import { ExecResult } from "../../support/exec";
import { slimDaskCli } from "../../support/slim-build";
import { apply, helm, kubectl } from "./cluster-env";
import { CHART_REPO_NAME, publishedChartFromRepository } from "./published-chart";

/**
 * A dask release on the CI cluster, deployed the way DaskCluster deploys it: values from the
 * real CLI (`slim-dask values`), the pull Secret built by `dockerConfigJson` under
 * `pullSecretName`, and `helm upgrade --install` with the flags of DaskCluster's
 * helm.v3.Release (atomic, timeout, namespace, release name, chart version).
 */

/** What one `slim-dask values` run gave. */
export interface ReleaseValues {
  config: DaskClusterConfig;
  /** The YAML file passed to helm with `-f`. */
  file: string;
  values: ChartValues;
}

/** Writes `config` as a CLI config file and runs `slim-dask values` on it. */
export async function valuesFromCli(
  config: DaskClusterConfig,
  workDir: string,
  label: string,
): Promise<ReleaseValues> {
  fs.mkdirSync(workDir, { recursive: true });
  const configFile = path.join(workDir, `${label}.cluster.yaml`);
  fs.writeFileSync(configFile, stringify(config));
  const yaml = await slimDaskCli(["values", "--config", configFile]);
  const file = path.join(workDir, `${label}.values.yaml`);
  fs.writeFileSync(file, yaml);
  return { config, file, values: parse(yaml) as ChartValues };
}

/**
 * Applies the `kubernetes.io/dockerconfigjson` Secret DaskCluster creates for
 * `imagePullCredentials` (same name, type, key and payload).
 */
export async function applyPullSecret(
  config: DaskClusterConfig,
  password: string,
): Promise<string> {
  const c = resolveClusterConfig(config);
  const creds = c.imagePullCredentials;
  if (!creds) throw new Error("the config has no imagePullCredentials");
  const name = pullSecretName(c.releaseName);
  await apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: c.namespace },
    type: "kubernetes.io/dockerconfigjson",
    stringData: { ".dockerconfigjson": dockerConfigJson(creds.server, creds.username, password) },
  });
  return name;
}

/**
 * The `helm upgrade --install` arguments DaskCluster's Release amounts to, installing the
 * published chart from the cluster's chart repository.
 */
export function helmInstallArgs(config: DaskClusterConfig, valuesFile: string): string[] {
  const c = resolveClusterConfig(config);
  return [
    "upgrade",
    "--install",
    c.releaseName,
    `${CHART_REPO_NAME}/dask`,
    "--version",
    c.chartVersion,
    "--namespace",
    c.namespace,
    "--atomic",
    "--wait",
    "--timeout",
    `${c.timeoutSeconds}s`,
    "-f",
    valuesFile,
  ];
}

/**
 * Installs or upgrades from the chart repository (added, and its chart's digest checked, on
 * first use); resolves with helm's result (check `code` when failure is expected).
 */
export async function installRelease(
  release: ReleaseValues,
  options: { allowFailure?: boolean } = {},
): Promise<ExecResult> {
  await publishedChartFromRepository();
  const timeoutSeconds = resolveClusterConfig(release.config).timeoutSeconds;
  return helm(helmInstallArgs(release.config, release.file), {
    allowFailure: options.allowFailure,
    // helm's own timeout plus room for the rollback it does after it.
    timeoutMs: (timeoutSeconds + 180) * 1000,
  });
}

/**
 * Uninstalls `releases` and deletes `namespace`, waiting for both, whatever state a failed
 * test left them in (a suite's afterAll: it never throws).
 */
export async function removeReleases(namespace: string, releases: string[]): Promise<void> {
  for (const r of releases) {
    await helm(["uninstall", r, "--namespace", namespace, "--wait", "--timeout", "120s"], {
      allowFailure: true,
    }).catch(() => undefined);
  }
  await kubectl(["delete", "namespace", namespace, "--wait=true", "--timeout=120s"], {
    allowFailure: true,
  }).catch(() => undefined);
}
