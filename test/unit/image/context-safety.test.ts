import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SlimDaskError } from "../../../components/common/errors";
import {
  CONTEXT_MANIFEST,
  ContextWriteStep,
  buildContext,
  writeBuildContext,
} from "../../../components/image/context";
import { resolveRecipe } from "../../../components/image/recipe";
import type { ImageRecipeConfig } from "../../../components/image/recipe-types";

// Issue 7 item 5: a directory holding a `Dockerfile` lost every other file. These tests pin
// the rule that replaced it: slim-dask deletes only what its manifest says it wrote.

const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin", "slim-dask.js");

let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-ctx-safety-"));
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function context(config: ImageRecipeConfig = {}) {
  return buildContext(resolveRecipe(config));
}

/** A wheelhouse holding exactly the given wheels (content derived from the name). */
function wheelhouse(name: string, wheels: string[]): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  for (const w of wheels) fs.writeFileSync(path.join(dir, w), `wheel ${w}`);
  return dir;
}

/** Every entry below `dir` (symlinks not followed): type, mode, bytes or link target, mtime. */
function tree(dir: string, withMtime = true): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      const time = withMtime ? ` @${st.mtimeMs}` : "";
      if (st.isSymbolicLink()) out[r] = `link -> ${fs.readlinkSync(abs)}`;
      else if (st.isDirectory()) {
        out[`${r}/`] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(r);
      } else out[r] = `file ${(st.mode & 0o777).toString(8)} ${fs.readFileSync(abs, "hex")}${time}`;
    }
  };
  walk("");
  return out;
}

/** Runs `f` and returns the SlimDaskError it throws (failing the test when it does not). */
function refusal(f: () => void): SlimDaskError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SlimDaskError);
    return e as SlimDaskError;
  }
  throw new Error("expected a SlimDaskError, but the write went through");
}

/** The repro: a user's directory with a Dockerfile, a config and other work. */
function userDirectory(): string {
  const dir = path.join(scratch, "project");
  fs.mkdirSync(path.join(dir, "sub"), { recursive: true });
  fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
  fs.writeFileSync(path.join(dir, "image.yaml"), "base: pip\n");
  fs.writeFileSync(path.join(dir, "important.txt"), "keep me\n");
  fs.writeFileSync(path.join(dir, "sub", "file"), "keep me too\n");
  return dir;
}

/** Runs the compiled CLI binary (built by `npm test`) in `cwd`. */
function slimDask(cwd: string, args: string[]) {
  return spawnSync("node", [BIN, ...args], { cwd, encoding: "utf8" });
}

