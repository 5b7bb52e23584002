import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";

// The examples are npm projects of their own, installed with `npm ci` in each directory
// (.ci/run does it before the unit suite). These tests read those installs: a missing one fails
// with the command to run, it is never skipped.
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
/** What each example's program loads besides slim-dask: it must share slim-dask's SDKs. */
const EXAMPLES: Record<string, string[]> = {
  aws: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/eks"],
  kind: ["@pulumi/pulumi", "@pulumi/kubernetes"],
};
const SHARED = ["@pulumi/pulumi", "@pulumi/kubernetes"];

function readJson(file: string) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** The example's node_modules; throws, saying what to run, when the example is not installed. */
function installed(example: string): string {
  const nodeModules = path.join(ROOT, "examples", example, "node_modules");
  if (!fs.existsSync(path.join(nodeModules, ".package-lock.json"))) {
    throw new Error(
      `examples/${example} is not installed: run \`cd examples/${example} && npm ci\` (.ci/run does it before the unit suite)`,
    );
  }
  const copy = path.join(nodeModules, "slim-dask", "package.json");
  const installedPkg = fs.existsSync(copy) ? readJson(copy) : {};
  if (
    installedPkg.version !== pkg.version ||
    !isDeepStrictEqual(installedPkg.dependencies, pkg.dependencies)
  ) {
    throw new Error(
      `examples/${example}/node_modules/slim-dask is not the root's package (version or dependencies differ): run \`cd examples/${example} && npm ci\` again`,
    );
  }
  return nodeModules;
}

/** Every physical copy of a package in a node_modules tree, nested ones included. */
function physicalCopies(nodeModules: string, name: string): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    if (fs.existsSync(path.join(real, name, "package.json"))) found.add(path.join(real, name));
    for (const entry of fs.readdirSync(real)) {
      if (entry.startsWith(".")) continue;
      const packages = entry.startsWith("@")
        ? fs.readdirSync(path.join(real, entry)).map((p) => path.join(real, entry, p))
        : [path.join(real, entry)];
      // A linked package (file: without install-links) leads to the target's node_modules.
      for (const p of packages) visit(path.join(p, "node_modules"));
    }
  };
  visit(nodeModules);
  return [...found].sort();
}

describe.each(Object.keys(EXAMPLES))("examples/%s", (example) => {
  const dir = path.join(ROOT, "examples", example);

  test("locks slim-dask from ../.. with the root's version and dependencies, installed as a packed copy", () => {
    const lock = readJson(path.join(dir, "package-lock.json"));
    const own = readJson(path.join(dir, "package.json"));
    expect(own.dependencies["slim-dask"]).toBe("file:../..");
    expect(lock.packages[""].dependencies).toEqual(own.dependencies);
    // npm ci installs slim-dask's dependencies from this entry, not from the root's package.json.
    expect(lock.packages["node_modules/slim-dask"]).toMatchObject({
      resolved: "file:../..",
      version: pkg.version,
      dependencies: pkg.dependencies,
    });
    // install-links: npm packs the root instead of linking it (a link resolves slim-dask's
    // dependencies from the root's node_modules: a second copy of the SDK).
    expect(fs.readFileSync(path.join(dir, ".npmrc"), "utf8")).toMatch(/^install-links=true$/m);
  });

  test("once installed, one physical copy of @pulumi/pulumi and @pulumi/kubernetes, loaded by the program and by slim-dask", () => {
    const nodeModules = installed(example);
    expect(fs.lstatSync(path.join(nodeModules, "slim-dask")).isSymbolicLink()).toBe(false);
    for (const name of SHARED) {
      expect(physicalCopies(nodeModules, name)).toEqual([
        path.join(fs.realpathSync(nodeModules), name),
      ]);
    }

    // What Node.js loads: slim-dask and the program's own imports, from the example directory.
    const script = `
      const path = require("path");
      const slimDask = path.dirname(require.resolve("slim-dask"));
      const resolved = {};
      for (const m of ${JSON.stringify(SHARED)})
        resolved[m] = [require.resolve(m), require.resolve(m, { paths: [slimDask] })];
      for (const m of ["slim-dask", ...${JSON.stringify(EXAMPLES[example])}]) require(m);
      const loaded = Object.keys(require.cache).filter((f) =>
        /[\\\\/]@pulumi[\\\\/](pulumi|kubernetes)[\\\\/]index\\.js$/.test(f));
      console.log(JSON.stringify({ resolved, loaded }));`;
    const out = JSON.parse(execFileSync("node", ["-e", script], { cwd: dir, encoding: "utf8" }));
    const real = fs.realpathSync(nodeModules);
    for (const name of SHARED) {
      const own = path.join(real, name, "index.js");
      expect({ [name]: out.resolved[name] }).toEqual({ [name]: [own, own] });
    }
    expect(out.loaded.sort()).toEqual(SHARED.map((n) => path.join(real, n, "index.js")).sort());
  });
});
