import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exec, ExecOptions, ExecResult } from "./exec";
import { provisionHint } from "./environment";

/**
 * Thin wrappers over the docker CLI. The engine here is Debian's 20.10 with the legacy
 * builder (no BuildKit), so builds force it explicitly and never need buildx.
 */

const LEGACY_BUILDER = { ...process.env, DOCKER_BUILDKIT: "0" };

/** Runs `docker args`, rejecting on failure. */
export function docker(args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return exec("docker", args, options);
}

/**
 * Fails (never skips) when no engine answers. In CI the message says a missing engine is a
 * failure by design; elsewhere it says how to get one.
 */
export async function requireDocker(): Promise<string> {
  const result = await exec("docker", ["info", "--format", "{{.ServerVersion}}"], {
    allowFailure: true,
    timeoutMs: 30_000,
  }).catch((error: Error) => ({ code: -1, stdout: "", stderr: error.message }));
  if (result.code !== 0) {
    const why = process.env.CI
      ? "CI is set and a Docker engine is required: a missing engine is a failure, not a skip"
      : "the e2e suite needs a Docker engine";
    throw new Error(`${provisionHint(why)}\n${result.stderr.trim()}`);
  }
  return result.stdout.trim();
}

/** Throws, naming provisioning, when an image is not present locally. */
export async function requireImage(name: string): Promise<void> {
  const result = await docker(["image", "inspect", name], { allowFailure: true });
  if (result.code !== 0) throw new Error(provisionHint(`base image ${name} is missing`));
}

/** What a build produced. */
export interface BuildResult {
  imageId: string;
  /** Full build output (the prune script's report lines are in it). */
  log: string;
  seconds: number;
}

/** Builds `contextDir` (its `Dockerfile` unless given) with the legacy builder. */
export async function buildImage(
  contextDir: string,
  tag: string,
  options: { dockerfile?: string; timeoutMs?: number; noCache?: boolean } = {},
): Promise<BuildResult> {
  const iidDir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-iid-"));
  const iidFile = path.join(iidDir, "iid");
  const args = ["build", "--iidfile", iidFile, "-t", tag];
  if (options.dockerfile) args.push("-f", options.dockerfile);
  if (options.noCache) args.push("--no-cache");
  args.push(contextDir);
  const started = Date.now();
  try {
    const result = await exec("docker", args, {
      env: LEGACY_BUILDER,
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
    });
    return {
      imageId: fs.readFileSync(iidFile, "utf8").trim(),
      log: result.stdout + result.stderr,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    fs.rmSync(iidDir, { recursive: true, force: true });
  }
}

/** Size in bytes of a local image, as `docker image inspect` reports it. */
export async function imageSize(image: string): Promise<number> {
  const { stdout } = await docker(["image", "inspect", "--format", "{{.Size}}", image]);
  return Number(stdout.trim());
}

/** The image's layer diff IDs (same list = no new layers). */
export async function imageLayers(image: string): Promise<string[]> {
  const { stdout } = await docker([
    "image",
    "inspect",
    "--format",
    "{{json .RootFS.Layers}}",
    image,
  ]);
  return JSON.parse(stdout) as string[];
}

/** `docker login` with the password on stdin (never on the command line). */
export async function login(server: string, username: string, password: string): Promise<void> {
  await docker(["login", server, "--username", username, "--password-stdin"], {
    input: password,
  });
}

/** Pushes `tag` and returns its `repo@sha256:...` reference from RepoDigests. */
export async function pushByDigest(tag: string): Promise<string> {
  await docker(["push", tag]);
  const repo = tag.replace(/:[^/:]+$/, "");
  const { stdout } = await docker(["image", "inspect", "--format", "{{json .RepoDigests}}", tag]);
  const digests = JSON.parse(stdout) as string[];
  const match = digests.find((d) => d.startsWith(`${repo}@sha256:`));
  if (!match) throw new Error(`no RepoDigest for ${repo} after push: ${stdout}`);
  return match;
}

/** Removes containers by name, ignoring ones that do not exist. */
export async function removeContainers(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await docker(["rm", "-f", "-v", ...names], { allowFailure: true });
}

/** Logs (stdout and stderr) of a container. */
export async function containerLogs(name: string): Promise<string> {
  const result = await docker(["logs", name], { allowFailure: true });
  return result.stdout + result.stderr;
}
