import { pulledBytes } from "../../support/builders";

describe("pulledBytes", () => {
  test("sums every layer blob, base layers included, and the config blob", () => {
    const manifest = {
      config: { digest: "sha256:c", size: 7_000 },
      layers: [
        {
          digest: "sha256:base",
          size: 28_000_000,
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        },
        {
          digest: "sha256:venv",
          size: 90_000_000,
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        },
        {
          digest: "sha256:empty",
          size: 32,
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        },
      ],
    };
    expect(pulledBytes(manifest)).toBe(118_007_032);
  });

  test("an image with no layers pulls only its config", () => {
    expect(pulledBytes({ config: { digest: "sha256:c", size: 1_234 }, layers: [] })).toBe(1_234);
  });
});
