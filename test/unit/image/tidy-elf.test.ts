import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * tidy-elf.py, run with the host's python3 on real libraries: the libXau that Pillow's
 * manylinux wheel vendors (rewritten by auditwheel's patchelf: a LOAD segment at a 2 MiB
 * file offset, the hole zero-filled), and the host's zlib with a debug section appended.
 * Each output must load with dlopen and give the same answers as its input.
 */
const ASSETS = path.join(__dirname, "../../../components/image/assets");
const TIDY = path.join(ASSETS, "tidy-elf.py");
const STRIP = path.join(ASSETS, "strip.sh");
const XAU = path.join(__dirname, "fixtures/libXau-pillow.so.6");
const LIBZ = "/usr/lib/x86_64-linux-gnu/libz.so.1";

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-tidy-"));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A copy of `source` in a fresh directory, with the name `name`. */
function copyOf(source: string, name = path.basename(source)): string {
  const dir = path.join(scratch, `case-${++counter}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, name);
  fs.copyFileSync(source, file);
  return file;
}

/** Runs tidy-elf.py on `files`; returns the copies it reports. */
function tidy(...files: string[]): string[] {
  const r = spawnSync("python3", [TIDY, ...files], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

/** Calls a C function of `lib` returning `char *` through ctypes; throws when it cannot load. */
function callString(lib: string, fn: string): string {
  const code = `import ctypes, sys
l = ctypes.CDLL(sys.argv[1]); f = getattr(l, sys.argv[2]); f.restype = ctypes.c_char_p
print(f().decode())`;
  const r = spawnSync("python3", ["-c", code, lib, fn], {
    encoding: "utf8",
    env: { ...process.env, HOME: "/home/slim-dask-test" },
  });
  if (r.status !== 0) throw new Error(`${lib} did not load: ${r.stderr}`);
  return r.stdout.trim();
}

/** The section names `readelf -S` lists. */
function sections(file: string): string[] {
  const r = spawnSync("readelf", ["-SW", file], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return [...r.stdout.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]);
}

describe("tidy-elf.py", () => {
  test("closes patchelf's zero-filled hole in Pillow's libXau: 2.1 MB to under 32 KiB, same answers", () => {
    const lib = copyOf(XAU);
    const original = fs.readFileSync(lib);
    expect(tidy(lib)).toEqual([`${lib}.slim-dask-tidy`]);
    const out = `${lib}.slim-dask-tidy`;
    expect(original.length).toBe(2_104_240);
    expect(fs.statSync(out).size).toBeLessThan(32 * 1024);
    expect(fs.statSync(out).mode & 0o777).toBe(fs.statSync(lib).mode & 0o777);
    expect(fs.readFileSync(lib).equals(original)).toBe(true); // the input is never touched
    expect(callString(out, "XauFileName")).toBe("/home/slim-dask-test/.Xauthority");
    expect(callString(out, "XauFileName")).toBe(callString(lib, "XauFileName"));
    // Every segment keeps its address; its offset stays congruent to it modulo 4 KiB.
    const loads = spawnSync("readelf", ["-lW", out], { encoding: "utf8" }).stdout;
    const rows = [...loads.matchAll(/^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/gm)];
    expect(rows).toHaveLength(3);
    for (const [, offset, vaddr] of rows) {
      expect((parseInt(vaddr, 16) - parseInt(offset, 16)) % 4096).toBe(0);
    }
  });

  test("drops a debug section strip would drop, keeping the library loadable", () => {
    const blob = path.join(scratch, "blob");
    fs.writeFileSync(blob, "d".repeat(40_000));
    const lib = path.join(scratch, `libz-debug-${++counter}.so.1`);
    const added = spawnSync("objcopy", ["--add-section", `.debug_slimdask=${blob}`, LIBZ, lib]);
    expect(added.status).toBe(0);
    expect(sections(lib)).toContain(".debug_slimdask");
    const [out] = tidy(lib);
    expect(fs.statSync(lib).size - fs.statSync(out).size).toBeGreaterThanOrEqual(40_000);
    expect(sections(out)).not.toContain(".debug_slimdask");
    expect(sections(out)).toContain(".dynsym");
    expect(callString(out, "zlibVersion")).toBe(callString(lib, "zlibVersion"));
  });

  test("is deterministic and idempotent", () => {
    const a = copyOf(XAU);
    const b = copyOf(XAU);
    const [outA] = tidy(a);
    const [outB] = tidy(b);
    expect(fs.readFileSync(outA).equals(fs.readFileSync(outB))).toBe(true);
    const again = copyOf(outA, "again.so");
    expect(tidy(again)).toEqual([]); // nothing left to take
  });

  test("leaves alone what it cannot shrink or does not understand", () => {
    const text = path.join(scratch, "notes.so");
    fs.writeFileSync(text, "not an ELF file\n");
    const truncated = path.join(scratch, "truncated.so");
    fs.writeFileSync(truncated, fs.readFileSync(XAU).subarray(0, 200));
    const elf32 = path.join(scratch, "elf32.so");
    const header = Buffer.from(fs.readFileSync(XAU).subarray(0, 4096));
    header[4] = 1; // ELFCLASS32
    fs.writeFileSync(elf32, header);
    const plain = copyOf(LIBZ); // Debian's zlib: already stripped, no hole
    expect(tidy(text, truncated, elf32, plain, path.join(scratch, "missing.so"))).toEqual([]);
    expect(fs.readdirSync(path.dirname(plain))).toEqual([path.basename(plain)]);
  });
});

describe("strip.sh with tidy-elf.py", () => {
  test("a prefix's patchelf'd library ends up small and loadable, counted once", () => {
    const prefix = path.join(scratch, `prefix-${++counter}`);
    const libs = path.join(prefix, "lib/python3.12/site-packages/pillow.libs");
    fs.mkdirSync(libs, { recursive: true });
    fs.mkdirSync(path.join(prefix, "bin"));
    fs.symlinkSync("/usr/bin/python3", path.join(prefix, "bin/python"));
    const lib = path.join(libs, "libXau-154567c4.so.6.0.0");
    fs.copyFileSync(XAU, lib);
    const r = spawnSync("/bin/sh", [STRIP, prefix], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const after = fs.statSync(lib).size;
    expect(after).toBeLessThan(32 * 1024);
    expect(r.stdout).toBe(`slim-dask-strip: files=1 before=2104240 after=${after}\n`);
    expect(fs.readdirSync(libs)).toEqual(["libXau-154567c4.so.6.0.0"]);
    expect(callString(lib, "XauFileName")).toBe("/home/slim-dask-test/.Xauthority");
  });
});
