import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildImage, docker, login } from "../../support/docker";
import { registryCredentials, stateDir } from "../../support/environment";
import { exec } from "../../support/exec";
import { SlimBuildSpec, slimImageConfig, writeContextWithCli } from "../../support/slim-build";
import { containerdSocket, k8sHome } from "./cluster-env";

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
 * the dashboard needs bokeh. `env` changes the recipe (and so the tag and digest); `runtime`
 * picks the final stage (`minimal`: FROM scratch).
 */
export function clusterImageConfig(
  imageName: string,
  env: Record<string, string> = {},
  runtime?: SlimBuildSpec["runtime"],
): Record<string, unknown> {
  const config = slimImageConfig({ set: "complete", imageName, uid: IMAGE_UID, runtime });
  return Object.keys(env).length > 0 ? { ...config, env } : config;
}

const PUSH_NAMESPACE = "slim-dask-push";

/**
 * ctr on the cluster's containerd. `loginDir` holds a registry's `username` and `password`
 * files: the login is read from them by the shell, never written into this process's argv.
 */
function ctr(args: string[], loginDir?: string) {
  const sock = containerdSocket();
  const login = loginDir ? `--user "$(cat ${loginDir}/username):$(cat ${loginDir}/password)"` : "";
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

const clusterLogin = () => path.join(k8sHome(), "registry");

/** The manifest digest ctr lists for `reference` in the push namespace. */
async function ctrDigest(reference: string): Promise<string> {
  const { stdout } = await ctr(["images", "ls"]);
  const line = stdout.split("\n").find((l) => l.split(/\s+/)[0] === reference);
  const digest = line?.split(/\s+/).find((f) => /^sha256:[a-f0-9]{64}$/.test(f));
  if (!digest) throw new Error(`ctr lists no digest for ${reference}:\n${stdout}`);
  return digest;
}

/** Pushes a local docker image to the cluster registry; returns its manifest digest. */
export async function pushToCluster(reference: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-k8s-push-"));
  try {
    const archive = path.join(dir, "image.tar");
    await exec("docker", ["save", "-o", archive, reference], { timeoutMs: 10 * 60_000 });
    await ctr(["images", "import", archive]);
    const digest = await ctrDigest(reference);
    await ctr(["images", "push", "--plain-http", reference], clusterLogin());
    // The node must pull it through the registry with the pull Secret, not find it here.
    await ctr(["images", "rm", "--sync", reference]);
    return digest;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Pushes a local docker image to the cluster registry with gzip-compressed layers, as
 * `docker push` leaves them in any registry: `pushToCluster` imports a `docker save` archive,
 * whose layers stay uncompressed, which is fine for running an image but not for measuring
 * what a node pulls. Docker pushes to the provisioned local registry; containerd fetches the
 * compressed blobs from there without unpacking them and pushes them on. Returns the digest.
 */
export async function pushCompressedToCluster(reference: string): Promise<string> {
  const local = registryCredentials();
  const staged = reference.replace(/^[^/]+/, local.server);
  await docker(["tag", reference, staged]);
  await login(local.server, local.username, local.password);
  try {
    await docker(["push", staged]);
    await ctr(["content", "fetch", "--plain-http", staged], path.join(stateDir(), "registry"));
    await ctr(["images", "tag", "--force", staged, reference]);
    const digest = await ctrDigest(reference);
    await ctr(["images", "push", "--plain-http", reference], clusterLogin());
    return digest;
  } finally {
    await ctr(["images", "rm", "--sync", staged, reference]).catch(() => undefined);
    await docker(["rmi", staged], { allowFailure: true });
  }
}

/** Config -> `slim-dask context` -> docker build -> push; the image pinned by digest. */
export async function buildForCluster(
  config: Record<string, unknown>,
  workDir: string,
  push: (reference: string) => Promise<string> = pushToCluster,
): Promise<ClusterImage> {
  const context = await writeContextWithCli(config, workDir);
  const build = await buildImage(context.contextDir, context.reference, { timeoutMs: 20 * 60_000 });
  const digest = await push(context.reference);
  return {
    reference: context.reference,
    tag: context.tag,
    pinned: `${context.reference}@${digest}`,
    digest,
    buildSeconds: build.seconds,
  };
}
