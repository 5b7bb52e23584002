import * as fs from "fs";
import * as path from "path";
import { Command, CommanderError } from "commander";
import { stringify } from "yaml";
import { chartValuesFor } from "../cluster/values";
import { resolveClusterConfig } from "../cluster/resolve";
import { SlimDaskError } from "../common/errors";
import { buildContext, defaultTag, writeBuildContext } from "../image/context";
import { splitImageConfig } from "../image/image-config";
import { resolveRecipe } from "../image/recipe";
import { readConfigFile } from "./config-file";
import { installInstructions } from "./install-steps";
import { pullSecretManifest, pullSecretTarget } from "./pull-secret";

/** Where the CLI reads and writes; injectable so tests can run it without spawning. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** All of stdin, or undefined when stdin is a terminal (nothing was piped). */
  stdin?: () => string | undefined;
  /** The file stdout is redirected to (`> values.yaml`), or undefined (a pipe, a terminal). */
  stdoutFile?: () => string | undefined;
}

/** Where stdout goes, when it is a file: relative to the working directory when inside it. */
function redirectedStdout(): string | undefined {
  try {
    if (!fs.fstatSync(1).isFile()) return undefined;
    // Linux names the open file; elsewhere the commands say `values.yaml`.
    const target = fs.readlinkSync("/proc/self/fd/1");
    const relative = path.relative(process.cwd(), target);
    return relative.startsWith("..") || path.isAbsolute(relative) ? target : relative;
  } catch {
    return undefined;
  }
}

const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stdin: () => (process.stdin.isTTY ? undefined : fs.readFileSync(0, "utf8")),
  stdoutFile: redirectedStdout,
};

/** The version in the package's own package.json (found upwards: the layout differs in dist/). */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "slim-dask" && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error("package.json of slim-dask not found");
  }
}

/** The password piped on stdin, without the one trailing newline `echo` adds. */
function passwordFromStdin(io: CliIO): string {
  const text = io.stdin?.();
  const password = text?.replace(/\r?\n$/, "");
  if (!password) {
    throw new SlimDaskError(
      "stdin",
      "no password was piped in",
      "pipe it, e.g. `printf '%s' \"$REGISTRY_PASSWORD\" | slim-dask pull-secret --config cluster.yaml | kubectl apply -f -`",
    );
  }
  return password;
}

function imageRecipeFrom(file: string | undefined) {
  const { recipe, publish } = splitImageConfig(readConfigFile(file));
  return { recipe: resolveRecipe(recipe), publish };
}

function program(io: CliIO): Command {
  const cli = new Command("slim-dask")
    .description(
      "Generate slim Dask images and dask helm chart values (the generators behind the Pulumi components)",
    )
    .version(packageVersion(), "-V, --version", "print the slim-dask version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  cli
    .command("dockerfile")
    .description("print the Dockerfile for an image config (defaults when no config is given)")
    .option("-c, --config <file>", "YAML or JSON file with SlimDaskImage fields")
    .action((opts: { config?: string }) => {
      const { recipe } = imageRecipeFrom(opts.config);
      io.out(buildContext(recipe).dockerfile);
    });

  cli
    .command("context")
    .description("write the complete build context (Dockerfile, scripts, wheels) to a directory")
    .requiredOption("-c, --config <file>", "YAML or JSON file with SlimDaskImage fields")
    .requiredOption("-o, --out <dir>", "new, empty or slim-dask-written directory to write")
    .action((opts: { config: string; out: string }) => {
      const { recipe, publish } = imageRecipeFrom(opts.config);
      const context = buildContext(recipe);
      writeBuildContext(context, opts.out, { field: "--out" });
      const tag = publish.tag ?? defaultTag(recipe, context);
      io.out(`context: ${opts.out}\ntag: ${tag}\n`);
      if (publish.imageName) io.out(`image: ${publish.imageName}:${tag}\n`);
    });

  cli
    .command("values")
    .description(
      "print the dask helm chart values for a DaskCluster config, as YAML; stderr gives the commands that install them",
    )
    .requiredOption("-c, --config <file>", "YAML or JSON file with DaskCluster fields")
    .action((opts: { config: string }) => {
      const config = resolveClusterConfig(readConfigFile(opts.config));
      // No anchors/aliases for shared lists: people read and diff this output.
      io.out(stringify(chartValuesFor(config), { aliasDuplicateObjects: false }));
      io.err(installInstructions(config, opts.config, io.stdoutFile?.()));
    });

  cli
    .command("pull-secret")
    .description(
      "print the image pull Secret the chart values name, as a manifest for `kubectl apply -f -`; the password is read from stdin",
    )
    .requiredOption("-c, --config <file>", "YAML or JSON file with DaskCluster fields")
    .action((opts: { config: string }) => {
      const config = resolveClusterConfig(readConfigFile(opts.config));
      const target = pullSecretTarget(config);
      if (!target) {
        throw new SlimDaskError(
          "imagePullCredentials",
          "is not set in the config, so the values name no pull Secret",
          "add `imagePullCredentials: {server, username}` to the config",
        );
      }
      io.out(pullSecretManifest(target, passwordFromStdin(io)));
    });

  return cli;
}

/**
 * Runs the CLI. Returns the exit code: 0 on success, 1 on invalid input (one line naming the
 * field and the fix, no stack trace), 2 on usage errors.
 */
export function run(argv: string[], io: CliIO = processIO): number {
  try {
    program(io).parse(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof SlimDaskError) {
      io.err(`slim-dask: ${e.message}\n`);
      return 1;
    }
    io.err(`slim-dask: unexpected error: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Entry point of `bin/slim-dask.js`. */
export function main(argv: string[]): void {
  process.exitCode = run(argv);
}
