import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../support/environment";
import { helm, k8sHome } from "./cluster-env";

/**
 * The published dask chart as the k8s suite uses it: exactly the archive published at
 * https://helm.dask.org (version and sha256 pinned in test/k8s/versions.sh), served by up.sh
 * from a helm repository on the cluster's node over https (the test CA) behind a login. The
 * suite adds that repository the way a user adds a private mirror, checks the digest of what
 * it serves before anything is installed, and installs from it.
 */

/** `NAME=value` assignments of test/k8s/versions.sh that hold no expansion. */
export function k8sVersions(): Record<string, string> {
  const text = fs.readFileSync(path.join(repoRoot(), "test", "k8s", "versions.sh"), "utf8");
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=([^$\s]+)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The pinned chart version and the sha256 of its published archive. */
export function publishedChart(): { version: string; sha256: string } {
  const v = k8sVersions();
  return { version: v.DASK_CHART_VERSION, sha256: v.DASK_CHART_SHA256 };
}

/** The chart repository up.sh serves: URL, the CA that signed its cert, and its login. */
export function chartRepository(): {
  url: string;
  caFile: string;
  username: string;
  password: string;
} {
  const read = (name: string) =>
    fs.readFileSync(path.join(k8sHome(), "chart-repo", name), "utf8").trim();
  const v = k8sVersions();
  return {
    url: `https://${v.NODE_IP}:${v.CHART_REPO_PORT}`,
    caFile: path.join(k8sHome(), "pki", "ca.crt"),
    username: read("username"),
    password: read("password"),
  };
}

/** Name of the repository in the suite's helm config. */
export const CHART_REPO_NAME = "slim-dask-ci";

/** Throws unless `file`'s sha256 is the published one. */
export function verifyChartDigest(file: string): void {
  const actual = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  const { sha256 } = publishedChart();
  if (actual !== sha256) {
    throw new Error(
      `${file} has sha256 ${actual}, not the published dask chart's ${sha256}: refusing to use it`,
    );
  }
}

let ready: Promise<string> | undefined;

/**
 * Adds the cluster's chart repository (password on stdin, never in argv), pulls the pinned
 * chart from it and checks its sha256. Resolves with the pulled archive's path; every later
 * install uses `<repo>/dask` at that version, the same bytes.
 */
export function publishedChartFromRepository(): Promise<string> {
  ready ??= (async () => {
    const repo = chartRepository();
    await helm(
      [
        "repo",
        "add",
        CHART_REPO_NAME,
        repo.url,
        "--ca-file",
        repo.caFile,
        "--username",
        repo.username,
        "--password-stdin",
        "--force-update",
      ],
      { input: repo.password },
    );
    // Under the cluster's state directory: down.sh removes it with the cluster.
    const dir = path.join(k8sHome(), "chart-pull");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const { version } = publishedChart();
    await helm(["pull", `${CHART_REPO_NAME}/dask`, "--version", version, "--destination", dir]);
    const file = path.join(dir, `dask-${version}.tgz`);
    verifyChartDigest(file);
    return file;
  })();
  return ready;
}
