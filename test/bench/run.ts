/**
 * The benchmark (`npm run bench`): image sizes of the naive and the slim pip-preset image,
 * each size technique turned off one at a time, for the 2019 article's package set and for
 * today's `dask[complete]`, the default image of the article's set plus pyarrow; the dask
 * work each default image can do (checked in the image); and worker cold starts per bytecode
 * policy, on the faithful python:*-slim stand-in; the minimal runtime (FROM scratch) of each
 * set; and the compressed bytes a node pulls for the naive, default and minimal image of each
 * set, pushed to the local registry. Builds use BuildKit, as `docker.Image` does
 * (`SLIM_DASK_BUILDER=legacy` for the legacy builder). Writes build/bench-report.json and
 * build/bench-report.md and prints the report and the goals. A failed build or measurement is
 * reported in the output, as is a missed goal with what its image holds (either makes the exit
 * code 1); neither crashes the run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type {
  BytecodePolicy,
  Optimizations,
  RuntimeKind,
} from "../../components/image/recipe-types";
import { chartPods } from "../../components/cluster/pods";
import { chartFullname } from "../../components/cluster/addresses";
import { daskChartValues } from "../../components/cluster/values";
import { median, measureColdStarts } from "../support/cold-start";
import {
  imageFileSizes,
  largestParts,
  pulledBytes,
  registryManifestAndHistory,
  wheelLayerBlobBytes,
} from "../support/builders";
import {
  buildClient,
  buildCommand,
  docker,
  imageSize,
  login,
  pushByDigest,
  requireDocker,
  requireImage,
  selectedBuilder,
} from "../support/docker";
import {
  BASE_IMAGES,
  registryCredentials,
  RegistryCredentials,
  repoRoot,
  WheelSet,
} from "../support/environment";
import {
  buildNaive,
  buildSlim,
  BuiltImage,
  checkDaskWork,
  SlimBuildSpec,
} from "../support/slim-build";
import {
  BenchReport,
  benchGoals,
  benchmarksMarkdown,
  ColdStart,
  goalBreakdown,
  goalLine,
  MINIMAL_VARIANT,
  PulledImage,
  PulledKind,
  SetResult,
  VariantResult,
} from "./report";

/** One variant: the default recipe with one technique changed. */
interface Variant {
  name: string;
  bytecode?: BytecodePolicy;
  optimizations?: Optimizations;
  runtime?: RuntimeKind;
}

/**
 * Techniques turned off one at a time; bytecode compares its three policies. `sourceMaps`,
 * `docs` and `cleanCache` are left out to keep the run bounded: they measured 0.0 MB on both
 * sets in the 2026-11-27 run (wheels carry no source maps or docs; pip caches no local wheels).
 */
const VARIANTS: Variant[] = [
  { name: "default (bytecode compile)" },
  { name: "bytecode keep", bytecode: "keep" },
  { name: "bytecode delete", bytecode: "delete" },
  { name: "strip off", optimizations: { strip: false } },
  { name: "installerTools off", optimizations: { installerTools: false } },
  { name: "tests off", optimizations: { tests: false } },
  { name: "cythonSources off", optimizations: { cythonSources: false } },
  { name: "staticLibraries off", optimizations: { staticLibraries: false } },
  { name: "bokehUnminified off", optimizations: { bokehUnminified: false } },
  { name: "headers off", optimizations: { headers: false } },
  { name: "compactBytecode off", optimizations: { compactBytecode: false } },
  { name: "smallBase off", optimizations: { smallBase: false } },
  { name: MINIMAL_VARIANT, runtime: "minimal" },
];

/**
 * Sets and the variants measured on each, to keep the run bounded on a busy 2-core machine:
 * every variant on the article's set; on dask[complete] the bytecode policies (the cold
 * starts need them) and smallBase (each prune rule's and strip's own saving comes from the
 * default build's report); the dataframe set's default only. The minimal runtime on every
 * set: it has a size goal per set.
 */
