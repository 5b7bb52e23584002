/**
 * DaskCluster through the real Pulumi engine on the CI cluster: the Pulumi CLI and the
 * kubernetes provider built from the Go module proxy (test/engine/build.sh), inline programs
 * written as the README tells users to write them, a file backend with the passphrase secrets
 * provider, the published chart from the cluster's https chart repository behind a login, and
 * images pulled from the cluster's registry through the Secret DaskCluster creates. Tests run in
 * order and share one stack; nothing is skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as crypto from "node:crypto";
import { Stack } from "@pulumi/pulumi/automation";
import { chartFullname } from "../../components/cluster/addresses";
import { pullSecretName } from "../../components/cluster/pull-secret";
import { docker } from "../support/docker";
import { repoRoot } from "../support/environment";
import { exec, waitFor } from "../support/exec";
import { clusterRegistry, getJson, helm, kubectl, registryLogin } from "../k8s/support/cluster-env";
import { daskProgram, NAMESPACE, ProgramOptions, RELEASE, stackConfig } from "./support/program";
import {
  buildForCluster,
  clusterImageConfig,
  ClusterImage,
  IMAGE_UID,
  pushToCluster,
} from "../k8s/support/images";
import { componentPods, isReady, Pod } from "../k8s/support/pods";
import { summarizeRollout, watchPods } from "../k8s/support/pod-watch";
import { chartRepository, publishedChart } from "../k8s/support/published-chart";
import {
  Engine,
  inlineStack,
  startEngine,
  Step,
  stepRecorder,
  UNKNOWN_VALUE,
} from "./support/engine";
import { stepTimer } from "../support/timings";

const MINUTE = 60_000;
const WORK_DIR = path.join(repoRoot(), "build", "engine");
const KEPT_NAMESPACE = "slim-dask-engine-kept";
// A repository no node has pulled from: every pull must log in with the created Secret.
const ENGINE_REPOSITORY = `engine-${crypto.randomBytes(4).toString("hex")}`;

let engine: Engine;
let stack: Stack;
let imageA: ClusterImage;
let imageB: ClusterImage;
const { timings, timed } = stepTimer();

const byType = (steps: Step[], type: string) => steps.filter((s) => s.type === type);
const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
const SECRET_TYPE = "kubernetes:core/v1:Secret";
const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

const runsDigest = (pod: Pod, digest: string) =>
  (pod.status.containerStatuses ?? []).every((c) => c.imageID.endsWith(digest));

async function releasePods(namespace = NAMESPACE, release = RELEASE): Promise<Pod[]> {
  return [
    ...(await componentPods(namespace, release, "scheduler")),
    ...(await componentPods(namespace, release, "worker")),
  ];
}

/** A cluster image under a repository no pod has pulled: the node must log in to get it. */
async function engineImage(label: string, env: Record<string, string>): Promise<ClusterImage> {
  const registry = clusterRegistry();
  const built = await buildForCluster(
    clusterImageConfig(`${registry}/slim-dask/k8s`, env),
    path.join(WORK_DIR, label),
  );
  const fresh = `${registry}/slim-dask/${ENGINE_REPOSITORY}:${built.tag}`;
  await docker(["tag", built.reference, fresh]);
  const digest = await pushToCluster(fresh);
  return { ...built, reference: fresh, pinned: `${fresh}@${digest}`, digest };
}

beforeAll(async () => {
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  await kubectl(["get", "--raw", "/readyz"]);
  engine = await startEngine();
  imageA = await timed("build A", () => engineImage("a", {}));
  imageB = await timed("build B", () => engineImage("b", { SLIM_DASK_ROLLOUT: "engine-b" }));
  stack = await inlineStack(engine, "ci", daskProgram(), stackConfig(imageA.pinned));
}, 30 * MINUTE);

