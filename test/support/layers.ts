/**
 * Image layers as Docker's layer store and containerd's snapshotter name and size them.
 *
 * Both name a layer by its chain ID (the diff IDs up to it), and Docker keeps a layer's size
 * from whichever build or pull registered that chain ID first: a fresh unpack (a pull, the
 * legacy builder's commit) walks the unpacked files, counting each inode once and a symlink
 * as its target's length; BuildKit's exporter counts the tar's file payloads only. Since the
 * layer split copies layers byte for byte, images of other sets and builders share chain
 * IDs, so a pull is only fresh once every image holding one of them is gone.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { docker } from "./docker";
import { exec } from "./exec";

/** The OCI chain IDs of an image's layers (the first is its diff ID). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(
      previous === undefined
        ? diffId
        : `sha256:${createHash("sha256").update(`${previous} ${diffId}`).digest("hex")}`,
    );
  }
  return out;
}

/** The local images (intermediate ones included) that hold one of these chain IDs. */
export async function imagesHoldingLayers(
  chains: string[],
): Promise<{ id: string; layers: string[] }[]> {
  const wanted = new Set(chains);
  const listed = await docker(["images", "--all", "--quiet", "--no-trunc"]);
  const ids = [...new Set(listed.stdout.split("\n").filter(Boolean))];
  if (ids.length === 0) return [];
  const { stdout } = await docker([
    "image",
    "inspect",
    "--format",
    "{{.Id}} {{json .RootFS.Layers}}",
    ...ids,
  ]);
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(" ");
      const layers = (JSON.parse(line.slice(space + 1)) as string[] | null) ?? [];
      return { id: line.slice(0, space), layers };
    })
    .filter(({ layers }) => chainIds(layers).some((c) => wanted.has(c)));
}

/**
 * Removes every local image holding one of these chain IDs, so that the next pull unpacks
 * those layers afresh. Children go before parents (a legacy build's intermediate images
 * cannot go while a child holds them, and removing a child takes its untagged parents).
 */
export async function removeImagesHoldingLayers(chains: string[]): Promise<void> {
  for (let pass = 0; pass < 3; pass++) {
    const holders = await imagesHoldingLayers(chains);
    if (holders.length === 0) return;
    holders.sort((a, b) => b.layers.length - a.layers.length);
    for (const { id } of holders) await docker(["rmi", "--force", id], { allowFailure: true });
  }
  const left = await imagesHoldingLayers(chains);
  if (left.length > 0) {
    throw new Error(
      `images still hold the layers (a container may use them): ${left.map((h) => h.id).join(", ")}`,
    );
  }
}

/** What a fresh unpack of one layer counts: its files' bytes and its symlinks' target bytes. */
export interface UnpackedLayer {
  /** Regular files, a hard-link group once (tar stores the later names as links). */
  files: number;
  /** Symlink targets' lengths in bytes. */
  symlinks: number;
}

/** Each layer of a local image (base first), counted as a fresh unpack counts it. */
export async function unpackedLayerBytes(image: string): Promise<UnpackedLayer[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-layers-"));
  try {
    const archive = path.join(dir, "image.tar");
    await docker(["save", "--output", archive, image], { timeoutMs: 10 * 60_000 });
    const { stdout } = await exec("python3", [
      "-c",
      [
        "import json, os, sys, tarfile",
        "outer = tarfile.open(sys.argv[1])",
        "sizes = []",
        "for name in json.load(outer.extractfile('manifest.json'))[0]['Layers']:",
        "    files = symlinks = 0",
        "    with tarfile.open(fileobj=outer.extractfile(name), mode='r|') as layer:",
        "        for m in layer:",
        "            if m.isreg(): files += m.size",
        "            elif m.issym(): symlinks += len(os.fsencode(m.linkname))",
        "    sizes.append({'files': files, 'symlinks': symlinks})",
        "print(json.dumps(sizes))",
      ].join("\n"),
      archive,
    ]);
    return JSON.parse(stdout) as UnpackedLayer[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
