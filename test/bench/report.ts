/**
 * The benchmark's report and what is rendered from it: docs/benchmarks.md's tables and the
 * README's headline and Measurements, so no number there can drift from the measured run.
 * `npm run bench` writes build/bench-report.json; copied to docs/benchmarks.json, `npm run
 * generate` renders it (a unit test fails when the rendered files differ).
 */
import { spliceGenerated } from "../../components/generated";
import type { BytecodePolicy } from "../../components/image/recipe-types";
import type { Builder } from "../support/docker";
import type { ImagePart } from "../support/builders";
import {
  BASE_IMAGES,
  MINIMAL_SIZE_GOALS_MB,
  SET_WORK,
  SIZE_GOALS_ABOVE_BASE_MB,
  WheelSet,
} from "../support/environment";
import type { StripReport } from "../support/slim-build";
import type { PruneReport } from "../support/prune-log";

/** The variant with the default recipe's `runtime: "minimal"` (final stage FROM scratch). */
export const MINIMAL_VARIANT = "runtime minimal";

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
  /** The largest parts of what the image holds (default and minimal images only). */
  largestParts?: ImagePart[];
  /** Why the largest parts could not be listed. */
  partsError?: string;
}

/** What a node pulls for an image pushed to the local registry (compressed blobs). */
export interface PulledImage {
  /** Layer blobs (base included) + config blob, from the registry's manifest. */
  bytes: number;
  layers: number;
  /** The offline wheelhouse's layer blob (naive image only; a PyPI install has none). */
  wheelLayerBytes: number;
  /** Why the push or the manifest failed (the other fields are then 0). */
  error?: string;
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
  /** Bytes on the wire of the naive, the default and the minimal image (runs before 2026-12-07 have none). */
  pulled?: Partial<Record<PulledKind, PulledImage>>;
}

/** The images of a set whose bytes on the wire are measured. */
export type PulledKind = "naive" | "default" | "minimal";

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

/** A variant's size in MB, `failed`, or `not measured` (runs without it). */
function variantSize(v: VariantResult | undefined): string {
  return v ? (v.error ? "failed" : mb(v.bytes)) : "not measured";
}

/**
 * MB a node pulls for one image of the set; for the naive image without the offline
 * wheelhouse's layer blob, whose size follows in brackets when `withWheelhouse`.
 */
function pulledCell(set: SetResult, kind: PulledKind, withWheelhouse = false): string {
  const p = set.pulled?.[kind];
  if (!p) return "not measured";
  if (p.error) return "failed";
  const wheels = withWheelhouse && p.wheelLayerBytes > 0 ? ` (+${mb(p.wheelLayerBytes)})` : "";
  return `${mb(p.bytes - p.wheelLayerBytes)}${wheels}`;
}

/** docs/benchmarks.md up to its hand-written notes: every table of the report. */
export function benchmarksMarkdown(report: BenchReport): string {
  const base = report.runtimeBaseBytes;
  const goals = benchGoals(report);
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
    'The minimal image is the default recipe with `runtime: "minimal"` (final stage FROM',
    "scratch), so its size is its total. Pulled is what a node that has nothing pulls: the",
    "compressed layer blobs (base included) and the config blob of the image pushed to the local",
    "registry, from its manifest. The naive image's offline-wheelhouse layer is left out of its",
    "pulled figure too; its compressed size follows in brackets.",
    "",
    "| set | dask work checked in the image | slim MB | above base MB | minimal MB | naive MB | pulled naive MB | pulled slim MB | pulled minimal MB |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...report.sets.map((set) => {
      const d = built(set.variants[0]);
      const minimal = set.variants.find((v) => v.name === MINIMAL_VARIANT);
      const work = set.workError ? `FAILED: ${set.workError}` : set.work.join(" + ");
      const naive = set.naiveError ? "failed" : mb(set.naiveBytes - set.naiveWheelLayerBytes);
      const cells = [
        set.set,
        work,
        d ? mb(d.bytes) : "failed",
        d ? mb(d.bytes - base) : "failed",
        variantSize(minimal),
        naive,
        pulledCell(set, "naive", true),
        pulledCell(set, "default"),
        pulledCell(set, "minimal"),
      ];
      return `| ${cells.join(" | ")} |`;
    }),
    "",
    "## Goals",
    "",
    "| goal | measured | result |",
    "| --- | ---: | --- |",
    ...goals.map(
      (g) => `| ${g.set ? `${g.set}: ` : ""}${g.what} | ${goalFigure(g)} | ${goalVerdict(g)} |`,
    ),
    "",
    ...goals
      .filter((g) => !g.met && g.set && g.measured !== undefined)
      .flatMap((g) => [
        `Missed: ${g.set}: ${g.what}, ${goalFigure(g)}. What the image holds:`,
        "",
        ...goalBreakdown(report, g).map((line) => `    ${line}`),
        "",
      ]),
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
          : `| ${v.name} | ${mb(v.bytes)} | ${v.name === MINIMAL_VARIANT ? "(no base)" : mb(v.bytes - base)} | ${v.deltaBytes >= 0 ? "+" : ""}${mb(v.deltaBytes)} | ${v.buildSeconds.toFixed(0)} |`,
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

