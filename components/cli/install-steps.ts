import { DEFAULT_CHART_REPOSITORY } from "../cluster/constants";
import { ResolvedClusterConfig } from "../cluster/resolve";
import { pullSecretTarget } from "./pull-secret";

/** The dask chart's name in its repository. */
const CHART = "dask";

/** Environment variables the printed commands read passwords from (never put on a command line). */
export const REGISTRY_PASSWORD_VAR = "REGISTRY_PASSWORD";
export const CHART_REPOSITORY_PASSWORD_VAR = "CHART_REPOSITORY_PASSWORD";

/** `word` as one POSIX shell word: unchanged when it is safe bare, single-quoted otherwise. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const line = (words: string[]) => words.map(shellWord).join(" ");
/** `printf '%s' "$VAR" | ...`: the password reaches the command on stdin, not in its argv. */
const fromStdin = (variable: string, command: string) => `printf '%s' "$${variable}" | ${command}`;

/**
 * The name the commands give the chart repository in the user's helm config: `dask` for the
 * official one (as in the dask docs), `<release>-charts` for any other, so adding a mirror
 * never collides with an existing `dask` entry that points elsewhere.
 */
export function helmRepoName(config: ResolvedClusterConfig): string {
  return config.chartRepository === DEFAULT_CHART_REPOSITORY
    ? CHART
    : `${config.releaseName}-charts`;
}

/** The commands that log helm in to the chart repository (none for an oci:// one without a login). */
function chartSourceCommands(config: ResolvedClusterConfig): { setup: string[]; chart: string } {
  const repo = config.chartRepository;
  const caFile = config.chartRepositoryCaFile ? ["--ca-file", config.chartRepositoryCaFile] : [];
  const user = config.chartRepositoryUsername;
  if (repo.startsWith("oci://")) {
    const host = repo.slice("oci://".length).split("/")[0];
    const setup = user
      ? [
          fromStdin(
            CHART_REPOSITORY_PASSWORD_VAR,
            line([
              "helm",
              "registry",
              "login",
              host,
              ...caFile,
              "--username",
              user,
              "--password-stdin",
            ]),
          ),
        ]
      : [];
    return { setup, chart: `${repo.replace(/\/+$/, "")}/${CHART}` };
  }
  const name = helmRepoName(config);
  const add = ["helm", "repo", "add", name, repo, ...caFile];
  const setup = user
    ? [
        fromStdin(
          CHART_REPOSITORY_PASSWORD_VAR,
          line([...add, "--username", user, "--password-stdin"]),
        ),
      ]
    : [line(add)];
  return { setup: [...setup, line(["helm", "repo", "update", name])], chart: `${name}/${CHART}` };
}

/**
 * Every command that installs the values of `config` with plain helm, in order, exactly as a
 * user runs them from the directory holding `configFile` and `valuesFile`: the pull Secret
 * (with its Namespace when `createNamespace` is set: it must exist before the Secret), the
 * chart repository, and `helm upgrade --install` with the config's release, namespace, chart
 * version and timeout. Passwords come from environment variables through stdin.
 */
export function installCommands(
  config: ResolvedClusterConfig,
  configFile: string,
  valuesFile: string,
): string[] {
  const commands: string[] = [];
  if (pullSecretTarget(config)) {
    commands.push(
      fromStdin(
        REGISTRY_PASSWORD_VAR,
        `npx slim-dask pull-secret --config ${shellWord(configFile)} | kubectl apply -f -`,
      ),
    );
  }
  const { setup, chart } = chartSourceCommands(config);
  commands.push(...setup);
  commands.push(
    line([
      "helm",
      "upgrade",
      "--install",
      config.releaseName,
      chart,
      "--version",
      config.chartVersion,
      "--namespace",
      config.namespace,
      ...(config.createNamespace ? ["--create-namespace"] : []),
      "--values",
      valuesFile,
      "--atomic",
      "--timeout",
      `${config.timeoutSeconds}s`,
    ]),
  );
  return commands;
}

/**
 * What `slim-dask values` prints on stderr: the commands that install what it printed, then
 * which passwords they read. Every command line is indented by two spaces and nothing else is.
 */
export function installInstructions(
  config: ResolvedClusterConfig,
  configFile: string,
  valuesFile: string | undefined,
): string {
  const file = valuesFile ?? "values.yaml";
  const target = pullSecretTarget(config);
  const reads = [
    ...(target ? [`$${REGISTRY_PASSWORD_VAR} (the registry login of imagePullCredentials)`] : []),
    ...(config.chartRepositoryUsername
      ? [`$${CHART_REPOSITORY_PASSWORD_VAR} (the chart repository's password)`]
      : []),
  ];
  return [
    valuesFile
      ? `slim-dask: install ${file} with:`
      : `slim-dask: save these values as ${file}, then install them with:`,
    ...installCommands(config, configFile, file).map((c) => `  ${c}`),
    ...(target
      ? [
          `The pods pull with the Secret "${target.name}" in namespace "${target.namespace}", which helm does not create: the first command does${config.createNamespace ? ", with its Namespace" : ""}.`,
        ]
      : []),
    ...(reads.length > 0
      ? [`The commands read ${reads.join(" and ")} on stdin, never from the command line.`]
      : []),
    "",
  ].join("\n");
}
