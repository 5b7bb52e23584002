import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SlimDaskImage } from "../../../components/image/slim-dask-image";
import {
  FAKE_DIGEST,
  childRecorder,
  expectRejectedBeforeRegistration,
  inputsOf,
  installMocks,
  settle,
  unwrapSecret,
  valueOf,
} from "./mocks";

const seen = installMocks();
const REPO = "registry.example.com/team/dask";
const PASSWORD = "hunter2-registry-password";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-image-"));
}

function dockerImageInputs(name: string): Record<string, unknown> {
  return inputsOf(seen, "docker:index/image:Image", name);
}

/** Every file below `dir`, as path -> bytes. */
function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe("SlimDaskImage", () => {
  beforeEach(() => {
    seen.length = 0;
  });

  test("builds a docker.Image child from the written context and pins the pushed digest", async () => {
    const contextDir = path.join(tmpDir(), "ctx");
    const rec = childRecorder();
    const image = new SlimDaskImage(
      "img",
      {
        imageName: REPO,
        contextDir,
        platform: "linux/arm64",
        registry: { server: "registry.example.com", username: "bot", password: PASSWORD },
      },
      rec.opts,
    );
    const [tag, imageName, imageRef, user, dockerfile] = await Promise.all([
      valueOf(image.tag),
      valueOf(image.imageName),
      valueOf(image.imageRef),
      valueOf(image.user),
      valueOf(image.dockerfile),
    ]);
    await settle();

    expect(tag).toMatch(/^\d{4}\.\d+\.\d+-[0-9a-f]{12}$/);
    expect(imageName).toBe(`${REPO}:${tag}`);
    expect(imageRef).toBe(`${REPO}:${tag}@${FAKE_DIGEST}`);
    expect(user).toBe(1000);

    const inputs = dockerImageInputs("img");
    expect(inputs.imageName).toBe(`${REPO}:${tag}`);
    expect(inputs.build).toEqual({
      context: contextDir,
      dockerfile: path.join(contextDir, "Dockerfile"),
      platform: "linux/arm64",
      builderVersion: "BuilderBuildKit",
      args: { BUILDKIT_INLINE_CACHE: "1" },
    });
    expect(inputs.skipPush).toBe(false);
    // Only the password is a secret; server and user stay diffable. (The wire format lifts a
    // nested secret to the whole property, so the child's own inputs are checked.)
    expect(unwrapSecret(inputs.registry).value).toEqual({
      server: "registry.example.com",
      username: "bot",
      password: PASSWORD,
    });
    const login = rec.children.find((c) => c.type === "docker:index/image:Image")?.props
      .registry as Record<string, pulumi.Output<string>>;
    expect(await pulumi.isSecret(login.password)).toBe(true);
    expect(await pulumi.isSecret(pulumi.output(login.server))).toBe(false);
    expect(await pulumi.isSecret(pulumi.output(login.username))).toBe(false);

    // The context on disk is what docker builds, and it is the Dockerfile the output shows.
    expect(fs.readFileSync(path.join(contextDir, "Dockerfile"), "utf8")).toBe(dockerfile);
    expect(dockerfile).toContain('ENTRYPOINT ["tini", "-g", "--"]');

    // Children are parented to the component; the component has its own type token.
    const child = rec.children.find((c) => c.type === "docker:index/image:Image");
    expect(child?.parent).toBe(image);
    expect(seen.find((r) => r.name === "img" && !r.custom)?.type).toBe(
      "slim-dask:index:SlimDaskImage",
    );

    // Besides that secret, the password is nowhere: not in the context, not in any output.
    for (const [file, bytes] of readTree(contextDir)) {
      expect({ file, leaked: bytes.includes(PASSWORD) }).toEqual({ file, leaked: false });
    }
    for (const out of [tag, imageName, imageRef, dockerfile]) expect(out).not.toContain(PASSWORD);
  });

  test("the same args give the same Dockerfile, tag and context bytes (no preview diff)", async () => {
    const base = tmpDir();
    const make = (name: string) =>
      new SlimDaskImage(name, {
        imageName: REPO,
        contextDir: path.join(base, name),
        packages: ["xarray", "s3fs", "xarray"],
      });
    const a = make("a");
    const b = make("b");
    expect(await valueOf(a.dockerfile)).toBe(await valueOf(b.dockerfile));
    expect(await valueOf(a.tag)).toBe(await valueOf(b.tag));
    expect(readTree(path.join(base, "a"))).toEqual(readTree(path.join(base, "b")));
  });

  test("a changed recipe gives a new tag; an explicit tag is used as given", async () => {
    const base = tmpDir();
    const plain = new SlimDaskImage("p", { imageName: REPO, contextDir: path.join(base, "p") });
    const changed = new SlimDaskImage("c", {
      imageName: REPO,
      contextDir: path.join(base, "c"),
      packages: ["xarray"],
    });
    const tagged = new SlimDaskImage("t", {
      imageName: REPO,
      contextDir: path.join(base, "t"),
      tag: "v1",
    });
    expect(await valueOf(plain.tag)).not.toBe(await valueOf(changed.tag));
    expect(await valueOf(tagged.imageName)).toBe(`${REPO}:v1`);
  });

  test("push: false skips the push and leaves the reference unpinned", async () => {
    const image = new SlimDaskImage("local", {
      imageName: REPO,
      contextDir: path.join(tmpDir(), "ctx"),
      push: false,
    });
    const ref = await valueOf(image.imageRef);
    await settle();
    expect(dockerImageInputs("local").skipPush).toBe(true);
    expect(ref).toBe(`${REPO}:${await valueOf(image.tag)}`);
  });

  test("args given as Outputs are resolved and validated the same way", async () => {
    const image = new SlimDaskImage("outputs", {
      imageName: pulumi.output(REPO),
      contextDir: path.join(tmpDir(), "ctx"),
      user: pulumi.output({ uid: 4242, gid: 4242, name: "analyst" }),
    });
    expect(await valueOf(image.user)).toBe(4242);
    expect(await valueOf(image.dockerfile)).toContain("4242");
  });

  test("the default context lands in .slim-dask/<name> of the program's directory, passed to docker relative", async () => {
    const program = tmpDir();
    const before = process.cwd();
    process.chdir(program);
    try {
      new SlimDaskImage("relative", { imageName: REPO });
    } finally {
      process.chdir(before);
    }
    expect(fs.existsSync(path.join(program, ".slim-dask", "relative", "Dockerfile"))).toBe(true);
    await settle();
    expect(dockerImageInputs("relative").build).toMatchObject({
      context: path.join(".slim-dask", "relative"),
      dockerfile: path.join(".slim-dask", "relative", "Dockerfile"),
    });
  });

  test.each([
    ["pushed", { push: true }],
    ["built only", { push: false }],
    ["built from a cache", { cacheFrom: [`${REPO}:previous`] }],
  ])(
    "%s: BuildKit writes inline cache metadata, so the image can be a later build's cacheFrom",
    async (name, extra) => {
      new SlimDaskImage(name, {
        imageName: REPO,
        contextDir: path.join(tmpDir(), "ctx"),
        ...extra,
      });
      await settle();
      const build = dockerImageInputs(name).build as Record<string, unknown>;
      // Without the arg BuildKit writes no cache metadata, and a later `cacheFrom` of this
      // image reuses nothing (measured in the e2e suite); the legacy builder would ignore it.
      expect(build.args).toEqual({ BUILDKIT_INLINE_CACHE: "1" });
      expect(build.builderVersion).toBe("BuilderBuildKit");
    },
  );

  test("cacheFrom reaches docker build; the image exposes its uid and gid", async () => {
    const image = new SlimDaskImage("cached", {
      imageName: REPO,
      contextDir: path.join(tmpDir(), "ctx"),
      cacheFrom: [`${REPO}:previous`],
      user: { uid: 1500, gid: 1600 },
    });
    expect(await valueOf(image.user)).toBe(1500);
    expect(await valueOf(image.group)).toBe(1600);
    await settle();
    const build = dockerImageInputs("cached").build as Record<string, unknown>;
    expect(build.cacheFrom).toEqual({ images: [`${REPO}:previous`] });
  });

  test("a contextDir slim-dask did not write is refused before registration, and nothing in it is lost", async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(dir, "important.txt"), "keep me\n");
    await expectRejectedBeforeRegistration(
      seen,
      () => new SlimDaskImage("bad", { imageName: REPO, contextDir: dir }),
      "contextDir",
    );
    expect(fs.readdirSync(dir).sort()).toEqual(["Dockerfile", "important.txt"]);
    expect(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8")).toBe("FROM scratch\n");
  });

  test.each([
    [{ imageName: "Not A Repo" }, "imageName"],
    [{ imageName: `${REPO}:tag` }, "imageName"],
    [{ imageName: REPO, tag: "bad tag" }, "tag"],
    [{ imageName: REPO, packages: ["dask; rm -rf /"] }, "packages[0]"],
    [{ imageName: REPO, user: { uid: 0 } }, "user.uid"],
    [
      { imageName: REPO, registry: { server: "https://ghcr.io", username: "u", password: "p" } },
      "registry.server",
    ],
    [{}, "imageName"],
    [{ imageName: REPO, cacheFrom: ["not a ref!"] }, "cacheFrom[0]"],
  ])("bad input %j fails before any resource is registered", async (args, field) => {
    await expectRejectedBeforeRegistration(
      seen,
      () => new SlimDaskImage("bad", { contextDir: path.join(tmpDir(), "ctx"), ...args } as never),
      field,
    );
  });
});