/** The sets in the order every table lists them. */
const SET_ORDER: readonly WheelSet[] = ["article", "article-arrow", "complete"];

/** One goal of the run and whether the measured figure meets it. */
export interface GoalResult {
  kind: "above-base" | "minimal-total" | "compile-vs-keep" | "delete-vs-compile";
  /** The set whose image the size goal is about. */
  set?: WheelSet;
  /** What is measured, e.g. "default image above the runtime base". */
  what: string;
  comparison: "<=" | ">=";
  limit: number;
  unit: "MB" | "x";
  /** The measured figure; undefined when the measurement failed, which misses the goal. */
  measured?: number;
  met: boolean;
}

const built = (v: VariantResult | undefined) => (v && !v.error ? v : undefined);

/** The default (first) and the minimal-runtime variant of a set, when they built. */
function setImages(report: BenchReport, name: WheelSet) {
  const set = report.sets.find((s) => s.set === name);
  return {
    set,
    slim: built(set?.variants[0]),
    minimal: built(set?.variants.find((v) => v.name === MINIMAL_VARIANT)),
  };
}

/** `a/b` of two cold starts' medians, when both were measured. */
function coldRatio(report: BenchReport, a: BytecodePolicy, b: BytecodePolicy) {
  const [x, y] = [coldStart(report, a), coldStart(report, b)];
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
}

/**
 * Every goal of the run with its measured figure: each set's default image above its runtime
 * base (SIZE_GOALS_ABOVE_BASE_MB), each set's minimal-runtime image in total
 * (MINIMAL_SIZE_GOALS_MB), and the cold-start ratios (COLD_START_GOALS). A figure that was not
 * measured misses its goal.
 */
export function benchGoals(report: BenchReport): GoalResult[] {
  const check = (goal: Omit<GoalResult, "met">): GoalResult => ({
    ...goal,
    met:
      goal.measured !== undefined &&
      (goal.comparison === "<=" ? goal.measured <= goal.limit : goal.measured >= goal.limit),
  });
  const sizes = SET_ORDER.flatMap((set) => {
    const { slim, minimal } = setImages(report, set);
    return [
      check({
        kind: "above-base",
        set,
        what: "default image above the runtime base",
        comparison: "<=",
        limit: SIZE_GOALS_ABOVE_BASE_MB[set],
        unit: "MB",
        measured: slim && (slim.bytes - report.runtimeBaseBytes) / 1e6,
      }),
      check({
        kind: "minimal-total",
        set,
        what: "minimal-runtime image in total",
        comparison: "<=",
        limit: MINIMAL_SIZE_GOALS_MB[set],
        unit: "MB",
        measured: minimal && minimal.bytes / 1e6,
      }),
    ];
  });
  const g = COLD_START_GOALS;
  return [
    ...sizes,
    check({
      kind: "compile-vs-keep",
      what: "`compile` vs `keep` worker cold start",
      comparison: "<=",
      limit: g.compileVsKeepAtMost,
      unit: "x",
      measured: coldRatio(report, "compile", "keep"),
    }),
    check({
      kind: "delete-vs-compile",
      what: "`delete` vs `compile` worker cold start",
      comparison: ">=",
      limit: g.deleteVsCompileAtLeast,
      unit: "x",
      measured: coldRatio(report, "delete", "compile"),
    }),
  ];
}

