import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { SlimDaskError, show } from "../common/errors";
import { resolveUserPath } from "../common/paths";
import { renderDockerfile, splitsLayers } from "./dockerfile";
import type { ImageRecipe } from "./recipe-types";

/**
 * The build context of an image: the Dockerfile, slim-dask's scripts and (pip preset with a
 * wheelhouse) the wheels, plus a hash of all of it. The hash names the default tag, so an
 * unchanged recipe keeps its tag and any change to what Docker would see gets a new one.
 */

/** One file of the context, at `path` (relative, `/`-separated) with permission bits `mode`. */
export interface BuildContextFile {
  path: string;
  mode: number;
  /** The bytes, for generated and packaged files. */
  content?: Buffer | string;
  /** A host file to copy instead (wheels: never loaded into memory as a whole). */
  source?: string;
}

/** Everything `docker build` needs, and its content hash (sha256, hex). */
export interface BuildContext {
  dockerfile: string;
  files: BuildContextFile[];
  hash: string;
}

const SCRIPTS = ["prune.sh", "install-shims.sh", "strip.sh", "tidy-elf.py"];
/** Only the minimal runtime's build runs it: other contexts (and their tags) do not change. */
const MINIMAL_RUNTIME_SCRIPT = "minimal-root.py";
/** Only builds that copy the prefix in layers run it (see `splitsLayers`). */
const LAYER_SCRIPT = "split-layers.py";
const MODE_FILE = 0o644;
const MODE_SCRIPT = 0o755;

/**
 * The packaged `assets/` directory: next to this file under ts-jest, and at
 * `<package>/components/image/assets` when running from `dist/components/image/`.
 */
export function assetDir(): string {
  const candidates = [
    path.join(__dirname, "assets"),
    path.join(__dirname, "..", "..", "..", "components", "image", "assets"),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, SCRIPTS[0])));
  if (found === undefined) {
    throw new Error(
      `slim-dask assets not found in ${candidates.join(" or ")}: reinstall slim-dask`,
    );
  }
  return found;
}

/** Every `*.whl` file of the wheelhouse, sorted, as `wheels/<name>` entries. */
function wheelFiles(wheelhouse: string): BuildContextFile[] {
  const dir = resolveUserPath("wheelhouse", wheelhouse);
  const fix = "point `wheelhouse` at a directory of .whl files (e.g. filled by `pip download`)";
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new SlimDaskError("wheelhouse", `${show(wheelhouse)} is not a readable directory`, fix);
  }
  const wheels = names
    .filter((n) => n.endsWith(".whl") && fs.statSync(path.join(dir, n)).isFile())
    .sort();
  if (wheels.length === 0) {
    throw new SlimDaskError("wheelhouse", `${show(wheelhouse)} holds no .whl files`, fix);
  }
  return wheels.map((n) => ({ path: `wheels/${n}`, mode: MODE_FILE, source: path.join(dir, n) }));
}

/** sha256 (hex) of a file, read in chunks. */
function hashFile(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const chunk = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0)
      hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** sha256 (hex) of a context file's bytes. */
function contentHash(file: BuildContextFile): string {
  if (file.source !== undefined) return hashFile(file.source);
  return createHash("sha256")
    .update(file.content ?? "")
    .digest("hex");
}

/** Orders files by path (code units: the same on every machine). */
function byPath(a: BuildContextFile, b: BuildContextFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** sha256 over the sorted (path, mode, content sha256) of every file. */
function contextHash(files: readonly BuildContextFile[]): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort(byPath)) {
    hash.update(`${f.path}\0${f.mode.toString(8)}\0${contentHash(f)}\n`);
  }
  return hash.digest("hex");
}

/**
 * The build context of a resolved recipe: `Dockerfile`, slim-dask's scripts under
 * `slim-dask/` (prune, shims, strip, tidy-elf; minimal-root for `runtime: "minimal"`,
 * split-layers when the prefix is copied in layers) and, for
 * a pip recipe with a wheelhouse, `wheels/*.whl`.
 * Throws a SlimDaskError on field `wheelhouse` when it is missing or holds no wheels.
 */
