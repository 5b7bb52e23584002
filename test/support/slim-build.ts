import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { BytecodePolicy, Optimizations } from "../../components/image/recipe-types";
import { buildImage, BuildResult, imageSize } from "./docker";
import {
  BASE_IMAGES,
  BASE_PYTHON,
  DASK_VERSION,
  repoRoot,
  wheelhouse,
  WheelSet,
} from "./environment";
import { exec } from "./exec";
import { renderNaiveDockerfile, writeNaiveContext } from "./naive-dockerfile";
import { parsePruneReport, PruneReport } from "./prune-log";

/**
 * Building the pip preset for real, the way a user does: write a config file, let the CLI
 * (`slim-dask context`) write the build context, `docker build` it. Shared by the e2e suite
 * and the benchmark so both measure the same thing.
 */

/** The package sets measured: the 2019 article's and today's `dask[complete]`. */
export const PACKAGE_SETS: Record<WheelSet, { daskExtras: string[]; pipPackages: string[] }> = {
  complete: { daskExtras: ["complete"], pipPackages: [] },
  // The recipe pins distributed itself through the extra (same version as dask).
  article: { daskExtras: ["distributed"], pipPackages: ["bokeh", "numpy", "pandas"] },
};

/** One slim build: a package set plus the knobs the benchmark turns. */
export interface SlimBuildSpec {
  set: WheelSet;
  /** Repository to tag the image with (the CLI picks the tag). */
  imageName: string;
  bytecode?: BytecodePolicy;
  optimizations?: Optimizations;
  uid?: number;
}

/** The image config file content for a spec (pip preset on the local bases). */
export function slimImageConfig(spec: SlimBuildSpec): Record<string, unknown> {
  // Without smallBase the pip preset is single-stage; its fair counterpart is the full base,
  // as `python:3.11` is to `python:3.11-slim`.
  const smallBase = spec.optimizations?.smallBase !== false;
  const config: Record<string, unknown> = {
    imageName: spec.imageName,
    base: "pip",
    python: BASE_PYTHON,
    dask: DASK_VERSION,
    ...PACKAGE_SETS[spec.set],
    baseImage: smallBase ? BASE_IMAGES.slim : BASE_IMAGES.full,
    wheelhouse: wheelhouse(spec.set),
  };
  if (smallBase) config.runtimeImage = BASE_IMAGES.slim;
  if (spec.bytecode) config.bytecode = spec.bytecode;
  if (spec.optimizations) config.optimizations = spec.optimizations;
  if (spec.uid !== undefined) config.user = { uid: spec.uid, gid: spec.uid, name: "dask" };
  return config;
}

/** The CLI entry point; `npm run build` must have compiled it. */
export function cliPath(): string {
  const main = path.join(repoRoot(), "dist", "components", "cli", "main.js");
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return path.join(repoRoot(), "bin", "slim-dask.js");
}

/** Runs the CLI, returning stdout. */
export async function slimDaskCli(args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, [cliPath(), ...args], { timeoutMs: 120_000 });
  return stdout;
}

/** What `slim-dask context` wrote. */
export interface CliContext {
  configFile: string;
  contextDir: string;
  /** `imageName:tag` as the CLI printed it. */
  reference: string;
  tag: string;
}

/** Writes the config as YAML under `workDir` and runs `slim-dask context` on it. */
export async function writeContextWithCli(
  config: Record<string, unknown>,
  workDir: string,
): Promise<CliContext> {
  fs.mkdirSync(workDir, { recursive: true });
  const configFile = path.join(workDir, "image.yaml");
  fs.writeFileSync(configFile, stringify(config));
  const contextDir = path.join(workDir, "context");
  const out = await slimDaskCli(["context", "--config", configFile, "--out", contextDir]);
  const tag = /^tag: (\S+)$/m.exec(out)?.[1];
  const reference = /^image: (\S+)$/m.exec(out)?.[1];
  if (!tag || !reference) throw new Error(`slim-dask context printed no tag/image:\n${out}`);
  return { configFile, contextDir, reference, tag };
}

/** A built image with what the build said about itself. */
export interface BuiltImage extends BuildResult, CliContext {
  sizeBytes: number;
  /** Size of a wheelhouse layer left in the final image (single-stage builds only). */
  wheelLayerBytes: number;
  /** Parsed prune report (undefined when the build ran no prune step). */
  prune?: PruneReport;
}

/**
 * Config -> CLI context -> docker build -> size and prune report. The prune report only
 * exists in the log of a build that ran the install RUN, so a build answered entirely from
 * the layer cache is repeated with `--no-cache`.
 */
export async function buildSlim(spec: SlimBuildSpec, workDir: string): Promise<BuiltImage> {
  const context = await writeContextWithCli(slimImageConfig(spec), workDir);
  let build = await buildImage(context.contextDir, context.reference);
  let prune = parsePruneReport(build.log);
  if (!prune) {
    build = await buildImage(context.contextDir, context.reference, { noCache: true });
    prune = parsePruneReport(build.log);
  }
  return {
    ...context,
    ...build,
    sizeBytes: await imageSize(build.imageId),
    wheelLayerBytes: await wheelLayerSize(build.imageId),
    prune,
  };
}

/** The naive counterpart of a package set, built from its own context under `workDir`. */
export interface NaiveImage extends BuildResult {
  reference: string;
  sizeBytes: number;
  /** Size of the wheelhouse COPY layer, which a PyPI install would not have. */
  wheelLayerBytes: number;
  dockerfile: string;
}

/** Requirement specifiers of a package set, as a user would write them for pip. */
export function requirements(set: WheelSet): string[] {
  const { daskExtras, pipPackages } = PACKAGE_SETS[set];
  const extras = daskExtras.length > 0 ? `[${daskExtras.join(",")}]` : "";
  return [`dask${extras}==${DASK_VERSION}`, ...pipPackages];
}

/** Builds the naive single-stage image for `set`. */
export async function buildNaive(
  set: WheelSet,
  imageName: string,
  workDir: string,
): Promise<NaiveImage> {
  const spec = { baseImage: BASE_IMAGES.full, requirements: requirements(set) };
  writeNaiveContext(spec, wheelhouse(set), workDir);
  const reference = `${imageName}:naive-${set}`;
  const build = await buildImage(workDir, reference);
  return {
    ...build,
    reference,
    sizeBytes: await imageSize(build.imageId),
    wheelLayerBytes: await wheelLayerSize(build.imageId),
    dockerfile: renderNaiveDockerfile(spec),
  };
}

/**
 * Size of the image's layer that copies the offline wheelhouse to /tmp/wheels (0 when the
 * final image has none, as in multi-stage builds), from `docker history`.
 */
export async function wheelLayerSize(image: string): Promise<number> {
  const { stdout } = await exec("docker", [
    "history",
    "--no-trunc",
    "--format",
    "{{.Size}}\t{{.CreatedBy}}",
    "--human=false",
    image,
  ]);
  const line = stdout
    .split("\n")
    .find((l) => /#\(nop\)\s+COPY \S+ in \/tmp\/wheels\/?\s*$/.test(l));
  return line ? Number(line.split("\t")[0]) : 0;
}
