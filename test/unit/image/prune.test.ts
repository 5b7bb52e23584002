import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ALL_RULES,
  BARE_TREE,
  FULL_TREE,
  FixtureEntry,
  GPU_TREE,
  buildTree,
  listTree,
  present,
} from "./fixtures/prune-tree";

const ASSETS = path.join(__dirname, "../../../components/image/assets");
const PRUNE = path.join(ASSETS, "prune.sh");
const SHIMS = path.join(ASSETS, "install-shims.sh");
const BUSYBOX = "/usr/bin/busybox";
// A hang (symlink loop) must fail the test, not the whole run.
const TIMEOUT_MS = 60_000;

let scratch: string;
let busyboxBin: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-prune-"));
  // A PATH holding only BusyBox applets, so find/stat/awk/rm/mktemp are BusyBox's, as on Alpine.
  busyboxBin = path.join(scratch, "busybox-bin");
  fs.mkdirSync(busyboxBin);
  const applets = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" });
  if (applets.status !== 0) throw new Error(`${BUSYBOX} --list failed: install busybox`);
  for (const applet of applets.stdout.split("\n").filter(Boolean)) {
    fs.symlinkSync(BUSYBOX, path.join(busyboxBin, applet));
  }
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** One way of running the scripts: the host's sh + GNU tools, or BusyBox throughout. */
interface Runner {
  name: string;
  run(script: string, args: string[]): SpawnSyncReturns<string>;
}

const RUNNERS: Runner[] = [
  {
    name: "/bin/sh with GNU find",
    run: (script, args) =>
      spawnSync("/bin/sh", [script, ...args], { encoding: "utf8", timeout: TIMEOUT_MS }),
  },
  {
    name: "BusyBox sh and applets",
    run: (script, args) =>
      spawnSync(BUSYBOX, ["sh", script, ...args], {
        encoding: "utf8",
        timeout: TIMEOUT_MS,
        env: { PATH: busyboxBin },
      }),
  },
];

let counter = 0;
/** A fresh prefix holding `entries`. */
function freshPrefix(entries: readonly FixtureEntry[]): string {
  const prefix = path.join(scratch, `prefix-${++counter}`);
  fs.mkdirSync(prefix);
  buildTree(prefix, entries);
  return prefix;
}

/** Sum of the apparent sizes of the regular files below `root` (symlinks not followed, hard links once). */
function realBytes(root: string): number {
  const inodes = new Map<number, number>();
  for (const rel of listTree(root)) {
    const st = fs.lstatSync(path.join(root, rel));
    if (st.isFile()) inodes.set(st.ino, st.size);
  }
  return [...inodes.values()].reduce((sum, size) => sum + size, 0);
}

interface Report {
  rules: Map<string, { files: number; bytes: number }>;
  total: { files: number; bytes: number } | undefined;
}

/** Parses the lines the benchmark relies on; any other stdout line fails the parse. */
function parseReport(stdout: string): Report {
  const rules = new Map<string, { files: number; bytes: number }>();
  let total: Report["total"];
  for (const line of stdout.split("\n").filter(Boolean)) {
    const rule = /^slim-dask-prune: rule=(\S+) files=(\d+) bytes=(\d+)$/.exec(line);
    const sum = /^slim-dask-prune: total files=(\d+) bytes=(\d+)$/.exec(line);
    if (rule) rules.set(rule[1], { files: Number(rule[2]), bytes: Number(rule[3]) });
    else if (sum) total = { files: Number(sum[1]), bytes: Number(sum[2]) };
    else throw new Error(`unexpected output line: ${line}`);
  }
  return { rules, total };
}

/** What the fixture says `rule` must remove: regular files counted, with their sizes. */
function expectedCounts(entries: readonly FixtureEntry[], rule: string) {
  const files = entries.filter((e) => e.rule === rule && e.size !== undefined);
  return { files: files.length, bytes: files.reduce((sum, e) => sum + (e.size ?? 0), 0) };
}

/** Files and symlinks that must survive when `rules` run (relinked and hard-linked ones do). */
function survivors(entries: readonly FixtureEntry[], rules: readonly string[]): string[] {
  return entries
    .filter(
      (e) =>
        !e.dir &&
        (e.rule === undefined ||
          !rules.includes(e.rule) ||
          e.relink !== undefined ||
          e.hardlink !== undefined),
    )
    .map((e) => e.path)
    .sort();
}

