/**
 * `npm run golden`: (re)writes the golden Dockerfiles of `cases.ts` into test/golden/.
 * Review the diff, then commit it with the change that caused it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderDockerfile } from "../../components/image/dockerfile";
import { resolveRecipe } from "../../components/image/recipe";
import { repoRoot } from "../support/environment";
import { GOLDEN_CASES, goldenFile } from "./cases";

const dir = path.join(repoRoot(), "test", "golden");
const wanted = new Set<string>();
for (const [name, config] of Object.entries(GOLDEN_CASES)) {
  const file = goldenFile(name);
  wanted.add(file);
  fs.writeFileSync(path.join(dir, file), renderDockerfile(resolveRecipe(config)));
}
// A case removed from cases.ts leaves no stale file behind.
for (const file of fs.readdirSync(dir)) {
  if (file.endsWith(".Dockerfile") && !wanted.has(file)) fs.rmSync(path.join(dir, file));
}
console.log(`golden: wrote ${wanted.size} Dockerfiles to ${dir}`);
