import { Command, CommanderError } from "commander";
import { stringify } from "yaml";
import { daskChartValues } from "../cluster/values";
import { SlimDaskError } from "../common/errors";
import { buildContext, defaultTag, writeBuildContext } from "../image/context";
import { splitImageConfig } from "../image/image-config";
import { resolveRecipe } from "../image/recipe";
import { readConfigFile } from "./config-file";

/** Where the CLI writes; injectable so tests can capture output without spawning. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function imageRecipeFrom(file: string | undefined) {
  const { recipe, publish } = splitImageConfig(readConfigFile(file));
  return { recipe: resolveRecipe(recipe), publish };
}

function program(io: CliIO): Command {
  const cli = new Command("slim-dask")
    .description(
      "Generate slim Dask images and dask helm chart values (the generators behind the Pulumi components)",
    )
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
    .description("print the dask helm chart values for a DaskCluster config, as YAML")
    .requiredOption("-c, --config <file>", "YAML or JSON file with DaskCluster fields")
    .action((opts: { config: string }) => {
      const config = readConfigFile(opts.config);
      // No anchors/aliases for shared lists: people read and diff this output.
      io.out(stringify(daskChartValues(config), { aliasDuplicateObjects: false }));
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
