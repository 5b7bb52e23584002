import type { ImageRecipe } from "../recipe-types";
import { execForm, keyValues, run, step } from "./text";

/**
 * The parts every preset ends with: the non-root account, the environment, labels, the
 * user/workdir and the tini entrypoint; and the runtime stage the multi-stage presets
 * (micromamba, pip) copy their prefix into. Written once, used by every preset.
 */

/** Which account tools the final image's userland has. */
export type Userland = "debian" | "busybox";

/** Creates the recipe's group and user. Needs root. */
export function createUser(recipe: ImageRecipe, userland: Userland): string {
  const { uid, gid, name } = recipe.user;
  if (userland === "busybox") {
    return step(
      `The non-root account the processes run as (BusyBox adduser/addgroup on Alpine).`,
      run([
        `addgroup -g ${gid} ${name}`,
        `adduser -D -u ${uid} -G ${name} -h /home/${name} -s /bin/sh ${name}`,
      ]),
    );
  }
  return step(
    [
      "The non-root account the processes run as. A base account already holding the uid",
      "or gid (ubuntu:1000 on Ubuntu images) is removed first so the ids are exactly the recipe's.",
    ],
    run([
      `if old=$(getent passwd ${uid}); then userdel "\${old%%:*}"; fi`,
      `if old=$(getent group ${gid}); then groupdel "\${old%%:*}"; fi`,
      `groupadd --gid ${gid} ${name}`,
      `useradd --no-log-init --uid ${uid} --gid ${gid} --create-home --home-dir /home/${name} --shell /bin/sh ${name}`,
    ]),
  );
}

/** The variables the image sets: PATH, PYTHONDONTWRITEBYTECODE (when bytecode is managed), user env. */
function environment(recipe: ImageRecipe): Record<string, string> {
  const env: Record<string, string> = { ...recipe.env };
  if (recipe.bytecode !== "keep") env.PYTHONDONTWRITEBYTECODE = "1";
  return env;
}

/** OCI basics (no timestamps: equal recipes must give equal images), overridden by the recipe's labels. */
function labels(recipe: ImageRecipe): Record<string, string> {
  return {
    "org.opencontainers.image.title": "slim-dask",
    "org.opencontainers.image.description": `Dask ${recipe.dask} on Python ${recipe.python} (${recipe.base} preset)`,
    "org.opencontainers.image.version": recipe.dask,
    "org.opencontainers.image.base.name": recipe.runtimeImage,
    ...recipe.labels,
  };
}

/**
 * ENV, LABEL, USER, WORKDIR, ENTRYPOINT and CMD of the final stage. `CMD ["dask-scheduler"]`
 * replaces the base image's (a shell or python prompt): a bare `docker run` starts what the
 * chart's scheduler pod starts; the chart always passes its own args.
 */
export function finalConfig(recipe: ImageRecipe, prefix: string): string[] {
  const env = environment(recipe);
  const blocks = [
    step(
      "No activation script runs (tini is PID 1), so the prefix goes first on PATH.",
      `ENV PATH="${prefix}/bin:$PATH"`,
    ),
  ];
  if (Object.keys(env).length > 0) {
    const why = [
      ...(recipe.bytecode === "keep"
        ? []
        : ["Bytecode was dealt with at build time: processes must not write more."]),
      ...(Object.keys(recipe.env).length > 0 ? ["The recipe's environment."] : []),
    ];
    blocks.push(step(why, keyValues("ENV", env)));
  }
  blocks.push(
    step(
      "Image metadata; no build date, so equal recipes give equal images.",
      keyValues("LABEL", labels(recipe)),
    ),
    step(
      "Run as the non-root account; numeric ids so Kubernetes runAsNonRoot can verify them.",
      `USER ${recipe.user.uid}:${recipe.user.gid}`,
      `WORKDIR /home/${recipe.user.name}`,
    ),
    recipe.optimizations.tini
      ? step(
          "tini as PID 1 forwards signals to dask and reaps zombies; -g signals the whole process group.",
          `ENTRYPOINT ${execForm(["tini", "-g", "--"])}`,
        )
      : step("No init wrapper (tini is off): the command itself is PID 1.", "ENTRYPOINT []"),
    step(
      "The chart passes dask-scheduler/dask-worker as args; a bare run starts a scheduler.",
      `CMD ${execForm(["dask-scheduler"])}`,
    ),
  );
  return blocks;
}

/**
 * The runtime stage of a multi-stage preset: a slim image, the prefix copied from the
 * `build` stage to the SAME path (conda and venvs hard-code it into scripts), the preset's
 * extra blocks (e.g. copying tini), the account and the final config. No package manager is copied.
 */
export function runtimeStage(
  recipe: ImageRecipe,
  prefix: string,
  extraBlocks: readonly string[] = [],
): string[] {
  return [
    step(
      "Runtime stage: a slim image with no compilers and no package manager.",
      `FROM ${recipe.runtimeImage}`,
    ),
    step(
      "The pruned prefix, at the same path as in the build stage (scripts hard-code it).",
      `COPY --from=build ${prefix} ${prefix}`,
    ),
    ...extraBlocks,
    createUser(recipe, "debian"),
    ...finalConfig(recipe, prefix),
  ];
}

/**
 * The end of a single-stage preset: the account (switching to root first when the base
 * image runs as another user, like micromamba's mambauser) and the final config.
 */
export function singleStageEnd(
  recipe: ImageRecipe,
  prefix: string,
  userland: Userland,
  baseRunsAsRoot: boolean,
): string[] {
  const blocks: string[] = [];
  if (!baseRunsAsRoot) {
    blocks.push(
      step("Creating the account needs root (uid 0); USER below drops it again.", "USER 0"),
    );
  }
  return [...blocks, createUser(recipe, userland), ...finalConfig(recipe, prefix)];
}
