/**
 * components/cluster/chart-model.ts against the published dask chart, with real helm: the
 * model must accept exactly the value paths the chart's templates render.
 *
 * - Every path the model accepts (each leaf, open node and list) changes the output of
 *   `helm template` when given a sentinel value, in a context that makes its template render
 *   (Jupyter on for `jupyter.*`, an ingress on for its keys, resource limits set for the
 *   `--nthreads` fallbacks, an additional group for group keys).
 * - Every path it refuses (typos with a did-you-mean, keys values.yaml lists but no template
 *   renders, keys only NOTES.txt reads) leaves the output byte-identical; the one key the
 *   chart reads but cannot render makes helm fail.
 * - Every `.Values.*` reference in the chart's templates is a path the model knows.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  ChartModelNode,
  checkValuePaths,
  isKnownValuePath,
  modelPaths,
} from "../../components/cluster/chart-model";
import { SlimDaskError } from "../../components/common/errors";
import { deepMerge, isMapping, valueAt } from "../../components/cluster/value-tree";
import { exec } from "../support/exec";
import { helm } from "./support/cluster-env";
import { publishedChartFromRepository } from "./support/published-chart";

type Tree = Record<string, unknown>;

let chart: string;
let chartDefaults: Tree;
let templatesDir: string;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "slim-dask-chart-model-"));
let files = 0;

beforeAll(async () => {
  chart = await publishedChartFromRepository();
  await exec("tar", ["-xzf", chart, "-C", work]);
  templatesDir = path.join(work, "dask", "templates");
  chartDefaults = parse(fs.readFileSync(path.join(work, "dask", "values.yaml"), "utf8")) as Tree;
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** `helm template` of the published chart with `values`; rejects nothing, returns the result. */
async function render(values: Tree): Promise<{ code: number; out: string }> {
  const file = path.join(work, `values-${files++}.yaml`);
  fs.writeFileSync(file, stringify(values));
  const r = await helm(
    [
      "template",
      "probe",
      chart,
      "--namespace",
      "probe",
      // A real cluster serves Ingress v1; helm template's built-in API list does not name kinds.
      "--api-versions",
      "networking.k8s.io/v1/Ingress",
      "-f",
      file,
    ],
    { allowFailure: true },
  );
  return { code: r.code, out: r.code === 0 ? r.stdout : r.stderr };
}

/** The tree with `value` at the dotted `path` (`[]` = the first list item). */
function setAt(tree: Tree, dotted: string, value: unknown): Tree {
  const keys = dotted.replace(/\[\]/g, ".0").split(".");
  const out = structuredClone(tree);
  let node: Record<string, unknown> = out;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    node[key] = Array.isArray(next)
      ? next
      : isMapping(next)
        ? next
        : /^\d+$/.test(keys[i + 1])
          ? []
          : {};
    node = node[key] as Record<string, unknown>;
    if (Array.isArray(node) && node[0] === undefined) node[0] = {};
  });
  return out;
}

/** Values that make the template reading `dotted` render at all. */
function contextFor(dotted: string): Tree {
  let ctx: Tree = {};
  const on = (p: string, v: unknown = true) => (ctx = setAt(ctx, p, v));
  const group = dotted.startsWith("additional_worker_groups");
  const base = group ? "additional_worker_groups[]" : "worker";
  if (group) on("additional_worker_groups", [{ name: "g" }]);
  if (dotted === "worker.name") on("additional_worker_groups", [{}]);
  if (dotted.startsWith("jupyter.ingress.")) on("jupyter.ingress.enabled");
  else if (dotted.startsWith("jupyter.")) on("jupyter.enabled");
  if (dotted.startsWith("webUI.ingress.")) on("webUI.ingress.enabled");
  if (/ingress\.(secretName|hostname)$/.test(dotted)) on(dotted.replace(/[^.]+$/, "tls"));
  if (dotted.startsWith("scheduler.metrics.")) {
    on("scheduler.metrics.enabled");
    on("scheduler.metrics.serviceMonitor.enabled");
  }
  if (dotted.startsWith("worker.metrics.")) {
    on("worker.metrics.enabled");
    on("worker.metrics.podMonitor.enabled");
  }
  // --nthreads/--memory-limit and their fallbacks render only with resource limits.
  if (dotted.endsWith(".threads_per_worker") || dotted.endsWith(".default_resources.memory")) {
    on(`${base}.resources`, { limits: { cpu: 1 } });
  }
  if (dotted.endsWith(".default_resources.cpu")) {
    on(`${base}.resources`, { limits: { memory: "1Gi" } });
  }
  return ctx;
}

