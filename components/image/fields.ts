import { validateRepository, validateTag } from "../common/docker-reference";
import { Field, FieldTable, Section } from "../common/fields";
import {
  expectBoolean,
  expectString,
  requirePrintable,
  requireRegistryHost,
  validateEnvName,
  validateHostPath,
  validateId,
  validateList,
  validateMap,
} from "../common/validate";
import {
  BASE_PRESET_VALUES,
  BYTECODE_POLICY_VALUES,
  DEFAULT_BASE,
  RUNTIME_KIND_VALUES,
  DEFAULT_DASK,
  DEFAULT_PLATFORM,
  DEFAULT_PYTHON,
  DEFAULT_USER,
} from "./defaults";
import { TECHNIQUES } from "./optimizations";
import {
  validateChannel,
  validateCondaSpec,
  validateDaskExtra,
  validateDaskVersion,
  validateImage,
  validateLabelKey,
  validatePipRequirement,
  PLATFORM_VALUES,
  validatePythonVersion,
  validateSafeValue,
  validateUserName,
} from "./validation";

/**
 * The SlimDaskImage field tables: every arg once, with its doc, default and field-local
 * check (the loosest the field allows on any preset; `recipe.ts` narrows per preset and
 * checks fields against each other). `args.ts` and the README tables are generated from them.
 */

const string = { kind: "string" } as const;
const number = { kind: "number" } as const;
const boolean = { kind: "boolean" } as const;
const strings = { kind: "strings" } as const;
const map = { kind: "map" } as const;

const list =
  (item: (v: unknown, f: string) => string, example: string) => (v: unknown, f: string) =>
    validateList(v, f, item, example);

/** The registry login for the push. */
export const REGISTRY_FIELDS: FieldTable = {
  server: {
    type: string,
    doc: "Registry host, e.g. `ghcr.io` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com`.",
    required: true,
    check: requireRegistryHost,
  },
  username: {
    type: string,
    doc: "User for `docker login`.",
    required: true,
    check: requirePrintable,
  },
  password: {
    type: string,
    doc: "Password or token.",
    required: true,
    secret: true,
    secretFix:
      "log in before you push: `docker login <server> --username <user> --password-stdin` (the Pulumi component takes it as a secret)",
    check: (v, f) =>
      expectString(v, f, "pass the password or token as a non-empty Pulumi secret", 65536),
  },
};

/** The account the container runs as. */
export const USER_FIELDS: FieldTable = {
  uid: {
    type: number,
    doc: "uid; root (0) is refused.",
    default: `\`${DEFAULT_USER.uid}\``,
    check: validateId,
  },
  gid: { type: number, doc: "gid.", default: `\`${DEFAULT_USER.gid}\``, check: validateId },
  name: {
    type: string,
    doc: "User name.",
    default: `\`${DEFAULT_USER.name}\``,
    check: validateUserName,
  },
};

/** One switch per size technique, from the technique table. */
export const OPTIMIZATION_FIELDS: FieldTable = Object.fromEntries(
  Object.entries(TECHNIQUES).map(([name, t]): [string, Field] => [
    name,
    { type: boolean, doc: t.doc, default: t.defaultText, check: expectBoolean },
  ]),
);

/** Where the image goes: not part of the recipe, so they never change the Dockerfile. */
export const PUBLISH_FIELDS: FieldTable = {
  imageName: {
    type: string,
    doc: "Repository to push to, without tag, e.g. `ghcr.io/acme/dask`.",
    required: "args",
    check: (v, f) =>
      validateRepository(
        expectString(v, f, "give a repository such as `ghcr.io/acme/dask`", 512),
        f,
      ),
  },
  tag: {
    type: string,
    doc: "Image tag; the default changes exactly when the build context does.",
    default: "`<dask>-<12 hex of the build-context hash>`",
    check: (v, f) => validateTag(expectString(v, f, "give a tag such as `2026.8.0-1`", 128), f),
  },
  registry: {
    type: {
      kind: "object",
      name: "Registry",
      fields: REGISTRY_FIELDS,
      doc: "A registry login for pushing the image (never written to the build context).",
    },
    doc: "Registry login for the push.",
    default: "none (the ambient `docker login`)",
  },
  push: {
    type: boolean,
    doc: "Push after building; `false` builds only.",
    default: "`true`",
    check: expectBoolean,
  },
  cacheFrom: {
    type: strings,
    doc: "Images whose layers the build may reuse (`--cache-from`), e.g. the last pushed tag. BuildKit reuses only layers an image's inline cache metadata describes, so every image slim-dask builds carries it (`BUILDKIT_INLINE_CACHE=1`, 2.7 KB more image config for the pip preset), pushed or not, with or without `cacheFrom`: the build that pushes an image cannot know that a later one will name it here.",
    default: "`[]`",
    check: list(validateImage, '"ghcr.io/acme/dask:latest"'),
  },
  contextDir: {
    type: string,
    doc: "Where the build context is written, relative to the program's directory. A non-empty directory slim-dask did not write is refused.",
    default: "`.slim-dask/<resource name>`",
    plain: true,
    check: validateHostPath,
  },
};