export function buildContext(recipe: ImageRecipe): BuildContext {
  const dockerfile = renderDockerfile(recipe);
  const assets = assetDir();
  const files: BuildContextFile[] = [
    { path: "Dockerfile", mode: MODE_FILE, content: dockerfile },
    ...[
      ...SCRIPTS,
      ...(recipe.runtime === "minimal" ? [MINIMAL_RUNTIME_SCRIPT] : []),
      ...(splitsLayers(recipe) ? [LAYER_SCRIPT] : []),
    ].map((name) => ({
      path: `slim-dask/${name}`,
      mode: MODE_SCRIPT,
      content: fs.readFileSync(path.join(assets, name)),
    })),
  ];
  if (recipe.base === "pip" && recipe.wheelhouse !== "") {
    files.push(...wheelFiles(recipe.wheelhouse));
  }
  files.sort(byPath);
  return { dockerfile, files, hash: contextHash(files) };
}

/** The default image tag: `<dask>-<first 12 hex digits of the context hash>`. */
export function defaultTag(recipe: ImageRecipe, context: BuildContext): string {
  return `${recipe.dask}-${context.hash.slice(0, 12)}`;
}

/*
 * Writing a context directory. slim-dask deletes or replaces only files it wrote itself:
 * each directory it writes holds a manifest (MANIFEST) listing, per relative path, the
 * sha256 of every content slim-dask may have left there, and the temporary files it may
 * have created. A file whose bytes match none of its recorded hashes was changed by someone
 * else and is never overwritten or deleted: the write is refused instead. A non-empty
 * directory without a manifest is refused whatever it holds. Nothing is read or written
 * through a symlink below the directory (lstat on every path component).
 *
 * Crash safety: the manifest first grows to old ∪ new (both hashes of a file being replaced,
 * and the names of the temporary files about to be created), then files are written (tmp +
 * fsync + rename) and stale ones removed, then the manifest shrinks to the new files. A crash
 * at any point leaves every file in a state the manifest accepts, so the next run neither
 * deletes a file it did not write nor refuses the directory.
 */

/** The manifest slim-dask keeps in every context directory it writes. */
export const CONTEXT_MANIFEST = ".slim-dask-manifest.json";
/** Reserved name of the manifest while it is written (a regular file there is ours). */
const MANIFEST_TMP = `${CONTEXT_MANIFEST}.tmp`;
const TMP_SUFFIX = ".slim-dask-tmp";
const SHA256 = /^[0-9a-f]{64}$/;

/** A crash-injection point of {@link writeBuildContext}, reached right after the step. */
export type ContextWriteStep = "manifest-grown" | "file-written" | "stale-removed" | "done";

/** Options of {@link writeBuildContext}. */
export interface WriteContextOptions {
  /** The field named in errors: `contextDir` (default) or the CLI's `--out`. */
  field?: string;
  /** Called after each step, for tests: throwing from it simulates a crash there. */
  onStep?: (step: ContextWriteStep, path: string) => void;
}

/** What slim-dask may have left in a context directory. */
interface Manifest {
  /** Relative path -> sha256 of each content slim-dask may have written there. */
  files: Map<string, Set<string>>;
  /** Temporary files slim-dask may have created (any content: possibly half-written). */
  temporary: Set<string>;
}

