import * as fs from "fs";
import * as path from "path";
import { generatedModules, spliceReadme } from "../../components/generated";
import { CLUSTER_FIELDS } from "../../components/cluster/fields";
import { IMAGE_FIELDS } from "../../components/image/fields";
import { BenchReport, mb, readmeHeadline, spliceBenchReport } from "../bench/report";
import {
  coldNodeGoals,
  coldNodeMarkdown,
  ColdNodeReport,
  spliceColdNodeReport,
} from "../bench/cold-node-report";

/**
 * Each arg is defined once, in a field table; the args interfaces and the README tables are
 * generated from it. These fail when a generated file drifts: run `npm run generate`.
 */
const root = path.join(__dirname, "..", "..");

test.each(Object.entries(generatedModules()))("%s matches its field table", (file, content) => {
  expect(fs.readFileSync(path.join(root, file), "utf8")).toBe(content);
});

test("the README's args tables match the field tables", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  expect(spliceReadme(readme)).toBe(readme);
});

test.each([
  ["image", IMAGE_FIELDS],
  ["cluster", CLUSTER_FIELDS],
])("every %s arg is documented in the README with its default", (_, table) => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  for (const [key, field] of Object.entries(table)) {
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
    expect({ key, row: row !== undefined }).toEqual({ key, row: true });
    if (field.default !== undefined) expect(row).toContain(field.default.replace(/\|/g, "\\|"));
  }
});

test("a drifted README is detected", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const drifted = readme.replace("| `namespace` |", "| `namespaces` |");
  expect(spliceReadme(drifted)).not.toBe(drifted);
});

describe("the benchmark's numbers in the README and docs/benchmarks.md", () => {
  const read = (name: string) => fs.readFileSync(path.join(root, name), "utf8");
  const report = JSON.parse(read("docs/benchmarks.json")) as BenchReport;
  const files = () => ({ readme: read("README.md"), benchmarks: read("docs/benchmarks.md") });

  test("are rendered from the committed run (docs/benchmarks.json)", () => {
    expect(spliceBenchReport(files(), report)).toEqual(files());
  });

  test("a number edited by hand, or a new run not rendered, is detected", () => {
    const edited = (readme: string) =>
      readme.replace(`-> ${mb(complete(report).variants[0].bytes)} MB`, "-> 100.0 MB");
    const { readme, benchmarks } = files();
    expect(edited(readme)).not.toBe(readme);
    expect(spliceBenchReport({ readme: edited(readme), benchmarks }, report).readme).toBe(readme);
    const rerun = { ...report, wallSeconds: report.wallSeconds + 60 };
    expect(spliceBenchReport(files(), rerun)).not.toEqual(files());
  });

  test("the headline states the measured sizes and cold starts", () => {
    const headline = readmeHeadline(report);
    const compile = report.coldStarts.find((c) => c.policy === "compile")!;
    expect(headline).toContain(`${mb(complete(report).variants[0].bytes)} MB`);
    expect(headline).toContain(`**${compile.medianSeconds.toFixed(2)} s**`);
  });
});

describe("the cold-node table in docs/benchmarks.md", () => {
  const read = (name: string) => fs.readFileSync(path.join(root, name), "utf8");
  const report = JSON.parse(read("docs/cold-node.json")) as ColdNodeReport;

  test("is rendered from the committed run (docs/cold-node.json)", () => {
    const benchmarks = read("docs/benchmarks.md");
    expect(spliceColdNodeReport(benchmarks, report)).toBe(benchmarks);
  });

  test("holds a figure for every image, and says whether each goal was met", () => {
    const table = coldNodeMarkdown(report);
    for (const image of report.images) {
      expect(image.runs.length).toBeGreaterThanOrEqual(5);
      expect(table).toContain(`| ${image.kind} | ${(image.pulledBytes / 1e6).toFixed(1)} (`);
    }
    for (const goal of coldNodeGoals(report)) {
      expect(table).toMatch(
        new RegExp(`\\| ${goal.kind} \\|.*goal >= 3x: (met|\\*\\*missed\\*\\*)`),
      );
    }
  });
});

function complete(report: BenchReport) {
  return report.sets.find((s) => s.set === "complete")!;
}