const SETS: WheelSet[] = ["article", "article-arrow", "complete"];
const SET_VARIANTS: Record<WheelSet, readonly string[] | "all"> = {
  article: "all",
  "article-arrow": ["default (bytecode compile)", MINIMAL_VARIANT],
  complete: [
    "default (bytecode compile)",
    "bytecode keep",
    "bytecode delete",
    "smallBase off",
    MINIMAL_VARIANT,
  ],
};
const POLICIES: BytecodePolicy[] = ["delete", "keep", "compile"];
const COLD_RUNS = Number(process.env.SLIM_DASK_BENCH_RUNS ?? 5);
const UID = 1000;
const IMAGE_NAME = "slim-dask-local/bench";
/** Where images are pushed to read what a node pulls: the local registry of provisioning. */
const REGISTRY_REPOSITORY = "slim-dask/bench";
/** How many of an image's largest parts the report keeps (the rest is summed). */
const PARTS = 15;

const message = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n").slice(0, 3).join(" ");

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
    runtime: variant.runtime,
  };
}

function slug(text: string): string {
  return text.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
}

/**
 * What a node pulls for `image`: pushed to the local registry under `tag`, the compressed
 * blobs its manifest lists (and the wheelhouse layer's among them); the tag is removed locally.
 */
async function pulled(
  image: string,
  tag: string,
  login: RegistryCredentials,
): Promise<PulledImage> {
  const reference = `${login.server}/${REGISTRY_REPOSITORY}:${tag}`;
  try {
    await docker(["tag", image, reference]);
    await pushByDigest(reference);
    const { manifest, history } = await registryManifestAndHistory(reference, login);
    return {
      bytes: pulledBytes(manifest),
      layers: manifest.layers.length,
      wheelLayerBytes: wheelLayerBlobBytes(manifest, history),
    };
  } catch (error) {
    return { bytes: 0, layers: 0, wheelLayerBytes: 0, error: message(error) };
  } finally {
    await docker(["rmi", reference], { allowFailure: true });
  }
}

/** The largest parts of what `image` holds, or why they could not be listed. */
async function parts(image: string): Promise<Pick<VariantResult, "largestParts" | "partsError">> {
  try {
    return { largestParts: largestParts(await imageFileSizes(image), PARTS) };
  } catch (error) {
    return { partsError: message(error) };
  }
}

async function measureSet(
  set: WheelSet,
  workDir: string,
  concurrency: number,
  login: RegistryCredentials,
): Promise<{ result: SetResult; builds: (BuiltImage | undefined)[] }> {
  const wanted = SET_VARIANTS[set];
  const variants = wanted === "all" ? VARIANTS : VARIANTS.filter((v) => wanted.includes(v.name));
  let naiveBytes = 0;
  let naiveWheelLayerBytes = 0;
  let naiveError: string | undefined;
  let naiveReference: string | undefined;
  try {
    const naive = await buildNaive(set, IMAGE_NAME, path.join(workDir, set, "naive"));
    naiveBytes = naive.sizeBytes;
    naiveWheelLayerBytes = naive.wheelLayerBytes;
    naiveReference = naive.reference;
  } catch (error) {
    naiveError = message(error);
  }
  const outcomes = await pooled(
    variants.map(
      (v) => () =>
        buildSlim(spec(set, v), path.join(workDir, set, slug(v.name)), {
          rebuildForReport: process.env.SLIM_DASK_BENCH_REBUILD !== "0",
        }).then(
          (b) => ({ b, error: undefined }),
          (error: unknown) => ({ b: undefined, error: message(error) }),
        ),
    ),
    concurrency,
  );
  const fair = (b: BuiltImage) => b.sizeBytes - b.wheelLayerBytes;
  const base = outcomes[0].b ? fair(outcomes[0].b) : 0;
  const results: VariantResult[] = outcomes.map(({ b, error }, i) =>
    b
      ? {
          name: variants[i].name,
          bytes: fair(b),
          wheelLayerBytes: b.wheelLayerBytes,
          deltaBytes: base > 0 ? fair(b) - base : 0,
          buildSeconds: b.seconds,
          prune: b.prune,
          strip: b.strip,
        }
      : {
          name: variants[i].name,
          error,
          bytes: 0,
          wheelLayerBytes: 0,
          deltaBytes: 0,
          buildSeconds: 0,
        },
  );
  // Bytes on the wire and contents of the images with goals (and the naive one's wire bytes).
  const minimalIndex = variants.findIndex((v) => v.name === MINIMAL_VARIANT);
  const images: [PulledKind, string | undefined][] = [
    ["naive", naiveReference],
    ["default", outcomes[0].b?.reference],
    ["minimal", outcomes[minimalIndex]?.b?.reference],
  ];
  const pulledImages: SetResult["pulled"] = {};
  for (const [kind, reference] of images) {
    if (reference) pulledImages[kind] = await pulled(reference, `${kind}-${set}`, login);
  }
  for (const index of [0, minimalIndex]) {
    const reference = outcomes[index]?.b?.reference;
    if (reference) Object.assign(results[index], await parts(reference));
  }
  let work: string[] = [];
  let workError: string | undefined;
  const defaultImage = outcomes[0].b;
  if (defaultImage) {
    try {
      work = await checkDaskWork(defaultImage.reference, set);
    } catch (error) {
      workError = message(error);
    }
  } else {
    workError = "the default image did not build";
  }
  return {
    result: {
      set,
      naiveBytes,
      naiveWheelLayerBytes,
      naiveError,
      variants: results,
      work,
      workError,
      pulled: pulledImages,
    },
    builds: outcomes.map((o) => o.b),
  };
}