afterAll(async () => {
  // Whatever failed, leave nothing on the cluster (destroy is tested in its own test).
  for (const name of ["ci", "kept", "bad-memory", "bad-values"]) {
    try {
      const s = await inlineStack(engine, name, daskProgram());
      await s.destroy();
    } catch {
      // the stack was never created or is gone already
    }
  }
  for (const ns of [NAMESPACE, KEPT_NAMESPACE]) {
    await kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=true"], {
      allowFailure: true,
    }).catch(() => undefined);
  }
  fs.writeFileSync(path.join(WORK_DIR, "report.json"), JSON.stringify({ timings }, null, 2));
  console.log(`engine suite steps: ${JSON.stringify(timings)}`);
  engine?.dispose();
}, 15 * MINUTE);

test(
  "1. a fresh stack previews with the image unknown and a secret password: Namespace, Secret and Release are creates, release name, namespace, chart and version known",
  async () => {
    const rec = stepRecorder();
    const result = await timed("preview (fresh)", () => stack.preview({ onEvent: rec.onEvent }));
    expect(result.changeSummary.create).toBeGreaterThanOrEqual(5);
    const [ns] = byType(rec.steps, NAMESPACE_TYPE);
    const [secret] = byType(rec.steps, SECRET_TYPE);
    const [release] = byType(rec.steps, RELEASE_TYPE);
    expect([ns?.op, secret?.op, release?.op]).toEqual(["create", "create", "create"]);
    expect(release.inputs).toMatchObject({
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "dask",
      version: publishedChart().version,
      atomic: true,
    });
    // The values wait for the image; the Secret's name does not.
    expect(release.inputs.values).toBe(UNKNOWN_VALUE);
    expect((secret.inputs.metadata as { name: string }).name).toBe(pullSecretName(RELEASE));
    // The password never shows in the preview's output.
    for (const out of [result.stdout, result.stderr]) {
      expect(out).not.toContain(registryLogin().password);
      expect(out).not.toContain(chartRepository().password);
    }
  },
  10 * MINUTE,
);

test(
  "2. up: pods Ready, digest-pinned, non-root, tini as PID 1, pulled through the created Secret from a registry that needs a login",
  async () => {
    const up = await timed("up", () => stack.up());
    expect(up.summary.result).toBe("succeeded");
    const pods = await releasePods();
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(isReady(pod)).toBe(true);
      expect(pod.spec.containers[0].image).toBe(imageA.pinned);
      expect(runsDigest(pod, imageA.digest)).toBe(true);
      expect(pod.spec.imagePullSecrets).toEqual([{ name: pullSecretName(RELEASE) }]);
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: IMAGE_UID });
      const { stdout } = await kubectl([
        "-n",
        NAMESPACE,
        "exec",
        pod.metadata.name,
        "--",
        "python",
        "-c",
        "import os; print(os.getuid()); print(open('/proc/1/cmdline').read().split('\\0')[0])",
      ]);
      const [uid, pid1] = stdout.trim().split("\n");
      expect(uid).toBe(String(IMAGE_UID));
      expect(path.basename(pid1)).toBe("tini");
    }
    // The pulls went through the registry's login: its repository was new to the node.
    const events = await kubectl([
      "-n",
      NAMESPACE,
      "get",
      "events",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    expect(events.stdout).toMatch(
      new RegExp(`Successfully pulled image "[^"]*slim-dask/${ENGINE_REPOSITORY}`),
    );
  },
  15 * MINUTE,
);

