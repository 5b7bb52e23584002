import * as os from "os";
import * as path from "path";
import { SlimDaskError, show } from "./errors";

/**
 * Where user-given relative paths (`contextDir`, `wheelhouse`) are anchored.
 *
 * A TypeScript program runs with its working directory set to the Pulumi program directory
 * (the folder of `Pulumi.yaml`, or its `main:` folder). A program in another language that uses
 * the package through `pulumi package add` runs the component inside the package's plugin
 * process: the engine starts it through the Node.js language host with the SAME working
 * directory (`RunPlugin` sets `cmd.Dir` to the engine's pwd, the program directory) and only
 * `require()`s the package from the plugin directory. So `process.cwd()` is the program
 * directory in both modes, and neither `__dirname` (the installed package) nor
 * `pulumi.runtime.getRootDirectory()` (unset in a plugin process) is.
 */
export function programDirectory(): string {
  return process.cwd();
}

/**
 * Resolves a user-given path to an absolute one: `~` and `~/...` against the home directory,
 * anything relative against `base` (the program directory). Throws a SlimDaskError naming
 * `field` for an empty path or one holding a NUL byte.
 */
export function resolveUserPath(
  field: string,
  value: string,
  base: string = programDirectory(),
  home: string = os.homedir(),
): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new SlimDaskError(
      field,
      `${show(value)} is not a path`,
      "give a directory path, e.g. `./wheels`",
    );
  }
  if (value.includes("\0")) {
    throw new SlimDaskError(field, `${show(value)} holds a NUL byte`, "remove it from the path");
  }
  if (value === "~" || value.startsWith("~/")) return path.join(home, value.slice(1));
  return path.resolve(base, value);
}
