import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * minimal-root.py on the host, run the way the pip preset's build stage runs it: by a venv's
 * own Python (Debian's python3 here, as on the local base images), for a venv made with
 * `python3 -m venv`. The tree it writes must run that interpreter with nothing of the host:
 * the tests run it under chroot. Needs root (chown, chroot), as the image build has.
 */
const SCRIPT = path.join(__dirname, "../../../components/image/assets/minimal-root.py");
const DEBIAN_PYTHON = "/usr/bin/python3";
const UID = 1234;

let scratch: string;
let venv: string;
let root: string;
let assembled: SpawnSyncReturns<string>;

function assemble(target: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(
    path.join(venv, "bin/python"),
    [SCRIPT, target, venv, String(UID), String(UID), "tester", ...args],
    { encoding: "utf8" },
  );
}

/** Runs the tree's interpreter under chroot with an empty environment. */
function inRoot(code: string): SpawnSyncReturns<string> {
  return spawnSync(
    "/usr/sbin/chroot",
    ["--userspec", `${UID}:${UID}`, root, path.join(venv, "bin/python"), "-c", code],
    { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } },
  );
}

/** Every path below `dir`, relative, with its lstat. */
function walk(dir: string, rel = ""): [string, fs.Stats][] {
  const out: [string, fs.Stats][] = [];
  for (const name of fs.readdirSync(path.join(dir, rel))) {
    const r = path.join(rel, name);
    const st = fs.lstatSync(path.join(dir, r));
    out.push([r, st]);
    if (st.isDirectory()) out.push(...walk(dir, r));
  }
  return out;
}

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "minimal-root.py's tests need root (chown, chroot): run the unit suite as root, as CI does",
    );
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-minimal-root-"));
  // The tree keeps the modes of the directories on the venv's path (mkdtemp's is 0700).
  fs.chmodSync(scratch, 0o755);
  venv = path.join(scratch, "venv");
  root = path.join(scratch, "root");
  const made = spawnSync(DEBIAN_PYTHON, ["-m", "venv", "--without-pip", venv], {
    encoding: "utf8",
  });
  expect(made.stderr).toBe("");
  assembled = assemble(root);
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("minimal-root.py", () => {
  test("reports what it added and succeeds", () => {
    expect(assembled.stderr).toBe("");
    expect(assembled.status).toBe(0);
    expect(assembled.stdout).toMatch(/\d+ shared libraries, time zones: \/usr\/share\/zoneinfo/);
    expect(assembled.stdout).toMatch(/holds \d+ bytes/);
  });

  test("the tree alone runs the venv's interpreter: C modules of the stdlib load, accounts and time zones resolve", () => {
    const r = inRoot(
      [
        "import ctypes, lzma, pwd, grp, os, sqlite3, ssl, sys, zoneinfo",
        "print(pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)",
        "print(zoneinfo.ZoneInfo('Asia/Tokyo').key, sys.prefix)",
        "ctypes.CDLL('libc.so.6').malloc_trim(0)",
        "import threading; t = threading.Thread(target=lambda: None); t.start(); t.join()",
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`tester tester\nAsia/Tokyo ${venv}\n`);
  });

  test("the interpreter keeps its symlink chain; the stdlib comes without dist-packages; libgcc_s is there for thread exit", () => {
    expect(fs.lstatSync(path.join(root, venv, "bin/python")).isSymbolicLink()).toBe(true);
    const interpreter = fs.realpathSync(path.join(venv, "bin/python"));
    expect(fs.lstatSync(path.join(root, interpreter)).isFile()).toBe(true);
    expect(fs.existsSync(path.join(root, "usr/lib/python3.11/os.py"))).toBe(true);
    expect(fs.existsSync(path.join(root, "usr/lib/python3/dist-packages"))).toBe(false);
    expect(fs.existsSync(path.join(root, "usr/lib/x86_64-linux-gnu/libgcc_s.so.1"))).toBe(true);
  });

  test("the loader's cache names only libraries the tree holds", () => {
    const cache = spawnSync(
      "/usr/sbin/ldconfig",
      ["-p", "-C", path.join(root, "etc/ld.so.cache")],
      {
        encoding: "utf8",
      },
    );
    expect(cache.status).toBe(0);
    const listed = [...cache.stdout.matchAll(/=> (\/\S+)/g)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(5);
    expect(listed.filter((lib) => !fs.existsSync(path.join(root, lib)))).toEqual([]);
    // Far fewer than the host's: only what the interpreter loads.
    const host = spawnSync("/usr/sbin/ldconfig", ["-p"], { encoding: "utf8" }).stdout;
    expect(listed.length).toBeLessThan(host.split("\n").length / 2);
  });

  test("accounts: root and the user with no login shell, the home owned by it, /tmp sticky, nothing else world-writable", () => {
    expect(fs.readFileSync(path.join(root, "etc/passwd"), "utf8")).toBe(
      `root:x:0:0:root:/root:/nonexistent\ntester:x:${UID}:${UID}::/home/tester:/nonexistent\n`,
    );
    expect(fs.readFileSync(path.join(root, "etc/group"), "utf8")).toBe(
      `root:x:0:\ntester:x:${UID}:\n`,
    );
    expect(fs.statSync(path.join(root, "home/tester")).uid).toBe(UID);
    expect(fs.statSync(path.join(root, "tmp")).mode & 0o7777).toBe(0o1777);
    const writable = walk(root)
      .filter(([, st]) => !st.isSymbolicLink() && (st.mode & 0o002) !== 0)
      .map(([rel]) => rel);
    expect(writable.sort()).toEqual(["tmp", "var/tmp"]);
  });

  test.each([
    ["an existing ROOT", (dir: string) => (fs.mkdirSync(dir), []), /does not exist yet/],
    ["a dynamic --shell", () => ["--shell", "/usr/bin/env"], /not a static binary/],
    ["a missing --tini", () => ["--tini", "/nonexistent/tini"], /--tini .* is missing/],
  ])("refuses %s before writing anything", (_name, setup, message) => {
    const target = path.join(scratch, `refused-${Math.random().toString(16).slice(2)}`);
    const extra = setup(target);
    const existed = fs.existsSync(target);
    const r = assemble(target, ...extra);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/Traceback/);
    expect(fs.existsSync(target) && fs.readdirSync(target).length > 0).toBe(false);
    expect(fs.existsSync(target)).toBe(existed);
  });
});