test(
  "3. the state holds no registry or chart repository password in plain text; the outputs are plain",
  async () => {
    // `pulumi stack export` as a user runs it (the Automation API's exportStack adds
    // --show-secrets), and the state file the backend keeps.
    const exported = await exec(
      path.join(engine.dir, "bin", "pulumi"),
      ["stack", "export", "--stack", "ci"],
      { cwd: stack.workspace.workDir, env: { ...process.env, ...engine.envVars } },
    );
    const stateFiles = fs
      .readdirSync(path.join(engine.dir, "backend", ".pulumi", "stacks", "slim-dask-engine"))
      .filter((f) => f.startsWith("ci.json"))
      .map((f) =>
        fs.readFileSync(
          path.join(engine.dir, "backend", ".pulumi", "stacks", "slim-dask-engine", f),
          "utf8",
        ),
      );
    expect(stateFiles.length).toBeGreaterThan(0);
    const state = [exported.stdout, ...stateFiles].join("\n");
    expect(exported.stdout).toContain(RELEASE_TYPE);
    expect(state).toContain("ciphertext");
    const secrets = [registryLogin().password, chartRepository().password];
    for (const secret of secrets) {
      expect(state).not.toContain(secret);
      expect(state).not.toContain(Buffer.from(secret).toString("base64"));
    }
    const auth = Buffer.from(`${registryLogin().username}:${registryLogin().password}`).toString(
      "base64",
    );
    expect(state).not.toContain(auth);
    const outputs = await stack.outputs();
    const fullname = chartFullname(RELEASE);
    expect(outputs).toEqual({
      schedulerAddress: {
        value: `tcp://${fullname}-scheduler.${NAMESPACE}.svc.cluster.local:8786`,
        secret: false,
      },
      dashboardUrl: {
        value: `http://${fullname}-scheduler.${NAMESPACE}.svc.cluster.local:80`,
        secret: false,
      },
      releaseName: { value: RELEASE, secret: false },
      namespace: { value: NAMESPACE, secret: false },
    });
  },
  5 * MINUTE,
);

test(
  "4. nothing to do: a second up changes nothing, preview --expect-no-changes passes, refresh finds no drift",
  async () => {
    const up = await timed("second up", () => stack.up());
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    await timed("preview --expect-no-changes", () => stack.preview({ expectNoChanges: true }));
    const refresh = await timed("refresh", () => stack.refresh());
    expect(Object.keys(refresh.summary.resourceChanges ?? {})).toEqual(["same"]);
    await stack.preview({ expectNoChanges: true });
  },
  15 * MINUTE,
);

test(
  "5. a new digest rolls the workers with the default strategy; the Namespace and the Secret stay as they are",
  async () => {
    await stack.setConfig("imageRef", { value: imageB.pinned });
    const watch = watchPods(NAMESPACE, `release=${RELEASE},component=worker`);
    await waitFor("the watch's initial list", MINUTE, async () =>
      watch.events.length >= 2 ? true : undefined,
    );
    const from = watch.events.length;
    const rec = stepRecorder();
    const up = await timed("up (new digest)", () => stack.up({ onEvent: rec.onEvent }));
    await kubectl([
      "-n",
      NAMESPACE,
      "rollout",
      "status",
      `deploy/${chartFullname(RELEASE)}-worker`,
      "--timeout=300s",
    ]);
    const summary = summarizeRollout(await watch.stop(), from);
    expect(up.summary.result).toBe("succeeded");
    expect(byType(rec.steps, NAMESPACE_TYPE).map((s) => s.op)).toEqual(["same"]);
    expect(byType(rec.steps, SECRET_TYPE).map((s) => s.op)).toEqual(["same"]);
    expect(byType(rec.steps, RELEASE_TYPE).map((s) => s.op)).toEqual(["update"]);
    // The rollout never removed both workers at once. (Ready may still dip to 0: the new image
    // restarts the scheduler too, and every worker exits when its scheduler closes; the
    // kubelet restarts them in place.)
    expect(summary.minKept).toBeGreaterThanOrEqual(1);
    expect(summary.leftPending).toEqual([]);
    const pods = await waitFor("only new-digest pods", 3 * MINUTE, async () => {
      const all = await releasePods();
      return all.length === 3 && all.every((p) => runsDigest(p, imageB.digest) && isReady(p))
        ? all
        : undefined;
    });
    expect(pods.map((p) => p.spec.containers[0].image)).toEqual(Array(3).fill(imageB.pinned));
  },
  15 * MINUTE,
);

/**
 * The preview of a program that must fail, run in a process of its own (as a user's `pulumi
 * preview` is): the SDK leaves the failed stack's outputs rejected and unobserved, which would
 * end this test process. Returns what the CLI printed and those leftover rejections.
 */
