/**
 * Runs the preview of a program that must fail, in a process of its own as a user's
 * `pulumi preview` is, and prints one JSON line: what the CLI printed, and the rejections the
 * SDK left unobserved (a program that throws leaves its stack resource's outputs rejected after
 * the language server stopped listening; in a test process they would end the test run).
 *
 *   node failing-preview.js '{"engineDir": ..., "envVars": {...}, "stackName": ...,
 *                             "options": {...}, "imageRef": ...}'
 */
import { attachEngine, inlineStack } from "./engine";
import { daskProgram, ProgramOptions, stackConfig } from "./program";

interface Request {
  engineDir: string;
  envVars: Record<string, string>;
  stackName: string;
  options: ProgramOptions;
  imageRef: string;
}

async function main(): Promise<void> {
  const strays: string[] = [];
  process.on("unhandledRejection", (reason) => {
    const r = reason as { field?: string; message?: string };
    strays.push(r?.field ?? r?.message ?? String(reason));
  });
  const req = JSON.parse(process.argv[2]) as Request;
  const engine = await attachEngine(req.engineDir, req.envVars);
  const stack = await inlineStack(
    engine,
    req.stackName,
    daskProgram(req.options),
    stackConfig(req.imageRef),
  );
  let printed: string | undefined;
  try {
    await stack.preview();
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message?: string };
    printed = `${err.stdout ?? ""}\n${err.stderr ?? ""}\n${err.message ?? ""}`;
  }
  // Let the SDK's leftover rejections surface before reporting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log(JSON.stringify({ failed: printed !== undefined, printed: printed ?? "", strays }));
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
