import type { ImageRecipe } from "../recipe-types";
import { LAYER_DIR, layerNumbers, stdlibCompileCommand } from "./build-stage";
import { finalImageFacts, isMultiStagePreset, MINIMAL_RUNTIME, PRESETS } from "./presets";
import type { BaseImageFacts, Userland } from "./presets";
import { execForm, keyValues, run, step } from "./text";

/**
 * The stage every image ends with: for multi-stage presets a runtime stage the prefix is
 * copied into; then the non-root account, the environment, labels, the user/workdir and the
 * tini entrypoint. Written once, used by every preset.
 */

const WORLD_WRITABLE_WHY =
  "and nothing on the image's filesystem is world-writable but the sticky /tmp and /var/tmp.";

/**
 * Takes other-write off everything but /tmp and /var/tmp (e.g. Debian's sticky /run/lock):
 * numeric -perm, so GNU and BusyBox find both understand it; symlinks are always 0777.
 */
const NO_WORLD_WRITABLE =
  "find / -xdev -perm -0002 ! -type l ! -path /tmp ! -path /var/tmp -exec chmod o-w {} +";

/** Creates the recipe's group and user, and removes world-writable modes. Needs root. */
export function createUser(recipe: ImageRecipe, userland: Userland): string {
  const { uid, gid, name } = recipe.user;
  if (userland === "busybox") {
    return step(
      [
        "The non-root account the processes run as (BusyBox adduser/addgroup on Alpine);",
        WORLD_WRITABLE_WHY,
      ],
      run([
        `addgroup -g ${gid} ${name}`,
        `adduser -D -u ${uid} -G ${name} -h /home/${name} -s /bin/sh ${name}`,
        NO_WORLD_WRITABLE,
      ]),
    );
  }
  return step(
    [
      "The non-root account the processes run as. A base account already holding the uid",
      "or gid is removed first, so the ids are exactly the recipe's;",
      WORLD_WRITABLE_WHY,
    ],
    run([
      `if old=$(getent passwd ${uid}); then userdel "\${old%%:*}"; fi`,
      `if old=$(getent group ${gid}); then groupdel "\${old%%:*}"; fi`,
      `groupadd --gid ${gid} ${name}`,
      `useradd --no-log-init --uid ${uid} --gid ${gid} --create-home --home-dir /home/${name} --shell /bin/sh ${name}`,
      NO_WORLD_WRITABLE,
    ]),
  );
}

/**
 * The variables the image sets besides PATH: LANG=C.UTF-8 when the final base sets no UTF-8
 * locale (debian:bookworm-slim), PYTHONDONTWRITEBYTECODE when bytecode is managed, the
 * recipe's env (which may override both).
 */
function environment(recipe: ImageRecipe, facts: BaseImageFacts): Record<string, string> {
  const env: Record<string, string> = {};
  if (!facts.setsUtf8Lang) env.LANG = "C.UTF-8";
  if (recipe.runtime === "minimal") env.SSL_CERT_FILE = MINIMAL_CA_BUNDLE;
  if (recipe.bytecode !== "keep") env.PYTHONDONTWRITEBYTECODE = "1";
  return { ...env, ...recipe.env };
}

/** OCI basics (no timestamps: equal recipes must give equal images), overridden by the recipe's labels. */
function labels(recipe: ImageRecipe): Record<string, string> {
  const minimal = recipe.runtime === "minimal";
  return {
    "org.opencontainers.image.title": "slim-dask",
    "org.opencontainers.image.description": `Dask ${recipe.dask} on Python ${recipe.python} (${recipe.base} preset${minimal ? ", minimal runtime" : ""})`,
    "org.opencontainers.image.version": recipe.dask,
    // scratch is no image: there is no base to name.
    ...(minimal ? {} : { "org.opencontainers.image.base.name": recipe.runtimeImage }),
    ...recipe.labels,
  };
}

/**
 * ENV, LABEL, USER, WORKDIR, ENTRYPOINT and CMD of the final stage. `CMD ["dask-scheduler"]`
 * replaces the base image's (a shell or python prompt): a bare `docker run` starts what the
 * chart's scheduler pod starts; the chart always passes its own args.
 */