/** The manifest's bytes: sorted, so the same state always gives the same file. */
function renderManifest(m: Manifest): string {
  const files: Record<string, string[]> = {};
  for (const p of [...m.files.keys()].sort()) files[p] = [...m.files.get(p)!].sort();
  const body = { slimDaskManifest: 1, files, temporary: [...m.temporary].sort() };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** A relative `/`-separated path that stays below its directory and is not the manifest. */
function isSafeRelative(p: unknown): p is string {
  return (
    typeof p === "string" &&
    /^[^/\\\0]+(\/[^/\\\0]+)*$/.test(p) &&
    p.split("/").every((seg) => seg !== "." && seg !== "..") &&
    p !== CONTEXT_MANIFEST &&
    p !== MANIFEST_TMP
  );
}

/** Parses a manifest, or returns undefined when it is not one slim-dask wrote. */
function parseManifest(text: string): Manifest | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { slimDaskManifest, files, temporary } = (body ?? {}) as Record<string, unknown>;
  if (slimDaskManifest !== 1 || typeof files !== "object" || files === null) return undefined;
  if (!Array.isArray(temporary)) return undefined;
  const m: Manifest = { files: new Map(), temporary: new Set() };
  for (const [p, hashes] of Object.entries(files)) {
    if (!isSafeRelative(p) || !Array.isArray(hashes)) return undefined;
    if (!hashes.every((h) => typeof h === "string" && SHA256.test(h))) return undefined;
    m.files.set(p, new Set(hashes as string[]));
  }
  for (const p of temporary) {
    if (!isSafeRelative(p) || !p.endsWith(TMP_SUFFIX)) return undefined;
    m.temporary.add(p);
  }
  return m;
}

/** What is at a relative path: nothing, a regular file, or something slim-dask never writes. */
type Entry = { kind: "missing" } | { kind: "file"; mode: number } | { kind: "other"; what: string };

/** lstat of every component of `rel` below `dir`: a symlink anywhere is never followed. */
function inspect(dir: string, rel: string): Entry {
  const segs = rel.split("/");
  for (let i = 0; i < segs.length; i++) {
    const at = segs.slice(0, i + 1).join("/");
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(dir, ...segs.slice(0, i + 1)));
    } catch {
      return { kind: "missing" };
    }
    const last = i === segs.length - 1;
    if (st.isSymbolicLink()) return { kind: "other", what: `${at} is a symlink` };
    if (last && st.isFile()) return { kind: "file", mode: st.mode & 0o777 };
    if (last || !st.isDirectory()) {
      return { kind: "other", what: `${at} is ${st.isDirectory() ? "a directory" : "not a file"}` };
    }
  }
  return { kind: "missing" };
}

