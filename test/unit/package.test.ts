import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// These tests use the npm registry (through the local npm cache when it is warm, as after
// `npm ci`): they install the packed tarball into a fresh app, as a user would.
jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

function npm(args: string[], cwd: string): { code: number; out: string; err: string } {
  const r = spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      npm_config_fund: "false",
      npm_config_audit: "false",
      npm_config_update_notifier: "false",
    },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The files `npm pack` would put in the tarball (`npm test` has built dist/ already). */
function packedFiles(): string[] {
  const r = npm(["pack", "--dry-run", "--json", "--ignore-scripts"], ROOT);
  expect(r.code).toBe(0);
  return (JSON.parse(r.out)[0].files as { path: string }[]).map((f) => f.path).sort();
}

/**
 * The @pulumi packages installed in a directory's node_modules, by name (`npm ls` of the real
 * install, nested copies included). The Node.js language host counts each as a plugin to
 * download.
 */
function pulumiPackages(dir: string, args: string[] = []): string[] {
  const r = npm(["ls", "--all", "--parseable", ...args], dir);
  expect(r.code).toBe(0);
  const names = r.out
    .trim()
    .split("\n")
    .map((l) => /[\\/]node_modules[\\/](@pulumi[\\/][^\\/]+)$/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .map((n) => n.replace("\\", "/"));
  return [...new Set(names)].sort();
}

/** The @pulumi packages the components' sources import. */
function importedPulumiPackages(): string[] {
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith(".ts")) {
        for (const m of fs.readFileSync(p, "utf8").matchAll(/["'](@pulumi\/[a-z0-9-]+)/g)) {
          names.add(m[1]);
        }
      }
    }
  };
  visit(path.join(ROOT, "components"));
  return [...names].sort();
}

/** What the components use: their @pulumi imports pull in no other @pulumi package (npm ls). */
const RUNTIME_PULUMI = ["@pulumi/docker", "@pulumi/kubernetes", "@pulumi/pulumi"];

describe("the npm package", () => {
  test("depends on exactly the @pulumi SDKs the components import; no devDependency is a @pulumi package", () => {
    expect(importedPulumiPackages()).toEqual(RUNTIME_PULUMI);
    const deps = Object.keys(pkg.dependencies).filter((d) => d.startsWith("@pulumi/"));
    expect(deps.sort()).toEqual(RUNTIME_PULUMI);
    // `pulumi package add` installs this package with its devDependencies, and the language host
    // would make users download a provider for each (as it did for @pulumi/aws and @pulumi/eks,
    // now only in examples/aws/package.json).
    const devPulumi = Object.keys(pkg.devDependencies).filter((d) => d.startsWith("@pulumi/"));
    expect(devPulumi).toEqual([]);
  });

  test("the root's install, with and without devDependencies, holds only the components' @pulumi packages", () => {
    for (const args of [[], ["--omit=dev"]]) {
      const installed = pulumiPackages(ROOT, args);
      expect(installed).not.toContain("@pulumi/aws");
      expect(installed).not.toContain("@pulumi/eks");
      expect({ args, installed }).toEqual({ args, installed: RUNTIME_PULUMI });
    }
  });

  test("the tarball holds the compiled package, the CLI and its assets, and no tests or examples", () => {
    const files = packedFiles();
    for (const required of [
      "package.json",
      "README.md",
      "CHANGELOG.md",
      "bin/slim-dask.js",
      "dist/components/index.js",
      "dist/components/index.d.ts",
      "dist/components/cli/main.js",
      "components/image/assets/prune.sh",
      "components/image/assets/install-shims.sh",
      "LICENSE",
    ]) {
      expect(files).toContain(required);
    }
    // No source maps: they would point at TypeScript sources the tarball does not ship.
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("dist/test/") || f.startsWith("test/"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("examples/") || f.startsWith(".slim-dask/"))).toEqual(
      [],
    );
    expect(files.filter((f) => /\.test\.(js|ts|d\.ts)$/.test(f))).toEqual([]);
    // Every module the entry point loads is in the tarball (no file left out by `files`).
    for (const f of files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"))) {
      expect(files).toContain(f.replace(/\.js$/, ".d.ts"));
    }
  });

  // Each run packs and installs the package (120 MB): removed after, or /tmp fills up.
  const packDirs: string[] = [];
  afterAll(() => {
    for (const dir of packDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a fresh app with its own @pulumi/pulumi installs the tarball with one copy of @pulumi/pulumi, loads it and runs its CLI", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-pack-"));
    packDirs.push(work);
    const packed = npm(["pack", "--ignore-scripts", "--pack-destination", work], ROOT);
    expect(packed.code).toBe(0);
    const tarball = path.join(work, packed.out.trim().split("\n").pop() as string);
    expect(fs.existsSync(tarball)).toBe(true);

    const app = path.join(work, "app");
    fs.mkdirSync(app);
    // The app pins the SDK version this repository is tested with, as a user's app pins its own.
    const sdk = JSON.parse(
      fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
    ).version;
    fs.writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({ name: "user-app", private: true, dependencies: { "@pulumi/pulumi": sdk } }),
    );
    // --ignore-scripts: provider plugins are downloaded by the Pulumi CLI, not needed here.
    const install = npm(
      ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", tarball],
      app,
    );
    expect(install.err).not.toMatch(/EBADENGINE/);
    expect(install.code).toBe(0);

    // npm ls: a consistent tree (exit 0) in which every @pulumi/pulumi is the one at the top.
    const ls = npm(["ls", "--all", "--parseable", "@pulumi/pulumi"], app);
    expect(ls.code).toBe(0);
    const copies = new Set(
      ls.out
        .trim()
        .split("\n")
        .filter((l) => l.endsWith(path.join("@pulumi", "pulumi"))),
    );
    expect([...copies]).toEqual([
      path.join(fs.realpathSync(app), "node_modules", "@pulumi", "pulumi"),
    ]);
    // The tarball brings no @pulumi package besides the components' SDKs.
    expect(pulumiPackages(app)).toEqual(RUNTIME_PULUMI);
    const tree = JSON.parse(npm(["ls", "--all", "--json", "@pulumi/pulumi"], app).out);
    expect(tree.dependencies["slim-dask"].version).toBe(pkg.version);
    expect(tree.dependencies["@pulumi/pulumi"].version).toBe(sdk);

    const loaded = execFileSync(
      "node",
      [
        "-e",
        'const s = require("slim-dask"); console.log(typeof s.SlimDaskImage, typeof s.DaskCluster, typeof s.registryHost)',
      ],
      { cwd: app },
    ).toString();
    expect(loaded.trim()).toBe("function function function");

    const bin = path.join(app, "node_modules", ".bin", "slim-dask");
    expect(execFileSync(bin, ["--version"], { cwd: app }).toString()).toBe(`${pkg.version}\n`);
    // The Dockerfile needs the packaged assets (prune script, shims).
    const context = path.join(work, "ctx");
    fs.writeFileSync(
      path.join(work, "image.yaml"),
      "base: pip\nimageName: registry.example.com/dask\n",
    );
    execFileSync(bin, ["context", "--config", path.join(work, "image.yaml"), "--out", context], {
      cwd: app,
    });
    expect(fs.readFileSync(path.join(context, "slim-dask", "prune.sh"), "utf8")).toBe(
      fs.readFileSync(path.join(ROOT, "components/image/assets/prune.sh"), "utf8"),
    );
    expect(fs.readFileSync(path.join(context, "Dockerfile"), "utf8")).toMatch(/^FROM /m);
  });
});
