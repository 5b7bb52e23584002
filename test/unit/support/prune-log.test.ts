import * as fs from "node:fs";
import * as path from "node:path";
import { buildSteps, logLines } from "../../support/build-log";
import { parsePruneReport, pruneRulesOf, parseSplitReport } from "../../support/prune-log";

/**
 * The fixtures are excerpts of real output (2026-12-01, Docker 20.10.24): the article set's
 * pip-preset context built once with BuildKit (`--progress=plain`) and once with the legacy
 * builder, each then rebuilt from its cache, and a BuildKit step whose output passed the log
 * limit.
 */
const fixture = (name: string) =>
  fs.readFileSync(path.join(__dirname, "fixtures", `${name}.log`), "utf8");
const golden = fs.readFileSync(
  path.join(__dirname, "..", "..", "golden", "pip-defaults.Dockerfile"),
  "utf8",
);

describe("parsePruneReport on real build output", () => {
  const expected = {
    rules: [
      { rule: "static-libs", files: 2, bytes: 124022 },
      { rule: "source-maps", files: 0, bytes: 0 },
      { rule: "bokeh-unminified", files: 7, bytes: 13467807 },
      { rule: "headers", files: 26, bytes: 380510 },
      { rule: "docs", files: 0, bytes: 0 },
      { rule: "tests", files: 1951, bytes: 27724318 },
      { rule: "cython-sources", files: 9, bytes: 111748 },
      { rule: "installer-tools", files: 1466, bytes: 21521157 },
      { rule: "type-declarations", files: 1096, bytes: 5671322 },
      { rule: "build-tools", files: 152, bytes: 847595 },
      { rule: "pyarrow-flight", files: 0, bytes: 0 },
      { rule: "pillow-avif", files: 2, bytes: 5016346 },
      { rule: "library-copies", files: 0, bytes: 0 },
      { rule: "duplicate-files", files: 340, bytes: 1033786 },
    ],
    // The two runs' totals: 4711 files / 74864825 bytes, then 340 / 1033786.
    total: { files: 5051, bytes: 75898611 },
    runs: 2,
  };

  test("legacy builder: every rule line of both prune runs and their totals", () => {
    expect(parsePruneReport(fixture("legacy-install"))).toEqual(expected);
  });

  test("BuildKit: the same report through the `#<step> <seconds> ` prefixes", () => {
    expect(parsePruneReport(fixture("buildkit-install"))).toEqual(expected);
  });

  test("the rules are exactly those the pip preset's Dockerfile asks each run for", () => {
    expect(pruneRulesOf(golden)).toEqual([
      expected.rules.slice(0, -1).map((r) => r.rule),
      ["duplicate-files"],
    ]);
  });

  test("a build answered from the cache has no report, with either builder", () => {
    expect(parsePruneReport(fixture("legacy-cached"))).toBeUndefined();
    expect(parsePruneReport(fixture("buildkit-cached"))).toBeUndefined();
  });

  test("a step BuildKit clipped is an error, not a shorter report", () => {
    // The real clipped step printed a rule line, then more than the log limit: its total
    // line never reached the log.
    expect(() => parsePruneReport(fixture("buildkit-clipped"))).toThrow(
      /clipped the output of step #5/,
    );
  });

  test("BuildKit lines are grouped by step: a rule line of another step joins no run", () => {
    const lines = fixture("buildkit-install").split("\n");
    const at = lines.findIndex((l) => l.includes("rule=tests "));
    // Another stage's step printing while #9 prunes (BuildKit runs stages at once).
    lines.splice(at, 0, "#10 0.412 slim-dask-prune: rule=docs files=9 bytes=9");
    expect(parsePruneReport(lines.join("\n"))).toEqual(expected);
  });
});

