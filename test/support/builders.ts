import {
  Builder,
  buildClient,
  buildImage,
  BuildOptions,
  BuildResult,
  docker,
  imageLayers,
  runAsRoot,
} from "./docker";
import { buildSteps } from "./build-log";
import { RegistryCredentials } from "./environment";
import { exec } from "./exec";
import { isWheelLayerStep } from "./slim-build";

/**
 * What the e2e suite checks about the two builders: hard links after `COPY --from`, layer
 * sizes, the registry's copy of an image (its config, where BuildKit keeps the inline cache
 * metadata), and rebuilding from a pushed image on an empty builder cache.
 */

/** Hard links among the regular files below a directory of an image. */
export interface HardLinks {
  /** Files with more than one link, counted once each. */
  inodes: number;
  /** Links beyond each such file's first: what `duplicate-files` reports as files removed. */
  extraLinks: number;
}

/**
 * Counts the hard links below the prefix `dir` in `image`, with the prefix's own Python
 * (`dir/bin/python`, on the PATH or not, as in a build stage): every image has one, not
 * every image has GNU find (the minimal runtime has BusyBox's, or none).
 */
export async function hardLinks(image: string, dir: string): Promise<HardLinks> {
  const found = await runAsRoot(image, `${dir}/bin/python`, [
    "-c",
    [
      "import os, stat, sys",
      "for here, dirs, files in os.walk(sys.argv[1]):",
      "    for name in files:",
      "        st = os.lstat(os.path.join(here, name))",
      "        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1: print(st.st_ino, st.st_nlink)",
    ].join("\n"),
    dir,
  ]);
  return countHardLinks(found);
}

/** `<inode> <link count>` lines as {@link HardLinks}. */
export function countHardLinks(findOutput: string): HardLinks {
  const links = new Map<string, number>();
  for (const line of findOutput.split("\n").filter(Boolean)) {
    const [inode, count] = line.trim().split(/\s+/);
    links.set(inode, Number(count));
  }
  let extraLinks = 0;
  for (const count of links.values()) extraLinks += count - 1;
  return { inodes: links.size, extraLinks };
}

/**
 * Everything below `dir` in `image` that two builds of one context must agree on: each
 * entry's type, mode, owner, link count, size, path and symlink target (sorted, as
 * `find -printf '%y %m %U:%G %n %s %p %l'` gives them), then one checksum over every regular
 * file's path and content. Listed by the prefix's own Python (see {@link hardLinks}).
 */
export function treeListing(image: string, dir: string): Promise<string> {
  return runAsRoot(image, `${dir}/bin/python`, [
    "-c",
    [
      "import hashlib, os, stat, sys",
      "top = sys.argv[1]",
      "kinds = {stat.S_IFREG: 'f', stat.S_IFDIR: 'd', stat.S_IFLNK: 'l'}",
      "lines, digest = [], hashlib.sha256()",
      "paths = [top] + [os.path.join(h, n) for h, ds, fs in os.walk(top) for n in ds + fs]",
      "for p in sorted(paths):",
      "    st = os.lstat(p)",
      "    kind = kinds.get(stat.S_IFMT(st.st_mode), '?')",
      "    link = os.readlink(p) if kind == 'l' else ''",
      "    lines.append('%s %o %d:%d %d %d %s %s' % (kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_nlink, st.st_size, p, link))",
      "    if kind == 'f':",
      "        digest.update(p.encode() + b'\\0')",
      "        with open(p, 'rb') as f: digest.update(hashlib.sha256(f.read()).digest())",
      "print('\\n'.join(lines))",
      "print(digest.hexdigest())",
    ].join("\n"),
    dir,
  ]);
}

/** The bytes of the symlink targets in a {@link treeListing} (a symlink's size is its target's length). */
export function symlinkBytes(listing: string): number {
  return listing
    .split("\n")
    .filter((line) => line.startsWith("l "))
    .reduce((sum, line) => sum + Number(line.split(" ")[4]), 0);
}

/**
 * The bytes of every symlink target of the image below `top`, read with the prefix
 * `prefix`'s Python in a container: not the mounts a container gets (/proc, /sys, /dev), nor
 * Docker's init layer, which adds `/etc/mtab -> /proc/mounts` to every container.
 */
export async function symlinkBytesBelow(
  image: string,
  prefix: string,
  top: string,
): Promise<number> {
  const out = await runAsRoot(image, `${prefix}/bin/python`, [
    "-c",
    [
      "import os, sys",
      "top = sys.argv[1]; dev = os.lstat(top).st_dev; total = 0",
      "for here, dirs, files in os.walk(top):",
      "    dirs[:] = [d for d in dirs if os.lstat(os.path.join(here, d)).st_dev == dev]",
      "    for name in dirs + files:",
      "        p = os.path.join(here, name)",
      "        if os.path.islink(p) and p != '/etc/mtab': total += len(os.fsencode(os.readlink(p)))",
      "print(total)",
    ].join("\n"),
    top,
  ]);
  return Number(out.trim());
}

