import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import type { DaskClusterConfig } from "../../../components/cluster/args";
import { dockerConfigJson, pullSecretName } from "../../../components/cluster/pull-secret";
import { resolveClusterConfig } from "../../../components/cluster/resolve";
import type { ChartValues } from "../../../components/cluster/addresses";
import { repoRoot } from "../../support/environment";
import { ExecResult } from "../../support/exec";
import { slimDaskCli } from "../../support/slim-build";
import { apply, helm } from "./cluster-env";

/**
 * A dask release on the CI cluster, deployed the way DaskCluster deploys it: values from the
 * real CLI (`slim-dask values`), the pull Secret built by `dockerConfigJson` under
 * `pullSecretName`, and `helm upgrade --install` with the flags of DaskCluster's
 * helm.v3.Release (atomic, timeout, namespace, release name, chart version).
 */

/** The test copy of the dask chart's scheduler and worker templates. */
export function testChartDir(): string {
  return path.join(repoRoot(), "test", "k8s", "chart", "dask");
}

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

/** The `helm upgrade --install` arguments DaskCluster's Release amounts to. */
export function helmInstallArgs(config: DaskClusterConfig, valuesFile: string): string[] {
  const c = resolveClusterConfig(config);
  return [
    "upgrade",
    "--install",
    c.releaseName,
    testChartDir(),
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

/** Installs or upgrades; resolves with helm's result (check `code` when failure is expected). */
export function installRelease(
  release: ReleaseValues,
  options: { allowFailure?: boolean } = {},
): Promise<ExecResult> {
  const timeoutSeconds = resolveClusterConfig(release.config).timeoutSeconds;
  return helm(helmInstallArgs(release.config, release.file), {
    allowFailure: options.allowFailure,
    // helm's own timeout plus room for the rollback it does after it.
    timeoutMs: (timeoutSeconds + 180) * 1000,
  });
}
