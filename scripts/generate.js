#!/usr/bin/env node
// Writes the files generated from the field tables (args.ts modules, README args tables).
// Run after `npm run build`: `npm run generate` does both.
const fs = require("fs");
const path = require("path");
const { generatedModules, spliceReadme } = require("../dist/components/generated");

const root = path.join(__dirname, "..");
for (const [file, content] of Object.entries(generatedModules())) {
  fs.writeFileSync(path.join(root, file), content);
}
const readme = path.join(root, "README.md");
fs.writeFileSync(readme, spliceReadme(fs.readFileSync(readme, "utf8")));
