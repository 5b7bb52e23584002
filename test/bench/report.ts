/**
 * The benchmark's report and what is rendered from it: docs/benchmarks.md's tables and the
 * README's headline and Measurements, so no number there can drift from the measured run.
 * `npm run bench` writes build/bench-report.json; copied to docs/benchmarks.json, `npm run
 * generate` renders it (a unit test fails when the rendered files differ).
 */
import { spliceGenerated } from "../../components/generated";
import type { BytecodePolicy } from "../../components/image/recipe-types";
import type { Builder } from "../support/docker";
import { BASE_IMAGES, SET_WORK, SIZE_GOALS_ABOVE_BASE_MB, WheelSet } from "../support/environment";
import type { StripReport } from "../support/slim-build";
import type { PruneReport } from "../support/prune-log";

export interface VariantResult {
  name: string;
  /** Why the build failed (the other fields are then 0). */
  error?: string;
  /** Image size without a leftover offline-wheelhouse layer (single-stage variants have one). */
  bytes: number;
  wheelLayerBytes: number;
  /** Size minus the default's: what the technique saves (negative = it costs). */
  deltaBytes: number;
  buildSeconds: number;
  prune?: PruneReport;
  strip?: StripReport;
}

export interface SetResult {
  set: WheelSet;
  naiveBytes: number;
  naiveWheelLayerBytes: number;
  naiveError?: string;
  variants: VariantResult[];
  /** The dask work the default image did in the image (or why it could not). */
  work: string[];
  workError?: string;
}

export interface ColdStart {
  policy: BytecodePolicy;
  runs: number[];
  medianSeconds: number;
  error?: string;
}

/** What `npm run bench` measured (build/bench-report.json). */
export interface BenchReport {
  date: string;
  machine: {
    nproc: number;
    memoryBytes: number;
    kernel: string;
    docker: string;
    builder: Builder;
    buildClient: string;
    node: string;
  };
  commands: string[];
  runtimeBaseBytes: number;
  sets: SetResult[];
  coldStarts: ColdStart[];
  failures: string[];
  /** The 1-minute load average over the run (sampled every 30 s). */
  loadAverage?: { samples: number; min: number; median: number; max: number };
  wallSeconds: number;
}

/** How many cold starts each policy's median is of. */
const coldRuns = (report: BenchReport) =>
  Math.max(0, ...report.coldStarts.map((c) => c.runs.length));

export const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export const BUILDER_NAMES: Record<Builder, string> = {
  buildkit: "BuildKit",
  legacy: "legacy builder",
};

const SET_TITLES: Record<WheelSet, string> = {
  article: "The article's set (dask, distributed, bokeh, numpy, pandas): array work only",
  "article-arrow": "The article's set + pyarrow: the smallest set with working dataframes",
  complete: "`dask[complete]`",
};

/** `a/b` as `1.23x`, or "n/a" when either side is missing. */
function ratio(a: ColdStart | undefined, b: ColdStart | undefined): string {
  if (!a || !b || a.error || b.error || b.medianSeconds === 0) return "n/a";
  return `${(a.medianSeconds / b.medianSeconds).toFixed(2)}x`;
}