describe("a directory slim-dask did not write is refused, whatever it holds", () => {
  test("the issue's repro, in-process: Dockerfile + image.yaml + important.txt + sub/file", () => {
    const dir = userDirectory();
    const before = tree(dir);
    const err = refusal(() => writeBuildContext(context({ base: "pip" }), dir));
    expect(err.field).toBe("contextDir");
    expect(err.message).toContain(CONTEXT_MANIFEST);
    expect(tree(dir)).toEqual(before);
  });

  test("the issue's repro through the binary: `context --config image.yaml --out .`", () => {
    const dir = userDirectory();
    const before = tree(dir);
    const run = slimDask(dir, ["context", "--config", "image.yaml", "--out", "."]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^slim-dask: --out: "\.": is not empty and holds no /);
    expect(run.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
    expect(tree(dir)).toEqual(before);
  });

  test("`--out .` in a repository root loses nothing", () => {
    const repo = path.join(scratch, "repo");
    fs.mkdirSync(path.join(repo, ".git", "refs"), { recursive: true });
    fs.mkdirSync(path.join(repo, "src"));
    fs.writeFileSync(path.join(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
    fs.writeFileSync(path.join(repo, "package.json"), '{"name": "app"}\n');
    fs.writeFileSync(path.join(repo, "src", "index.ts"), "export {};\n");
    fs.writeFileSync(path.join(repo, "image.yaml"), "base: pip\n");
    const before = tree(repo);
    const run = slimDask(repo, ["context", "--config", "image.yaml", "--out", "."]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("--out");
    expect(tree(repo)).toEqual(before);
  });

  test("even a directory holding nothing but a symlink named Dockerfile", () => {
    const outside = path.join(scratch, "outside.txt");
    fs.writeFileSync(outside, "not yours\n");
    const dir = path.join(scratch, "ctx");
    fs.mkdirSync(dir);
    fs.symlinkSync(outside, path.join(dir, "Dockerfile"));
    refusal(() => writeBuildContext(context(), dir));
    expect(fs.readFileSync(outside, "utf8")).toBe("not yours\n");
    expect(fs.readlinkSync(path.join(dir, "Dockerfile"))).toBe(outside);
  });

  test("a path that is a file is refused, not replaced", () => {
    const file = path.join(scratch, "notes.txt");
    fs.writeFileSync(file, "mine\n");
    expect(refusal(() => writeBuildContext(context(), file)).message).toContain(
      "is not a directory",
    );
    expect(fs.readFileSync(file, "utf8")).toBe("mine\n");
  });
});

describe("in a directory slim-dask wrote", () => {
  const written = () => {
    const dir = path.join(scratch, "ctx");
    writeBuildContext(context(), dir);
    return dir;
  };

  test("writes a manifest of every file and its sha256, and writes it deterministically", () => {
    const a = written();
    const b = path.join(scratch, "again");
    writeBuildContext(context(), b);
    const manifest = JSON.parse(fs.readFileSync(path.join(a, CONTEXT_MANIFEST), "utf8"));
    expect(Object.keys(manifest.files)).toEqual([
      "Dockerfile",
      "slim-dask/install-shims.sh",
      "slim-dask/prune.sh",
      "slim-dask/strip.sh",
      "slim-dask/tidy-elf.py",
    ]);
    expect(manifest.files.Dockerfile).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(manifest.temporary).toEqual([]);
    expect(tree(a, false)).toEqual(tree(b, false));
  });

  test("writing the same context twice changes nothing, modification times included", () => {
    const dir = written();
    fs.writeFileSync(path.join(dir, "image.yaml"), "base: micromamba\n");
    writeBuildContext(context(), dir);
    const before = tree(dir);
    expect(Object.keys(before)).toContain("image.yaml");
    writeBuildContext(context(), dir);
    expect(tree(dir)).toEqual(before);
  });

  test("files the user added beside the context are kept", () => {
    const dir = written();
    fs.writeFileSync(path.join(dir, "image.yaml"), "base: pip\n");
    fs.mkdirSync(path.join(dir, "notes"));
    fs.writeFileSync(path.join(dir, "notes", "todo"), "keep\n");
    writeBuildContext(context({ base: "pip" }), dir);
    expect(fs.readFileSync(path.join(dir, "image.yaml"), "utf8")).toBe("base: pip\n");
    expect(fs.readFileSync(path.join(dir, "notes", "todo"), "utf8")).toBe("keep\n");
  });

  test("a context file the user edited is refused, not overwritten", () => {
    const dir = written();
    fs.appendFileSync(path.join(dir, "Dockerfile"), "RUN echo my change\n");
    const before = tree(dir);
    const err = refusal(() => writeBuildContext(context({ base: "pip" }), dir));
    expect(err.message).toContain("Dockerfile was changed after slim-dask wrote it");
    expect(tree(dir)).toEqual(before);
  });

  test("a symlink replacing a context file is refused; its target outside is untouched", () => {
    const dir = written();
    const outside = path.join(scratch, "outside.sh");
    fs.writeFileSync(outside, "#!/bin/sh\necho precious\n");
    fs.rmSync(path.join(dir, "slim-dask", "prune.sh"));
    fs.symlinkSync(outside, path.join(dir, "slim-dask", "prune.sh"));
    const before = tree(dir);
    const err = refusal(() => writeBuildContext(context({ base: "pip" }), dir));
    expect(err.message).toContain("slim-dask/prune.sh is a symlink");
    expect(fs.readFileSync(outside, "utf8")).toBe("#!/bin/sh\necho precious\n");
    expect(tree(dir)).toEqual(before);
  });

  test("a symlinked directory is never followed to remove a stale file outside", () => {
    const dir = path.join(scratch, "ctx");
    const old = wheelhouse("wh-old", ["a-1.0-py3-none-any.whl"]);
    writeBuildContext(context({ base: "pip", wheelhouse: old }), dir);
    // The user swaps wheels/ for a link to a directory holding the same-named, same-bytes file.
    const outside = path.join(scratch, "outside-wheels");
    fs.renameSync(path.join(dir, "wheels"), outside);
    fs.symlinkSync(outside, path.join(dir, "wheels"));
    const err = refusal(() => writeBuildContext(context({ base: "pip" }), dir));
    expect(err.message).toContain("wheels is a symlink");
    expect(fs.readdirSync(outside)).toEqual(["a-1.0-py3-none-any.whl"]);
  });

  test("a manifest that names a path outside the directory is refused", () => {
    const dir = written();
    const outside = path.join(scratch, "victim.txt");
    fs.writeFileSync(outside, "x");
    const manifestFile = path.join(dir, CONTEXT_MANIFEST);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    manifest.files["../victim.txt"] = [
      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
    ];
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    refusal(() => writeBuildContext(context({ base: "pip" }), dir));
    expect(fs.readFileSync(outside, "utf8")).toBe("x");
  });

  test("a symlinked manifest is refused", () => {
    const dir = written();
    const elsewhere = path.join(scratch, "manifest-elsewhere.json");
    fs.renameSync(path.join(dir, CONTEXT_MANIFEST), elsewhere);
    fs.symlinkSync(elsewhere, path.join(dir, CONTEXT_MANIFEST));
    expect(refusal(() => writeBuildContext(context(), dir)).message).toContain("symlink");
  });

  test("a foreign file in a directory the image copies is refused (it would enter the image)", () => {
    const dir = written();
    fs.writeFileSync(path.join(dir, "slim-dask", "extra.sh"), "echo hi\n");
    const err = refusal(() => writeBuildContext(context(), dir));
    expect(err.message).toContain("slim-dask/extra.sh is in slim-dask/");
    expect(fs.readFileSync(path.join(dir, "slim-dask", "extra.sh"), "utf8")).toBe("echo hi\n");
  });

  test("stale wheels slim-dask wrote are removed, and wheels/ once it is empty", () => {
    const dir = path.join(scratch, "ctx");
    const v1 = wheelhouse("wh1", ["a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl"]);
    const v2 = wheelhouse("wh2", ["a-2.0-py3-none-any.whl", "b-1.0-py3-none-any.whl"]);
    writeBuildContext(context({ base: "pip", wheelhouse: v1 }), dir);
    fs.writeFileSync(path.join(dir, "image.yaml"), "mine\n");
    writeBuildContext(context({ base: "pip", wheelhouse: v2 }), dir);
    expect(fs.readdirSync(path.join(dir, "wheels")).sort()).toEqual([
      "a-2.0-py3-none-any.whl",
      "b-1.0-py3-none-any.whl",
    ]);
    writeBuildContext(context({ base: "pip" }), dir);
    expect(fs.existsSync(path.join(dir, "wheels"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "image.yaml"), "utf8")).toBe("mine\n");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, CONTEXT_MANIFEST), "utf8"));
    expect(Object.keys(manifest.files).some((p) => p.startsWith("wheels/"))).toBe(false);
  });
});

describe("a crash at any point of a write", () => {
  /** Counts the steps of one write from `from` to `to` in a directory like the crash's. */
  function stepsOf(from: ImageRecipeConfig, to: ImageRecipeConfig): ContextWriteStep[] {
    const dir = path.join(scratch, "count");
    writeBuildContext(context(from), dir);
    const steps: ContextWriteStep[] = [];
    writeBuildContext(context(to), dir, { onStep: (s) => void steps.push(s) });
    fs.rmSync(dir, { recursive: true });
    return steps;
  }

  test("never makes a later run delete a user's file or refuse the directory", () => {
    const v1 = wheelhouse("wh1", ["a-1.0-py3-none-any.whl", "old-1.0-py3-none-any.whl"]);
    const v2 = wheelhouse("wh2", ["a-2.0-py3-none-any.whl"]);
    const from: ImageRecipeConfig = { base: "pip", wheelhouse: v1 };
    const to: ImageRecipeConfig = { base: "pip", wheelhouse: v2, pipPackages: ["zarr"] };
    const steps = stepsOf(from, to);
    // Grow the manifest, write Dockerfile and the new wheel, drop two stale wheels, shrink.
    expect(steps).toEqual([
      "manifest-grown",
      "file-written",
      "file-written",
      "stale-removed",
      "stale-removed",
      "done",
    ]);
    const clean = path.join(scratch, "clean");
    writeBuildContext(context(to), clean);

    for (let crashAt = 0; crashAt < steps.length; crashAt++) {
      const dir = path.join(scratch, `crash-${crashAt}`);
      writeBuildContext(context(from), dir);
      fs.writeFileSync(path.join(dir, "important.txt"), "keep me\n");
      let n = 0;
      const crash = () => {
        if (n++ === crashAt) throw new Error("simulated crash");
      };
      expect(() => writeBuildContext(context(to), dir, { onStep: crash })).toThrow(
        "simulated crash",
      );
      // The rerun completes (no refusal) and ends exactly where a clean write does.
      writeBuildContext(context(to), dir);
      const { "important.txt": kept, ...rest } = tree(dir, false);
      expect(kept).toBe(`file 644 ${Buffer.from("keep me\n").toString("hex")}`);
      expect(rest).toEqual(tree(clean, false));
    }
  });

  test("can also be rolled back by writing the previous context again", () => {
    const v1 = wheelhouse("wh1", ["a-1.0-py3-none-any.whl"]);
    const from: ImageRecipeConfig = { base: "pip", wheelhouse: v1 };
    const to: ImageRecipeConfig = { base: "pip", pipPackages: ["zarr"] };
    const clean = path.join(scratch, "clean");
    writeBuildContext(context(from), clean);
    const steps = stepsOf(from, to).length;
    expect(steps).toBe(4); // grow the manifest, Dockerfile, the stale wheel, shrink
    for (let crashAt = 0; crashAt < steps; crashAt++) {
      const dir = path.join(scratch, `crash-${crashAt}`);
      writeBuildContext(context(from), dir);
      let n = 0;
      expect(() =>
        writeBuildContext(context(to), dir, {
          onStep: () => {
            if (n++ === crashAt) throw new Error("simulated crash");
          },
        }),
      ).toThrow("simulated crash");
      writeBuildContext(context(from), dir);
      expect(tree(dir, false)).toEqual(tree(clean, false));
    }
  });

  test("a first write killed before its manifest landed leaves a directory the next run takes", () => {
    const dir = path.join(scratch, "ctx");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, `${CONTEXT_MANIFEST}.tmp`), '{"slimDask'); // half-written
    writeBuildContext(context(), dir);
    expect(fs.readdirSync(dir).sort()).toEqual([CONTEXT_MANIFEST, "Dockerfile", "slim-dask"]);
  });

  test("that reserved temporary does not make a user's directory writable", () => {
    const dir = userDirectory();
    fs.writeFileSync(path.join(dir, `${CONTEXT_MANIFEST}.tmp`), "{}");
    const before = tree(dir);
    refusal(() => writeBuildContext(context(), dir));
    expect(tree(dir)).toEqual(before);
  });

  test("a half-written temporary file left by a killed process is cleaned up", () => {
    const dir = path.join(scratch, "ctx");
    writeBuildContext(context(), dir);
    // Crash right after the manifest grew, then leave a half-written temporary behind, as a
    // process killed inside writeFileSync would.
    expect(() =>
      writeBuildContext(context({ base: "pip" }), dir, {
        onStep: () => {
          throw new Error("simulated crash");
        },
      }),
    ).toThrow("simulated crash");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, CONTEXT_MANIFEST), "utf8"));
    // The files that differ from micromamba's context: the Dockerfile and pip's layer split.
    expect(manifest.temporary).toEqual([
      "Dockerfile.slim-dask-tmp",
      "slim-dask/split-layers.py.slim-dask-tmp",
    ]);
    fs.writeFileSync(path.join(dir, "Dockerfile.slim-dask-tmp"), "FROM half");
    writeBuildContext(context({ base: "pip" }), dir);
    expect(fs.existsSync(path.join(dir, "Dockerfile.slim-dask-tmp"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8")).toBe(
      context({ base: "pip" }).dockerfile,
    );
  });
});
