// Sums jest's JSON results and the exit codes of the non-jest steps into the one line CI reads.
// A step that failed without producing test results (type-check, lint, build, bench,
// provisioning, the Go builds, bring-up, teardown and leftover check) counts as one failure, so a red step can never hide behind green tests.
const fs = require("fs");
const path = require("path");

const dir = process.argv[2];
let passed = 0;
let failed = 0;
const suites = {
  unit: "unit.json",
  "e2e-complete": "e2e-complete.json",
  "e2e-article-arrow": "e2e-article-arrow.json",
  "e2e-article": "e2e-article.json",
  "e2e-complete-minimal": "e2e-complete-minimal.json",
  "e2e-article-arrow-minimal": "e2e-article-arrow-minimal.json",
  "e2e-article-minimal": "e2e-article-minimal.json",
  k8s: "k8s.json",
  engine: "engine.json",
};

for (const [name, file] of Object.entries(suites)) {
  const exitFile = path.join(dir, `${name}.exit`);
  const resultFile = path.join(dir, file);
  const exitCode = fs.existsSync(exitFile)
    ? Number(fs.readFileSync(exitFile, "utf8").trim().split(" ").pop())
    : undefined;
  if (fs.existsSync(resultFile)) {
    const r = JSON.parse(fs.readFileSync(resultFile, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    // Pending/todo tests are neither passed nor acceptable: count them as failures.
    failed += r.numPendingTests + r.numTodoTests;
    if (exitCode !== 0 && r.numFailedTests + r.numRuntimeErrorTestSuites === 0) failed += 1;
    console.log(
      `${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped (exit ${exitCode})`,
    );
  } else if (exitCode !== undefined || name === "unit") {
    console.log(`${name}: no results (exit ${exitCode}): a step before jest failed`);
    failed += 1;
  }
}
for (const step of ["bench", "k8s-build", "engine-build", "k8s-up", "k8s-down", "k8s-clean"]) {
  const exitFile = path.join(dir, `${step}.exit`);
  if (fs.existsSync(exitFile) && !fs.readFileSync(exitFile, "utf8").trim().endsWith(" 0")) {
    console.log(`${step}: failed`);
    failed += 1;
  }
}
if (fs.existsSync(path.join(dir, "provision.failed"))) {
  console.log("provisioning: failed");
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
