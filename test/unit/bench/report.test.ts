import {
  BenchReport,
  benchGoals,
  COLD_START_GOALS,
  goalBreakdown,
  goalLine,
  MINIMAL_VARIANT,
  readmeHeadline,
  readmeMeasurements,
  benchmarksMarkdown,
  SetResult,
  VariantResult,
} from "../../bench/report";
import {
  MINIMAL_SIZE_GOALS_MB,
  SIZE_GOALS_ABOVE_BASE_MB,
  WheelSet,
} from "../../support/environment";

const BASE = 150e6;

const variant = (name: string, mb: number, extra: Partial<VariantResult> = {}): VariantResult => ({
  name,
  bytes: mb * 1e6,
  wheelLayerBytes: 0,
  deltaBytes: 0,
  buildSeconds: 1,
  ...extra,
});

/** A set whose default image is `aboveMb` above the base and whose minimal one is `minimalMb`. */
function set(name: WheelSet, aboveMb: number, minimalMb?: number): SetResult {
  return {
    set: name,
    naiveBytes: 1e9,
    naiveWheelLayerBytes: 0,
    variants: [
      variant("default (bytecode compile)", BASE / 1e6 + aboveMb),
      ...(minimalMb === undefined ? [] : [variant(MINIMAL_VARIANT, minimalMb)]),
    ],
    work: ["array"],
  };
}

function report(sets: SetResult[], cold = { compile: 1, keep: 2, delete: 4 }): BenchReport {
  return {
    date: "2026-12-07T00:00:00.000Z",
    machine: {
      nproc: 2,
      memoryBytes: 2 ** 30,
      kernel: "k",
      docker: "20.10",
      builder: "buildkit",
      buildClient: "docker",
      node: "v20",
    },
    commands: [],
    runtimeBaseBytes: BASE,
    sets,
    coldStarts: (["delete", "keep", "compile"] as const).map((policy) => ({
      policy,
      runs: [cold[policy]],
      medianSeconds: cold[policy],
    })),
    failures: [],
    wallSeconds: 1,
  };
}

const allMet = report([
  set("article", 100, 200),
  set("article-arrow", 200, 300),
  set("complete", 250, 300),
]);

describe("benchGoals", () => {
  test("lists every size goal of every set and both cold-start goals, with the figures", () => {
    const goals = benchGoals(allMet);
    expect(goals.map((g) => [g.kind, g.set, g.limit])).toEqual([
      ["above-base", "article", SIZE_GOALS_ABOVE_BASE_MB.article],
      ["minimal-total", "article", MINIMAL_SIZE_GOALS_MB.article],
      ["above-base", "article-arrow", SIZE_GOALS_ABOVE_BASE_MB["article-arrow"]],
      ["minimal-total", "article-arrow", MINIMAL_SIZE_GOALS_MB["article-arrow"]],
      ["above-base", "complete", SIZE_GOALS_ABOVE_BASE_MB.complete],
      ["minimal-total", "complete", MINIMAL_SIZE_GOALS_MB.complete],
      ["compile-vs-keep", undefined, COLD_START_GOALS.compileVsKeepAtMost],
      ["delete-vs-compile", undefined, COLD_START_GOALS.deleteVsCompileAtLeast],
    ]);
    expect(goals.every((g) => g.met)).toBe(true);
    expect(goals[0].measured).toBeCloseTo(100);
    expect(goals[1].measured).toBeCloseTo(200);
    expect(goals[6].measured).toBeCloseTo(0.5);
    expect(goals[7].measured).toBeCloseTo(4);
  });

  test("a figure exactly at its limit meets it; just over misses", () => {
    const limit = SIZE_GOALS_ABOVE_BASE_MB.article;
    const at = benchGoals(report([set("article", limit, MINIMAL_SIZE_GOALS_MB.article)]));
    expect(at.filter((g) => g.set === "article").map((g) => g.met)).toEqual([true, true]);
    const over = benchGoals(
      report([set("article", limit + 0.01, MINIMAL_SIZE_GOALS_MB.article + 0.01)]),
    );
    expect(over.filter((g) => g.set === "article").map((g) => g.met)).toEqual([false, false]);
  });

  test("slow compiled starts and fast deletion miss the cold-start goals", () => {
    const goals = benchGoals(report(allMet.sets, { compile: 2, keep: 1.5, delete: 3 }));
    expect(goals.filter((g) => !g.met).map((g) => g.kind)).toEqual([
      "compile-vs-keep",
      "delete-vs-compile",
    ]);
  });

  test("what was not measured (no minimal variant, a failed build or cold start) is missed", () => {
    const failed = set("complete", 250, 300);
    failed.variants[0] = { ...failed.variants[0], error: "build failed" };
    const r = report([set("article", 100), set("article-arrow", 200, 300), failed]);
    r.coldStarts[0] = { policy: "delete", runs: [], medianSeconds: 0, error: "no image" };
    const missed = benchGoals(r).filter((g) => !g.met);
    expect(missed.map((g) => `${g.kind} ${g.set ?? ""}`)).toEqual([
      "minimal-total article",
      "above-base complete",
      "delete-vs-compile ",
    ]);
    expect(missed.every((g) => g.measured === undefined)).toBe(true);
    expect(goalLine(missed[0])).toBe(
      `article: minimal-runtime image in total not measured <= ${MINIMAL_SIZE_GOALS_MB.article} MB: **missed**`,
    );
  });
});