/** The bytecode policy a variant changes nothing but (its image can stand for it in cold starts). */
function coldStartPolicy(v: Variant | undefined): BytecodePolicy | undefined {
  return v && !v.optimizations && !v.runtime ? (v.bytecode ?? "compile") : undefined;
}

async function coldStarts(
  builds: (BuiltImage | undefined)[],
  names: readonly string[],
): Promise<ColdStart[]> {
  const out: ColdStart[] = [];
  for (const policy of POLICIES) {
    const index = names.findIndex(
      (name) => coldStartPolicy(VARIANTS.find((x) => x.name === name)) === policy,
    );
    const built = index >= 0 ? builds[index] : undefined;
    if (!built) {
      out.push({ policy, runs: [], medianSeconds: 0, error: "the image did not build" });
      continue;
    }
    const image = built.reference;
    const release = "bench";
    const values = daskChartValues({
      image,
      releaseName: release,
      jupyter: false,
      runAsUser: UID,
      workers: { replicas: 1, cpu: "1", memory: "1Gi" },
      // The local tag is run with `docker run`, which pulls nothing; a tag is only accepted
      // with an explicit pull policy.
      imagePullPolicy: "Always",
    });
    try {
      const runs = await measureColdStarts(
        chartPods(values, release),
        chartFullname(release, values),
        `slim-dask-bench-${policy}`,
        COLD_RUNS,
      );
      out.push({ policy, runs, medianSeconds: median(runs) });
    } catch (error) {
      out.push({ policy, runs: [], medianSeconds: 0, error: message(error) });
    }
  }
  return out;
}

/**
 * Removes variant images (each holds its own ~0.4 GB copy of the venv); the default and
 * minimal-runtime images stay, as the e2e suite builds the same recipes.
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
    builder: selectedBuilder(),
    buildClient: await buildClient(),
    node: process.version,
  };
}

/** The command line every variant was built with, from the helper that runs it. */
async function buildCommandLine(): Promise<string> {
  const builder = selectedBuilder();
  const { args, dockerBuildkit } = buildCommand("<dir>", "<image>", "<iidfile>", { builder });
  return `DOCKER_BUILDKIT=${dockerBuildkit} ${await buildClient()} ${args.join(" ")}`;
}

/** Samples the 1-minute load average every 30 s: cold starts and build times depend on it. */
function sampleLoad(): {
  stop: () => { samples: number; min: number; median: number; max: number };
} {
  const samples = [os.loadavg()[0]];
  const timer = setInterval(() => samples.push(os.loadavg()[0]), 30_000);
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(os.loadavg()[0]);
      const round = (n: number) => Math.round(n * 10) / 10;
      return {
        samples: samples.length,
        min: round(Math.min(...samples)),
        median: round(median(samples)),
        max: round(Math.max(...samples)),
      };
    },
  };
}

