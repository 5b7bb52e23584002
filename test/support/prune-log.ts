import { CLIPPED, logLines } from "./build-log";

/**
 * Parses the report lines the shared prune script prints during the build:
 *   slim-dask-prune: rule=<name> files=<n> bytes=<b>
 *   slim-dask-prune: total files=<n> bytes=<b>
 * from the output of either builder (see build-log.ts for how they differ).
 */
export interface PruneRule {
  rule: string;
  files: number;
  bytes: number;
}

/**
 * The per-rule savings and the total of every prune run in the log: the install RUN prunes
 * twice (most rules before strip, duplicate-files after compile), so the runs add up.
 */
export interface PruneReport {
  rules: PruneRule[];
  total: { files: number; bytes: number };
  /** How many total lines (prune runs) were read. */
  runs: number;
}

const RULE_RE = /^slim-dask-prune: rule=(\S+) files=(\d+) bytes=(\d+)\s*$/;
const TOTAL_RE = /^slim-dask-prune: total files=(\d+) bytes=(\d+)\s*$/;

/**
 * Extracts the prune report from a build log. Returns undefined when the log has no total
 * line (the prune step did not run or did not finish). Lines are grouped by the step that
 * printed them, so BuildKit's interleaved stages cannot mix one run's rules into another's.
 * Throws when BuildKit clipped a step's output: the lines after the cut are lost, so a report
 * read from such a log could silently miss rules or a whole run.
 */
export function parsePruneReport(log: string): PruneReport | undefined {
  const pending = new Map<string, PruneRule[]>();
  const clipped = new Set<string>();
  let report: PruneReport | undefined;
  for (const { step, text } of logLines(log)) {
    const line = text.trim();
    if (CLIPPED.test(line)) clipped.add(step);
    const rule = RULE_RE.exec(line);
    if (rule) {
      const rules = pending.get(step) ?? [];
      rules.push({ rule: rule[1], files: Number(rule[2]), bytes: Number(rule[3]) });
      pending.set(step, rules);
      continue;
    }
    const total = TOTAL_RE.exec(line);
    if (total) {
      report = {
        rules: [...(report?.rules ?? []), ...(pending.get(step) ?? [])],
        total: {
          files: Number(total[1]) + (report?.total.files ?? 0),
          bytes: Number(total[2]) + (report?.total.bytes ?? 0),
        },
        runs: (report?.runs ?? 0) + 1,
      };
      pending.delete(step);
    }
  }
  if (clipped.size > 0) {
    const steps = [...clipped].map((s) => `#${s}`).join(", ");
    throw new Error(
      `BuildKit clipped the output of step ${steps}: the prune report may be incomplete`,
    );
  }
  return report;
}

/**
 * The rules each run of the prune script in a Dockerfile is asked for, in order: what a
 * complete report of its build must list (one line per rule, even a rule that found nothing).
 */
export function pruneRulesOf(dockerfile: string): string[][] {
  return [...dockerfile.matchAll(/\bprune\.sh \S+((?: [a-z][a-z-]*)+)/g)].map((m) =>
    m[1].trim().split(" "),
  );
}

/** What split-layers.py printed: each layer's files and bytes, and the hard-link copies it made. */
export interface SplitReport {
  layers: { files: number; bytes: number }[];
  /** Files of hard-link groups that fell in two layers: one more copy each (a link cannot span layers). */
  copies: { files: number; bytes: number };
}

const SPLIT_LAYER_RE = /^slim-dask-split-layers: layer=(\d+) files=(\d+) bytes=(\d+)\s*$/;
const SPLIT_COPIES_RE = /^slim-dask-split-layers: hard-link copies files=(\d+) bytes=(\d+)\s*$/;

/** The split report of a build log; undefined when the split did not run (or was cached). */
export function parseSplitReport(log: string): SplitReport | undefined {
  const layers: SplitReport["layers"] = [];
  for (const { text } of logLines(log)) {
    const line = text.trim();
    const layer = SPLIT_LAYER_RE.exec(line);
    if (layer) layers[Number(layer[1]) - 1] = { files: Number(layer[2]), bytes: Number(layer[3]) };
    const copies = SPLIT_COPIES_RE.exec(line);
    if (copies) return { layers, copies: { files: Number(copies[1]), bytes: Number(copies[2]) } };
  }
  return undefined;
}
