import { stringify } from "yaml";
import { dockerConfigJson, pullSecretName } from "../cluster/pull-secret";
import { ResolvedClusterConfig } from "../cluster/resolve";

/** Where the chart values expect the pull Secret, or undefined when the config has no login. */
export interface PullSecretTarget {
  name: string;
  namespace: string;
  server: string;
  username: string;
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
  };
}

/**
 * What `slim-dask values` prints on stderr when the values name a pull Secret: helm does not
 * create it, so say exactly how to. The password never appears: it is piped on stdin.
 */
export function pullSecretInstructions(t: PullSecretTarget, configFile: string): string {
  return [
    `slim-dask: these values make every pod pull with the Secret "${t.name}" in namespace "${t.namespace}"; helm does not create it.`,
    `Create it before \`helm install\` (the password is read from stdin, never from the command line):`,
    `  printf '%s' "$REGISTRY_PASSWORD" | npx slim-dask pull-secret --config ${configFile} | kubectl apply -f -`,
    `or with kubectl alone (the password then appears in the process list while kubectl runs):`,
    `  kubectl -n ${t.namespace} create secret docker-registry ${t.name} --docker-server=${t.server} --docker-username=${t.username} --docker-password="$REGISTRY_PASSWORD"`,
    "",
  ].join("\n");
}

/**
 * The `kubernetes.io/dockerconfigjson` Secret manifest for `kubectl apply -f -`. Deterministic:
 * same inputs, same bytes. It holds the password (base64), so it is meant for a pipe, not a file.
 */
export function pullSecretManifest(t: PullSecretTarget, password: string): string {
  const config = dockerConfigJson(t.server, t.username, password);
  return stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: t.name, namespace: t.namespace },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(config, "utf8").toString("base64") },
  });
}
