import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exec, ExecOptions, ExecResult } from "./exec";
import { provisionHint } from "./environment";

/**
 * Thin wrappers over the docker CLI. Builds use BuildKit by default, as `docker.Image` (and
 * so SlimDaskImage) does; `SLIM_DASK_BUILDER=legacy` selects Docker's legacy builder instead.
 * Every other command (run, push, pull, inspect) uses the `docker` first on the PATH.
 */

/** The two image builders of the Docker engine. */
export type Builder = "buildkit" | "legacy";
export const BUILDERS: readonly Builder[] = ["buildkit", "legacy"];

/** The builder builds use: `SLIM_DASK_BUILDER` (`buildkit` or `legacy`), BuildKit when unset. */
export function selectedBuilder(env: NodeJS.ProcessEnv = process.env): Builder {
  const value = env.SLIM_DASK_BUILDER ?? "buildkit";
  if (!(BUILDERS as readonly string[]).includes(value)) {
    throw new Error(`SLIM_DASK_BUILDER=${value}: use ${BUILDERS.join(" or ")}`);
  }
  return value as Builder;
}

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

/**
 * The docker client builds run with. Up to 22.x the CLI drives the engine's built-in BuildKit
 * itself (`DOCKER_BUILDKIT=1`); from 23 on it hands BuildKit builds to the buildx plugin and
 * fails without it ("BuildKit is enabled but the buildx component is missing"). A machine can
 * have both: on CI, Docker 28's client without buildx is first on the PATH
 * (/usr/local/bin) and Debian's docker.io 20.10 client is /usr/bin/docker. So the `docker`
 * executables on the PATH are tried in order and the first that can run BuildKit builds runs
 * every build, legacy ones too, so that the two builders differ in nothing else.
 * `SLIM_DASK_BUILD_CLI` names the client instead.
 */
export function buildClient(): Promise<string> {
  resolvedBuildClient ??= findBuildClient(process.env);
  return resolvedBuildClient;
}
let resolvedBuildClient: Promise<string> | undefined;

/** The first client of `SLIM_DASK_BUILD_CLI`, else of the PATH, that can build with BuildKit. */
export async function findBuildClient(env: NodeJS.ProcessEnv): Promise<string> {
  const candidates = env.SLIM_DASK_BUILD_CLI
    ? [env.SLIM_DASK_BUILD_CLI]
    : dockerOnPath(env.PATH ?? "");
  const rejected: string[] = [];
  for (const cli of candidates) {
    const why = await whyNoBuildKit(cli, env);
    if (why === undefined) return cli;
    rejected.push(`${cli}: ${why}`);
  }
  throw new Error(
    `no docker client can build with BuildKit (${rejected.join("; ") || "no docker on the PATH"}): ` +
      "install Debian's docker.io (its 20.10 client runs BuildKit itself) or the buildx plugin",
  );
}

/** Every executable file named `docker` in the PATH's directories, in order, each real file once. */
export function dockerOnPath(pathVariable: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const dir of pathVariable.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, "docker");
    try {
      fs.accessSync(file, fs.constants.X_OK);
      const real = fs.realpathSync(file);
      if (!fs.statSync(real).isFile() || seen.has(real)) continue;
      seen.add(real);
      found.push(file);
    } catch {
      // not there, or not executable
    }
  }
  return found;
}

/** Why `cli` cannot run a BuildKit build (undefined: it can). */
async function whyNoBuildKit(cli: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const run = (args: string[]) =>
    exec(cli, args, { env, allowFailure: true, timeoutMs: 30_000 }).catch((error: Error) => ({
      code: -1,
      stdout: "",
      stderr: error.message,
    }));
  const version = await run(["--version"]);
  const major = /version (\d+)\./.exec(version.stdout)?.[1];
  if (version.code !== 0 || major === undefined) {
    return `\`--version\` gave no version (${(version.stdout + version.stderr).trim()})`;
  }
  if (Number(major) < 23) return undefined;
  const buildx = await run(["buildx", "version"]);
  return buildx.code === 0 ? undefined : `client ${major}.x has no buildx plugin`;
}

/** What a build produced. */
export interface BuildResult {
  imageId: string;
  /** Full build output (the prune script's report lines are in it). */
  log: string;
  seconds: number;
  builder: Builder;
}

/** How to build. */
export interface BuildOptions {
  /** Dockerfile path (default: the context's `Dockerfile`). */
  dockerfile?: string;
  timeoutMs?: number;
  noCache?: boolean;
  /** Default: {@link selectedBuilder}. */
  builder?: Builder;
  /** Images whose layers the build may reuse (`--cache-from`). */
  cacheFrom?: string[];
  /**
   * BuildKit only: record the inline cache metadata a later `--cache-from` of the pushed image
   * needs (`BUILDKIT_INLINE_CACHE=1`), as SlimDaskImage does. Default true for BuildKit; the
   * legacy builder has no such metadata (its `--cache-from` reads the pulled image's history).
   */
  inlineCache?: boolean;
  /** Build only up to this stage (`--target`). */
  target?: string;
}

/** The `docker build` arguments and the `DOCKER_BUILDKIT` value for a build. */
export function buildCommand(
  contextDir: string,
  tag: string,
  iidFile: string,
  options: BuildOptions & { builder: Builder },
): { args: string[]; dockerBuildkit: "0" | "1" } {
  const buildkit = options.builder === "buildkit";
  if (!buildkit && options.inlineCache) {
    throw new Error("inline cache metadata is BuildKit's: the legacy builder cannot write it");
  }
  const args = ["build", "--iidfile", iidFile, "-t", tag];
  // Plain progress: one line per event, every output line kept (no TTY redrawing).
  if (buildkit) args.push("--progress=plain");
  if (buildkit && options.inlineCache !== false)
    args.push("--build-arg", "BUILDKIT_INLINE_CACHE=1");
  for (const ref of options.cacheFrom ?? []) args.push("--cache-from", ref);
  if (options.target) args.push("--target", options.target);
  if (options.dockerfile) args.push("-f", options.dockerfile);
  if (options.noCache) args.push("--no-cache");
  args.push(contextDir);
  return { args, dockerBuildkit: buildkit ? "1" : "0" };
}

/** Builds `contextDir` with the selected builder (or `options.builder`). */
export async function buildImage(
  contextDir: string,
  tag: string,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const builder = options.builder ?? selectedBuilder();
  const iidDir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-iid-"));
  const iidFile = path.join(iidDir, "iid");
  const { args, dockerBuildkit } = buildCommand(contextDir, tag, iidFile, { ...options, builder });
  const started = Date.now();
  try {
    const result = await exec(await buildClient(), args, {
      env: { ...process.env, DOCKER_BUILDKIT: dockerBuildkit },
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
    });
    return {
      imageId: fs.readFileSync(iidFile, "utf8").trim(),
      log: result.stdout + result.stderr,
      seconds: (Date.now() - started) / 1000,
      builder,
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

/** Runs `entrypoint args` as root in a fresh container of `image`; its stdout. */
export async function runAsRoot(
  image: string,
  entrypoint: string,
  args: string[],
): Promise<string> {
  const { stdout } = await docker([
    "run",
    "--rm",
    "--user",
    "0",
    "--entrypoint",
    entrypoint,
    image,
    ...args,
  ]);
  return stdout;
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
