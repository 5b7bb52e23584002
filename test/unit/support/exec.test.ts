import { exec, ExecError } from "../../support/exec";

/**
 * The child-process helper must survive a child that exits without reading its stdin (the
 * `write EPIPE` that once crashed the benchmark on a busy machine) and any stream error.
 */
describe("exec", () => {
  // More than a pipe buffer (64 KiB), so the write is still pending when the child exits.
  const BIG = "x".repeat(8 * 1024 * 1024);

  test("a child that exits without reading stdin: no crash, the exit code decides", async () => {
    const unhandled: unknown[] = [];
    const onError = (e: unknown) => unhandled.push(e);
    process.on("uncaughtException", onError);
    try {
      for (let i = 0; i < 5; i++) {
        const r = await exec("sh", ["-c", "exit 0"], { input: BIG });
        expect(r.code).toBe(0);
        if (r.stdinError !== undefined) expect(r.stdinError).toMatch(/EPIPE|ECONNRESET/);
      }
      const failed = await exec("sh", ["-c", "exit 3"], { input: BIG, allowFailure: true });
      expect(failed.code).toBe(3);
      await expect(exec("sh", ["-c", "exit 4"], { input: BIG })).rejects.toThrow(ExecError);
    } finally {
      process.off("uncaughtException", onError);
    }
    expect(unhandled).toEqual([]);
  });

  test("a child that closes stdin first reports EPIPE in the result", async () => {
    const r = await exec("sh", ["-c", "exec 0<&-; sleep 0.3; echo done"], { input: BIG });
    expect(r.stdout).toBe("done\n");
    expect(r.stdinError).toMatch(/EPIPE/);
  });

  test("input a child reads arrives whole; a missing command rejects with its name", async () => {
    const r = await exec("wc", ["-c"], { input: BIG });
    expect(r.stdout.trim()).toBe(String(BIG.length));
    expect(r.stdinError).toBeUndefined();
    await expect(exec("/nonexistent/slim-dask-cmd", [])).rejects.toThrow(
      /cannot start \/nonexistent\/slim-dask-cmd/,
    );
  });

  test("a timeout kills the child and rejects naming the command", async () => {
    await expect(exec("sleep", ["5"], { timeoutMs: 200 })).rejects.toThrow(
      /timed out after 200 ms: sleep 5/,
    );
  });
});
