import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveUserPath } from "../../components/common/paths";
import { SlimDaskError } from "../../components/common/errors";

const ROOT = path.resolve(__dirname, "../..");

describe("user paths resolve against the Pulumi program directory", () => {
  const program = "/home/ana/infra/dask-stack";

  test("relative paths land in the program directory, absolute and ~ paths are kept", () => {
    expect(resolveUserPath("wheelhouse", "./wheels", program)).toBe(`${program}/wheels`);
    expect(resolveUserPath("wheelhouse", "../shared/wheels", program)).toBe(
      "/home/ana/infra/shared/wheels",
    );
    expect(resolveUserPath("contextDir", "/var/tmp/ctx", program)).toBe("/var/tmp/ctx");
    expect(resolveUserPath("wheelhouse", "~/wheels", program, "/home/ana")).toBe(
      "/home/ana/wheels",
    );
    expect(resolveUserPath("wheelhouse", "~", program, "/home/ana")).toBe("/home/ana");
  });

  test.each([[""], ["  "], ["a\0b"]])(
    "%j is refused with a SlimDaskError naming the field",
    (bad) => {
      expect(() => resolveUserPath("contextDir", bad, program)).toThrow(SlimDaskError);
      expect(() => resolveUserPath("contextDir", bad, program)).toThrow(/^contextDir: /);
    },
  );

  test("in a separate process started like the plugin host (cwd = program dir, package required from elsewhere) paths land in the program dir", () => {
    // pulumi-language-nodejs RunPlugin: cmd.Dir = the engine's pwd (the program directory),
    // then `require(<package dir>)`. Reproduce that with the built package.
    const programDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-prog-")));
    const script = `
      const p = require(${JSON.stringify(path.join(ROOT, "dist/components/common/paths.js"))});
      process.stdout.write(JSON.stringify([p.resolveUserPath("contextDir", ".slim-dask/img"), p.resolveUserPath("wheelhouse", "wheels")]));
    `;
    const out = execFileSync("node", ["-e", script], { cwd: programDir }).toString();
    expect(JSON.parse(out)).toEqual([
      path.join(programDir, ".slim-dask", "img"),
      path.join(programDir, "wheels"),
    ]);
    expect(out).not.toContain(ROOT);
  });
});
