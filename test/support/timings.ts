/**
 * Step timings of a suite: `timed(step, body)` runs `body` and records its seconds under
 * `step`, whether it succeeds or throws, in `timings` (written to the suite's report).
 */
export function stepTimer(): {
  timings: Record<string, number>;
  timed<T>(step: string, body: () => Promise<T>): Promise<T>;
} {
  const timings: Record<string, number> = {};
  return {
    timings,
    async timed<T>(step: string, body: () => Promise<T>): Promise<T> {
      const t0 = Date.now();
      try {
        return await body();
      } finally {
        timings[step] = (Date.now() - t0) / 1000;
      }
    },
  };
}
