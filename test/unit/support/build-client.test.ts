import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildCommand, dockerOnPath, findBuildClient, selectedBuilder } from "../../support/docker";

/**
 * Which docker client runs the builds, and how each builder is asked for. The CI machine has
 * Docker 28's client without buildx first on the PATH and Debian's 20.10 client after it; the
 * fakes below answer `--version` and `buildx version` as those do.
 */

/** A directory holding a fake `docker` that prints `version` and answers `buildx version` with `buildx`'s exit code. */
function fakeDocker(version: string, buildxExit: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-fake-docker-"));
  const script = [
    "#!/bin/sh",
    `if [ "$1" = --version ]; then echo "Docker version ${version}, build 0000000"; exit 0; fi`,
    `if [ "$1" = buildx ]; then exit ${buildxExit}; fi`,
    "exit 2",
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "docker"), script, { mode: 0o755 });
  return dir;
}

describe("the build client", () => {
  const modern = fakeDocker("28.2.2", 1);
  const debian = fakeDocker("20.10.24+dfsg1", 1);
  const withBuildx = fakeDocker("28.2.2", 0);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-no-docker-"));
  const env = (dirs: string[], extra: NodeJS.ProcessEnv = {}) => ({
    PATH: dirs.join(path.delimiter),
    ...extra,
  });

  test("skips a 23+ client without buildx and takes the 20.10 client after it", async () => {
    expect(await findBuildClient(env([empty, modern, debian]))).toBe(path.join(debian, "docker"));
  });

  test("takes a 23+ client that has the buildx plugin", async () => {
    expect(await findBuildClient(env([withBuildx, debian]))).toBe(path.join(withBuildx, "docker"));
  });

  test("fails naming every client it rejected and the fix", async () => {
    await expect(findBuildClient(env([modern]))).rejects.toThrow(
      new RegExp(`${modern}/docker: client 28.x has no buildx plugin.*docker\\.io`),
    );
    await expect(findBuildClient(env([empty]))).rejects.toThrow(/no docker on the PATH/);
  });

  test("SLIM_DASK_BUILD_CLI names the client; it must still be able to run BuildKit", async () => {
    const chosen = path.join(debian, "docker");
    expect(await findBuildClient(env([modern], { SLIM_DASK_BUILD_CLI: chosen }))).toBe(chosen);
    await expect(
      findBuildClient(env([debian], { SLIM_DASK_BUILD_CLI: path.join(modern, "docker") })),
    ).rejects.toThrow(/has no buildx plugin/);
  });

  test("a directory reached twice on the PATH (a symlink, /bin -> /usr/bin) gives one client", () => {
    const link = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-link-")), "bin");
    fs.symlinkSync(debian, link);
    expect(dockerOnPath([debian, link, modern].join(path.delimiter))).toEqual([
      path.join(debian, "docker"),
      path.join(modern, "docker"),
    ]);
  });
});

describe("the builder switch", () => {
  test("BuildKit unless SLIM_DASK_BUILDER says legacy; anything else is an error", () => {
    expect(selectedBuilder({})).toBe("buildkit");
    expect(selectedBuilder({ SLIM_DASK_BUILDER: "legacy" })).toBe("legacy");
    expect(selectedBuilder({ SLIM_DASK_BUILDER: "buildkit" })).toBe("buildkit");
    expect(() => selectedBuilder({ SLIM_DASK_BUILDER: "buildx" })).toThrow(/buildkit or legacy/);
  });

  test("BuildKit builds print plain progress and write inline cache metadata unless told not to", () => {
    const bk = buildCommand("ctx", "t:1", "iid", { builder: "buildkit", cacheFrom: ["r/x:1"] });
    expect(bk.dockerBuildkit).toBe("1");
    expect(bk.args).toEqual([
      "build",
      "--iidfile",
      "iid",
      "-t",
      "t:1",
      "--progress=plain",
      "--build-arg",
      "BUILDKIT_INLINE_CACHE=1",
      "--cache-from",
      "r/x:1",
      "ctx",
    ]);
    const bare = buildCommand("ctx", "t:1", "iid", { builder: "buildkit", inlineCache: false });
    expect(bare.args).not.toContain("BUILDKIT_INLINE_CACHE=1");
  });

  test("legacy builds have no BuildKit flags, and refuse inline cache metadata", () => {
    const legacy = buildCommand("ctx", "t:1", "iid", { builder: "legacy", noCache: true });
    expect(legacy.dockerBuildkit).toBe("0");
    expect(legacy.args).toEqual(["build", "--iidfile", "iid", "-t", "t:1", "--no-cache", "ctx"]);
    expect(() =>
      buildCommand("ctx", "t:1", "iid", { builder: "legacy", inlineCache: true }),
    ).toThrow(/legacy builder cannot/);
  });
});