function finalConfig(recipe: ImageRecipe, prefix: string, facts: BaseImageFacts): string[] {
  const env = environment(recipe, facts);
  const blocks = [
    recipe.runtime === "minimal"
      ? step(
          "No activation script runs (tini is PID 1), so the prefix goes first on PATH; scratch sets none.",
          `ENV PATH="${prefix}/bin:/usr/local/bin:/usr/bin:/bin"`,
        )
      : step(
          "No activation script runs (tini is PID 1), so the prefix goes first on PATH.",
          `ENV PATH="${prefix}/bin:$PATH"`,
        ),
  ];
  if (Object.keys(env).length > 0) {
    const why = [
      ...(facts.setsUtf8Lang ? [] : ["The base sets no locale: Python would default to ASCII."]),
      ...(recipe.runtime === "minimal"
        ? ["OpenSSL's default paths hold no CA bundle here: name the one that was copied."]
        : []),
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
 * The final stage. Multi-stage presets start a slim runtime image and copy the prefix from
 * the `build` stage to the SAME path (conda and venvs hard-code it into scripts), plus
 * tini when it came from apt; with bytecode `compile`, the runtime image's own
 * standard library is compiled here, as that image owns it (python:*-slim ships none).
 * Every preset then creates the account (as root: a single stage on a base that runs as
 * another user, like micromamba's mambauser or alpine-conda's anaconda, switched to root
 * before installing) and sets the final config.
 */
export function finalStage(recipe: ImageRecipe): string[] {
  if (recipe.runtime === "minimal") return minimalStage(recipe);
  const preset = PRESETS[recipe.base];
  const facts = finalImageFacts(recipe.base, recipe.optimizations.smallBase);
  const blocks: string[] = [];
  const multiStage = isMultiStagePreset(recipe.base, recipe.optimizations.smallBase);
  const layers = layerNumbers(recipe);
  if (multiStage) {
    blocks.push(step(`Runtime stage on ${facts.about}`, `FROM ${recipe.runtimeImage}`));
    const tini =
      recipe.optimizations.tini && preset.tini === "apt-package"
        ? [
            step(
              [
                "Debian's tini (28 KB, not the 708 KB tini-static): it needs only the C library,",
                "which the runtime image has, as the prefix's own binaries need it too.",
              ],
              "COPY --from=build /usr/bin/tini /usr/bin/tini",
            ),
          ]
        : [];
    if (layers.length > 0) {
      // The prefix's layers come last: a step after a COPY that changed runs again, and the
      // directories it writes to get new mtimes, so its layer would be new every time.
      return [
        ...blocks,
        ...stdlibCompile(recipe),
        ...accountAsRoot(recipe, facts),
        ...tini,
        ...prefixCopies(recipe, layers),
        ...finalConfig(recipe, preset.prefix, facts),
      ];
    }
    blocks.push(...prefixCopies(recipe, layers), ...tini, ...stdlibCompile(recipe));
  }
  return [...blocks, ...accountAsRoot(recipe, facts), ...finalConfig(recipe, preset.prefix, facts)];
}

/**
 * The runtime stage's compile of its own standard library, with bytecode `compile`: that
 * image owns it, and may ship it without bytecode (python:*-slim does). Run by the base's
 * `python3`, the interpreter the build stage made the venv with (the same image).
 */
function stdlibCompile(recipe: ImageRecipe): string[] {
  if (recipe.bytecode !== "compile" || PRESETS[recipe.base].stdlib !== "base-image") return [];
  return [
    step(
      [
        "The interpreter's standard library belongs to this image, which may ship it without",
        "bytecode (python:*-slim does): compile it once, or every process compiles it again.",
      ],
      run([stdlibCompileCommand("python3", recipe.optimizations.compactBytecode)]),
    ),
  ];
}

/** The account, as root: `USER 0` first in a runtime stage on a base that runs as another user. */
function accountAsRoot(recipe: ImageRecipe, facts: BaseImageFacts): string[] {
  const multiStage = isMultiStagePreset(recipe.base, recipe.optimizations.smallBase);
  // A single stage already switched to root before installing (see the build stage).
  const blocks: string[] = [];
  if (multiStage && facts.user !== "root") {
    blocks.push(
      step(
        `The base runs as ${facts.user.name} (uid ${facts.user.uid}); creating the account needs root. USER below drops it again.`,
        "USER 0",
      ),
    );
  }
  return [...blocks, createUser(recipe, facts.userland)];
}

/**
 * The prefix (or the minimal runtime's root, `dest` /) from the build stage: in one COPY,
 * or one per layer `split-layers.py` sorted it into. A registry stores a layer once, so a
 * rebuild that changed one package pushes that package's layer, not the whole tree.
 */
function prefixCopies(recipe: ImageRecipe, layers: number[]): string[] {
  const prefix = PRESETS[recipe.base].prefix;
  const minimal = recipe.runtime === "minimal";

  if (layers.length === 0) {
    return [
      step(
        "The pruned prefix, at the same path as in the build stage (scripts hard-code it).",
        `COPY --from=build ${prefix} ${prefix}`,
      ),
    ];
  }
  const what = minimal
    ? [
        "The assembled root, every file at the path it had in the build stage (scripts and the",
        "loader hard-code them; the accounts, /tmp and the home directory were made there),",
      ]
    : ["The pruned prefix, at the same path as in the build stage (scripts hard-code it),"];
  return [
    step(
      [
        ...what,
        "in layers from the least to the most often changed: interpreter and what no package",
        "owns, heavy numeric packages, dask and its requirements, the rest. Unchanged layers",
        "are byte-identical (constant mtimes), so a registry that has them is not sent them;",
        "each holds its files' parent directories too, or their times would be the copy's.",
      ],
      ...layers.map((n) => `COPY --from=build ${LAYER_DIR}/${n}/ /`),
    ),
  ];
}

/** Where the minimal runtime's CA bundle is (Debian's `ca-certificates` path). */
const MINIMAL_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/**
 * The minimal runtime: `FROM scratch` plus the tree `minimal-root.py` assembled, which
 * already holds the accounts and no world-writable path but the sticky /tmp and /var/tmp
 * (there is no userland to create them with here).
 */
function minimalStage(recipe: ImageRecipe): string[] {
  const prefix = PRESETS[recipe.base].prefix;
  return [
    step(`Runtime stage on ${MINIMAL_RUNTIME.about}`, `FROM ${recipe.runtimeImage}`),
    ...prefixCopies(recipe, layerNumbers(recipe)),
    ...finalConfig(recipe, prefix, MINIMAL_RUNTIME),
  ];
}
