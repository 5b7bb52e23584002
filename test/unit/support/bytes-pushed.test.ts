import { bytesPushed, RegistryManifest } from "../../support/builders";

const GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const manifest = (config: string, layers: [string, number][]): RegistryManifest => ({
  config: { digest: `sha256:${config}`, size: 7_000 },
  layers: layers.map(([digest, size]) => ({ digest: `sha256:${digest}`, size, mediaType: GZIP })),
});

describe("bytesPushed", () => {
  const before = manifest("c1", [
    ["base", 28_000_000],
    ["heavy", 60_000_000],
    ["dask", 20_000_000],
    ["rest", 32],
  ]);

  test("counts only the blobs the registry does not have: the changed layer and the config", () => {
    const after = manifest("c2", [
      ["base", 28_000_000],
      ["heavy", 60_000_000],
      ["dask", 20_000_000],
      ["rest2", 1_500_000],
    ]);
    expect(bytesPushed(before, after)).toBe(1_507_000);
  });

  test("the same image pushes nothing; an image with nothing in common pushes everything", () => {
    expect(bytesPushed(before, before)).toBe(0);
    const other = manifest("c3", [["all", 108_000_000]]);
    expect(bytesPushed(before, other)).toBe(108_007_000);
  });

  test("a blob twice in the new image is sent once (two empty layers share one digest)", () => {
    const after = manifest("c1", [
      ["base", 28_000_000],
      ["new", 5_000],
      ["new", 5_000],
    ]);
    expect(bytesPushed(before, after)).toBe(5_000);
  });
});
