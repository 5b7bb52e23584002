import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { parseImageReference } from "../common/docker-reference";
import { SlimDaskError } from "../common/errors";
import { definedOnly, resolveArgs } from "../common/inputs";
import { buildContext, defaultTag, writeBuildContext } from "./context";
import { splitImageConfig } from "./image-config";
import { resolveRecipe } from "./recipe";
import { ImageRecipe } from "./recipe-types";

/** Registry credentials for the push. The password is always stored as a Pulumi secret. */
export interface RegistryArgs {
  /** Registry host, e.g. `ghcr.io` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  server: pulumi.Input<string>;
  /** User name for `docker login`. */
  username: pulumi.Input<string>;
  /** Password or token; wrapped in `pulumi.secret` whatever you pass. */
  password: pulumi.Input<string>;
}

/** One switch per size technique; see the README table for what each removes and why. */
export interface OptimizationsArgs {
  /** Conda only: add `nomkl` so numpy/scipy link OpenBLAS instead of the ~700 MB MKL. Default true. */
  nomkl?: pulumi.Input<boolean>;
  /** Conda only: `--freeze-installed`, never upgrade what is already installed. Default true. */
  freezeInstalled?: pulumi.Input<boolean>;
  /** Clean the package cache in the same RUN as the install (conda/micromamba clean, pip --no-cache-dir). Default true. */
  cleanCache?: pulumi.Input<boolean>;
  /** PYTHONDONTWRITEBYTECODE and delete `*.pyc`. Default: true exactly when `bytecode` is `delete`. */
  noBytecode?: pulumi.Input<boolean>;
  /** Delete static libraries (`*.a`). Default true. */
  staticLibraries?: pulumi.Input<boolean>;
  /** Delete JavaScript source maps (`*.js.map`). Default true. */
  sourceMaps?: pulumi.Input<boolean>;
  /** Delete Bokeh's unminified JavaScript; the dashboard loads `*.min.js`. Default true. */
  bokehUnminified?: pulumi.Input<boolean>;
  /** Delete C headers (`include/`); only needed to compile extensions. Default true. */
  headers?: pulumi.Input<boolean>;
  /** Delete `share/doc`, `share/man`, `share/info`. Default true. */
  docs?: pulumi.Input<boolean>;
  /** Delete packages' test directories. Default false: a few packages import their tests. */
  tests?: pulumi.Input<boolean>;
  /** Multi-stage build onto a slim runtime image. Default true (false for `miniforge`). */
  smallBase?: pulumi.Input<boolean>;
  /** tini as PID 1 (`ENTRYPOINT ["tini", "-g", "--"]`). Default true. */
  tini?: pulumi.Input<boolean>;
}

/** The account the container runs as. */
export interface ImageUserArgs {
  /** Default 1000. Root (0) is refused. */
  uid?: pulumi.Input<number>;
  /** Default 1000. */
  gid?: pulumi.Input<number>;
  /** Default `dask`. */
  name?: pulumi.Input<string>;
}

/** Arguments of {@link SlimDaskImage}. */
export interface SlimDaskImageArgs {
  /** Repository to push to, without tag, e.g. `ghcr.io/acme/dask`. */
  imageName: pulumi.Input<string>;
  /** Image tag. Default: `<dask>-<12 hex of the build context hash>`, so a changed recipe gets a new tag and an unchanged one the same. */
  tag?: pulumi.Input<string>;
  /** Registry login for the push. Default: none (use the ambient docker login). */
  registry?: pulumi.Input<RegistryArgs>;
  /** Push after building. Default true. */
  push?: pulumi.Input<boolean>;
  /** Target platform. Default `linux/amd64`. */
  platform?: pulumi.Input<string>;
  /** Dockerfile preset: `micromamba` (default), `miniforge`, `seed` (the 2019 article, unmaintained) or `pip`. */
  base?: pulumi.Input<string>;
  /** Python minor version, e.g. `3.12` (the default). */
  python?: pulumi.Input<string>;
  /** Dask version. Default pinned (see README); client, scheduler and workers must all match it. */
  dask?: pulumi.Input<string>;
  /** `pip` preset only: extras of the dask requirement. Default `["complete"]`. */
  daskExtras?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra conda match specs, e.g. `xarray>=2024`. Conda presets only. */
  packages?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra pip requirements, e.g. `s3fs==2026.6.0`. `pip` preset only. */
  pipPackages?: pulumi.Input<pulumi.Input<string>[]>;
  /** Conda channels in priority order. Default `["conda-forge"]`. */
  channels?: pulumi.Input<pulumi.Input<string>[]>;
  /** Build-stage image override (e.g. an internal mirror). Default: the preset's pinned image. */
  baseImage?: pulumi.Input<string>;
  /** Runtime-stage image override. Default: the preset's pinned slim image. */
  runtimeImage?: pulumi.Input<string>;
  /** Size techniques, one switch each. Defaults: see {@link OptimizationsArgs}. */
  optimizations?: pulumi.Input<OptimizationsArgs>;
  /** Bytecode policy: `compile` (default), `keep` or `delete` (the article's). */
  bytecode?: pulumi.Input<string>;
  /** Non-root user. Default uid/gid 1000, name `dask`. */
  user?: pulumi.Input<ImageUserArgs>;
  /** Extra environment variables baked into the image. */
  env?: pulumi.Input<{ [name: string]: pulumi.Input<string> }>;
  /** Extra image labels. */
  labels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  /** `pip` preset: host directory of wheels to install offline. Default: install from PyPI. */
  wheelhouse?: pulumi.Input<string>;
  /** Where the build context is written, relative to the program. Default `.slim-dask/<resource name>`. */
  contextDir?: pulumi.Input<string>;
}

