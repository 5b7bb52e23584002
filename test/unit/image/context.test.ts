import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SlimDaskError } from "../../../components/common/errors";
import {
  assetDir,
  buildContext,
  defaultTag,
  writeBuildContext,
} from "../../../components/image/context";
import { renderDockerfile } from "../../../components/image/dockerfile";
import { resolveRecipe } from "../../../components/image/recipe";
import type { ImageRecipeConfig } from "../../../components/image/recipe-types";

let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-context-"));
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A wheelhouse with the given wheel names (content = the name) and a non-wheel file. */
function wheelhouse(names: string[]): string {
  const dir = path.join(scratch, "wheelhouse");
  fs.mkdirSync(dir, { recursive: true });
  for (const n of names) fs.writeFileSync(path.join(dir, n), `wheel ${n}`);
  fs.writeFileSync(path.join(dir, "README.txt"), "not a wheel");
  return dir;
}

function ctx(config: ImageRecipeConfig) {
  const recipe = resolveRecipe(config);
  return { recipe, context: buildContext(recipe) };
}

/** Relative path -> [mode, content] of every file below `dir`. */
function snapshot(dir: string): Record<string, [number, string, number]> {
  const out: Record<string, [number, string, number]> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else {
        const st = fs.statSync(path.join(dir, r));
        out[r] = [st.mode & 0o777, fs.readFileSync(path.join(dir, r), "utf8"), st.mtimeMs];
      }
    }
  };
  walk("");
  return out;
}

