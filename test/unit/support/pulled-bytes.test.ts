import { pulledBytes, wheelLayerBlobBytes } from "../../support/builders";

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

describe("wheelLayerBlobBytes", () => {
  const layer = (size: number) => ({
    digest: `sha256:${size}`,
    size,
    mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  });
  const manifest = {
    config: { digest: "sha256:c", size: 1 },
    layers: [layer(30), layer(400), layer(900)],
  };

  test("the blob of the wheelhouse COPY, counting only history steps that made a layer", () => {
    const history = [
      { created_by: "" },
      { created_by: "COPY wheels/ /tmp/wheels/ # buildkit" },
      { created_by: 'ENV PATH="/opt/venv/bin:$PATH"', empty_layer: true },
      { created_by: "RUN /bin/sh -c python3 -m venv /opt/venv # buildkit" },
    ];
    expect(wheelLayerBlobBytes(manifest, history)).toBe(400);
  });

  test("0 for an image without one; an error when steps and layers do not pair up", () => {
    expect(wheelLayerBlobBytes(manifest, [{}, {}, { created_by: "RUN x" }])).toBe(0);
    expect(() => wheelLayerBlobBytes(manifest, [{}, {}])).toThrow(/2 history steps .* 3 layers/);
  });
});
