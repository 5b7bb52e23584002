#!/usr/bin/env node
// Writes the generated files: from the field tables, the args.ts modules and the README's args
// tables; from the benchmark's results (docs/benchmarks.json, a copy of the
// build/bench-report.json that `npm run bench` writes), the README's opening numbers and
// Measurements and docs/benchmarks.md's tables; from the cold-node test's results
// (docs/cold-node.json), docs/benchmarks.md's cold-node table. Run after `npm run build`: `npm run generate`
// does both.
const fs = require("fs");
const path = require("path");
const { generatedModules, spliceReadme } = require("../dist/components/generated");
const { spliceBenchReport } = require("../dist/test/bench/report");
const { spliceColdNodeReport } = require("../dist/test/bench/cold-node-report");

const root = path.join(__dirname, "..");
const file = (name) => path.join(root, name);
for (const [name, content] of Object.entries(generatedModules())) {
  fs.writeFileSync(file(name), content);
}
const report = JSON.parse(fs.readFileSync(file("docs/benchmarks.json"), "utf8"));
const { readme, benchmarks } = spliceBenchReport(
  {
    readme: spliceReadme(fs.readFileSync(file("README.md"), "utf8")),
    benchmarks: fs.readFileSync(file("docs/benchmarks.md"), "utf8"),
  },
  report,
);
fs.writeFileSync(file("README.md"), readme);
// The cold-node table comes from the Kubernetes suite's run (docs/cold-node.json, a copy of
// build/k8s-cold-node/cold-node.json).
const coldNode = JSON.parse(fs.readFileSync(file("docs/cold-node.json"), "utf8"));
fs.writeFileSync(file("docs/benchmarks.md"), spliceColdNodeReport(benchmarks, coldNode));
