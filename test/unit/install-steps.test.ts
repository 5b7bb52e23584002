import { installCommands, shellWord } from "../../components/cli/install-steps";
import { resolveClusterConfig } from "../../components/cluster/resolve";

const IMAGE = `registry.example.com/dask:1@sha256:${"ab".repeat(32)}`;
const commands = (extra: Record<string, unknown>) =>
  installCommands(resolveClusterConfig({ image: IMAGE, ...extra }), "cluster.yaml", "values.yaml");

describe("the plain-helm install sequence", () => {
  test("a repository with a login and a CA is added with the password on stdin", () => {
    const c = commands({
      releaseName: "analytics",
      namespace: "team-a",
      createNamespace: true,
      chartVersion: "2024.1.0",
      chartRepository: "https://charts.internal.example.com/dask",
      chartRepositoryCaFile: "certs/internal ca.pem",
      chartRepositoryUsername: "ci",
      timeoutSeconds: 120,
    });
    expect(c).toEqual([
      `printf '%s' "$CHART_REPOSITORY_PASSWORD" | helm repo add analytics-charts https://charts.internal.example.com/dask --ca-file 'certs/internal ca.pem' --username ci --password-stdin`,
      "helm repo update analytics-charts",
      "helm upgrade --install analytics analytics-charts/dask --version 2024.1.0 --namespace team-a --create-namespace --values values.yaml --atomic --timeout 120s",
    ]);
  });

  test("an oci:// repository is logged in to only when it has a login, and installed by reference", () => {
    expect(commands({ chartRepository: "oci://ghcr.io/acme/charts/" })).toEqual([
      "helm upgrade --install dask oci://ghcr.io/acme/charts/dask --version 2024.1.1 --namespace default --values values.yaml --atomic --timeout 600s",
    ]);
    expect(
      commands({ chartRepository: "oci://ghcr.io/acme/charts", chartRepositoryUsername: "bot" })[0],
    ).toBe(
      `printf '%s' "$CHART_REPOSITORY_PASSWORD" | helm registry login ghcr.io --username bot --password-stdin`,
    );
  });

  test("the pull Secret comes first, from the config file the user named", () => {
    const c = installCommands(
      resolveClusterConfig({
        image: IMAGE,
        imagePullCredentials: { server: "registry.example.com", username: "bot" },
      }),
      "conf/my cluster.yaml",
      "values.yaml",
    );
    expect(c[0]).toBe(
      `printf '%s' "$REGISTRY_PASSWORD" | npx slim-dask pull-secret --config 'conf/my cluster.yaml' | kubectl apply -f -`,
    );
    expect(c.slice(1).every((l) => l.startsWith("helm "))).toBe(true);
  });

  test.each([
    ["plain-word_1.2:3/x@y=z,%+", "plain-word_1.2:3/x@y=z,%+"],
    ["two words", "'two words'"],
    ["it's", `'it'\\''s'`],
    ["$HOME", "'$HOME'"],
    ["", "''"],
  ])("shellWord(%j) is %s", (word, quoted) => {
    expect(shellWord(word)).toBe(quoted);
  });
});
