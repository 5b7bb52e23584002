/**
 * The benchmark (`npm run bench`): image sizes of the naive and the slim pip-preset image,
 * each size technique turned off one at a time, for the 2019 article's package set and for
 * today's `dask[complete]`; and worker cold starts per bytecode policy. Writes
 * build/bench-report.json and build/bench-report.md and prints a short table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BytecodePolicy, Optimizations } from "../../components/image/recipe-types";
import { chartPods } from "../../components/cluster/pods";
import { chartFullname } from "../../components/cluster/addresses";
import { daskChartValues } from "../../components/cluster/values";
import { median, measureColdStarts } from "../support/cold-start";
import { docker, requireDocker, requireImage } from "../support/docker";
import { BASE_IMAGES, repoRoot, WheelSet } from "../support/environment";
import { buildNaive, buildSlim, BuiltImage, SlimBuildSpec } from "../support/slim-build";
import type { PruneReport } from "../support/prune-log";

/** One variant: the default recipe with one technique changed. */
interface Variant {
  name: string;
  bytecode?: BytecodePolicy;
  optimizations?: Optimizations;
}

/** Techniques turned off one at a time; bytecode compares its three policies. */
const VARIANTS: Variant[] = [
  { name: "default (bytecode compile)" },
  { name: "bytecode keep", bytecode: "keep" },
  { name: "bytecode delete", bytecode: "delete" },
  { name: "staticLibraries off", optimizations: { staticLibraries: false } },
  { name: "sourceMaps off", optimizations: { sourceMaps: false } },
  { name: "bokehUnminified off", optimizations: { bokehUnminified: false } },
  { name: "headers off", optimizations: { headers: false } },
  { name: "docs off", optimizations: { docs: false } },
  { name: "cleanCache off", optimizations: { cleanCache: false } },
  { name: "smallBase off", optimizations: { smallBase: false } },
];

const SETS: WheelSet[] = ["article", "complete"];
const POLICIES: BytecodePolicy[] = ["delete", "keep", "compile"];
const COLD_RUNS = Number(process.env.SLIM_DASK_BENCH_RUNS ?? 5);
const UID = 1000;
const IMAGE_NAME = "slim-dask-local/bench";

interface VariantResult {
  name: string;
  /** Image size without a leftover offline-wheelhouse layer (single-stage variants have one). */
  bytes: number;
  wheelLayerBytes: number;
  /** Size minus the default's: what the technique saves (negative = it costs). */
  deltaBytes: number;
  buildSeconds: number;
  prune?: PruneReport;
}

interface SetResult {
  set: WheelSet;
  naiveBytes: number;
  naiveWheelLayerBytes: number;
  variants: VariantResult[];
}