async function failedPreview(
  stackName: string,
  options: ProgramOptions,
): Promise<{ failed: boolean; printed: string; strays: string[] }> {
  const script = path.join(repoRoot(), "dist", "test", "engine", "support", "failing-preview.js");
  const request = {
    engineDir: engine.dir,
    envVars: engine.envVars,
    stackName,
    options,
    imageRef: imageA.pinned,
  };
  const { stdout } = await exec(process.execPath, [script, JSON.stringify(request)], {
    timeoutMs: 5 * MINUTE,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string);
}

test.each([
  ["bad-memory", { workers: { replicas: 1, memory: "500m" } }, "workers.memory", /Fix: .*(Mi|Gi)/],
  [
    "late-bad-memory",
    { workers: { replicas: 1, memory: "4GB" }, lateArgs: true },
    "workers.memory",
    /Fix: .*(Mi|Gi)/,
  ],
  [
    "bad-values",
    { values: { worker: { replicaCount: 2 } } },
    "values.worker.replicaCount",
    /Fix: did you mean `values\.worker\.replicas`\?/,
  ],
])(
  "6. bad input (%s) fails the preview before any resource is created, naming the field and the fix, with no stack trace",
  async (name, options, field, fix) => {
    const { failed, printed, strays } = await failedPreview(name, {
      ...(options as ProgramOptions),
      releaseName: name,
      namespace: name,
    });
    expect(failed).toBe(true);
    // The SDK's leftover rejections are this error and nothing else.
    // (a plain value's SlimDaskError by its field, a late one's ResourceError by its message)
    expect(strays.filter((f) => f !== field && !f.startsWith(`${field}: `))).toEqual([]);
    expect(printed).toContain(field);
    expect(printed).toMatch(fix);
    // One error however many resources the value reaches. An inline program's Diagnostics
    // name it twice whatever slim-dask does: the SDK logs the unhandled error once (it
    // de-duplicates by identity), and the Automation API's run reports it again ("One or more
    // errors occurred: ..." for a late value). Before each Output arg was checked on its own,
    // a late value in a preview with the image unknown gave none at all.
    const diagnostics = printed
      .slice(printed.indexOf("Diagnostics:"))
      .split(/\n(?:Outputs|Resources):/)[0];
    expect(diagnostics.split("\n").filter((l) => l.includes(`${field}: `))).toHaveLength(2);
    expect(printed).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    expect(printed).not.toContain("unhandled exception");
    const s = await inlineStack(engine, name, daskProgram(), stackConfig(imageA.pinned));
    const state = (await s.exportStack()) as { deployment?: { resources?: unknown[] } };
    expect(state.deployment?.resources ?? []).toEqual([]);
    const ns = await kubectl(["get", "namespace", name], { allowFailure: true });
    expect(ns.code).not.toBe(0);
  },
  10 * MINUTE,
);

test(
  "7. an image that cannot be pulled fails up after the atomic timeout and the release rolls back; the next up with a good image succeeds",
  async () => {
    const missing = `${clusterRegistry()}/slim-dask/engine:missing@sha256:${"0".repeat(64)}`;
    const failing = await inlineStack(
      engine,
      "ci",
      daskProgram({ timeoutSeconds: 60 }),
      stackConfig(missing),
    );
    const t0 = Date.now();
    let failed: unknown;
    await timed("failing up", () => failing.up().catch((e) => (failed = e)));
    expect(failed).toBeDefined();
    expect(Date.now() - t0).toBeGreaterThan(55_000);
    const history = JSON.parse(
      (await helm(["history", RELEASE, "--namespace", NAMESPACE, "-o", "json"])).stdout,
    ) as { status: string; description: string }[];
    const last = history[history.length - 1];
    expect(last.status).toBe("deployed");
    expect(last.description).toMatch(/Rollback to/);
    await waitFor("the pods back on B", 5 * MINUTE, async () => {
      const all = await releasePods();
      return all.length === 3 && all.every((p) => runsDigest(p, imageB.digest) && isReady(p))
        ? true
        : undefined;
    });
    const recovered = await inlineStack(engine, "ci", daskProgram(), stackConfig(imageA.pinned));
    const up = await timed("up after failure", () => recovered.up());
    expect(up.summary.result).toBe("succeeded");
    await waitFor("the pods on A", 5 * MINUTE, async () => {
      const all = await releasePods();
      return all.length === 3 && all.every((p) => runsDigest(p, imageA.digest) && isReady(p))
        ? true
        : undefined;
    });
    await recovered.preview({ expectNoChanges: true });
  },
  20 * MINUTE,
);

test(
  "8. destroy removes everything the stack created; with createNamespace: false the namespace stays",
  async () => {
    await timed("destroy", () => stack.destroy());
    const ns = await kubectl(["get", "namespace", NAMESPACE, "-o", "json"], { allowFailure: true });
    if (ns.code === 0) {
      // Namespace deletion finishes asynchronously: wait for it.
      await waitFor("the namespace to go", 3 * MINUTE, async () =>
        (await kubectl(["get", "namespace", NAMESPACE], { allowFailure: true })).code !== 0
          ? true
          : undefined,
      );
    }
    const cm = await kubectl(["-n", "default", "get", "configmap", `${RELEASE}-image-source`], {
      allowFailure: true,
    });
    expect(cm.code).not.toBe(0);

    await kubectl(["create", "namespace", KEPT_NAMESPACE]);
    const kept = await inlineStack(
      engine,
      "kept",
      daskProgram({
        releaseName: "kept",
        namespace: KEPT_NAMESPACE,
        createNamespace: false,
        workers: { replicas: 1 },
      }),
      stackConfig(imageA.pinned),
    );
    await timed("up (existing namespace)", () => kept.up());
    await timed("destroy (existing namespace)", () => kept.destroy());
    // helm uninstall returns while the pods terminate; Kubernetes removes them soon after.
    await waitFor("the kept namespace to empty", 3 * MINUTE, async () =>
      (await getJson<{ items: unknown[] }>(["-n", KEPT_NAMESPACE, "all"])).items.length === 0
        ? true
        : undefined,
    );
    const secrets = await kubectl(["-n", KEPT_NAMESPACE, "get", "secret", pullSecretName("kept")], {
      allowFailure: true,
    });
    expect(secrets.code).not.toBe(0);
    const releases = await helm(["list", "--namespace", KEPT_NAMESPACE, "-q"]);
    expect(releases.stdout.trim()).toBe("");
    // What DaskCluster did not create is left: the namespace.
    await kubectl(["get", "namespace", KEPT_NAMESPACE]);
  },
  20 * MINUTE,
);

test(
  "9. every Pulumi.yaml in the repository is loaded by the real CLI: stack init and config",
  async () => {
    const files = [
      "Pulumi.yaml",
      ...fs
        .readdirSync(path.join(repoRoot(), "examples"))
        .map((d) => path.join("examples", d, "Pulumi.yaml"))
        .filter((f) => fs.existsSync(path.join(repoRoot(), f))),
    ];
    expect(files.length).toBeGreaterThanOrEqual(4);
    const pulumiBin = path.join(engine.dir, "bin", "pulumi");
    const failures: string[] = [];
    for (const file of files) {
      const dir = fs.mkdtempSync(path.join(engine.dir, "project-"));
      fs.copyFileSync(path.join(repoRoot(), file), path.join(dir, "Pulumi.yaml"));
      const env = { ...process.env, ...engine.envVars };
      for (const args of [
        ["stack", "init", "ci", "--non-interactive"],
        ["config", "--non-interactive"],
      ]) {
        const r = await exec(pulumiBin, args, { cwd: dir, env, allowFailure: true });
        if (r.code !== 0) failures.push(`${file}: pulumi ${args.join(" ")}: ${r.stderr.trim()}`);
      }
    }
    expect(failures).toEqual([]);
  },
  10 * MINUTE,
);
