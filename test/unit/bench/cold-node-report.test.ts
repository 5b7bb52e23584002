import {
  coldNodeGoals,
  coldNodeMarkdown,
  ColdNodeImage,
  ColdNodeReport,
  spliceColdNodeReport,
} from "../../bench/cold-node-report";

const image = (kind: ColdNodeImage["kind"], seconds: number[]): ColdNodeImage => ({
  kind,
  pulledBytes: 100e6,
  layers: 2,
  runs: seconds.map((s) => ({ seconds: s, pullSeconds: s / 2, imageBytes: 300e6 })),
});

const report = (images: ColdNodeImage[]): ColdNodeReport => ({
  date: "2026-12-07T15:00:00.000Z",
  machine: "2 cores",
  set: "dask[complete]",
  images,
});

describe("coldNodeGoals", () => {
  it("compares each slim image's median with the naive one's", () => {
    const goals = coldNodeGoals(
      report([
        image("naive", [30, 31, 29, 90, 30]),
        image("default", [10, 9, 11, 10, 40]),
        image("minimal", [6, 7, 5, 6, 6]),
      ]),
    );
    expect(goals).toEqual([
      { kind: "default", speedUp: 3, goal: 3, met: true },
      { kind: "minimal", speedUp: 5, goal: 3, met: true },
    ]);
  });

  it("misses a goal below 3x, and one without a measurement", () => {
    const goals = coldNodeGoals(report([image("naive", [20]), image("default", [10])]));
    expect(goals).toEqual([
      { kind: "default", speedUp: 2, goal: 3, met: false },
      { kind: "minimal", speedUp: undefined, goal: 3, met: false },
    ]);
  });
});

describe("coldNodeMarkdown", () => {
  const text = coldNodeMarkdown(
    report([image("naive", [30, 30, 30]), image("default", [12, 12, 12]), image("minimal", [])]),
  );

  it("gives each image's pulled MB, medians, speed-up and verdict", () => {
    expect(text).toContain("median of 3");
    expect(text).toContain(
      "| naive | 100.0 (2 layers) | 300.0 | 15.00 | **30.00** |  | 30.00, 30.00, 30.00 |",
    );
    expect(text).toContain(
      "| default | 100.0 (2 layers) | 300.0 | 6.00 | **12.00** | 2.5x (goal >= 3x: **missed**) |",
    );
    expect(text).toContain("| minimal | not measured |");
  });

  it("replaces only its own generated block", () => {
    const doc = "a\n<!-- generated:cold-node -->\nstale text\n<!-- /generated:cold-node -->\nb\n";
    const out = spliceColdNodeReport(doc, report([image("naive", [1])]));
    expect(out.startsWith("a\n<!-- generated:cold-node -->\n## A ready worker")).toBe(true);
    expect(out.endsWith("<!-- /generated:cold-node -->\nb\n")).toBe(true);
    expect(out).not.toContain("stale text");
  });
});