interface ColdStart {
  policy: BytecodePolicy;
  runs: number[];
  medianSeconds: number;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Runs `jobs` at most `limit` at a time (2 cores: installs overlap well with unpacking). */
async function pooled<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function spec(set: WheelSet, variant: Variant): SlimBuildSpec {
  return {
    set,
    imageName: IMAGE_NAME,
    uid: UID,
    bytecode: variant.bytecode,
    optimizations: variant.optimizations,
  };
}

function slug(text: string): string {
  return text.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
}

async function measureSet(
  set: WheelSet,
  workDir: string,
  concurrency: number,
): Promise<{ result: SetResult; builds: BuiltImage[] }> {
  const naive = await buildNaive(set, IMAGE_NAME, path.join(workDir, set, "naive"));
  const builds = await pooled(
    VARIANTS.map((v) => () => buildSlim(spec(set, v), path.join(workDir, set, slug(v.name)))),
    concurrency,
  );
  const fair = (b: BuiltImage) => b.sizeBytes - b.wheelLayerBytes;
  const base = fair(builds[0]);
  const variants = builds.map((b, i) => ({
    name: VARIANTS[i].name,
    bytes: fair(b),
    wheelLayerBytes: b.wheelLayerBytes,
    deltaBytes: fair(b) - base,
    buildSeconds: b.seconds,
    prune: b.prune,
  }));
  return {
    result: {
      set,
      naiveBytes: naive.sizeBytes,
      naiveWheelLayerBytes: naive.wheelLayerBytes,
      variants,
    },
    builds,
  };
}

async function coldStarts(builds: BuiltImage[]): Promise<ColdStart[]> {
  const out: ColdStart[] = [];
  for (const policy of POLICIES) {
    const index = VARIANTS.findIndex(
      (v) => (v.bytecode ?? "compile") === policy && !v.optimizations,
    );
    const image = builds[index].reference;
    const release = "bench";
    const values = daskChartValues({
      image,
      releaseName: release,
      jupyter: false,
      runAsUser: UID,
      workers: { replicas: 1, cpu: "1", memory: "1Gi" },
    });
    const runs = await measureColdStarts(
      chartPods(values, release),
      chartFullname(release, values),
      `slim-dask-bench-${policy}`,
      COLD_RUNS,
    );
    out.push({ policy, runs, medianSeconds: median(runs) });
  }
  return out;
}

/**
 * Removes the variant images (each holds its own ~0.4 GB copy of the venv); the default
 * images stay, as the e2e suite builds the same recipe.
 */
async function removeVariantImages(ids: string[]): Promise<void> {
  if (ids.length > 0) await docker(["rmi", "-f", ...new Set(ids)], { allowFailure: true });
}

async function machine() {
  const { stdout: engine } = await docker(["version", "--format", "{{.Server.Version}}"]);
  return {
    nproc: os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    docker: engine.trim(),
    node: process.version,
  };
}

function markdown(report: Awaited<ReturnType<typeof collect>>): string {
  const lines = [
    "# Benchmarks",
    "",
    `Measured ${report.date} on ${report.machine.nproc} cores, ${(report.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, kernel ${report.machine.kernel}, Docker ${report.machine.docker} (legacy builder), in ${report.wallSeconds.toFixed(0)} s.`,
    "",
    "Images: the `pip` preset on local Debian bookworm bases (Python 3.11, wheels installed offline).",
    "The naive image is one stage with `pip install` into a venv on a stand-in for `python:3.11`",
    "(Debian with Python, pip, `build-essential` and `python3-dev`, the compilers and headers",
    "python:3.11's buildpack-deps base carries; the real image is larger still). Sizes of",
    "single-stage images (naive, smallBase off) leave out the layer holding the offline",
    "wheelhouse, which a PyPI install would not have. `smallBase off` builds on that full",
    "base, as `python:3.11` is to `python:3.11-slim`. `cleanCache` saves nothing here",
    "because pip installs from a local directory and caches only downloads.",
    "",
  ];
  for (const set of report.sets) {
    const naive = set.naiveBytes - set.naiveWheelLayerBytes;
    const slim = set.variants[0].bytes;
    lines.push(
      `## ${set.set === "article" ? "The article's set (dask, distributed, bokeh, numpy, pandas)" : "`dask[complete]`"}`,
      "",
      `Naive ${mb(naive)} MB -> slim ${mb(slim)} MB (${((1 - slim / naive) * 100).toFixed(0)}% smaller).`,
      "",
      "| variant | size MB | vs default MB | build s |",
      "| --- | ---: | ---: | ---: |",
      ...set.variants.map(
        (v) =>
          `| ${v.name} | ${mb(v.bytes)} | ${v.deltaBytes >= 0 ? "+" : ""}${mb(v.deltaBytes)} | ${v.buildSeconds.toFixed(0)} |`,
      ),
      "",
      "Prune rules of the default build (bytes removed inside the install layer):",
      "",
      "| rule | files | MB |",
      "| --- | ---: | ---: |",
      ...(set.variants[0].prune?.rules ?? []).map(
        (r) => `| ${r.rule} | ${r.files} | ${mb(r.bytes)} |`,
      ),
      "",
    );
  }
  lines.push(
    `## Worker cold start (\`dask[complete]\`, container start -> "Registered to", median of ${COLD_RUNS})`,
    "",
    "| bytecode | median s | runs s |",
    "| --- | ---: | --- |",
    ...report.coldStarts.map(
      (c) =>
        `| ${c.policy} | ${c.medianSeconds.toFixed(2)} | ${c.runs.map((r) => r.toFixed(2)).join(", ")} |`,
    ),
    "",
    "Commands:",
    "",
    ...report.commands.map((c) => `    ${c}`),
    "",
  );
  return lines.join("\n");
}

async function collect() {
  const started = Date.now();
  await requireDocker();
  await requireImage(BASE_IMAGES.slim);
  await requireImage(BASE_IMAGES.full);
  const workDir = path.join(repoRoot(), "build", "bench");
  fs.rmSync(workDir, { recursive: true, force: true });
  const concurrency = Number(process.env.SLIM_DASK_BENCH_CONCURRENCY ?? 2);
  const sets: SetResult[] = [];
  let completeBuilds: BuiltImage[] = [];
  const builtIds: string[] = [];
  for (const set of SETS) {
    const t0 = Date.now();
    const { result, builds } = await measureSet(set, workDir, concurrency);
    sets.push(result);
    if (set === "complete") completeBuilds = builds;
    builtIds.push(...builds.slice(1).map((b) => b.imageId));
    console.log(`bench: ${set} set measured in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const cold = await coldStarts(completeBuilds);
  await removeVariantImages(builtIds);
  return {
    date: new Date().toISOString(),
    machine: await machine(),
    commands: [
      "bash .ci/provision.sh",
      "npm run bench",
      "per variant: slim-dask context --config <image.yaml> --out <dir> && DOCKER_BUILDKIT=0 docker build <dir>",
      "cold start: docker run <chart worker args>; State.StartedAt -> `docker logs -t` 'Registered to'",
    ],
    sets,
    coldStarts: cold,
    wallSeconds: (Date.now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const report = await collect();
  const outDir = path.join(repoRoot(), "build");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "bench-report.json"), JSON.stringify(report, null, 2));
  const md = markdown(report);
  fs.writeFileSync(path.join(outDir, "bench-report.md"), md);
  console.log(md);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
