import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type {
  BytecodePolicy,
  Optimizations,
  RuntimeKind,
} from "../../components/image/recipe-types";
import { Builder, buildImage, BuildResult, imageSize, selectedBuilder } from "./docker";
import {
  BASE_IMAGES,
  BASE_PYTHON,
  DASK_VERSION,
  repoRoot,
  SET_WORK,
  wheelhouse,
  WheelSet,
} from "./environment";
import { exec } from "./exec";
import { NaiveImageSpec, renderNaiveDockerfile, writeNaiveContext } from "./naive-dockerfile";
import { parsePruneReport, PruneReport } from "./prune-log";

/**
 * Building the pip preset for real, the way a user does: write a config file, let the CLI
 * (`slim-dask context`) write the build context, `docker build` it (with BuildKit unless
 * `SLIM_DASK_BUILDER=legacy`, see docker.ts). Shared by the e2e suite and the benchmark so
 * both measure the same thing.
 */

/** The package sets measured: the 2019 article's, it plus pyarrow, and today's `dask[complete]`. */
export const PACKAGE_SETS: Record<WheelSet, { daskExtras: string[]; pipPackages: string[] }> = {
  complete: { daskExtras: ["complete"], pipPackages: [] },
  // The recipe pins distributed itself through the extra (same version as dask).
  article: { daskExtras: ["distributed"], pipPackages: ["bokeh", "numpy", "pandas"] },
  "article-arrow": {
    daskExtras: ["distributed"],
    pipPackages: ["bokeh", "numpy", "pandas", "pyarrow"],
  },
};

/** One slim build: a package set plus the knobs the benchmark turns. */
export interface SlimBuildSpec {
  set: WheelSet;
  /** Repository to tag the image with (the CLI picks the tag). */
  imageName: string;
  bytecode?: BytecodePolicy;
  optimizations?: Optimizations;
  uid?: number;
  /** `minimal`: the final stage FROM scratch (no runtime image to name). */
  runtime?: RuntimeKind;
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
    baseImage: smallBase ? BASE_IMAGES.faithful : BASE_IMAGES.full,
    wheelhouse: wheelhouse(spec.set),
  };
  if (spec.runtime === "minimal") config.runtime = "minimal";
  else if (smallBase) config.runtimeImage = BASE_IMAGES.faithful;
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
  /** What strip.sh reported (undefined when the build did not strip). */
  strip?: StripReport;
}

/** `slim-dask-strip: files=<n> before=<bytes> after=<bytes>` from a build log. */
export interface StripReport {
  files: number;
  beforeBytes: number;
  afterBytes: number;
}

/** Parses strip.sh's report line out of a build log. */
export function parseStripReport(log: string): StripReport | undefined {
  const m = /slim-dask-strip: files=(\d+) before=(\d+) after=(\d+)/.exec(log);
  return m
    ? { files: Number(m[1]), beforeBytes: Number(m[2]), afterBytes: Number(m[3]) }
    : undefined;
}

/**
 * Checks in the image that it can do the dask work its set claims, computing locally with
 * threads: an array reduction always, a dataframe groupby for sets with pyarrow. A set that
 * claims no dataframe work must fail `import dask.dataframe` (so the claim is honest).
 * Returns what works; throws with the Python error when a claimed kind fails.
 */
export async function checkDaskWork(image: string, set: WheelSet): Promise<string[]> {
  const probe = [
    "import json, dask",
    "ok = {}",
    "import dask.array as da",
    "ok['array'] = int(da.arange(1000, chunks=100).sum().compute()) == 499500",
    "try:",
    "    import pandas as pd, dask.dataframe as dd",
    "    f = dd.from_pandas(pd.DataFrame({'k': [i % 3 for i in range(30)], 'v': range(30)}), npartitions=3)",
    "    ok['dataframe'] = f.groupby('k')['v'].sum().compute().to_dict() == {0: 135, 1: 145, 2: 155}",
    "except ImportError as e:",
    "    ok['dataframeError'] = str(e)",
    "print(json.dumps(ok))",
  ].join("\n");
  const { stdout } = await exec("docker", ["run", "--rm", image, "python", "-c", probe], {
    timeoutMs: 300_000,
  });
  const ok = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  const works = (["array", "dataframe"] as const).filter((k) => ok[k] === true);
  const claimed = SET_WORK[set];
  const missing = claimed.filter((k) => !works.includes(k));
  if (missing.length > 0) {
    throw new Error(`${image} (${set} set) cannot do ${missing.join(", ")} work: ${stdout.trim()}`);
  }
  if (!claimed.includes("dataframe") && works.includes("dataframe")) {
    throw new Error(`${image} (${set} set) runs dataframes, but the set does not claim it`);
  }
  return works;
}

