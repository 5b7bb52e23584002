import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildImage } from "../../support/docker";
import { exec } from "../../support/exec";
import { slimImageConfig, writeContextWithCli } from "../../support/slim-build";
import { k8sHome } from "./cluster-env";

/**
 * Images for the cluster: built with docker from the context `slim-dask context` writes (the
 * pip preset on the local base, offline wheelhouse), then pushed to the cluster's own
 * registry through the node's containerd, which is what later pulls them with the pull Secret.
 */

/** A built and pushed image. */
export interface ClusterImage {
  /** `<registry>/<repo>:<tag>` as `slim-dask context` printed it. */
  reference: string;
  /** The tag slim-dask derived from the recipe. */
  tag: string;
  /** `<reference>@sha256:...`: what DaskCluster is given. */
  pinned: string;
  digest: string;
  buildSeconds: number;
}

/** uid the image and the pods use (the SlimDaskImage default). */
export const IMAGE_UID = 1000;

/**
 * The pip preset with `dask[complete]` (as the e2e suite): dask.dataframe needs pyarrow, and
 * the dashboard needs bokeh. `env` changes the recipe (and so the tag and digest).
 */
export function clusterImageConfig(
  imageName: string,
  env: Record<string, string> = {},
): Record<string, unknown> {
  const config = slimImageConfig({ set: "complete", imageName, uid: IMAGE_UID });
  return Object.keys(env).length > 0 ? { ...config, env } : config;
}

const PUSH_NAMESPACE = "slim-dask-push";

/** ctr on the cluster's containerd; the login comes from a file, never from argv. */
function ctr(args: string[], withLogin = false) {
  const sock = path.join(k8sHome(), "containerd", "containerd.sock");
  const login = withLogin
    ? `--user "$(cat ${k8sHome()}/registry/username):$(cat ${k8sHome()}/registry/password)"`
    : "";
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const [sub, verb, ...rest] = quoted;
  return exec(
    "bash",
    [
      "-c",
      `ctr --address '${sock}' -n ${PUSH_NAMESPACE} ${sub} ${verb} ${login} ${rest.join(" ")}`,
    ],
    { timeoutMs: 10 * 60_000 },
  );
}

/** Pushes a local docker image to the cluster registry; returns its manifest digest. */
export async function pushToCluster(reference: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-k8s-push-"));
  try {
    const archive = path.join(dir, "image.tar");
    await exec("docker", ["save", "-o", archive, reference], { timeoutMs: 10 * 60_000 });
    await ctr(["images", "import", archive]);
    const { stdout } = await ctr(["images", "ls"]);
    const line = stdout.split("\n").find((l) => l.split(/\s+/)[0] === reference);
    const digest = line?.split(/\s+/).find((f) => /^sha256:[a-f0-9]{64}$/.test(f));
    if (!digest) throw new Error(`ctr import of ${reference} gave no digest:\n${stdout}`);
    await ctr(["images", "push", "--plain-http", reference], true);
    // The node must pull it through the registry with the pull Secret, not find it here.
    await ctr(["images", "rm", "--sync", reference]);
    return digest;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Config -> `slim-dask context` -> docker build -> push; the image pinned by digest. */
export async function buildForCluster(
  config: Record<string, unknown>,
  workDir: string,
): Promise<ClusterImage> {
  const context = await writeContextWithCli(config, workDir);
  const build = await buildImage(context.contextDir, context.reference, { timeoutMs: 20 * 60_000 });
  const digest = await pushToCluster(context.reference);
  return {
    reference: context.reference,
    tag: context.tag,
    pinned: `${context.reference}@${digest}`,
    digest,
    buildSeconds: build.seconds,
  };
}
