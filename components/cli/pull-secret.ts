import { stringify } from "yaml";
import { dockerConfigJson, pullSecretName } from "../cluster/pull-secret";
import { ResolvedClusterConfig } from "../cluster/resolve";

/** Where the chart values expect the pull Secret, or undefined when the config has no login. */
export interface PullSecretTarget {
  name: string;
  namespace: string;
  server: string;
  username: string;
  /** The config creates the namespace: the manifest then starts with it. */
  createNamespace: boolean;
}

/** The pull Secret the chart values of `config` refer to (none without `imagePullCredentials`). */
export function pullSecretTarget(config: ResolvedClusterConfig): PullSecretTarget | undefined {
  const creds = config.imagePullCredentials;
  if (!creds) return undefined;
  return {
    name: pullSecretName(config.releaseName),
    namespace: config.namespace,
    server: creds.server,
    username: creds.username,
    createNamespace: config.createNamespace,
  };
}

/**
 * The `kubernetes.io/dockerconfigjson` Secret manifest for `kubectl apply -f -`, after the
 * Namespace when the config creates it (helm's `--create-namespace` comes too late for a Secret
 * applied before `helm install`). Deterministic: same inputs, same bytes. It holds the password
 * (base64), so it is meant for a pipe, not a file.
 */
export function pullSecretManifest(t: PullSecretTarget, password: string): string {
  const config = dockerConfigJson(t.server, t.username, password);
  const namespace = t.createNamespace
    ? [stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: t.namespace } })]
    : [];
  const secret = stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: t.name, namespace: t.namespace },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(config, "utf8").toString("base64") },
  });
  return [...namespace, secret].join("---\n");
}