/** Opens, fsyncs and closes a path (a file's data, or a directory's entries). */
function fsyncPath(p: string): void {
  const fd = fs.openSync(p, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes a regular file at `abs` if there is one (never a symlink's target). */
function removeRegularFile(abs: string): void {
  try {
    if (fs.lstatSync(abs).isFile()) fs.unlinkSync(abs);
  } catch {
    // Already gone.
  }
}

/** Replaces the manifest atomically and durably (tmp, fsync, rename, fsync the directory). */
function writeManifest(dir: string, m: Manifest): void {
  const tmp = path.join(dir, MANIFEST_TMP);
  removeRegularFile(tmp);
  fs.writeFileSync(tmp, renderManifest(m), { flag: "wx", mode: MODE_FILE });
  fsyncPath(tmp);
  fs.renameSync(tmp, path.join(dir, CONTEXT_MANIFEST));
  try {
    fsyncPath(dir); // makes the rename durable before files change (Linux, macOS)
  } catch {
    // Windows cannot open a directory: the rename is still atomic, just not yet durable.
  }
}

/** Creates the missing parent directories of `rel` (inspect() found none to be a symlink). */
function makeParents(dir: string, rel: string): void {
  const segs = rel.split("/").slice(0, -1);
  for (let i = 1; i <= segs.length; i++) {
    const sub = path.join(dir, ...segs.slice(0, i));
    if (!fs.existsSync(sub)) fs.mkdirSync(sub);
  }
}

/** Removes the parents of `rel` that removing it left empty, deepest first. */
function removeEmptyParents(dir: string, rel: string): void {
  const segs = rel.split("/").slice(0, -1);
  for (let i = segs.length; i > 0; i--) {
    const sub = path.join(dir, ...segs.slice(0, i));
    if (fs.readdirSync(sub).length > 0) return;
    fs.rmdirSync(sub);
  }
}

/** Writes one file via a temporary next to it (never following a symlink: `wx`). */
function writeFileAtomically(dir: string, file: BuildContextFile): void {
  makeParents(dir, file.path);
  const target = path.join(dir, ...file.path.split("/"));
  const tmp = `${target}${TMP_SUFFIX}`;
  if (file.source !== undefined) fs.copyFileSync(file.source, tmp, fs.constants.COPYFILE_EXCL);
  else fs.writeFileSync(tmp, file.content ?? "", { flag: "wx", mode: file.mode });
  fs.chmodSync(tmp, file.mode);
  fsyncPath(tmp);
  fs.renameSync(tmp, target);
}

/** Relative paths of every entry below `dir/rel`, symlinks and files alike (not followed). */
function entriesBelow(dir: string, rel: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, ...rel.split("/")), { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory() && !e.isSymbolicLink()) out.push(...entriesBelow(dir, r));
    else out.push(r);
  }
  return out;
}

/**
 * Writes the context to `dir` (created if needed): files whose bytes differ are replaced
 * atomically, modes set (0644, scripts 0755), and files slim-dask wrote there before that
 * the context no longer holds (stale wheels) removed. Writing the same context twice changes
 * nothing, modification times included.
 *
 * Never loses a file it did not write: it refuses (SlimDaskError on `options.field`) a
 * non-empty directory without its manifest ({@link CONTEXT_MANIFEST}), a file it wrote that
 * was changed since, anything it did not write standing where a context file goes or inside
 * a directory the image copies (`slim-dask/`, `wheels/`), and symlinks on any of those
 * paths. Other files of a directory it manages are left alone.
 */
export function writeBuildContext(
  context: BuildContext,
  dir: string,
  options: WriteContextOptions = {},
): void {
  const field = options.field ?? "contextDir";
  const step = options.onStep ?? (() => undefined);
  const refuse = (problem: string, fix: string): never => {
    throw new SlimDaskError(field, `${show(dir)}: ${problem}`, fix);
  };
  const moveOut = "move it out of the directory (slim-dask never deletes what it did not write)";

  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    refuse("is not a directory", "choose a new or empty directory for the build context");
  }
  fs.mkdirSync(dir, { recursive: true });
  const old = readManifest(dir, refuse);
  if (inspect(dir, MANIFEST_TMP).kind === "other") {
    refuse(`${MANIFEST_TMP} is not a regular file (a symlink is never followed)`, moveOut);
  }

  // What slim-dask owns now: recorded paths whose bytes are still one of the recorded hashes.
  const owned = new Map<string, string>();
  for (const [rel, hashes] of old.files) {
    const entry = inspect(dir, rel);
    if (entry.kind === "missing") continue;
    if (entry.kind === "other") refuse(`${entry.what}, not the file slim-dask wrote`, moveOut);
    const hash = hashFile(path.join(dir, ...rel.split("/")));
    if (!hashes.has(hash)) {
      refuse(`${rel} was changed after slim-dask wrote it`, `to keep your changes, ${moveOut}`);
    }
    owned.set(rel, hash);
  }
  const temporaries = [...old.temporary].filter((rel) => {
    const entry = inspect(dir, rel);
    if (entry.kind === "other") refuse(`${entry.what}, not a file slim-dask wrote`, moveOut);
    return entry.kind === "file";
  });

  const wanted = context.files.map((file) => ({ file, hash: contentHash(file) }));
  const wantedPaths = new Set(context.files.map((f) => f.path));
  for (const { file } of wanted) {
    const entry = inspect(dir, file.path);
    if (entry.kind === "other") refuse(`${entry.what}, where the context's file goes`, moveOut);
    if (entry.kind === "file" && !owned.has(file.path)) {
      refuse(`${file.path} is in the way: slim-dask did not write it`, moveOut);
    }
    const tmp = `${file.path}${TMP_SUFFIX}`;
    if (inspect(dir, tmp).kind !== "missing" && !old.temporary.has(tmp)) {
      refuse(`${tmp} is in the way: slim-dask did not write it`, moveOut);
    }
  }
  // The image copies whole directories (`COPY wheels/ ...`): nothing foreign may ride along.
  const copied = new Set(
    context.files.filter((f) => f.path.includes("/")).map((f) => f.path.split("/")[0]),
  );
  for (const top of copied) {
    if (inspect(dir, top).kind === "missing") continue;
    for (const rel of entriesBelow(dir, top)) {
      if (!wantedPaths.has(rel) && !owned.has(rel) && !old.temporary.has(rel)) {
        refuse(
          `${rel} is in ${top}/, which the image copies, but slim-dask did not write it`,
          moveOut,
        );
      }
    }
  }

  const toWrite = wanted.filter(({ file, hash }) => owned.get(file.path) !== hash);
  const toChmod = wanted.filter(({ file, hash }) => {
    const entry = inspect(dir, file.path);
    return owned.get(file.path) === hash && entry.kind === "file" && entry.mode !== file.mode;
  });
  const stale = [...owned.keys()].filter((rel) => !wantedPaths.has(rel)).sort();
  const final: Manifest = {
    files: new Map(wanted.map(({ file, hash }) => [file.path, new Set([hash])])),
    temporary: new Set(),
  };
  const unchanged =
    toWrite.length + toChmod.length + stale.length + temporaries.length === 0 &&
    old.text === renderManifest(final) &&
    inspect(dir, MANIFEST_TMP).kind === "missing";
  if (unchanged) return;

  // 1. Grow the manifest to everything that may be on disk until the write completes.
  const grown: Manifest = { files: new Map(), temporary: new Set(temporaries) };
  for (const [rel, hash] of owned) grown.files.set(rel, new Set([hash]));
  for (const { file, hash } of toWrite) {
    grown.files.set(file.path, new Set([...(grown.files.get(file.path) ?? []), hash]));
    grown.temporary.add(`${file.path}${TMP_SUFFIX}`);
  }
  writeManifest(dir, grown);
  step("manifest-grown", CONTEXT_MANIFEST);

  // 2. Write, repair, remove.
  for (const rel of temporaries) removeRegularFile(path.join(dir, ...rel.split("/")));
  for (const { file } of toWrite) {
    writeFileAtomically(dir, file);
    step("file-written", file.path);
  }
  for (const { file } of toChmod) fs.chmodSync(path.join(dir, ...file.path.split("/")), file.mode);
  for (const rel of stale) {
    fs.unlinkSync(path.join(dir, ...rel.split("/")));
    removeEmptyParents(dir, rel);
    step("stale-removed", rel);
  }

  // 3. Shrink the manifest to exactly the context.
  writeManifest(dir, final);
  step("done", CONTEXT_MANIFEST);
}

