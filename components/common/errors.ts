/**
 * The one error type every validation in slim-dask throws. The message always names the
 * offending field, shows the value that was given, and says how to fix it, so the CLI can
 * print it as-is and a Pulumi program fails before any resource is registered.
 */
export class SlimDaskError extends Error {
  /**
   * Marks the error as a `pulumi.RunError` (the SDK tests this member, so that copies of the
   * SDK recognise each other's errors): a Pulumi program that fails with it prints the one-line
   * message, not an "unhandled exception" with a stack trace. Set here rather than by extending
   * RunError so the CLI does not load the Pulumi SDK.
   */
  public readonly __pulumiRunError = true;

  constructor(
    /** Dotted path of the offending field, e.g. `workers.memory` or `packages[2]`. */
    public readonly field: string,
    /** What is wrong, in a few words. */
    public readonly problem: string,
    /** How to fix it. */
    public readonly fix: string,
  ) {
    super(`${field}: ${problem}. Fix: ${fix}`);
    this.name = "SlimDaskError";
  }
}

/** Renders any value for an error message: strings JSON-quoted so control characters show. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
