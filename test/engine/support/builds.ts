import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../support/environment";

/** `NAME=value` assignments (no expansion) of test/engine/versions.sh. */
export function engineVersions(): Record<string, string> {
  const text = fs.readFileSync(path.join(repoRoot(), "test", "engine", "versions.sh"), "utf8");
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=([^$\s]+)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Where test/k8s/build.sh and test/engine/build.sh put their binaries. */
export function binDir(): string {
  return path.join(process.env.SLIM_DASK_K8S_CACHE ?? "/var/cache/slim-dask-k8s", "bin");
}

/** A binary test/engine/build.sh builds; fails with the command that builds it when missing. */
export function built(file: string): string {
  const f = path.join(binDir(), file);
  if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`bash test/engine/build.sh\``);
  return f;
}

/**
 * The stand-in Python language host (test/engine/python-codegen), named as versions.sh names
 * PULUMI_PYTHON_CODEGEN_BIN: the Pulumi version and the first 12 hex digits of the source's
 * sha256.
 */
export function pythonCodegenBin(): string {
  const source = fs.readFileSync(
    path.join(repoRoot(), "test", "engine", "python-codegen", "main.go"),
  );
  const hash = crypto.createHash("sha256").update(source).digest("hex").slice(0, 12);
  return built(`pulumi-language-python-codegen-v${engineVersions().PULUMI_VERSION}-${hash}`);
}