test("the BusyBox runner resolves find, stat and awk to BusyBox, not GNU", () => {
  const probe = spawnSync(
    BUSYBOX,
    ["sh", "-c", "for t in find stat awk; do command -v $t; $t --help 2>&1 | head -n 1; done"],
    { encoding: "utf8", env: { PATH: busyboxBin } },
  );
  const lines = probe.stdout.split("\n");
  expect(lines.filter((l) => l.startsWith(busyboxBin))).toHaveLength(3);
  expect(lines.filter((l) => l.startsWith("BusyBox v"))).toHaveLength(3);
});

describe.each(RUNNERS)("prune.sh under $name", (runner) => {
  test("all rules remove exactly their targets and report the real sizes removed", () => {
    const prefix = freshPrefix(FULL_TREE);
    const before = realBytes(prefix);

    const r = runner.run(PRUNE, [prefix, ...ALL_RULES]);

    expect(r.signal).toBeNull(); // the symlink loops did not hang it
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(listTree(prefix)).toEqual(survivors(FULL_TREE, ALL_RULES));
    const report = parseReport(r.stdout);
    expect([...report.rules.keys()]).toEqual(ALL_RULES);
    for (const rule of ALL_RULES) {
      // Exact counts also prove lib/python3.1 -> python3.12 was not walked a second time.
      expect({ rule, ...report.rules.get(rule) }).toEqual({
        rule,
        ...expectedCounts(FULL_TREE, rule),
      });
    }
    const removedFiles = FULL_TREE.filter((e) => e.rule && e.size !== undefined).length;
    expect(report.total).toEqual({ files: removedFiles, bytes: before - realBytes(prefix) });
  });

  test("directories: empty __pycache__ and whole target dirs go, pkgs/ and conda-meta/ stay", () => {
    const prefix = freshPrefix(FULL_TREE);
    const r = runner.run(PRUNE, [prefix, ...ALL_RULES]);
    expect(r.status).toBe(0);
    const sp = "lib/python3.12/site-packages";
    for (const gone of [
      `${sp}/pkg/__pycache__`,
      `${sp}/pkg/tests`,
      `${sp}/pkg/sub/test`,
      "include",
      "share/doc",
      "share/man",
      "share/info",
      "share/gtk-doc",
      "pkgs/foo-1.0-0",
    ]) {
      expect({ gone, present: present(prefix, gone) }).toEqual({ gone, present: false });
    }
    expect(fs.readdirSync(path.join(prefix, "pkgs"))).toEqual([]);
    expect(fs.readlinkSync(path.join(prefix, "lib/python3.1"))).toBe("python3.12");
    expect(fs.existsSync(path.join(prefix, `${sp}/other/__pycache__/notes.txt`))).toBe(true);
  });

  test.each(ALL_RULES)("rule %s alone removes only its own targets", (rule) => {
    const prefix = freshPrefix(FULL_TREE);
    const r = runner.run(PRUNE, [prefix, rule]);
    expect(r.status).toBe(0);
    expect(listTree(prefix)).toEqual(survivors(FULL_TREE, [rule]));
    const counts = expectedCounts(FULL_TREE, rule);
    expect(parseReport(r.stdout)).toEqual({ rules: new Map([[rule, counts]]), total: counts });
  });

  test("library copies become symlinks to the fully versioned file and read the same", () => {
    const prefix = freshPrefix(FULL_TREE);
    const r = runner.run(PRUNE, [prefix, "library-copies"]);
    expect(r.status).toBe(0);
    for (const e of FULL_TREE.filter((x) => /\.so(\.|$)/.test(x.path) && x.link === undefined)) {
      const full = path.join(prefix, e.path);
      const link = fs.lstatSync(full).isSymbolicLink() ? fs.readlinkSync(full) : undefined;
      expect({ path: e.path, link }).toEqual({ path: e.path, link: e.relink });
      expect(fs.readFileSync(full, "utf8")).toHaveLength(e.size ?? -1);
    }
  });

  test("duplicate files become hard links to the first copy; shared objects, other modes, other contents, empty files stay apart", () => {
    const prefix = freshPrefix(FULL_TREE);
    const r = runner.run(PRUNE, [prefix, "duplicate-files"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const inode = (rel: string) => fs.lstatSync(path.join(prefix, rel)).ino;
    for (const e of FULL_TREE.filter((x) => x.hardlink !== undefined)) {
      expect({ path: e.path, same: inode(e.path) === inode(e.hardlink!) }).toEqual({
        path: e.path,
        same: true,
      });
      expect(fs.readFileSync(path.join(prefix, e.path))).toEqual(
        Buffer.alloc(e.size!, `${e.same}\n`),
      );
    }
    const sp = "lib/python3.12/site-packages";
    for (const [a, b] of [
      ["lib/libconda.so", "lib/libconda.so.1"],
      [`${sp}/pyarrow/libarrow_python.so`, `${sp}/pyarrow/libarrow_python.so.2600`],
      ["bin/tool-a", "bin/tool-b"],
      [`${sp}/pkg/same-size-1.txt`, `${sp}/pkg/same-size-2.txt`],
      [`${sp}/pkg/empty-1.txt`, `${sp}/pkg/empty-2.txt`],
    ]) {
      expect({ a, b, same: inode(a) === inode(b) }).toEqual({ a, b, same: false });
    }
    expect(fs.statSync(path.join(prefix, "bin/tool-b")).mode & 0o777).toBe(0o755);
    // A second run finds the links already made and counts nothing.
    const again = runner.run(PRUNE, [prefix, "duplicate-files"]);
    expect(parseReport(again.stdout).total).toEqual({ files: 0, bytes: 0 });
  });

  test("headers and static libraries that CuPy, numba-cuda and Triton use at run time stay", () => {
    const prefix = freshPrefix(GPU_TREE);
    const r = runner.run(PRUNE, [prefix, "headers", "static-libs"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(listTree(prefix)).toEqual(survivors(GPU_TREE, ["headers", "static-libs"]));
    for (const rule of ["headers", "static-libs"]) {
      expect(parseReport(r.stdout).rules.get(rule)).toEqual(expectedCounts(GPU_TREE, rule));
    }
  });

  // Each package protects PREFIX/include on its own: dropping one from the list in
  // runtime_compilers_installed must fail its case, whatever the others do.
  const GPU_PACKAGES: [string, RegExp][] = [
    ["cupy", /site-packages\/cupy(_backends)?\//],
    ["numba_cuda", /site-packages\/numba_cuda\//],
    ["triton", /site-packages\/triton\//],
  ];
  const ANY_GPU_PACKAGE = /site-packages\/(cupy|cupy_backends|numba_cuda|numba\/cuda|triton)\//;
  test.each(GPU_PACKAGES)("%s alone keeps PREFIX/include and its own headers", (_name, own) => {
    const tree = GPU_TREE.filter((e) => own.test(e.path) || !ANY_GPU_PACKAGE.test(e.path));
    expect(tree.filter((e) => own.test(e.path)).length).toBeGreaterThan(0);
    const prefix = freshPrefix(tree);
    const r = runner.run(PRUNE, [prefix, "headers"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(present(prefix, "include/cuda_runtime.h")).toBe(true);
    expect(listTree(prefix)).toEqual(survivors(tree, ["headers"]));
  });

  test("without a run-time compiler, PREFIX/include goes as before", () => {
    const prefix = freshPrefix(GPU_TREE.filter((e) => !/cupy|numba|triton/.test(e.path)));
    expect(runner.run(PRUNE, [prefix, "headers"]).status).toBe(0);
    expect(present(prefix, "include")).toBe(false);
    expect(present(prefix, "lib/libcudadevrt.a")).toBe(true);
  });

  test("a tree without Bokeh, include/, share/ or pkgs/ prunes nothing and exits 0", () => {
    const prefix = freshPrefix(BARE_TREE);
    const r = runner.run(PRUNE, [prefix, ...ALL_RULES]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(listTree(prefix)).toEqual(survivors(BARE_TREE, ALL_RULES));
    const report = parseReport(r.stdout);
    for (const rule of ALL_RULES) expect(report.rules.get(rule)).toEqual({ files: 0, bytes: 0 });
    expect(report.total).toEqual({ files: 0, bytes: 0 });
  });

  test("an unknown rule exits 2 before deleting anything", () => {
    const prefix = freshPrefix(FULL_TREE);
    const r = runner.run(PRUNE, [prefix, "bytecode", "frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown rule 'frobnicate'/);
    expect(r.stdout).toBe("");
    expect(listTree(prefix)).toEqual(survivors(FULL_TREE, []));
  });

  test.each([["/"], ["//"], ["opt/conda"], ["./x"]])("refuses the prefix %j", (bad) => {
    const r = runner.run(PRUNE, [bad, "docs"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/slim-dask-prune: error: /);
  });

  test("a missing prefix fails; a trailing slash is accepted", () => {
    expect(runner.run(PRUNE, [path.join(scratch, "nope"), "docs"]).status).toBe(1);
    const prefix = freshPrefix(FULL_TREE);
    const r = runner.run(PRUNE, [`${prefix}/`, "docs"]);
    expect(r.status).toBe(0);
    expect(listTree(prefix)).toEqual(survivors(FULL_TREE, ["docs"]));
  });
});

describe.each(RUNNERS)("install-shims.sh under $name", (runner) => {
  /**
   * A prefix with the host's python as `bin/python`, a `bin/dask` script, and a fake `dask`
   * package (on PYTHONPATH when a shim runs) whose `main` prints `sys.argv` one per line.
   */
  function fakeDaskPrefix(): string {
    const prefix = freshPrefix([]);
    fs.mkdirSync(path.join(prefix, "bin"));
    fs.symlinkSync(
      // The interpreter itself: `python3` on PATH may be a wrapper script (pyenv).
      spawnSync("python3", ["-c", "import os; print(os.readlink('/proc/self/exe'))"], {
        encoding: "utf8",
      }).stdout.trim(),
      path.join(prefix, "bin/python"),
    );
    fs.writeFileSync(path.join(prefix, "bin/dask"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const pkg = path.join(prefix, "fake-site", "dask");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "__init__.py"), "");
    fs.writeFileSync(
      path.join(pkg, "__main__.py"),
      "import sys\n\ndef main():\n    print('\\n'.join(sys.argv))\n    return 3\n",
    );
    return prefix;
  }

  test("writes both entry points, mode 0755, run by PREFIX/bin/python with no shell, that call `dask <sub>` with the arguments", () => {
    const prefix = fakeDaskPrefix();
    const r = runner.run(SHIMS, [prefix]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const sub of ["scheduler", "worker"]) {
      const shim = path.join(prefix, `bin/dask-${sub}`);
      expect(r.stdout).toContain(`wrote ${shim}`);
      expect(fs.statSync(shim).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(shim, "utf8").split("\n")[0]).toBe(`#!${prefix}/bin/python`);
      // PATH holds no shell: the kernel runs the shebang's interpreter directly.
      const out = spawnSync(shim, ["--port=8786", "two words"], {
        encoding: "utf8",
        env: { PATH: "/nonexistent", PYTHONPATH: path.join(prefix, "fake-site") },
      });
      expect(out.stderr).toBe("");
      expect(out.stdout).toBe(`dask\n${sub}\n--port=8786\ntwo words\n`);
      expect(out.status).toBe(3); // main's return value is the exit status
      // multiprocessing's spawn (the nanny's worker) runs the main script as __mp_main__:
      // it must not start a second CLI with the child's arguments.
      const spawned = spawnSync(
        path.join(prefix, "bin/python"),
        [
          "-c",
          `import runpy; runpy.run_path(${JSON.stringify(shim)}, run_name="__mp_main__"); print("imported")`,
        ],
        { encoding: "utf8", env: { PYTHONPATH: path.join(prefix, "fake-site") } },
      );
      expect({ stdout: spawned.stdout, status: spawned.status }).toEqual({
        stdout: "imported\n",
        status: 0,
      });
    }
  });

  test("leaves an existing dask-scheduler alone and still adds dask-worker", () => {
    const prefix = fakeDaskPrefix();
    const existing = path.join(prefix, "bin/dask-scheduler");
    fs.writeFileSync(existing, "#!/bin/sh\necho original\n", { mode: 0o755 });
    const r = runner.run(SHIMS, [prefix]);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(existing, "utf8")).toBe("#!/bin/sh\necho original\n");
    expect(r.stdout).toContain(`kept existing ${existing}`);
    expect(fs.existsSync(path.join(prefix, "bin/dask-worker"))).toBe(true);
  });

  test("a second run changes nothing", () => {
    const prefix = fakeDaskPrefix();
    expect(runner.run(SHIMS, [prefix]).status).toBe(0);
    const first = fs.readFileSync(path.join(prefix, "bin/dask-worker"), "utf8");
    const r = runner.run(SHIMS, [prefix]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("wrote");
    expect(fs.readFileSync(path.join(prefix, "bin/dask-worker"), "utf8")).toBe(first);
  });

  test("fails without bin/dask rather than writing a shim that cannot work", () => {
    const prefix = freshPrefix([{ path: "bin/python3", size: 1 }]);
    const r = runner.run(SHIMS, [prefix]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bin\/dask is missing/);
    expect(fs.readdirSync(path.join(prefix, "bin"))).toEqual(["python3"]);
  });

  test("fails without bin/python, which runs the entry points", () => {
    const prefix = fakeDaskPrefix();
    fs.unlinkSync(path.join(prefix, "bin/python"));
    const r = runner.run(SHIMS, [prefix]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bin\/python is missing/);
    expect(fs.readdirSync(path.join(prefix, "bin"))).toEqual(["dask"]);
  });

  test.each([["/"], ["relative/prefix"]])("refuses the prefix %j", (bad) => {
    expect(runner.run(SHIMS, [bad]).status).toBe(2);
  });
});

describe("strip.sh", () => {
  const STRIP = path.join(ASSETS, "strip.sh");
  const LIBZ = "/usr/lib/x86_64-linux-gnu/libz.so.1";

  test("strips debug sections from ELF shared objects only, keeps them loadable, reports sizes", () => {
    const prefix = freshPrefix([
      { path: `lib/python3.12/site-packages/pkg/notes.so.txt`, size: 211 },
      { path: `lib/python3.12/site-packages/pkg/fake.so`, size: 223 },
      { path: "lib/libz-link.so", link: "libz.so.1" },
      { path: "bin/python", link: "/usr/bin/python3" },
    ]);
    const blob = path.join(scratch, "debug-blob");
    fs.writeFileSync(blob, "d".repeat(40_000));
    const lib = path.join(prefix, "lib/libz.so.1");
    const added = spawnSync("objcopy", [`--add-section`, `.debug_slimdask=${blob}`, LIBZ, lib]);
    expect(added.status).toBe(0);
    const before = fs.statSync(lib).size;

    const r = spawnSync("/bin/sh", [STRIP, prefix], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const after = fs.statSync(lib).size;
    expect(before - after).toBeGreaterThanOrEqual(40_000);
    // Non-ELF files named like libraries are left as they were; symlinks are not followed.
    expect(fs.statSync(path.join(prefix, "lib/python3.12/site-packages/pkg/fake.so")).size).toBe(
      223,
    );
    expect(fs.lstatSync(path.join(prefix, "lib/libz-link.so")).isSymbolicLink()).toBe(true);
    const fakeBytes = 223 + 211; // fake.so and notes.so.txt: counted, left as they were
    expect(r.stdout).toBe(
      `slim-dask-strip: files=1 before=${before + fakeBytes} after=${after + fakeBytes}\n`,
    );
    const load = spawnSync("python3", ["-c", `import ctypes; ctypes.CDLL(${JSON.stringify(lib)})`]);
    expect(load.status).toBe(0);
  });

  test("a stripped library that no longer loads is kept as it was", () => {
    // A python that loads nothing stands in for a library strip breaks (patchelf'd OpenBLAS).
    const prefix = freshPrefix([]);
    fs.mkdirSync(path.join(prefix, "bin"));
    fs.writeFileSync(path.join(prefix, "bin/python"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const blob = path.join(scratch, "debug-blob-2");
    fs.writeFileSync(blob, "d".repeat(40_000));
    const lib = path.join(prefix, "libz.so.1");
    expect(spawnSync("objcopy", ["--add-section", `.debug_x=${blob}`, LIBZ, lib]).status).toBe(0);
    const original = fs.readFileSync(lib);
    const r = spawnSync("/bin/sh", [STRIP, prefix], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(lib).equals(original)).toBe(true);
    expect(fs.readdirSync(prefix).sort()).toEqual(["bin", "libz.so.1"]);
    expect(r.stdout).toBe(
      `slim-dask-strip: files=0 before=${original.length} after=${original.length}\n`,
    );
  });

  test("fails clearly without the strip tool, and on a bad prefix", () => {
    const prefix = freshPrefix([
      { path: "lib/x.so", size: 5 },
      { path: "bin/python", link: "/usr/bin/python3" },
    ]);
    const noTool = spawnSync(BUSYBOX, ["sh", STRIP, prefix], {
      encoding: "utf8",
      env: { PATH: busyboxBin },
    });
    expect(noTool.status).toBe(2);
    expect(noTool.stderr).toMatch(/strip is not installed \(binutils\)/);
    const bad = spawnSync("/bin/sh", [STRIP, "/"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
  });
});
