import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { parseImageReference } from "../common/docker-reference";
import { hasUnknown, plainView } from "../common/fields";
import { resolveUserPath } from "../common/paths";
import { checkedField, definedOnly, reportingTo, withoutSecretField } from "../common/inputs";
import type { SlimDaskImageArgs } from "./args";
import { BuildContext, buildContext, defaultTag, writeBuildContext } from "./context";
import { PUBLISH_FIELDS } from "./fields";
import { splitImageConfig } from "./image-config";
import { resolveRecipe } from "./recipe";
import { ImageRecipe } from "./recipe-types";

/** The build arg that makes BuildKit write inline cache metadata into the image it builds. */
export const INLINE_CACHE_ARG = "BUILDKIT_INLINE_CACHE";

/** A recipe and the build context it renders to. */
interface Built {
  recipe: ImageRecipe;
  context: BuildContext;
}

function build(recipeConfig: unknown): Built {
  const recipe = resolveRecipe(recipeConfig, "args");
  return { recipe, context: buildContext(recipe) };
}

/** The value, or the Output's value passed through `f`. */
function map<T, U>(value: T | pulumi.Output<T>, f: (v: T) => U): U | pulumi.Output<U> {
  return pulumi.Output.isInstance(value) ? value.apply(f) : f(value as T);
}

/**
 * Builds and pushes a slim Dask scheduler/worker image. The Dockerfile is generated from
 * the recipe (see the README for each technique), written with its build context to a
 * stable directory, and built by a `docker.Image` child.
 *
 * Plain args are validated in the constructor, in preview too. The recipe, and so the
 * Dockerfile and the default tag, are known in preview whenever the recipe args are plain;
 * an unknown `imageName` (say, a registry created in the same program) leaves them known.
 * Only the registry password is secret.
 */
export class SlimDaskImage extends pulumi.ComponentResource {
  /** The generated Dockerfile. */
  public readonly dockerfile: pulumi.Output<string>;
  /** `repository:tag` as built. */
  public readonly imageName: pulumi.Output<string>;
  /** The tag. */
  public readonly tag: pulumi.Output<string>;
  /** `repository@sha256:...` after the push ("" when `push` is false). */
  public readonly repoDigest: pulumi.Output<string>;
  /** Reference to deploy: `repository:tag@sha256:...` when pushed, else `repository:tag`. */
  public readonly imageRef: pulumi.Output<string>;
  /** The uid the image runs as (`DaskCluster.runAsUser`). */
  public readonly user: pulumi.Output<number>;
  /** The gid the image runs as (`DaskCluster.runAsGroup`). */
  public readonly group: pulumi.Output<number>;

  constructor(name: string, args: SlimDaskImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything plain is checked before anything is registered: bad input never leaves a
    // half-built component behind.
    const view = splitImageConfig(plainView(definedOnly(args)), "args");
    // Written at its absolute path (against the program's directory, the working directory
    // in-process and in the package's plugin host alike), but handed to docker.Image as the
    // user wrote it: an absolute path would differ between two checkouts and show a diff.
    const contextDir = view.publish.contextDir ?? path.join(".slim-dask", name);
    const built = hasUnknown(view.recipe) ? undefined : build(view.recipe);
    // Writing the context is the one side effect. With a known recipe it happens now, so a
    // directory slim-dask may not write into is refused before anything is registered.
    if (built) writeBuildContext(built.context, resolveUserPath("contextDir", contextDir));
    super("slim-dask:index:SlimDaskImage", name, {}, opts);

    const recipeKeys = Object.keys(view.recipe);
    const fromArgs = (key: string) => (args as unknown as Record<string, unknown>)[key];
    const result: Built | pulumi.Output<Built> =
      built ??
      pulumi
        .output(Object.fromEntries(recipeKeys.map((k) => [k, fromArgs(k)])))
        .apply((r) => reportingTo(this, () => build(r)));

    const field = <T>(key: keyof typeof PUBLISH_FIELDS & string, fallback: unknown) =>
      checkedField(
        fromArgs(key) ?? fallback,
        (v) => {
          const check = PUBLISH_FIELDS[key].check;
          return check ? check(v, key) : v;
        },
        this,
      ) as T | pulumi.Output<T>;

    const imageName = field<string>("imageName", undefined);
    const tag = pulumi.output(args.tag === undefined ? undefined : field<string>("tag", undefined));
    const finalTag = pulumi
      .all([tag, result])
      .apply(([t, b]) => t ?? defaultTag(b.recipe, b.context));
    // The build depends on the written context, so docker only builds after the files exist.
    const written = built
      ? contextDir
      : (result as pulumi.Output<Built>).apply((b) => {
          reportingTo(this, () =>
            writeBuildContext(b.context, resolveUserPath("contextDir", contextDir)),
          );
          return contextDir;
        });

    // Only the password is secret: server and user stay readable in diffs.
    const login = pulumi.output(
      withoutSecretField(args.registry, "password") as { server: string; username: string },
    );

    const image = new docker.Image(
      name,
      definedOnly({
        imageName: pulumi.interpolate`${imageName}:${finalTag}`,
        build: {
          context: written,
          dockerfile: map(written, (d) => path.join(d, "Dockerfile")),
          platform: map(result, (b) => b.recipe.platform),
          // BuildKit (the provider's default, pinned here) records the cache metadata a later
          // build's `cacheFrom` needs, in every image: the build that pushes an image cannot
          // know whether the next one will use it as a cache (see `cacheFrom` in fields.ts).
          builderVersion: docker.BuilderVersion.BuilderBuildKit,
          args: { [INLINE_CACHE_ARG]: "1" },
          ...(args.cacheFrom === undefined
            ? {}
            : { cacheFrom: { images: field<string[]>("cacheFrom", undefined) } }),
        },
        registry:
          args.registry === undefined
            ? undefined
            : {
                server: login.server,
                username: login.username,
                password: pulumi.secret(pulumi.output(args.registry).password),
              },
        skipPush: map(field<boolean>("push", true), (p) => !p),
      }) as docker.ImageArgs,
      { parent: this },
    );

    this.dockerfile = pulumi.output(map(result, (b) => b.context.dockerfile));
    this.imageName = image.imageName;
    this.tag = finalTag;
    this.repoDigest = image.repoDigest;
    this.imageRef = pulumi
      .all([imageName, finalTag, image.repoDigest])
      .apply(([n, t, digest]) => pinnedReference(n, t, digest));
    this.user = pulumi.output(map(result, (b) => b.recipe.user.uid));
    this.group = pulumi.output(map(result, (b) => b.recipe.user.gid));

    this.registerOutputs({
      dockerfile: this.dockerfile,
      imageName: this.imageName,
      tag: this.tag,
      repoDigest: this.repoDigest,
      imageRef: this.imageRef,
      user: this.user,
      group: this.group,
    });
  }
}

/** `repo:tag@sha256:...` from a pushed repoDigest, or `repo:tag` when nothing was pushed. */
export function pinnedReference(
  repository: string,
  tag: string,
  repoDigest: string | undefined,
): string {
  if (!repoDigest) return `${repository}:${tag}`;
  const { digest } = parseImageReference(repoDigest, "repoDigest");
  return digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`;
}