/** docs/benchmarks.md up to its hand-written notes: every table of the report. */
export function benchmarksMarkdown(report: BenchReport): string {
  const base = report.runtimeBaseBytes;
  const lines = [
    "# Benchmarks",
    "",
    `Measured ${report.date} on ${machineLine(report)}.`,
    "",
    "Images: the `pip` preset on the faithful stand-in for `python:3.11-slim`",
    `(\`${BASE_IMAGES.faithful}\`, ${mb(base)} MB: Debian bookworm's Python 3.11 with every`,
    "stdlib `*.pyc` and test directory deleted, as the official slim image's Dockerfile does),",
    "wheels installed offline. The naive image is one stage with `pip install` into a venv on a",
    "stand-in for `python:3.11` (Debian with Python, pip, `build-essential` and `python3-dev`;",
    "the real image is larger still). Sizes of single-stage images (naive, smallBase off) leave",
    "out the layer holding the offline wheelhouse, which a PyPI install would not have.",
    '"Above base" is the image size minus the runtime base\'s.',
    "",
    "| set | dask work checked in the image | slim MB | above base MB | naive MB |",
    "| --- | --- | ---: | ---: | ---: |",
    ...report.sets.map((set) => {
      const d = set.variants[0];
      const work = set.workError ? `FAILED: ${set.workError}` : set.work.join(" + ");
      const naive = set.naiveError ? "failed" : mb(set.naiveBytes - set.naiveWheelLayerBytes);
      return d.error
        ? `| ${set.set} | ${work} | failed | failed | ${naive} |`
        : `| ${set.set} | ${work} | ${mb(d.bytes)} | ${mb(d.bytes - base)} | ${naive} |`;
    }),
    "",
  ];
  for (const set of report.sets) {
    const d = set.variants[0];
    lines.push(`## ${SET_TITLES[set.set]}`, "");
    if (!set.naiveError && !d.error) {
      const naive = set.naiveBytes - set.naiveWheelLayerBytes;
      lines.push(
        `Naive ${mb(naive)} MB -> slim ${mb(d.bytes)} MB (${((1 - d.bytes / naive) * 100).toFixed(0)}% smaller), ${mb(d.bytes - base)} MB above the runtime base. Claims: ${SET_WORK[set.set].join(" + ")}.`,
        "",
      );
    }
    lines.push(
      "| variant | size MB | above base MB | vs default MB | build s |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...set.variants.map((v) =>
        v.error
          ? `| ${v.name} | FAILED: ${v.error} | | | |`
          : `| ${v.name} | ${mb(v.bytes)} | ${mb(v.bytes - base)} | ${v.deltaBytes >= 0 ? "+" : ""}${mb(v.deltaBytes)} | ${v.buildSeconds.toFixed(0)} |`,
      ),
      "",
      "Prune rules and strip of the default build (bytes removed inside the install layer):",
      "",
      "| rule | files | MB |",
      "| --- | ---: | ---: |",
      ...(d.prune
        ? d.prune.rules.map((r) => `| ${r.rule} | ${r.files} | ${mb(r.bytes)} |`)
        : ["| (the build came from the layer cache: no report) | | |"]),
      ...(d.strip
        ? [
            `| strip (shared objects ${mb(d.strip.beforeBytes)} -> ${mb(d.strip.afterBytes)} MB) | ${d.strip.files} | ${mb(d.strip.beforeBytes - d.strip.afterBytes)} |`,
          ]
        : []),
      "",
    );
  }
  const cold = (p: BytecodePolicy) => report.coldStarts.find((c) => c.policy === p);
  lines.push(
    `## Worker cold start (\`dask[complete]\`, faithful base, container start -> "Registered to", median of ${coldRuns(report)})`,
    "",
    "| bytecode | median s | runs s |",
    "| --- | ---: | --- |",
    ...report.coldStarts.map((c) =>
      c.error
        ? `| ${c.policy} | FAILED: ${c.error} | |`
        : `| ${c.policy} | ${c.medianSeconds.toFixed(2)} | ${c.runs.map((r) => r.toFixed(2)).join(", ")} |`,
    ),
    "",
    `compile vs keep: ${ratio(cold("compile"), cold("keep"))}; delete vs compile: ${ratio(cold("delete"), cold("compile"))}.`,
    "",
  );
  if (report.failures.length > 0) {
    lines.push("## Failed measurements", "", ...report.failures.map((f) => `- ${f}`), "");
  }
  lines.push("Commands:", "", ...report.commands.map((c) => `    ${c}`), "");
  return lines.join("\n");
}

/** Machine, builder, wall time and load of a run, in one phrase. */
function machineLine(report: BenchReport): string {
  const m = report.machine;
  const load = report.loadAverage
    ? `; 1-minute load average ${report.loadAverage.min} to ${report.loadAverage.max}, median ${report.loadAverage.median}, sampled every 30 s`
    : "";
  return `${m.nproc} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, kernel ${m.kernel}, Docker ${m.docker} (${BUILDER_NAMES[m.builder]}), in ${report.wallSeconds.toFixed(0)} s${load}`;
}

/** The cold-start goals: compiled bytecode no slower than kept, deletion clearly slower. */
export const COLD_START_GOALS = { compileVsKeepAtMost: 1.1, deleteVsCompileAtLeast: 2 };

/** The default image of `set` against the naive one (undefined when either failed). */
function setSizes(report: BenchReport, name: WheelSet) {
  const set = report.sets.find((s) => s.set === name);
  const slim = set?.variants[0];
  if (!set || !slim || slim.error || set.naiveError) return undefined;
  const naive = set.naiveBytes - set.naiveWheelLayerBytes;
  return {
    naive,
    slim: slim.bytes,
    above: slim.bytes - report.runtimeBaseBytes,
    smallerPercent: Math.round((1 - slim.bytes / naive) * 100),
    work: set.workError ? undefined : set.work,
  };
}

function coldStart(report: BenchReport, policy: BytecodePolicy): number | undefined {
  const c = report.coldStarts.find((x) => x.policy === policy);
  return c && !c.error ? c.medianSeconds : undefined;
}