/** What goes into the image. */
export const RECIPE_FIELDS: FieldTable = {
  base: {
    type: { kind: "enum", name: "BasePreset", values: BASE_PRESET_VALUES, what: "a preset" },
    doc: "Dockerfile preset: `micromamba`, `miniforge`, `seed` (the 2019 article, unmaintained) or `pip`.",
    default: `\`${DEFAULT_BASE}\``,
  },
  python: {
    type: string,
    doc: 'Python minor version, quoted in YAML (`"3.12"`).',
    default: `\`${DEFAULT_PYTHON}\``,
    check: (v, f) => validatePythonVersion(v, f),
  },
  dask: {
    type: string,
    doc: "dask and distributed version; client, scheduler and workers must match.",
    default: `\`${DEFAULT_DASK}\``,
    check: (v, f) => validateDaskVersion(v, f, false),
  },
  daskExtras: {
    type: strings,
    doc: "`pip` preset: extras of the dask requirement; must include `distributed` or `complete`.",
    default: '`["complete"]`',
    check: list(validateDaskExtra, '"complete"'),
  },
  packages: {
    type: strings,
    doc: "Conda presets: extra conda match specs, e.g. `xarray>=2024`.",
    default: "`[]`",
    check: list(validateCondaSpec, '"xarray>=2024"'),
  },
  pipPackages: {
    type: strings,
    doc: "`pip` preset: extra pip requirements, e.g. `s3fs==2026.6.0`.",
    default: "`[]`",
    check: list(validatePipRequirement, '"s3fs"'),
  },
  channels: {
    type: strings,
    doc: "Conda channels, in priority order.",
    default: '`["conda-forge"]`',
    check: list(validateChannel, '"conda-forge"'),
  },
  baseImage: {
    type: string,
    doc: "Build-stage image, e.g. an internal mirror.",
    default: "the preset's pinned image",
    check: validateImage,
  },
  runtimeImage: {
    type: string,
    doc: "Runtime-stage image (multi-stage presets).",
    default: "the preset's pinned slim image",
    check: validateImage,
  },
  runtime: {
    type: { kind: "enum", name: "RuntimeKind", values: RUNTIME_KIND_VALUES, what: "a runtime" },
    doc: "`pip` preset: `image` copies the venv onto `runtimeImage`; `minimal` starts the final stage `FROM scratch` with only the interpreter, its standard library, the venv, the shared libraries they load (`ldd`), CA certificates, time zones (unless the venv ships `tzdata`), the accounts, tini and the `debugShell`.",
    default: "`image`",
  },
  debugShell: {
    type: boolean,
    doc: "`runtime: minimal`: a static BusyBox as `/bin/sh` with its applets, for `kubectl exec`; `false` leaves the image with no shell at all.",
    default: "`true` with `runtime: minimal`",
    check: expectBoolean,
  },
  optimizations: {
    type: {
      kind: "object",
      name: "Optimizations",
      fields: OPTIMIZATION_FIELDS,
      doc: "One switch per size technique; each unset switch takes its own default.",
    },
    doc: "One switch per size technique (see the techniques table).",
    default: "every technique's own default",
  },
  bytecode: {
    type: {
      kind: "enum",
      name: "BytecodePolicy",
      values: BYTECODE_POLICY_VALUES,
      what: "a bytecode policy",
    },
    doc: "`compile` (bytecode compiled once, unchecked hashes), `keep` or `delete` (the article's).",
    default: "`compile` (`delete` for seed)",
  },
  user: {
    type: {
      kind: "object",
      name: "ImageUser",
      fields: USER_FIELDS,
      doc: "The non-root account the image's processes run as.",
    },
    doc: "The non-root account the container runs as.",
    default: `\`{uid: ${DEFAULT_USER.uid}, gid: ${DEFAULT_USER.gid}, name: ${DEFAULT_USER.name}}\``,
  },
  env: {
    type: map,
    doc: "Environment variables baked into the image (strict grammar: no quotes, `$`, newlines).",
    default: "`{}`",
    check: (v, f) => validateMap(v, f, validateEnvName, validateSafeValue),
  },
  labels: {
    type: map,
    doc: "Image labels (strict grammar).",
    default: "`{}`",
    check: (v, f) => validateMap(v, f, validateLabelKey, validateSafeValue),
  },
  platform: {
    type: { kind: "enum", name: "Platform", values: PLATFORM_VALUES, what: "a platform" },
    doc: "Target platform (`linux/amd64`, `linux/arm64`; seed: amd64 only).",
    default: `\`${DEFAULT_PLATFORM}\``,
  },
  wheelhouse: {
    type: string,
    doc: "`pip` preset: a directory of wheels installed offline, relative to the program's directory.",
    default: "none (install from PyPI)",
    check: validateHostPath,
  },
};

/** Every SlimDaskImage arg. */
export const IMAGE_FIELDS: FieldTable = { ...PUBLISH_FIELDS, ...RECIPE_FIELDS };

/** The root section, for generation. */
export const IMAGE_SECTION: Section = {
  name: "SlimDaskImage",
  doc: "a SlimDaskImage: a slim Dask image built from a recipe and pushed",
  fields: IMAGE_FIELDS,
};