async function collect(): Promise<BenchReport> {
  const started = Date.now();
  const load = sampleLoad();
  await requireDocker();
  await requireImage(BASE_IMAGES.faithful);
  await requireImage(BASE_IMAGES.full);
  const runtimeBaseBytes = await imageSize(BASE_IMAGES.faithful);
  const workDir = path.join(repoRoot(), "build", "bench");
  fs.rmSync(workDir, { recursive: true, force: true });
  // Docker 20.10's BuildKit panics ("failed to get edge", moby/buildkit#2303) when concurrent
  // builds share cached steps, as the variants do: it took dockerd down twice here. One build
  // at a time with BuildKit; the legacy builder can run two.
  const concurrency = Number(
    process.env.SLIM_DASK_BENCH_CONCURRENCY ?? (selectedBuilder() === "buildkit" ? 1 : 2),
  );
  const sets: SetResult[] = [];
  let completeBuilds: (BuiltImage | undefined)[] = [];
  const coldStartIds: string[] = [];
  const credentials = registryCredentials();
  await login(credentials.server, credentials.username, credentials.password);
  for (const set of SETS) {
    const t0 = Date.now();
    const { result, builds } = await measureSet(set, workDir, concurrency, credentials);
    sets.push(result);
    if (set === "complete") completeBuilds = builds;
    // The disk is shared with other jobs here: a set's variant images go as soon as it is
    // measured, but for the ones the cold starts run (never an ID the kept images share).
    const variants = result.variants.map((v) => VARIANTS.find((x) => x.name === v.name));
    const kept = new Set([0, variants.findIndex((v) => v?.runtime)].map((i) => builds[i]?.imageId));
    const doneIds: string[] = [];
    builds.forEach((b, i) => {
      if (!b || kept.has(b.imageId)) return;
      const cold = set === "complete" && coldStartPolicy(variants[i]) !== undefined;
      (cold ? coldStartIds : doneIds).push(b.imageId);
    });
    await removeVariantImages(doneIds);
    console.log(`bench: ${set} set measured in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const completeNames = sets.find((s) => s.set === "complete")?.variants.map((v) => v.name) ?? [];
  const cold = await coldStarts(completeBuilds, completeNames);
  await removeVariantImages(coldStartIds);
  const failures = [
    ...sets.flatMap((s) => [
      ...(s.naiveError ? [`${s.set} naive: ${s.naiveError}`] : []),
      ...s.variants.filter((v) => v.error).map((v) => `${s.set} ${v.name}: ${v.error}`),
      ...s.variants
        .filter((v) => v.partsError)
        .map((v) => `${s.set} ${v.name} largest parts: ${v.partsError}`),
      ...Object.entries(s.pulled ?? {})
        .filter(([, p]) => p.error)
        .map(([kind, p]) => `${s.set} ${kind} push: ${p.error}`),
      ...(s.workError ? [`${s.set} dask work: ${s.workError}`] : []),
    ]),
    ...cold.filter((c) => c.error).map((c) => `cold start ${c.policy}: ${c.error}`),
  ];
  return {
    date: new Date().toISOString(),
    machine: await machine(),
    commands: [
      "bash .ci/provision.sh",
      "npm run bench",
      `per variant: slim-dask context --config <image.yaml> --out <dir> && ${await buildCommandLine()}`,
      "dask work: docker run --rm <image> python -c <array sum; dataframe groupby>",
      `pulled: docker tag <image> 127.0.0.1:5000/${REGISTRY_REPOSITORY}:<image>-<set> && docker push; GET /v2/${REGISTRY_REPOSITORY}/manifests/<image>-<set>: layer sizes + config size`,
      "largest parts: docker run --user 0 --entrypoint python <image> -c <os.walk(/): st_size per package or directory>",
      "cold start: docker run <chart worker args>; State.StartedAt -> `docker logs -t` 'Registered to'",
    ],
    runtimeBaseBytes,
    sets,
    coldStarts: cold,
    failures,
    loadAverage: load.stop(),
    wallSeconds: (Date.now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const report = await collect();
  const outDir = path.join(repoRoot(), "build");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "bench-report.json"), JSON.stringify(report, null, 2));
  const md = benchmarksMarkdown(report);
  fs.writeFileSync(path.join(outDir, "bench-report.md"), md);
  console.log(md);
  if (report.failures.length > 0) {
    console.error(`bench: ${report.failures.length} measurement(s) failed (listed above)`);
    process.exitCode = 1;
  }
  const goals = benchGoals(report);
  console.log(["Goals:", ...goals.map((g) => `  ${goalLine(g)}`)].join("\n"));
  const missed = goals.filter((g) => !g.met);
  for (const goal of missed) {
    const breakdown = goalBreakdown(report, goal);
    if (breakdown.length > 0) {
      console.error([`missed: ${goalLine(goal)}`, ...breakdown.map((l) => `  ${l}`)].join("\n"));
    }
  }
  if (missed.length > 0) {
    console.error(`bench: ${missed.length} of ${goals.length} goals missed`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
