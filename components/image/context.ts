import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SlimDaskError, show } from "../common/errors";
import { renderDockerfile } from "./dockerfile";
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

const SCRIPTS = ["prune.sh", "install-shims.sh", "strip.sh"];
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

/** The recipe's wheelhouse as an absolute host path (`~` is the home directory). */
function wheelhouseDir(wheelhouse: string): string {
  if (wheelhouse === "~" || wheelhouse.startsWith("~/")) {
    return path.join(os.homedir(), wheelhouse.slice(1));
  }
  return path.resolve(wheelhouse);
}

/** Every `*.whl` file of the wheelhouse, sorted, as `wheels/<name>` entries. */
function wheelFiles(wheelhouse: string): BuildContextFile[] {
  const dir = wheelhouseDir(wheelhouse);
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
 * The build context of a resolved recipe: `Dockerfile`, `slim-dask/prune.sh`,
 * `slim-dask/install-shims.sh` and, for a pip recipe with a wheelhouse, `wheels/*.whl`.
 * Throws a SlimDaskError on field `wheelhouse` when it is missing or holds no wheels.
 */
export function buildContext(recipe: ImageRecipe): BuildContext {
  const dockerfile = renderDockerfile(recipe);
  const assets = assetDir();
  const files: BuildContextFile[] = [
    { path: "Dockerfile", mode: MODE_FILE, content: dockerfile },
    ...SCRIPTS.map((name) => ({
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

/** True when `target` already holds exactly the file's bytes. */
function upToDate(target: string, file: BuildContextFile): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  if (file.source !== undefined) {
    return st.size === fs.statSync(file.source).size && hashFile(target) === hashFile(file.source);
  }
  return fs.readFileSync(target).equals(Buffer.from(file.content ?? ""));
}

/** Relative paths of every non-directory entry below `dir` (symlinks not followed). */
function existingFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...existingFiles(dir, r));
    else out.push(r);
  }
  return out;
}

/** Removes the now-empty directories below `dir`, deepest first. */
function removeEmptyDirs(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const sub = path.join(dir, entry.name);
    removeEmptyDirs(sub);
    if (fs.readdirSync(sub).length === 0) fs.rmdirSync(sub);
  }
}

/**
 * Writes the context to `dir` (created if needed): files whose bytes differ are replaced
 * atomically, modes set (0644, scripts 0755), and files not in the context (stale wheels)
 * removed. Writing the same context twice changes nothing, modification times included.
 * Refuses a non-empty directory without a `Dockerfile`, so a mistyped path never has its
 * unrelated files deleted.
 */
export function writeBuildContext(context: BuildContext, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const present = existingFiles(dir);
  if (present.length > 0 && !present.includes("Dockerfile")) {
    throw new SlimDaskError(
      "contextDir",
      `${show(dir)} is not empty and holds no Dockerfile, so it is not a build context`,
      "choose an empty or new directory (files not in the context are deleted from it)",
    );
  }
  const wanted = new Set(context.files.map((f) => f.path));
  for (const rel of present) {
    if (!wanted.has(rel)) fs.rmSync(path.join(dir, rel), { force: true });
  }
  removeEmptyDirs(dir);
  for (const file of context.files) {
    const target = path.join(dir, ...file.path.split("/"));
    if (!upToDate(target, file)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const tmp = `${target}.slim-dask-tmp`;
      if (file.source !== undefined) fs.copyFileSync(file.source, tmp);
      else fs.writeFileSync(tmp, file.content ?? "");
      fs.chmodSync(tmp, file.mode);
      fs.renameSync(tmp, target);
    }
    if ((fs.statSync(target).mode & 0o777) !== file.mode) fs.chmodSync(target, file.mode);
  }
}
