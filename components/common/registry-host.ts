import { parseImageReference } from "./docker-reference";

/**
 * The registry host a repository or image reference is pushed to and pulled from, as
 * `docker login` and a pull Secret need it: the first path component when it is a domain (has a
 * `.` or `:`, or is `localhost`), else Docker Hub (`acme/dask` -> `docker.io`). Validates the
 * reference with the project's parser; errors name `field`.
 */
export function registryHost(reference: string, field: string): string {
  const { name } = parseImageReference(reference, field);
  const first = name.split("/")[0];
  const isDomain = name.includes("/") && (/[.:]/.test(first) || first === "localhost");
  return isDomain ? first.toLowerCase() : "docker.io";
}