/**
 * Config -> CLI context -> docker build -> size and prune report. The prune report only
 * exists in the log of a build that ran the install RUN, so a build answered entirely from
 * the layer cache is repeated with `--no-cache` (unless `rebuildForReport` is false).
 */
export async function buildSlim(
  spec: SlimBuildSpec,
  workDir: string,
  options: { rebuildForReport?: boolean; builder?: Builder; tagSuffix?: string } = {},
): Promise<BuiltImage> {
  const context = await writeContextWithCli(slimImageConfig(spec), workDir);
  // A suffix keeps a second build of the same recipe (another builder's) under its own tag.
  const reference = context.reference + (options.tagSuffix ? `-${options.tagSuffix}` : "");
  const builder = options.builder;
  let build = await buildImage(context.contextDir, reference, { builder });
  let prune = parsePruneReport(build.log);
  // A cached build printed no report; rebuilding costs a full install (off for the bench's
  // repeated runs, which then report sizes without the per-rule table).
  if (!prune && options.rebuildForReport !== false) {
    build = await buildImage(context.contextDir, reference, { builder, noCache: true });
    prune = parsePruneReport(build.log);
  }
  return {
    ...context,
    reference,
    ...build,
    sizeBytes: await imageSize(build.imageId),
    wheelLayerBytes: await wheelLayerSize(build.imageId),
    prune,
    strip: parseStripReport(build.log),
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
  builder?: Builder,
  wheels: NaiveImageSpec["wheels"] = "copy",
): Promise<NaiveImage> {
  const spec: NaiveImageSpec = {
    baseImage: BASE_IMAGES.full,
    requirements: requirements(set),
    wheels,
  };
  if (wheels === "mount" && (builder ?? selectedBuilder()) !== "buildkit") {
    throw new Error(
      "the naive image's wheelhouse mount needs BuildKit (SLIM_DASK_BUILDER=buildkit)",
    );
  }
  writeNaiveContext(spec, wheelhouse(set), workDir);
  const reference = `${imageName}:naive-${set}${wheels === "mount" ? "-mounted" : ""}`;
  const build = await buildImage(workDir, reference, { builder });
  return {
    ...build,
    reference,
    sizeBytes: await imageSize(build.imageId),
    wheelLayerBytes: await wheelLayerSize(build.imageId),
    dockerfile: renderNaiveDockerfile(spec),
  };
}

/** How each builder records the COPY of the wheelhouse in `docker history`. */
const WHEEL_LAYER = [
  /#\(nop\)\s+COPY \S+ in \/tmp\/wheels\/?\s*$/,
  /^COPY \S+ \/tmp\/wheels\/? # buildkit$/,
];

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
  return wheelLayerFromHistory(stdout);
}

/**
 * The wheelhouse layer's size in `docker history` lines of `<size>\t<created by>`. The legacy
 * builder records the step as `/bin/sh -c #(nop) COPY dir:<hash> in /tmp/wheels/`, BuildKit
 * as `COPY wheels/ /tmp/wheels/ # buildkit`.
 */
export function wheelLayerFromHistory(history: string): number {
  const line = history.split("\n").find((l) => isWheelLayerStep(l.split("\t")[1] ?? ""));
  return line ? Number(line.split("\t")[0]) : 0;
}

/** Whether a history step (its "created by") is the COPY of the offline wheelhouse. */
export function isWheelLayerStep(createdBy: string): boolean {
  return WHEEL_LAYER.some((re) => re.test(createdBy));
}
