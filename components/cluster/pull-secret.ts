import { createHash } from "crypto";
import { SlimDaskError } from "../common/errors";

const SUFFIX = "-image-pull";

/**
 * Name of the `kubernetes.io/dockerconfigjson` Secret for a release: `<release>-image-pull`.
 * Names that would pass 63 characters are cut and given a short hash of the full release
 * name, so two long releases in one namespace never share a secret.
 */
export function pullSecretName(releaseName: string): string {
  const name = `${releaseName}${SUFFIX}`;
  if (name.length <= 63) return name;
  const hash = createHash("sha256").update(releaseName).digest("hex").slice(0, 8);
  const head = releaseName.slice(0, 63 - SUFFIX.length - hash.length - 1).replace(/-+$/, "");
  return `${head}-${hash}${SUFFIX}`;
}

/**
 * The `.dockerconfigjson` payload for one registry login:
 * `{"auths":{"<server>":{"username","password","auth":base64("user:pass")}}}`.
 * Deterministic (fixed key order), so an unchanged login never shows a diff.
 * The password is never echoed in errors.
 */
export function dockerConfigJson(server: string, username: string, password: string): string {
  if (typeof password !== "string" || password.length === 0) {
    throw new SlimDaskError(
      "imagePullCredentials.password",
      "is empty or not a string",
      "pass the registry password or token as a Pulumi secret",
    );
  }
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}