/** Each layer's size in bytes, base first (`docker history`, which lists newest first). */
export async function layerSizes(image: string): Promise<number[]> {
  const { stdout } = await docker([
    "history",
    "--human=false",
    "--no-trunc",
    "--format",
    "{{.Size}}",
    image,
  ]);
  return stdout.trim().split("\n").map(Number).reverse();
}

/** A Docker image manifest (schema 2): the config blob and the layer blobs, as pushed. */
export interface RegistryManifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number; mediaType: string }[];
}

/**
 * The bytes a node pulls for an image: the sum of its pushed layer blobs (compressed, as the
 * registry stores them), base layers included, plus the config blob.
 */
export function pulledBytes(manifest: RegistryManifest): number {
  return manifest.layers.reduce((sum, l) => sum + l.size, manifest.config.size);
}

/** One step of an image config's `history`; only steps without `empty_layer` made a layer. */
export interface HistoryStep {
  created_by?: string;
  empty_layer?: boolean;
}

/**
 * The compressed size of the pushed blob of the offline-wheelhouse COPY layer (0 when the
 * image has none): the config's history steps that made a layer are, in order, the
 * manifest's layers.
 */
export function wheelLayerBlobBytes(manifest: RegistryManifest, history: HistoryStep[]): number {
  const steps = history.filter((h) => !h.empty_layer);
  if (steps.length !== manifest.layers.length) {
    throw new Error(
      `${steps.length} history steps with a layer for ${manifest.layers.length} layers: cannot tell which is the wheelhouse`,
    );
  }
  const index = steps.findIndex((h) => isWheelLayerStep(h.created_by ?? ""));
  return index >= 0 ? manifest.layers[index].size : 0;
}

/** The manifest and the config's history a registry serves for `reference`. */
export async function registryManifestAndHistory(
  reference: string,
  login: RegistryCredentials,
): Promise<{ manifest: RegistryManifest; history: HistoryStep[] }> {
  const { manifest, get } = await registryManifestAndClient(reference, login);
  const config = await get(`blobs/${manifest.config.digest}`);
  return { manifest, history: (config.history ?? []) as HistoryStep[] };
}

/**
 * The bytes a push of `next` sends to a registry that holds `previous`: the compressed blobs
 * (layers and config) of `next` that `previous` does not have, as the registry skips a blob
 * it already has. A rebuild after a small change should send only the layers it changed.
 */
export function bytesPushed(previous: RegistryManifest, next: RegistryManifest): number {
  const held = new Set([previous.config, ...previous.layers].map((b) => b.digest));
  return [next.config, ...next.layers]
    .filter((b, i, all) => !held.has(b.digest) && all.findIndex((o) => o.digest === b.digest) === i)
    .reduce((sum, b) => sum + b.size, 0);
}

/** The image config a registry serves for `reference` (repo:tag on a registry with basic auth). */
export async function registryConfig(
  reference: string,
  login: RegistryCredentials,
): Promise<Record<string, unknown>> {
  const { manifest, get } = await registryManifestAndClient(reference, login);
  return get(`blobs/${manifest.config.digest}`);
}

/** The manifest a registry serves for `reference` (repo:tag on a registry with basic auth). */
export async function registryManifest(
  reference: string,
  login: RegistryCredentials,
): Promise<RegistryManifest> {
  return (await registryManifestAndClient(reference, login)).manifest;
}

