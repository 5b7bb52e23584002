import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { renderNaiveDockerfile, writeNaiveContext } from "../../support/naive-dockerfile";

const spec = {
  baseImage: "slim-dask-local/python-full:3.11-bookworm",
  requirements: ["dask[complete]==2026.8.0", "s3fs"],
};

describe("renderNaiveDockerfile", () => {
  const text = renderNaiveDockerfile(spec);
  const instructions = DockerfileParser.parse(text).getInstructions();

  it("is one stage on the given base, installing every requirement offline into a venv", () => {
    const froms = instructions.filter((i) => i.getKeyword() === "FROM");
    expect(froms.map((f) => f.getArgumentsContent())).toEqual([spec.baseImage]);
    const run = instructions.find((i) => i.getKeyword() === "RUN")?.getArgumentsContent() ?? "";
    expect(run).toContain("python3 -m venv /opt/venv");
    expect(run).toContain("--no-index --find-links /tmp/wheels");
    expect(run).toContain("'dask[complete]==2026.8.0' 's3fs'");
  });

  it("applies none of the slim techniques", () => {
    expect(text).not.toMatch(/--no-cache-dir|prune|USER|tini|AS build|rm -rf/);
  });

  it("copies the wheelhouse into a layer by default, or bind-mounts it for the install only", () => {
    const copy = DockerfileParser.parse(text).getInstructions();
    expect(copy.map((i) => i.getKeyword())).toEqual(["FROM", "COPY", "RUN", "ENV", "CMD"]);
    const mounted = renderNaiveDockerfile({ ...spec, wheels: "mount" });
    const keywords = DockerfileParser.parse(mounted)
      .getInstructions()
      .map((i) => i.getKeyword());
    expect(keywords).toEqual(["FROM", "RUN", "ENV", "CMD"]);
    expect(mounted).toMatch(
      /^RUN --mount=type=bind,source=wheels,target=\/tmp\/wheels \\\n {4}python3 -m venv \/opt\/venv/m,
    );
    expect(mounted).toContain("--no-index --find-links /tmp/wheels 'dask[complete]==2026.8.0'");
  });

  it("refuses an empty requirement list", () => {
    expect(() => renderNaiveDockerfile({ ...spec, requirements: [] })).toThrow(/no requirements/);
  });
});

describe("writeNaiveContext", () => {
  it("copies only the wheels and writes the Dockerfile, replacing an old context", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "naive-"));
    const house = path.join(root, "house");
    fs.mkdirSync(house);
    fs.writeFileSync(path.join(house, "a-1.0-py3-none-any.whl"), "wheel");
    fs.writeFileSync(path.join(house, ".complete"), "");
    const dir = path.join(root, "ctx");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "stale"), "x");
    writeNaiveContext(spec, house, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(["Dockerfile", "wheels"]);
    expect(fs.readdirSync(path.join(dir, "wheels"))).toEqual(["a-1.0-py3-none-any.whl"]);
    expect(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8")).toBe(renderNaiveDockerfile(spec));
    fs.rmSync(root, { recursive: true, force: true });
  });
});
