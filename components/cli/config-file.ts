import * as fs from "fs";
import { parse } from "yaml";
import { SlimDaskError } from "../common/errors";

/**
 * Reads a YAML or JSON config file (JSON is YAML). A missing option means an empty config,
 * so `slim-dask dockerfile` alone prints the defaults.
 */
export function readConfigFile(file: string | undefined, option = "--config"): unknown {
  if (file === undefined) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SlimDaskError(
      option,
      `cannot read ${JSON.stringify(file)} (${code})`,
      "give the path of an existing YAML or JSON file",
    );
  }
  try {
    // uniqueKeys: a key written twice is a mistake, not a silent override.
    return parse(text, { uniqueKeys: true, prettyErrors: true }) ?? {};
  } catch (e) {
    // The yaml parser's message is one line and a code frame: keep the line, drop its colon.
    const first = String((e as Error).message)
      .split("\n")[0]
      .replace(/:\s*$/, "");
    throw new SlimDaskError(
      option,
      `${JSON.stringify(file)} is not valid YAML/JSON: ${first}`,
      "fix the syntax at the position given",
    );
  }
}