/** The resolved, validated form of the args (everything but the registry login). */
interface ResolvedImage {
  recipe: ImageRecipe;
  imageName: string;
  tag: string;
  push: boolean;
  contextDir: string;
  dockerfile: string;
  write: () => void;
}

function resolveImage(name: string, args: Record<string, unknown>): ResolvedImage {
  const { registry, ...rest } = args;
  const { recipe: recipeConfig, publish } = splitImageConfig(rest);
  if (publish.imageName === undefined) {
    throw new SlimDaskError(
      "imageName",
      "is required",
      "set it to the repository to push to, e.g. `ghcr.io/acme/dask`",
    );
  }
  if (registry !== undefined) {
    // The login is checked like a config file's, minus the password (a secret, never inspected).
    const { server, username } = registry as { server?: unknown; username?: unknown };
    splitImageConfig({ registry: { server, username } });
  }
  const recipe = resolveRecipe(recipeConfig);
  const context = buildContext(recipe);
  const contextDir = publish.contextDir ?? path.join(".slim-dask", name);
  return {
    recipe,
    imageName: publish.imageName as string,
    tag: publish.tag ?? defaultTag(recipe, context),
    push: publish.push ?? true,
    contextDir,
    dockerfile: context.dockerfile,
    write: () => writeBuildContext(context, contextDir),
  };
}

/**
 * Builds and pushes a slim Dask scheduler/worker image. The Dockerfile is generated from
 * the recipe (see the README for each technique), written with its build context to a
 * stable directory, and built by a `docker.Image` child.
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
  /** The uid the image runs as, for pod security contexts. */
  public readonly user: pulumi.Output<number>;

  constructor(name: string, args: SlimDaskImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plain args are validated before anything is registered: bad input never leaves a
    // half-built component behind. Args that are Outputs are validated when known.
    const resolved = resolveArgs(args, (plain) => resolveImage(name, plain));
    super("slim-dask:index:SlimDaskImage", name, {}, opts);

    // Writing the context is the one side effect; `context` depends on it so docker only
    // builds after the files exist.
    const contextDir = resolved.apply((r) => {
      r.write();
      return r.contextDir;
    });

    const registry = args.registry
      ? pulumi.output(args.registry).apply((r) => ({
          server: r.server,
          username: r.username,
          password: pulumi.secret(r.password),
        }))
      : undefined;

    const image = new docker.Image(
      name,
      definedOnly({
        imageName: resolved.apply((r) => `${r.imageName}:${r.tag}`),
        build: {
          context: contextDir,
          dockerfile: contextDir.apply((d) => path.join(d, "Dockerfile")),
          platform: resolved.apply((r) => r.recipe.platform),
        },
        registry,
        skipPush: resolved.apply((r) => !r.push),
      }) as docker.ImageArgs,
      { parent: this },
    );

    this.dockerfile = resolved.apply((r) => r.dockerfile);
    this.imageName = image.imageName;
    this.tag = resolved.apply((r) => r.tag);
    this.repoDigest = image.repoDigest;
    this.imageRef = pulumi
      .all([resolved, image.repoDigest])
      .apply(([r, digest]) => pinnedReference(r.imageName, r.tag, digest));
    this.user = resolved.apply((r) => r.recipe.user.uid);

    this.registerOutputs({
      dockerfile: this.dockerfile,
      imageName: this.imageName,
      tag: this.tag,
      repoDigest: this.repoDigest,
      imageRef: this.imageRef,
      user: this.user,
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
