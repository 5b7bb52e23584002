/**
 * One bad value gives one error. An arg that is an Output is checked once, when it becomes
 * known; every child input and output derived from it then fails with that same error object.
 * The Pulumi language host prints each distinct error object once (it de-duplicates the
 * unhandled rejections by identity), so a user sees the message once however many resources
 * the value reaches. The program runs in a process of its own (dist/, built by `npm test`):
 * its rejections would end a jest process.
 */
import * as path from "node:path";
import { repoRoot } from "../../support/environment";
import { exec } from "../../support/exec";

jest.setTimeout(60_000);

async function lateError(which: string, mode: string) {
  const script = path.join(repoRoot(), "dist", "test", "support", "late-error-program.js");
  // The SDK's leak check sets exit code 1 (the failed registrations left promises pending).
  const { stdout } = await exec(process.execPath, [script, which, mode], { allowFailure: true });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as {
    rejections: number;
    errors: string[];
  };
}

test.each([
  ["cluster", "update", /^workers\.memory: "4GB" is not a memory quantity/],
  ["cluster", "preview", /^workers\.memory: "4GB" is not a memory quantity/],
  // The image unknown (pushed only at up): the bad workers value still fails the preview.
  ["cluster-unknown-image", "preview", /^workers\.memory: "4GB" is not a memory quantity/],
  ["image", "update", /^base: "conda" is not a preset\. Fix: use one of/],
  ["image", "preview", /^base: "conda" is not a preset\. Fix: use one of/],
])(
  "%s, %s: a bad Output value fails with one error object, naming the field",
  async (which, mode, message) => {
    const { rejections, errors } = await lateError(which, mode);
    // The value reached several resources and outputs, so several promises failed ...
    expect(rejections).toBeGreaterThan(1);
    // ... all with the same error: printed once.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  },
);