describe("parsePruneReport edge cases", () => {
  const log = [
    "slim-dask-prune: rule=static-libs files=2 bytes=124022",
    "slim-dask-prune: rule=bokeh-unminified files=7 bytes=13467807\r",
    "slim-dask-prune: total files=9 bytes=13591829",
  ].join("\n");

  test("a run whose total never came is left out", () => {
    const cut = `${log}\nslim-dask-prune: rule=duplicate-files files=1 bytes=5\n`;
    expect(parsePruneReport(cut)).toMatchObject({ runs: 1, total: { files: 9, bytes: 13591829 } });
    expect(parsePruneReport("slim-dask-prune: rule=docs files=1 bytes=3\n")).toBeUndefined();
  });

  test("look-alike lines that are not the report format are ignored", () => {
    const noisy =
      "echo slim-dask-prune: rule=x files=1 bytes=2\nslim-dask-prune: total files=0 bytes=0";
    expect(parsePruneReport(noisy)).toEqual({ rules: [], total: { files: 0, bytes: 0 }, runs: 1 });
  });
});

describe("build logs", () => {
  test("BuildKit output lines keep their text and step; the builder's own lines are dropped", () => {
    const lines = logLines(fixture("buildkit-install"));
    expect(lines).toContainEqual({ step: "9", text: "Looking in links: /tmp/wheels" });
    expect(lines.some((l) => /^(DONE|sha256:|\[)/.test(l.text))).toBe(false);
    expect(lines.every((l) => l.step !== "")).toBe(true);
  });

  test.each([
    ["buildkit-cached", true],
    ["legacy-cached", true],
    ["buildkit-install", false],
    ["legacy-install", false],
  ])("%s: RUN and COPY steps read as cached: %s", (name, cached) => {
    const steps = buildSteps(fixture(name)).filter((s) => /^(RUN|COPY) /.test(s.instruction));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((s) => s.cached === cached)).toBe(true);
  });

  test("a cached build names every RUN and COPY of both stages, with either builder", () => {
    // The context's Dockerfile: apt, two context COPYs and the install in the build stage;
    // two COPY --from, the stdlib compile and the user in the runtime stage.
    for (const name of ["buildkit-cached", "legacy-cached"]) {
      const names = buildSteps(fixture(name))
        .map((s) => s.instruction)
        .filter((i) => /^(RUN|COPY) /.test(i))
        .map((i) => i.split(" ").slice(0, 2).join(" "))
        .sort();
      expect({ name, names }).toEqual({
        name,
        names: [
          "COPY --from=build",
          "COPY --from=build",
          "COPY slim-dask/",
          "COPY wheels/",
          "RUN /opt/venv/bin/python",
          "RUN apt-get",
          "RUN if",
          "RUN python3",
        ],
      });
    }
  });
});

describe("parseSplitReport", () => {
  const lines = [
    "slim-dask-split-layers: layer=1 files=5 bytes=14055",
    "slim-dask-split-layers: layer=2 files=4532 bytes=151957973",
    "slim-dask-split-layers: layer=3 files=1975 bytes=40698118",
    "slim-dask-split-layers: layer=4 files=0 bytes=0",
    "slim-dask-split-layers: hard-link copies files=5 bytes=4069",
  ];
  const expected = {
    layers: [
      { files: 5, bytes: 14055 },
      { files: 4532, bytes: 151957973 },
      { files: 1975, bytes: 40698118 },
      { files: 0, bytes: 0 },
    ],
    copies: { files: 5, bytes: 4069 },
  };

  test("reads each layer and the hard-link copies, from either builder's output", () => {
    expect(parseSplitReport(lines.join("\n"))).toEqual(expected);
    const buildkit = lines.map((l, i) => `#14 ${(12.5 + i).toFixed(3)} ${l}`).join("\n");
    expect(parseSplitReport(buildkit)).toEqual(expected);
  });

  test("a build whose split did not run (or was cached) has no report", () => {
    expect(parseSplitReport(lines.slice(0, 4).join("\n"))).toBeUndefined();
    expect(parseSplitReport("#14 CACHED")).toBeUndefined();
  });
});