describe("goalBreakdown", () => {
  test("a size goal's image: its largest parts, then what prune and strip removed", () => {
    const s = set("article", 160, 230);
    s.variants[1] = {
      ...s.variants[1],
      largestParts: [
        { path: "/opt/venv/lib/python3.11/site-packages/pandas", bytes: 38.1e6 },
        { path: "(the rest)", bytes: 10e6 },
      ],
      prune: {
        rules: [
          { rule: "tests", files: 10, bytes: 5e6 },
          { rule: "docs", files: 0, bytes: 0 },
          { rule: "headers", files: 3, bytes: 9e6 },
        ],
        total: { files: 13, bytes: 14e6 },
        runs: 1,
      },
      strip: { files: 4, beforeBytes: 50e6, afterBytes: 40e6 },
    };
    const r = report([s]);
    const minimal = benchGoals(r).find((g) => g.kind === "minimal-total" && g.set === "article")!;
    expect(minimal.met).toBe(false);
    expect(goalBreakdown(r, minimal)).toEqual([
      "largest parts (MB):",
      "  38.1 /opt/venv/lib/python3.11/site-packages/pandas",
      "  10.0 (the rest)",
      "already removed by prune rules (MB):",
      "  9.0 headers",
      "  5.0 tests",
      "  10.0 strip",
    ]);
    const above = benchGoals(r).find((g) => g.kind === "above-base")!;
    expect(goalBreakdown(r, above)).toEqual([
      "largest parts: not measured",
      "prune report: none (cached build)",
    ]);
  });

  test("cold-start goals and images that did not build have no parts to show", () => {
    const r = report([set("article", 100)]);
    const goals = benchGoals(r);
    expect(
      goalBreakdown(
        r,
        goals.find((g) => g.kind === "compile-vs-keep")!,
      ),
    ).toEqual([]);
    expect(
      goalBreakdown(
        r,
        goals.find((g) => g.kind === "minimal-total")!,
      ),
    ).toEqual(["the image did not build"]);
  });
});

describe("the rendered report", () => {
  const pulled = (mb: number, wheelMb = 0) => ({
    bytes: mb * 1e6,
    layers: 3,
    wheelLayerBytes: wheelMb * 1e6,
  });
  const measured = report([
    {
      ...set("article", 100, 189.5),
      pulled: { naive: pulled(400, 50), default: pulled(112.7), minimal: pulled(61.2) },
    },
    set("article-arrow", 200, 330),
    set("complete", 250, 300),
  ]);

  test("the README's table has the minimal size, the pulled MB and each goal's verdict", () => {
    const table = readmeMeasurements(measured);
    expect(table).toContain(
      "| 250.0 MB | 100.0 MB | <= 150 MB: met | 189.5 MB | <= 220 MB: met | 350.0 MB / 112.7 MB / 61.2 MB |",
    );
    expect(table).toContain("| 330.0 MB | <= 320 MB: **missed** | n/a / n/a / n/a |");
    expect(table).toContain("**1 of 8 goals are missed**");
    expect(readmeHeadline(measured)).toContain(
      "the article's set is **189.5 MB** in total, **61.2 MB** pulled by a node (112.7 MB for the default image, 350.0 MB for the naive one)",
    );
  });

  test("docs/benchmarks.md lists the goals and the naive wheelhouse blob apart", () => {
    const md = benchmarksMarkdown(measured);
    expect(md).toContain("| 350.0 (+50.0) | 112.7 | 61.2 |");
    expect(md).toContain(
      "| article-arrow: minimal-runtime image in total | 330.0 MB | <= 320 MB: **missed** |",
    );
    expect(md).toContain("Missed: article-arrow: minimal-runtime image in total, 330.0 MB.");
    expect(md).not.toContain("Missed: article:");
  });
});