/** A goal's figure as written in the tables: `148.9 MB`, `0.43x` or `not measured`. */
export function goalFigure(goal: GoalResult): string {
  if (goal.measured === undefined) return "not measured";
  return goal.unit === "MB" ? `${goal.measured.toFixed(1)} MB` : `${goal.measured.toFixed(2)}x`;
}

/** `<= 150 MB: met` (missed in bold). */
export function goalVerdict(goal: GoalResult): string {
  const limit = goal.unit === "MB" ? `${goal.limit} MB` : `${goal.limit}x`;
  return `${goal.comparison} ${limit}: ${goal.met ? "met" : "**missed**"}`;
}

/** One line per goal: `article: default image above the runtime base 148.9 MB <= 150 MB: met`. */
export function goalLine(goal: GoalResult): string {
  return `${goal.set ? `${goal.set}: ` : ""}${goal.what} ${goalFigure(goal)} ${goalVerdict(goal)}`;
}

/**
 * What a size goal's image holds, for a missed goal: its largest parts (apparent bytes, hard
 * links once) and what the prune rules and strip already removed. Empty for other goals.
 */
export function goalBreakdown(report: BenchReport, goal: GoalResult): string[] {
  if (!goal.set) return [];
  const images = setImages(report, goal.set);
  const image = goal.kind === "minimal-total" ? images.minimal : images.slim;
  if (!image) return ["the image did not build"];
  const removed = [...(image.prune?.rules ?? [])].sort((a, b) => b.bytes - a.bytes);
  return [
    ...(image.largestParts
      ? ["largest parts (MB):", ...image.largestParts.map((p) => `  ${mb(p.bytes)} ${p.path}`)]
      : ["largest parts: not measured"]),
    ...(removed.length > 0
      ? [
          "already removed by prune rules (MB):",
          ...removed.filter((r) => r.bytes > 0).map((r) => `  ${mb(r.bytes)} ${r.rule}`),
        ]
      : ["prune report: none (cached build)"]),
    ...(image.strip ? [`  ${mb(image.strip.beforeBytes - image.strip.afterBytes)} strip`] : []),
  ];
}

/** The default image of `set` against the naive one (undefined when either failed). */
function setSizes(report: BenchReport, name: WheelSet) {
  const { set, slim } = setImages(report, name);
  if (!set || !slim || set.naiveError) return undefined;
  const naive = set.naiveBytes - set.naiveWheelLayerBytes;
  return {
    naive,
    slim: slim.bytes,
    smallerPercent: Math.round((1 - slim.bytes / naive) * 100),
    work: set.workError ? undefined : set.work,
  };
}

function coldStart(report: BenchReport, policy: BytecodePolicy): number | undefined {
  const c = report.coldStarts.find((x) => x.policy === policy);
  return c && !c.error ? c.medianSeconds : undefined;
}