/** A value unlike the one in force at `dotted` (chart default overlaid with the context). */
function sentinelFor(dotted: string, node: ChartModelNode, context: Tree): unknown {
  if (node.kind === "list") return [{ name: "sentinel" }];
  if (node.kind === "open") {
    // A nested key shows that every key below an open node is rendered. Where the chart's
    // default is a mapping (annotations, resources: templates read keys of it) give a
    // mapping; elsewhere a list, which is valid YAML wherever toYaml puts it.
    // Object metadata annotations must be strings: helm parses them into the object's type.
    if (/[aA]nnotations$/.test(dotted)) return { "example.com/slim-dask-sentinel": "1" };
    const deep = { "slim-dask-sentinel": { deep: 1 } };
    const workerPath = dotted.replace(/^additional_worker_groups\[\]/, "worker");
    return isMapping(valueAt(chartDefaults, workerPath.split("."))) ? deep : [deep];
  }
  const inForce = valueAt(
    deepMerge(chartDefaults, context),
    dotted.replace(/\[\]/g, ".0").split("."),
  );
  if (typeof inForce === "boolean") return !inForce;
  if (typeof inForce === "number") return inForce + 1111;
  return typeof inForce === "string" && inForce !== "" ? `${inForce}-sentinel` : "sentinel";
}

const accepted = () =>
  modelPaths().filter(({ node }) => ["leaf", "open", "list"].includes(node.kind));
const unrendered = () => modelPaths().filter(({ node }) => node.kind === "unrendered");

test("the model has the chart's paths to check", () => {
  expect(accepted().length).toBeGreaterThan(100);
  expect(unrendered().length).toBeGreaterThan(5);
});

test(
  "every path the model accepts changes what helm renders from the published chart",
  async () => {
    const unchanged: string[] = [];
    for (const { path: dotted, node } of accepted()) {
      const context = contextFor(dotted);
      const before = await render(context);
      const after = await render(setAt(context, dotted, sentinelFor(dotted, node, context)));
      expect({ dotted, code: before.code, out: before.code ? before.out : "" }).toEqual({
        dotted,
        code: 0,
        out: "",
      });
      if (after.code !== 0 || after.out === before.out)
        unchanged.push(`${dotted}: ${after.out.slice(0, 200)}`);
    }
    expect(unchanged).toEqual([]);
  },
  20 * 60_000,
);

// Typos the model answers with a did-you-mean, and keys no template renders.
const TYPOS = [
  "worker.replicaCount",
  "worker.image.digest",
  "scheduler.serviceTyp",
  "jupyter.ingress.host",
  "webUI.ingres.enabled",
  "additional_worker_groups[].nme",
  "workers.replicas",
];

test(
  "every path the model refuses leaves the rendered output byte-identical (the broken one fails helm)",
  async () => {
    const cases = [
      ...TYPOS.map((p) => ({ path: p, renderFails: false })),
      ...unrendered().map(({ path: p, node }) => ({
        path: p,
        renderFails: node.kind === "unrendered" && node.renderFails === true,
      })),
    ];
    for (const { path: dotted, renderFails } of cases) {
      const context = contextFor(dotted);
      const value = [{ "slim-dask-sentinel": 1 }];
      const withValue = setAt(context, dotted, value);
      // The model refuses it (with the path named)...
      let error: unknown;
      try {
        checkValuePaths(withValue);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SlimDaskError);
      // The error names the first key of the path the chart does not render.
      const field = (error as SlimDaskError).field.replace(/\[\d+\]/g, "[]");
      expect({ dotted, named: `values.${dotted}`.startsWith(field) }).toEqual({
        dotted,
        named: true,
      });
      // ...and helm shows why.
      const before = await render(context);
      const after = await render(withValue);
      expect(before.code).toBe(0);
      if (renderFails) {
        expect({ dotted, code: after.code }).toEqual({ dotted, code: 1 });
      } else {
        expect({ dotted, same: after.out === before.out, code: after.code }).toEqual({
          dotted,
          same: true,
          code: 0,
        });
      }
    }
  },
  10 * 60_000,
);

test("every .Values path the chart's templates read is one the model knows", () => {
  // NOTES.txt is left out: the keys only it reads are refused as changing no resource.
  const seen = new Map<string, string>();
  for (const file of fs.readdirSync(templatesDir).filter((f) => f !== "NOTES.txt")) {
    const text = fs.readFileSync(path.join(templatesDir, file), "utf8");
    for (const m of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) seen.set(m[1], file);
    // Additional groups: `$worker` is the group merged over .Values.worker.
    for (const m of text.matchAll(/\$worker\.([A-Za-z0-9_.]+)/g)) {
      seen.set(`additional_worker_groups.0.${m[1]}`, file);
    }
  }
  expect(seen.size).toBeGreaterThan(100);
  // A key the templates read but cannot render is refused on purpose (see the test above).
  const unrenderable = new Set(
    unrendered()
      .filter(({ node }) => node.kind === "unrendered" && node.renderFails)
      .map(({ path: p }) => p),
  );
  const unknown = [...seen]
    .filter(([dotted]) => !unrenderable.has(dotted))
    .filter(([dotted]) => !isKnownValuePath(dotted.replace(/\.$/, "").split(".")))
    .map(([dotted, file]) => `${dotted} (${file})`);
  expect(unknown).toEqual([]);
});
