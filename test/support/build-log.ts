/**
 * Reading the output of `docker build`, from either builder.
 *
 * The legacy builder prints a RUN's output as the command wrote it, between `Step N/M : ...`
 * headers, and ` ---> Using cache` under a step it took from the cache.
 *
 * BuildKit (`--progress=plain`) numbers its steps (vertices) and prefixes every output line
 * with the number and the seconds since the step started: `#12 3.456 text`. A step is
 * announced as `#12 [build 4/5] RUN ...` and a cached one says `#12 CACHED`. Steps of
 * different stages run at once, so their lines interleave: lines belong together by number,
 * not by position. A step's output is cut after BuildKit's log limit with a line
 * `[output clipped, log limit 1MiB reached]`.
 */

/** One line a build step printed: `step` is BuildKit's number, "" in legacy output. */
export interface LogLine {
  step: string;
  text: string;
}

/** A Dockerfile instruction as the build announced it, and whether it came from the cache. */
export interface BuildStep {
  /** The instruction, e.g. `RUN python3 -m venv /opt/venv && ...` (BuildKit: without its stage). */
  instruction: string;
  cached: boolean;
}

const BUILDKIT_OUTPUT = /^#(\d+) \d+\.\d+(?: (.*))?$/;
const BUILDKIT_TITLE = /^#(\d+) \[(?:[^\]]*\s)?\d+\/\d+\] (.+)$/;
const BUILDKIT_CACHED = /^#(\d+) CACHED$/;
const LEGACY_STEP = /^Step \d+\/\d+ : (.+)$/;
const LEGACY_CACHED = /^ ---> Using cache$/;
/** BuildKit's marker for a step whose output it stopped recording. */
export const CLIPPED = /^\[output clipped, log limit .* reached\]$/;

/**
 * The output lines of the build's steps. BuildKit's own lines (titles, DONE, sha256, CACHED)
 * and blank lines are left out; in legacy output every other line is kept, as the builder's
 * lines cannot be told apart from a command's.
 */
export function logLines(log: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of log.split(/\r?\n/)) {
    const line = raw.replace(/\r$/, "");
    if (line.startsWith("#")) {
      const m = BUILDKIT_OUTPUT.exec(line);
      if (m) out.push({ step: m[1], text: m[2] ?? "" });
      continue;
    }
    if (line !== "") out.push({ step: "", text: line });
  }
  return out;
}

/** The Dockerfile instructions the build ran, in the order it announced them. */
export function buildSteps(log: string): BuildStep[] {
  const steps: BuildStep[] = [];
  const byNumber = new Map<string, BuildStep>();
  let legacy: BuildStep | undefined;
  for (const raw of log.split(/\r?\n/)) {
    const line = raw.replace(/\r$/, "");
    const title = BUILDKIT_TITLE.exec(line);
    if (title) {
      // A step is announced again when its output resumes after another step's.
      if (!byNumber.has(title[1])) {
        const step = { instruction: title[2].trim(), cached: false };
        byNumber.set(title[1], step);
        steps.push(step);
      }
      continue;
    }
    const cached = BUILDKIT_CACHED.exec(line);
    if (cached) {
      const step = byNumber.get(cached[1]);
      if (step) step.cached = true;
      continue;
    }
    const header = LEGACY_STEP.exec(line);
    if (header) {
      legacy = { instruction: header[1].trim(), cached: false };
      steps.push(legacy);
      continue;
    }
    if (legacy && LEGACY_CACHED.test(line)) legacy.cached = true;
  }
  return steps;
}
