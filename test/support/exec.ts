import { spawn } from "node:child_process";

/** What a finished process left behind. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Why writing `input` to the child's stdin failed (e.g. EPIPE), when it did. */
  stdinError?: string;
}

/** Options of {@link exec}. */
export interface ExecOptions {
  /** Kill the process after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
  /** Text written to stdin (then closed). */
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

/** Raised for a non-zero exit or a timeout; the message carries the command and its stderr tail. */
export class ExecError extends Error {
  constructor(
    message: string,
    public readonly result: ExecResult,
  ) {
    super(message);
    this.name = "ExecError";
  }
}

const TAIL = 4000;

/**
 * Runs `command args` without a shell, collecting output; rejects on failure unless allowed.
 * Never throws asynchronously: an error on any of the child's streams (EPIPE when the child
 * exits before reading its stdin, on a busy machine too) is caught here. A stdin that could
 * not be written is not a failure by itself: the exit code decides, and the error is kept in
 * `stdinError` of the result for callers that care.
 */
export function exec(
  command: string,
  args: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let stdinError: string | undefined;
    let streamError: string | undefined;
    // Unhandled 'error' events on a stream crash the process: handle every one.
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      stdinError ??= `${error.code ?? "error"}: ${error.message}`;
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("error", (error: Error) => {
        streamError ??= error.message;
      });
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const result: ExecResult = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(stdinError === undefined ? {} : { stdinError }),
      };
      const shown = `${command} ${args.join(" ")}`;
      if (streamError !== undefined) {
        reject(new ExecError(`reading the output failed (${streamError}): ${shown}`, result));
      } else if (timedOut) {
        reject(new ExecError(`timed out after ${timeoutMs} ms: ${shown}`, result));
      } else if (result.code !== 0 && !options.allowFailure) {
        const tail = (result.stderr || result.stdout).slice(-TAIL);
        reject(new ExecError(`exit ${result.code}: ${shown}\n${tail}`, result));
      } else {
        resolve(result);
      }
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` until it returns a value other than undefined, or rejects after `timeoutMs`
 * naming `what` (and the last probe error, if any).
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`,
      );
    }
    await sleep(intervalMs);
  }
}
