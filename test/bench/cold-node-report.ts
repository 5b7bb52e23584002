/**
 * The cold-node measurement's report (written by test/k8s/cold-node.test.ts, committed as
 * docs/cold-node.json) and what is rendered from it: its goal, checked by code, and the
 * "Cold node" table of docs/benchmarks.md (`npm run generate`).
 */
import { spliceGenerated } from "../../components/generated";
import { median } from "../support/cold-start";

/** The three images measured. */
export const COLD_NODE_KINDS = ["naive", "default", "minimal"] as const;
export type ColdNodeKind = (typeof COLD_NODE_KINDS)[number];

/** One image's cold starts. */
export interface ColdNodeImage {
  kind: ColdNodeKind;
  /** Compressed layer blobs + config in the registry: what the node pulls. */
  pulledBytes: number;
  layers: number;
  runs: {
    /** Scheduled -> "Registered to". */
    seconds: number;
    /** The kubelet's pull time. */
    pullSeconds: number;
    /** The image size the kubelet reports after the pull: the content it fetched. */
    imageBytes: number;
  }[];
}

/** What one run of the cold-node test measured. */
export interface ColdNodeReport {
  date: string;
  /** Where it ran: cores, memory, Kubernetes and containerd versions, what else ran. */
  machine: string;
  set: string;
  images: ColdNodeImage[];
}

/** Issue 19's goal: the default and the minimal image ready this many times sooner than naive. */
export const COLD_NODE_SPEED_UP_GOAL = 3;

/** One image's medians (undefined when it has no run). */
export function coldNodeMedians(image: ColdNodeImage) {
  if (image.runs.length === 0) return undefined;
  return {
    seconds: median(image.runs.map((r) => r.seconds)),
    pullSeconds: median(image.runs.map((r) => r.pullSeconds)),
  };
}

/** Each slim image's speed-up over the naive one, against the goal. */
export function coldNodeGoals(report: ColdNodeReport) {
  const find = (kind: ColdNodeKind) => report.images.find((i) => i.kind === kind);
  const naive = find("naive");
  const naiveSeconds = naive && coldNodeMedians(naive)?.seconds;
  return (["default", "minimal"] as const).map((kind) => {
    const image = find(kind);
    const seconds = image && coldNodeMedians(image)?.seconds;
    const speedUp =
      naiveSeconds !== undefined && seconds !== undefined && seconds > 0
        ? naiveSeconds / seconds
        : undefined;
    return {
      kind,
      speedUp,
      goal: COLD_NODE_SPEED_UP_GOAL,
      met: speedUp !== undefined && speedUp >= COLD_NODE_SPEED_UP_GOAL,
    };
  });
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** docs/benchmarks.md's cold-node section. */
export function coldNodeMarkdown(report: ColdNodeReport): string {
  const runs = Math.max(0, ...report.images.map((i) => i.runs.length));
  const goals = coldNodeGoals(report);
  const rows = COLD_NODE_KINDS.map((kind) => {
    const image = report.images.find((i) => i.kind === kind);
    const m = image && coldNodeMedians(image);
    if (!image || !m) return `| ${kind} | not measured | | | | | |`;
    const fetched = mb(image.runs[0].imageBytes);
    const goal = goals.find((g) => g.kind === kind);
    const speed = goal?.speedUp !== undefined ? `${goal.speedUp.toFixed(1)}x` : "";
    const verdict = goal ? ` (goal >= ${goal.goal}x: ${goal.met ? "met" : "**missed**"})` : "";
    return `| ${kind} | ${mb(image.pulledBytes)} (${image.layers} layers) | ${fetched} | ${m.pullSeconds.toFixed(2)} | **${m.seconds.toFixed(2)}** | ${speed}${verdict} | ${image.runs.map((r) => r.seconds.toFixed(2)).join(", ")} |`;
  });
  return [
    `## A ready worker on a cold node (\`${report.set}\`, median of ${runs})`,
    "",
    `Measured ${report.date} on ${report.machine}, by \`npm run test:k8s\` (test/k8s/cold-node.test.ts), which CI runs.`,
    "Each run removes the image from the node's containerd through the CRI (image, containers,",
    "unpacked layers: checked by their snapshot names), then creates the chart's worker (the",
    "template of the release's worker Deployment, as a bare pod); the kubelet pulls from the",
    "cluster's registry with the pull Secret. Time: the scheduler's `Scheduled` event to the",
    'worker\'s "Registered to" log line (its CRI timestamp). The naive image is one `pip install`',
    "stage on the full Python base, its wheelhouse bind-mounted (no layer a PyPI install lacks).",
    "",
    "| image | registry MB (layers) | node fetched MB | pull s (kubelet) | ready s | vs naive | runs s |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...rows,
  ].join("\n");
}

/** docs/benchmarks.md with its cold-node section rendered from `report`. */
export function spliceColdNodeReport(benchmarks: string, report: ColdNodeReport): string {
  return spliceGenerated(benchmarks, "cold-node", coldNodeMarkdown(report));
}
