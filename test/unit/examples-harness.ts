import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumiType from "@pulumi/pulumi";
import * as ts from "typescript";

/** A resource the mock engine saw while an example program ran. */
export interface ExampleResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** `urn::id` of the explicit or inherited provider, if any. */
  provider?: string;
}

/** What running an example under mocks produced. */
export interface ExampleRun {
  resources: ExampleResource[];
  /** The program's exports with every Output resolved. */
  outputs: Record<string, unknown>;
  /** The program directory it ran in (a temp dir, like `pulumi up` in a fresh clone). */
  programDir: string;
  /** Invokes the program made, by token. */
  calls: { token: string; inputs: Record<string, unknown> }[];
}

export interface ExampleOptions {
  /** Project name from the example's Pulumi.yaml (config keys are namespaced by it). */
  project: string;
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
  /** Extra output state per resource type (the cloud's computed outputs). */
  state?: Record<
    string,
    (inputs: Record<string, unknown>, name: string) => Record<string, unknown>
  >;
  /** Results of invokes, by token. */
  calls?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
}

export const FAKE_DIGEST = `sha256:${"ab".repeat(32)}`;

/** Computed state every example needs: a pushed image has a digest, a release a status. */
const COMMON_STATE: NonNullable<ExampleOptions["state"]> = {
  "docker:index/image:Image": (inputs) => ({
    repoDigest: inputs.skipPush
      ? ""
      : `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@${FAKE_DIGEST}`,
  }),
  "kubernetes:helm.sh/v3:Release": (inputs) => ({
    status: { status: "deployed", name: inputs.name, namespace: inputs.namespace },
  }),
};

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function resolveAll(pulumi: typeof pulumiType, exportsObj: Record<string, unknown>) {
  const entries = Object.entries(exportsObj).map(
    ([k, v]) =>
      new Promise<[string, unknown]>((resolve) => {
        if (pulumi.Output.isInstance(v))
          (v as pulumiType.Output<unknown>).apply((x) => resolve([k, x]));
        else resolve([k, v]);
      }),
  );
  return Promise.all(entries).then((pairs) => Object.fromEntries(pairs));
}

/**
 * Runs an example program (its index.ts) under `pulumi.runtime.setMocks` with a fresh module
 * registry, in a temp program directory, and returns its resource graph and outputs. Throws
 * whatever the program throws while loading.
 */
export async function runExample(programFile: string, opts: ExampleOptions): Promise<ExampleRun> {
  const programDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-example-")));
  const resources: ExampleResource[] = [];
  const calls: ExampleRun["calls"] = [];
  const cwd = process.cwd();
  let pulumi!: typeof pulumiType;
  let exported: Record<string, unknown> = {};
  process.chdir(programDir);
  try {
    jest.isolateModules(() => {
      // A fresh @pulumi/pulumi per run, shared with the program: sync require inside isolateModules.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      pulumi = require("@pulumi/pulumi");
      pulumi.runtime.setMocks(
        {
          newResource(args) {
            resources.push({
              type: args.type,
              name: args.name,
              inputs: args.inputs,
              provider: args.provider,
            });
            const extra = { ...COMMON_STATE, ...opts.state }[args.type];
            return {
              id: `${args.name}-id`,
              state: { ...args.inputs, ...(extra ? extra(args.inputs, args.name) : {}) },
            };
          },
          call(args) {
            calls.push({ token: args.token, inputs: args.inputs });
            const result = opts.calls?.[args.token];
            if (!result) throw new Error(`unexpected invoke ${args.token}`);
            return result(args.inputs);
          },
        },
        opts.project,
        "test",
        false,
      );
      const config: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...opts.config, ...opts.secretConfig })) {
        config[k.includes(":") ? k : `${opts.project}:${k}`] = v;
      }
      const secretKeys = Object.keys(opts.secretConfig ?? {}).map((k) =>
        k.includes(":") ? k : `${opts.project}:${k}`,
      );
      pulumi.runtime.setAllConfig(config, secretKeys);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = require(programFile);
    });
    const outputs = await resolveAll(pulumi, exported);
    await settle();
    return { resources, outputs, programDir, calls };
  } finally {
    process.chdir(cwd);
  }
}

/**
 * Throws, saying what to run, when an example's own dependencies (those the root does not have,
 * such as @pulumi/aws) are not installed in its node_modules.
 */
export function requireInstalled(exampleDir: string, packages: string[]): void {
  const missing = packages.filter(
    (p) => !fs.existsSync(path.join(exampleDir, "node_modules", p, "package.json")),
  );
  if (missing.length > 0) {
    const rel = path.relative(path.resolve(__dirname, "../.."), exampleDir);
    throw new Error(
      `${missing.join(", ")} not installed in ${rel}: run \`cd ${rel} && npm ci\` (.ci/run does it before the unit suite)`,
    );
  }
}

/** The single resource of a type (and name, if given); fails the test otherwise. */
export function one(run: ExampleRun, type: string, name?: string): ExampleResource {
  const found = run.resources.filter(
    (r) => r.type === type && (name === undefined || r.name === name),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type} ${name ?? ""}, found ${found.length}: ${run.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`,
    );
  }
  return found[0];
}

/** Pulumi's wire marker for secrets, as the mock engine receives them. */
const SECRET_KEY = "4dabf18193072939515e22adb298388d";

/** Whether a mocked input travelled as a secret. */
export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_KEY in value;
}

/** The plain value of a mocked input, secret (even secret of secret) or not. */
export function plain(value: unknown): unknown {
  let v = value;
  while (isSecretInput(v)) v = (v as { value: unknown }).value;
  return v;
}

/** The parts of the dask chart values the example tests read. */
export interface ChartValuesView {
  worker: PodValuesView & { replicas: number };
  scheduler: PodValuesView;
  additional_worker_groups: (Partial<PodValuesView> & {
    name: string;
    replicas: number | string;
  })[];
}
interface PodValuesView {
  resources: { limits: Record<string, string>; requests: Record<string, string> };
  image: { repository: string; tag: string; pullSecrets?: { name: string }[] };
  nodeSelector?: Record<string, string>;
}

/** The chart values a mocked helm Release received. */
export function chartValues(release: ExampleResource): ChartValuesView {
  return plain(release.inputs.values) as ChartValuesView;
}

/**
 * `tsc --strict` diagnostics of `files` under the repository's tsconfig.json, where `slim-dask`
 * resolves to the package as a user's import does. Empty when the files type-check.
 */
export function typeCheck(files: string[]): string[] {
  const root = path.resolve(__dirname, "../..");
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(String(d.messageText));
      },
    },
  );
  const program = ts.createProgram(files, { ...config!.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}