/**
 * The directory's manifest and its bytes; an empty manifest for an empty directory. Refuses
 * a non-empty directory without one, and a manifest that is not slim-dask's.
 */
function readManifest(
  dir: string,
  refuse: (problem: string, fix: string) => never,
): Manifest & { text: string | undefined } {
  const entry = inspect(dir, CONTEXT_MANIFEST);
  if (entry.kind === "missing") {
    // A crash during the very first manifest write can leave only its temporary behind.
    const others = fs
      .readdirSync(dir)
      .filter((n) => !(n === MANIFEST_TMP && inspect(dir, n).kind === "file"));
    if (others.length > 0) {
      refuse(
        `is not empty and holds no ${CONTEXT_MANIFEST}, so slim-dask did not write it`,
        "choose a new or empty directory for the build context (slim-dask only writes where it can tell its own files from yours)",
      );
    }
    return { files: new Map(), temporary: new Set(), text: undefined };
  }
  const broken = (what: string): never =>
    refuse(
      `${CONTEXT_MANIFEST} ${what}`,
      `choose a new or empty directory, or delete ${CONTEXT_MANIFEST} and the files slim-dask wrote`,
    );
  if (entry.kind === "other") broken("is not a regular file (a symlink is never followed)");
  const text = fs.readFileSync(path.join(dir, CONTEXT_MANIFEST), "utf8");
  const manifest = parseManifest(text) ?? broken("is not a manifest slim-dask wrote");
  return { ...manifest, text };
}
