import { parseImageReference } from "../../../components/common/docker-reference";
import { chartImageString, splitImageForChart } from "../../../components/cluster/image-pin";
import { DIGEST, errorOf } from "./helpers";

describe("splitImageForChart", () => {
  test.each([
    ["digest only", `ghcr.io/team/dask@${DIGEST}`, "ghcr.io/team/dask", `latest@${DIGEST}`],
    [
      "tag and digest",
      `ghcr.io/team/dask:2026.8.0@${DIGEST}`,
      "ghcr.io/team/dask",
      `2026.8.0@${DIGEST}`,
    ],
    ["tag only", "ghcr.io/team/dask:2026.8.0", "ghcr.io/team/dask", "2026.8.0"],
    ["no tag", "daskdev/dask", "daskdev/dask", "latest"],
    [
      "registry with port",
      `localhost:5000/dask:v1@${DIGEST}`,
      "localhost:5000/dask",
      `v1@${DIGEST}`,
    ],
    ["registry with port, no tag", "registry.local:5000/a/b", "registry.local:5000/a/b", "latest"],
  ])("%s", (_, image, repository, tag) => {
    const pin = splitImageForChart(image, "image");
    expect(pin).toEqual({ repository, tag });
    // What the chart renders must parse back to the same repository and digest.
    const again = parseImageReference(chartImageString(pin), "rendered");
    const original = parseImageReference(image, "image");
    expect(again.name).toBe(original.name);
    expect(again.digest).toBe(original.digest);
    expect(again.tag).toBe(original.tag ?? "latest");
  });

  test.each([["Team/Dask"], ["dask:"], ["dask@sha256:abc"], ["dask; rm -rf /"], [""]])(
    "rejects %j naming the field",
    (image) => {
      expect(errorOf(() => splitImageForChart(image, "image")).field).toBe("image");
    },
  );
});