describe("buildContext", () => {
  test("holds the Dockerfile and the scripts, with their modes and packaged bytes", () => {
    const { recipe, context } = ctx({});
    expect(context.dockerfile).toBe(renderDockerfile(recipe));
    expect(context.files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ["Dockerfile", "644"],
      ["slim-dask/install-shims.sh", "755"],
      ["slim-dask/prune.sh", "755"],
      ["slim-dask/strip.sh", "755"],
      ["slim-dask/tidy-elf.py", "755"],
    ]);
    const prune = context.files.find((f) => f.path === "slim-dask/prune.sh")!;
    expect(Buffer.from(prune.content!)).toEqual(fs.readFileSync(path.join(assetDir(), "prune.sh")));
    expect(context.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("the minimal runtime's context adds minimal-root.py, packaged bytes, mode 0755", () => {
    const { context } = ctx({ base: "pip", runtime: "minimal" });
    const script = context.files.find((f) => f.path === "slim-dask/minimal-root.py");
    expect(script?.mode.toString(8)).toBe("755");
    expect(Buffer.from(script!.content!)).toEqual(
      fs.readFileSync(path.join(assetDir(), "minimal-root.py")),
    );
    expect(context.dockerfile).toContain("/tmp/slim-dask/minimal-root.py /runtime /opt/venv");
  });

  test("the hash is stable and names the default tag", () => {
    const a = ctx({ env: { A: "1", B: "2" } });
    const b = ctx({ env: { B: "2", A: "1" } });
    expect(b.context.hash).toBe(a.context.hash);
    expect(defaultTag(a.recipe, a.context)).toBe(`2026.8.0-${a.context.hash.slice(0, 12)}`);
  });

  test.each<[string, ImageRecipeConfig]>([
    ["dask", { dask: "2026.7.0" }],
    ["packages", { packages: ["zarr"] }],
    ["an optimization", { optimizations: { docs: false } }],
    ["the user", { user: { uid: 1001 } }],
    ["a label", { labels: { team: "x" } }],
    ["the preset", { base: "pip" }],
  ])("the hash changes when %s changes", (_what, config) => {
    expect(ctx(config).context.hash).not.toBe(ctx({}).context.hash);
  });

  test("a pip wheelhouse adds every *.whl, sorted, as host sources; a changed wheel changes the hash", () => {
    const dir = wheelhouse(["b-1.0-py3-none-any.whl", "a-2.0-py3-none-any.whl"]);
    const { context } = ctx({ base: "pip", wheelhouse: dir });
    const wheels = context.files.filter((f) => f.path.startsWith("wheels/"));
    expect(wheels).toEqual([
      {
        path: "wheels/a-2.0-py3-none-any.whl",
        mode: 0o644,
        source: path.join(dir, "a-2.0-py3-none-any.whl"),
      },
      {
        path: "wheels/b-1.0-py3-none-any.whl",
        mode: 0o644,
        source: path.join(dir, "b-1.0-py3-none-any.whl"),
      },
    ]);
    const before = context.hash;
    fs.writeFileSync(path.join(dir, "a-2.0-py3-none-any.whl"), "rebuilt");
    expect(ctx({ base: "pip", wheelhouse: dir }).context.hash).not.toBe(before);
  });

  test.each([
    ["missing", () => path.join(scratch, "nowhere")],
    ["empty of wheels", () => wheelhouse([])],
  ])("a %s wheelhouse is a SlimDaskError on `wheelhouse`", (_what, dir) => {
    const recipe = resolveRecipe({ base: "pip", wheelhouse: dir() });
    expect(() => buildContext(recipe)).toThrow(SlimDaskError);
    try {
      buildContext(recipe);
    } catch (e) {
      expect((e as SlimDaskError).field).toBe("wheelhouse");
      expect((e as SlimDaskError).message).toContain(JSON.stringify(recipe.wheelhouse));
    }
  });
});

describe("writeBuildContext", () => {
  test("writes the files with their modes; a second write changes nothing", () => {
    const dir = wheelhouse(["a-1.0-py3-none-any.whl"]);
    const { context } = ctx({ base: "pip", wheelhouse: dir });
    const out = path.join(scratch, "out");
    writeBuildContext(context, out);
    const first = snapshot(out);
    expect(Object.fromEntries(Object.entries(first).map(([k, v]) => [k, v[0]]))).toEqual({
      ".slim-dask-manifest.json": 0o644,
      Dockerfile: 0o644,
      "slim-dask/install-shims.sh": 0o755,
      "slim-dask/prune.sh": 0o755,
      "slim-dask/split-layers.py": 0o755,
      "slim-dask/strip.sh": 0o755,
      "slim-dask/tidy-elf.py": 0o755,
      "wheels/a-1.0-py3-none-any.whl": 0o644,
    });
    expect(first.Dockerfile[1]).toBe(context.dockerfile);
    expect(first["wheels/a-1.0-py3-none-any.whl"][1]).toBe("wheel a-1.0-py3-none-any.whl");

    writeBuildContext(context, out);
    expect(snapshot(out)).toEqual(first); // same bytes, modes and modification times
  });

  test("removes the stale wheels it wrote, keeps the user's files, and repairs a mode", () => {
    const out = path.join(scratch, "out");
    const dir = wheelhouse(["old-1.0-py3-none-any.whl"]);
    writeBuildContext(ctx({ base: "pip", wheelhouse: dir }).context, out);
    fs.rmSync(path.join(dir, "old-1.0-py3-none-any.whl"));
    fs.writeFileSync(path.join(dir, "new-2.0-py3-none-any.whl"), "new");
    fs.writeFileSync(path.join(out, "leftover.txt"), "the user's");
    fs.chmodSync(path.join(out, "Dockerfile"), 0o600);

    const { context } = ctx({ base: "pip", wheelhouse: dir });
    writeBuildContext(context, out);
    const after = snapshot(out);
    expect(Object.keys(after).sort()).toEqual([
      ".slim-dask-manifest.json",
      "Dockerfile",
      "leftover.txt",
      "slim-dask/install-shims.sh",
      "slim-dask/prune.sh",
      "slim-dask/split-layers.py",
      "slim-dask/strip.sh",
      "slim-dask/tidy-elf.py",
      "wheels/new-2.0-py3-none-any.whl",
    ]);
    expect(after["leftover.txt"][1]).toBe("the user's");
    expect(after.Dockerfile[0]).toBe(0o644);

    // Without the wheelhouse the whole wheels/ directory goes.
    writeBuildContext(ctx({ base: "pip" }).context, out);
    expect(fs.existsSync(path.join(out, "wheels"))).toBe(false);
  });

  test("refuses a non-empty directory that is not a build context", () => {
    const out = path.join(scratch, "home");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "precious.txt"), "keep me");
    expect(() => writeBuildContext(ctx({}).context, out)).toThrow(SlimDaskError);
    expect(() => writeBuildContext(ctx({}).context, out)).toThrow(/^contextDir: /);
    expect(fs.readdirSync(out)).toEqual(["precious.txt"]);
    expect(fs.readFileSync(path.join(out, "precious.txt"), "utf8")).toBe("keep me");
  });
});
