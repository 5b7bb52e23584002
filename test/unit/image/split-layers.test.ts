import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * split-layers.py on the host, on a fake installed tree: distributions are dist-info
 * directories (METADATA, RECORD) and the files their RECORD lists, as pip leaves them.
 */
const SCRIPT = path.join(__dirname, "../../../components/image/assets/split-layers.py");
const SITE = "lib/python3.11/site-packages";

let scratch: string;
let tree: string;

/** One installed distribution: its files (relative to site-packages) and requirements. */
function install(name: string, version: string, files: string[], requires: string[] = []): void {
  const site = path.join(tree, SITE);
  const info = `${name}-${version}.dist-info`;
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(site, file)), { recursive: true });
    fs.writeFileSync(path.join(site, file), `${name}:${file}\n`);
  }
  fs.mkdirSync(path.join(site, info), { recursive: true });
  const metadata = [
    "Metadata-Version: 2.1",
    `Name: ${name}`,
    `Version: ${version}`,
    ...requires.map((r) => `Requires-Dist: ${r}`),
    "",
    "Requires-Dist: not-a-header (the description)",
  ];
  fs.writeFileSync(path.join(site, info, "METADATA"), metadata.join("\n"));
  const record = [...files, `${info}/METADATA`, `${info}/RECORD`].map((f) => `${f},,`);
  fs.writeFileSync(path.join(site, info, "RECORD"), record.join("\n") + "\n");
}

function split(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync("python3", [SCRIPT, path.join(scratch, "layers"), tree, ...args], {
    encoding: "utf8",
  });
}

/** The files (and symlinks) below one layer directory, relative to it, sorted. */
function files(layer: number): string[] {
  const top = path.join(scratch, "layers", String(layer));
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(top, rel))) {
      const r = path.join(rel, name);
      const st = fs.lstatSync(path.join(top, r));
      if (st.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk("");
  return out.sort();
}

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-split-layers-"));
  tree = path.join(scratch, "venv");
  fs.mkdirSync(path.join(tree, "bin"), { recursive: true });
  fs.writeFileSync(path.join(tree, "pyvenv.cfg"), "home = /usr/bin\n");
  fs.symlinkSync("/usr/bin/python3", path.join(tree, "bin/python"));
  install("numpy", "2.0", ["numpy/__init__.py", "numpy/core.so"]);
  install(
    "Dask",
    "2026.8.0",
    ["dask/__init__.py", "../../../bin/dask"],
    [
      "toolz>=0.10",
      'distributed==2026.8.0; extra == "distributed"',
      'pytest; extra == "test"',
      'numpy>=1.24; extra == "array"',
    ],
  );
  install("distributed", "2026.8.0", ["distributed/__init__.py"], ["toolz"]);
  install("toolz", "1.0", ["toolz/__init__.py", "toolz/LICENSE.txt"]);
  install("pytest", "8.0", ["pytest/__init__.py"]);
  install("xarray", "2026.9.0", ["xarray/__init__.py", "xarray/LICENSE.txt"]);
  // Bytecode compiled after the install (not in RECORD) goes with its source.
  const pycache = path.join(tree, SITE, "xarray/__pycache__");
  fs.mkdirSync(pycache);
  fs.writeFileSync(path.join(pycache, "__init__.cpython-311.pyc"), "pyc");
  // A file nobody lists, in a directory only toolz owns; an empty directory xarray owned.
  fs.writeFileSync(path.join(tree, SITE, "toolz/extra.txt"), "x");
  fs.mkdirSync(path.join(tree, SITE, "xarray/tests"));
  // A hard-link group (prune.sh duplicate-files) across toolz (layer 3) and xarray (layer 4).
  fs.rmSync(path.join(tree, SITE, "xarray/LICENSE.txt"));
  fs.linkSync(
    path.join(tree, SITE, "toolz/LICENSE.txt"),
    path.join(tree, SITE, "xarray/LICENSE.txt"),
  );
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("split-layers.py", () => {
  let result: SpawnSyncReturns<string>;
  beforeAll(() => {
    result = split(
      "--at",
      "/opt/venv",
      "--only",
      "numpy,scipy",
      "--closure",
      "dask[distributed],distributed",
      "--each",
      "xarray",
    );
  });

  test("succeeds and reports each layer and the hard-link copies", () => {
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^slim-dask-split-layers: layer=1 files=1 bytes=16$/m);
    expect(result.stdout).toMatch(/^slim-dask-split-layers: hard-link copies files=1 bytes=\d+$/m);
  });

  test("each file is in its distribution's layer, at the path --at gives the tree", () => {
    const site = `opt/venv/${SITE}`;
    // What no distribution owns (the venv skeleton, its symlinks).
    expect(files(1)).toEqual(["opt/venv/bin/python", "opt/venv/pyvenv.cfg"]);
    // The heavy group: exactly its names (scipy is not installed).
    expect(files(2)).toEqual([
      `${site}/numpy-2.0.dist-info/METADATA`,
      `${site}/numpy-2.0.dist-info/RECORD`,
      `${site}/numpy/__init__.py`,
      `${site}/numpy/core.so`,
    ]);
    // dask with the extras asked for (distributed, not test) and what they require; RECORD's
    // ../../../bin/dask is the venv's bin; an unlisted file goes with its directory's owner.
    const three = files(3);
    expect(three).toContain("opt/venv/bin/dask");
    expect(three).toContain(`${site}/distributed/__init__.py`);
    expect(three).toContain(`${site}/toolz/extra.txt`);
    expect(three).toContain(`${site}/toolz/LICENSE.txt`);
    expect(three.some((f) => f.includes("pytest"))).toBe(false);
    expect(three.some((f) => f.includes("numpy"))).toBe(false);
    // --each: the user's xarray in its own layer, its bytecode too; the rest: pytest (only
    // dask's `test` extra wants it).
    expect(files(5)).toEqual([
      `${site}/pytest-8.0.dist-info/METADATA`,
      `${site}/pytest-8.0.dist-info/RECORD`,
      `${site}/pytest/__init__.py`,
    ]);
    expect(files(4)).toEqual([
      `${site}/xarray-2026.9.0.dist-info/METADATA`,
      `${site}/xarray-2026.9.0.dist-info/RECORD`,
      `${site}/xarray/LICENSE.txt`,
      `${site}/xarray/__init__.py`,
      `${site}/xarray/__pycache__/__init__.cpython-311.pyc`,
    ]);
    expect(fs.existsSync(path.join(scratch, "layers/4", site, "xarray/tests"))).toBe(true);
  });

  test("every mtime is the constant, parents included; files are links to the tree's", () => {
    const top = path.join(scratch, "layers");
    const walk = (dir: string): fs.Stats[] =>
      fs.readdirSync(dir).flatMap((name) => {
        const st = fs.lstatSync(path.join(dir, name));
        return st.isDirectory() ? [st, ...walk(path.join(dir, name))] : [st];
      });
    const stats = [1, 2, 3, 4, 5].flatMap((n) => walk(path.join(top, String(n))));
    expect(stats.length).toBeGreaterThan(30);
    expect(stats.filter((st) => st.mtimeMs !== 1000)).toEqual([]);
    const copy = fs.statSync(path.join(top, "2/opt/venv", SITE, "numpy/core.so"));
    expect(copy.ino).toBe(fs.statSync(path.join(tree, SITE, "numpy/core.so")).ino);
  });

  test("OUT must not exist; an unknown option is refused", () => {
    expect(split().status).toBe(2);
    fs.rmSync(path.join(scratch, "layers"), { recursive: true });
    const bad = split("--heavy", "numpy");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown option --heavy");
  });
});
