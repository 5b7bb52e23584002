/**
 * Parses the report lines the shared prune script prints during the build:
 *   slim-dask-prune: rule=<name> files=<n> bytes=<b>
 *   slim-dask-prune: total files=<n> bytes=<b>
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
}

const RULE_RE = /^slim-dask-prune: rule=(\S+) files=(\d+) bytes=(\d+)\s*$/;
const TOTAL_RE = /^slim-dask-prune: total files=(\d+) bytes=(\d+)\s*$/;

/**
 * Extracts the prune report from a build log. Returns undefined when the log has no total
 * line (the prune step did not run or did not finish).
 */
export function parsePruneReport(log: string): PruneReport | undefined {
  let rules: PruneRule[] = [];
  let report: PruneReport | undefined;
  for (const raw of log.split(/\r?\n/)) {
    const line = raw.trim();
    const rule = RULE_RE.exec(line);
    if (rule) {
      rules.push({ rule: rule[1], files: Number(rule[2]), bytes: Number(rule[3]) });
      continue;
    }
    const total = TOTAL_RE.exec(line);
    if (total) {
      const files = Number(total[1]) + (report?.total.files ?? 0);
      const bytes = Number(total[2]) + (report?.total.bytes ?? 0);
      report = { rules: [...(report?.rules ?? []), ...rules], total: { files, bytes } };
      rules = [];
    }
  }
  return report;
}