const seconds = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(2)} s`);

/** Bytes a node pulls for one image of a set (the naive one without its wheelhouse layer). */
function pulledMb(set: SetResult | undefined, kind: PulledKind): string | undefined {
  const p = set?.pulled?.[kind];
  return p && !p.error ? `${mb(p.bytes - p.wheelLayerBytes)} MB` : undefined;
}

/** How many goals the run met, as a phrase. */
function goalsPhrase(goals: GoalResult[]): string {
  const missed = goals.filter((g) => !g.met).length;
  return missed === 0
    ? `all ${goals.length} goals are met`
    : `**${missed} of ${goals.length} goals are missed**`;
}

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
  const images = setImages(report, "article");
  const [naivePulled, slimPulled, minimalPulled] = (["naive", "default", "minimal"] as const).map(
    (kind) => pulledMb(images.set, kind),
  );
  const minimal =
    images.minimal && naivePulled && slimPulled && minimalPulled
      ? `; with \`runtime: "minimal"\` (the final stage FROM scratch) the article's set is **${mb(images.minimal.bytes)} MB** in total, **${minimalPulled}** pulled by a node (${slimPulled} for the default image, ${naivePulled} for the naive one)`
      : "; the minimal runtime's size or bytes on the wire were not measured";
  const starts =
    compile !== undefined && del !== undefined
      ? `workers start in **${seconds(compile)}** with bytecode compiled at build time (the default), against ${seconds(keep)} with it kept and ${seconds(del)} with the article's bytecode deletion, ${(del / compile).toFixed(1)} times slower`
      : "the cold-start measurement failed";
  return [
    "**The numbers.** The 2019 article this starts from took a Conda-based Dask image from",
    "**1.69 GB to 258 MB** (nomkl, cache clean-up, deleting bytecode, static libraries, source maps",
    "and unminified Bokeh JS, then an Alpine base). Here, building the `pip` preset (the one that",
    "can be built on this project's CI: conda channels are unreachable there),",
    `${sizes}${minimal}, and ${starts}; ${goalsPhrase(benchGoals(report))}. Measured by \`npm run bench\` on ${report.date.slice(0, 10)}: see [Measurements](#measurements).`,
  ].join("\n");
}

const SET_LABELS: Record<WheelSet, string> = {
  article: "article's (dask, distributed, bokeh, numpy, pandas)",
  "article-arrow": "article's + pyarrow",
  complete: "`dask[complete]`",
};

/** What the README's Measurements section says of the run: the sizes table and cold starts. */
export function readmeMeasurements(report: BenchReport): string {
  const goals = benchGoals(report);
  const goal = (kind: GoalResult["kind"], set?: WheelSet) =>
    goals.find((g) => g.kind === kind && g.set === set)!;
  const rows = SET_ORDER.map((name) => {
    const s = setSizes(report, name);
    const { set, slim, minimal } = setImages(report, name);
    const work = !s
      ? "failed"
      : s.work
        ? s.work.includes("dataframe")
          ? "arrays and dataframes"
          : "**arrays only** (dask.dataframe needs pyarrow)"
        : "check failed";
    const above = goal("above-base", name);
    const total = goal("minimal-total", name);
    const pulled = (["naive", "default", "minimal"] as const)
      .map((kind) => pulledMb(set, kind) ?? "n/a")
      .join(" / ");
    const cells = [
      SET_LABELS[name],
      work,
      s ? `${mb(s.naive)} MB` : "failed",
      slim ? `${mb(slim.bytes)} MB` : "failed",
      goalFigure(above),
      goalVerdict(above),
      minimal ? `${mb(minimal.bytes)} MB` : "n/a",
      goalVerdict(total),
      pulled,
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const [compile, keep, del] = (["compile", "keep", "delete"] as const).map((p) =>
    coldStart(report, p),
  );
  const ratioLine = (g: GoalResult) => `${goalFigure(g)} (goal ${goalVerdict(g)})`;
  return [
    `Measured ${report.date} by \`npm run bench\` on ${machineLine(report)}. The full report is`,
    "`docs/benchmarks.md`, rendered, like this section and the opening numbers, from the run's",
    "results in `docs/benchmarks.json` by `npm run generate`. Minimal: the default recipe with",
    '`runtime: "minimal"` (no base; its goal is its total). Pulled: the compressed blobs a node',
    "with nothing pulls, from the pushed image's manifest (the naive image's without its offline",
    `wheelhouse layer). ${goalsPhrase(goals).replace(/^./, (c) => c.toUpperCase())}.`,
    "",
    "| package set | dask work it can do | naive | slim | above the base | goal (above base) | minimal | goal (minimal total) | pulled: naive / slim / minimal |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `**Worker cold start** (\`dask[complete]\`, container start to "Registered to", median of ${coldRuns(report)}):`,
    `\`compile\` **${seconds(compile)}**, \`keep\` **${seconds(keep)}**, \`delete\` **${seconds(del)}**;`,
    `\`compile\` vs \`keep\` ${ratioLine(goal("compile-vs-keep"))},`,
    `\`delete\` vs \`compile\` ${ratioLine(goal("delete-vs-compile"))}.`,
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