async function registryManifestAndClient(reference: string, login: RegistryCredentials) {
  const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(reference);
  if (!m) throw new Error(`not a registry repo:tag reference: ${reference}`);
  const [, host, repository, tag] = m;
  const headers = {
    Authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`,
    Accept: "application/vnd.docker.distribution.manifest.v2+json",
  };
  const get = async (url: string) => {
    const res = await fetch(`http://${host}/v2/${repository}/${url}`, { headers });
    if (res.status !== 200) throw new Error(`GET ${url} on ${host}: HTTP ${res.status}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const manifest = (await get(`manifests/${tag}`)) as unknown as RegistryManifest;
  return { manifest, get };
}

/** Where BuildKit writes inline cache metadata in an image config. */
export const INLINE_CACHE_KEY = "moby.buildkit.cache.v0";

/**
 * Empties BuildKit's build cache. The engine has one, and there is no pruning one build's
 * records: every BuildKit build on the engine loses its cache.
 */
export async function pruneBuildCache(): Promise<void> {
  // The build client: a 23+ client without buildx warns that the legacy builder is deprecated.
  await exec(await buildClient(), ["builder", "prune", "--all", "--force"]);
}

/**
 * Makes the next build of these images start from nothing local: BuildKit's build cache is
 * emptied and the images are removed under every name by ID. The legacy builder's cache is
 * the local images, so `images` must name the build stage too (see {@link buildStageImage}).
 */
export async function forgetBuilds(images: string[]): Promise<void> {
  const ids = new Set<string>();
  for (const image of images) {
    const r = await docker(["image", "inspect", "--format", "{{.Id}}", image], {
      allowFailure: true,
    });
    if (r.code === 0) ids.add(r.stdout.trim());
  }
  if (ids.size > 0) await docker(["rmi", "--force", ...ids]);
  await pruneBuildCache();
}

/**
 * Tags the build stage of `contextDir` as `tag` (a cached build: the stage was built with the
 * image). The legacy builder needs it to reuse a multi-stage build: its `--cache-from` matches
 * a pulled image's history step by step, and the final image's history holds no build stage.
 */
export function buildStageImage(
  contextDir: string,
  tag: string,
  builder: Builder,
): Promise<BuildResult> {
  return buildImage(contextDir, tag, { builder, target: "build" });
}

/** A rebuild from pushed images, and what it reused. */
export interface CacheRebuild {
  cacheFrom: string[];
  seconds: number;
  /** Layer diff IDs of the rebuilt image. */
  layers: string[];
  /** RUN and COPY instructions the log shows as taken from the cache / run again. */
  cached: string[];
  rebuilt: string[];
  log: string;
}

/**
 * Rebuilds `contextDir` as `tag` with `--cache-from` (pulling each image first for the legacy
 * builder, which only matches local images; BuildKit reads the registry itself).
 */
export async function rebuildFromCache(
  contextDir: string,
  tag: string,
  cacheFrom: string[],
  options: BuildOptions & { builder: Builder },
): Promise<CacheRebuild> {
  const started = Date.now();
  if (options.builder === "legacy") {
    for (const image of cacheFrom) await docker(["pull", "--quiet", image]);
  }
  const build = await buildImage(contextDir, tag, { ...options, cacheFrom });
  const steps = buildSteps(build.log).filter((s) => /^(RUN|COPY) /.test(s.instruction));
  return {
    cacheFrom,
    seconds: (Date.now() - started) / 1000,
    layers: await imageLayers(build.imageId),
    cached: steps.filter((s) => s.cached).map((s) => s.instruction),
    rebuilt: steps.filter((s) => !s.cached).map((s) => s.instruction),
    log: build.log,
  };
}

/** A part of an image's files (a package below site-packages, else a directory) and its bytes. */
export interface ImagePart {
  path: string;
  bytes: number;
}

/**
 * The part a file counts toward: its package directory below `site-packages` (e.g.
 * `.../site-packages/numpy`), else its first three path components (`/usr/lib/x86_64-linux-gnu`).
 */
export function partOf(file: string): string {
  const parts = file.split("/");
  const site = parts.indexOf("site-packages");
  return parts.slice(0, site >= 0 ? site + 2 : 4).join("/");
}

/**
 * The `count` largest parts of `<bytes>\t<path>` lines (one per file), then everything else
 * as one `(the rest)` part: what an image holds, for a missed size goal.
 */
export function largestParts(listing: string, count: number): ImagePart[] {
  const sizes = new Map<string, number>();
  for (const line of listing.split("\n").filter(Boolean)) {
    const tab = line.indexOf("\t");
    const part = partOf(line.slice(tab + 1));
    sizes.set(part, (sizes.get(part) ?? 0) + Number(line.slice(0, tab)));
  }
  const sorted = [...sizes].map(([path, bytes]) => ({ path, bytes }));
  sorted.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  const rest = sorted.slice(count).reduce((sum, p) => sum + p.bytes, 0);
  return [...sorted.slice(0, count), ...(rest > 0 ? [{ path: "(the rest)", bytes: rest }] : [])];
}

/**
 * Apparent bytes of every regular file in `image` (hard links once, not the container's
 * mounts), as `<bytes>\t<path>` lines, listed by the image's own `python` on its PATH: the
 * minimal runtime has no `du`.
 */
export function imageFileSizes(image: string): Promise<string> {
  return runAsRoot(image, "python", [
    "-c",
    [
      "import os, stat",
      "dev = os.lstat('/').st_dev; seen = set()",
      "for here, dirs, files in os.walk('/'):",
      "    dirs[:] = [d for d in dirs if os.lstat(os.path.join(here, d)).st_dev == dev]",
      "    for name in files:",
      "        p = os.path.join(here, name); st = os.lstat(p)",
      "        if st.st_dev != dev or not stat.S_ISREG(st.st_mode) or st.st_ino in seen: continue",
      "        seen.add(st.st_ino); print('%d\\t%s' % (st.st_size, p))",
    ].join("\n"),
  ]);
}
