import * as fs from "fs";
import * as path from "path";
import { generatedModules, spliceReadme } from "../../components/generated";
import { CLUSTER_FIELDS } from "../../components/cluster/fields";
import { IMAGE_FIELDS } from "../../components/image/fields";

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
