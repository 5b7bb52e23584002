import { parseImageReference } from "../common/docker-reference";

/** An image reference split into the chart's `image.repository` and `image.tag` values. */
export interface ChartImage {
  repository: string;
  tag: string;
}

/**
 * Splits an image reference for the chart, which always renders
 * `"<repository>:<tag>"`. A digest rides in the tag (`tag@sha256:...`): Docker, containerd
 * and the kubelet accept `repo:tag@digest` and pull by the digest, ignoring the tag, so the
 * pin survives. Without a tag the implied `latest` is written out.
 *
 * @param image a reference such as `registry:5000/team/dask@sha256:<hex>`
 * @param field config field named in the error when `image` is malformed
 */
export function splitImageForChart(image: string, field: string): ChartImage {
  const ref = parseImageReference(image, field);
  const tag = ref.tag ?? "latest";
  return { repository: ref.name, tag: ref.digest !== undefined ? `${tag}@${ref.digest}` : tag };
}

/** The image string the chart's templates render from a repository and tag. */
export function chartImageString(image: ChartImage): string {
  return `${image.repository}:${image.tag}`;
}