const seconds = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(2)} s`);

/** The README's opening numbers. */
export function readmeHeadline(report: BenchReport): string {
  const complete = setSizes(report, "complete");
  const article = setSizes(report, "article");
  const [compile, keep, del] = (["compile", "keep", "delete"] as const).map((p) =>
    coldStart(report, p),
  );
  const sizes =
    complete && article
      ? `the default image is **${complete.smallerPercent}% smaller** than a naive single-stage \`pip install\` (\`dask[complete]\`: ${mb(complete.naive)} MB -> ${mb(complete.slim)} MB; the article's package set: ${mb(article.naive)} MB -> ${mb(article.slim)} MB, ${article.smallerPercent}%)`
      : "the size measurement failed (see [Measurements](#measurements))";
  const starts =
    compile !== undefined && del !== undefined
      ? `workers start in **${seconds(compile)}** with bytecode compiled at build time (the default), against ${seconds(keep)} with it kept and ${seconds(del)} with the article's bytecode deletion, ${(del / compile).toFixed(1)} times slower`
      : "the cold-start measurement failed";
  return [
    "**The numbers.** The 2019 article this starts from took a Conda-based Dask image from",
    "**1.69 GB to 258 MB** (nomkl, cache clean-up, deleting bytecode, static libraries, source maps",
    "and unminified Bokeh JS, then an Alpine base). Here, building the `pip` preset (the one that",
    "can be built on this project's CI: conda channels are unreachable there),",
    `${sizes}, and ${starts}. Measured by \`npm run bench\` on ${report.date.slice(0, 10)}: see [Measurements](#measurements).`,
  ].join("\n");
}

const SET_LABELS: Record<WheelSet, string> = {
  article: "article's (dask, distributed, bokeh, numpy, pandas)",
  "article-arrow": "article's + pyarrow",
  complete: "`dask[complete]`",
};

/** What the README's Measurements section says of the run: the sizes table and cold starts. */
export function readmeMeasurements(report: BenchReport): string {
  const rows = (["article", "article-arrow", "complete"] as const).map((name) => {
    const s = setSizes(report, name);
    const goal = SIZE_GOALS_ABOVE_BASE_MB[name];
    if (!s) return `| ${SET_LABELS[name]} | failed | | | | <= ${goal} |`;
    const work = s.work
      ? s.work.includes("dataframe")
        ? "arrays and dataframes"
        : "**arrays only** (dask.dataframe needs pyarrow)"
      : "check failed";
    const met = s.above / 1e6 <= goal ? "met" : "**missed**";
    return `| ${SET_LABELS[name]} | ${work} | ${mb(s.naive)} MB | ${mb(s.slim)} MB | ${mb(s.above)} MB | <= ${goal}: ${met} |`;
  });
  const [compile, keep, del] = (["compile", "keep", "delete"] as const).map((p) =>
    coldStart(report, p),
  );
  const ratioLine = (a: number | undefined, b: number | undefined, goal: string, ok: boolean) =>
    a !== undefined && b !== undefined
      ? `${(a / b).toFixed(2)}x (goal ${goal}: ${ok ? "met" : "**missed**"})`
      : "n/a";
  const g = COLD_START_GOALS;
  return [
    `Measured ${report.date} by \`npm run bench\` on ${machineLine(report)}. The full report is`,
    "`docs/benchmarks.md`, rendered, like this section and the opening numbers, from the run's",
    "results in `docs/benchmarks.json` by `npm run generate`.",
    "",
    "| package set | dask work it can do | naive | slim | above the base | goal (above base, MB) |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `**Worker cold start** (\`dask[complete]\`, container start to "Registered to", median of ${coldRuns(report)}):`,
    `\`compile\` **${seconds(compile)}**, \`keep\` **${seconds(keep)}**, \`delete\` **${seconds(del)}**;`,
    `\`compile\` vs \`keep\` ${ratioLine(compile, keep, `<= ${g.compileVsKeepAtMost}x`, compile !== undefined && keep !== undefined && compile / keep <= g.compileVsKeepAtMost)},`,
    `\`delete\` vs \`compile\` ${ratioLine(del, compile, `>= ${g.deleteVsCompileAtLeast}x`, del !== undefined && compile !== undefined && del / compile >= g.deleteVsCompileAtLeast)}.`,
  ].join("\n");
}

/** README.md and docs/benchmarks.md with every part rendered from `report` replaced. */
export function spliceBenchReport(
  files: { readme: string; benchmarks: string },
  report: BenchReport,
): { readme: string; benchmarks: string } {
  let readme = spliceGenerated(files.readme, "bench-headline", readmeHeadline(report));
  readme = spliceGenerated(readme, "bench-measurements", readmeMeasurements(report));
  const benchmarks = spliceGenerated(
    files.benchmarks,
    "bench-report",
    benchmarksMarkdown(report).trimEnd(),
  );
  return { readme, benchmarks };
}
