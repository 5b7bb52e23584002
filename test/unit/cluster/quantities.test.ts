import {
  parseCpu,
  parseMemory,
  threadsFromCpuMillis,
} from "../../../components/cluster/quantities";
import { errorOf } from "./helpers";

describe("parseCpu", () => {
  test.each([
    ["2", 2000],
    ["1.5", 1500],
    ["0.25", 250],
    ["500m", 500],
    ["1m", 1],
    ["16", 16000],
  ])("%s is %d millicores", (q, millis) => {
    expect(parseCpu(q, "workers.cpu")).toBe(millis);
  });

  test.each([["0"], ["0m"], ["-1"], ["1.5m"], ["2 "], [".5"], ["1e3"], ["2k"], ["0.0001"], [""]])(
    "rejects %j",
    (q) => {
      const e = errorOf(() => parseCpu(q, "workers.cpu"));
      expect(e.field).toBe("workers.cpu");
      expect(e.message).toContain(JSON.stringify(q));
    },
  );

  test.each([[2], [null], [["1"]]])("rejects the non-string %j", (q) => {
    expect(errorOf(() => parseCpu(q, "scheduler.cpu")).field).toBe("scheduler.cpu");
  });
});

describe("parseMemory", () => {
  test.each([
    ["4Gi", 4 * 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["4G", 4e9],
    ["1000000000", 1e9],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["2048k", 2048e3],
    ["1Ti", 2 ** 40],
    ["1Mi", 2 ** 20],
  ])("%s is %d bytes", (q, bytes) => {
    expect(parseMemory(q, "workers.memory")).toBe(bytes);
  });

  test.each([
    ["500m", "milli to Kubernetes, mega to Dask"],
    ["4E", "unknown to Dask"],
    ["4Ei", "unknown to Dask"],
    ["4GiB", "invalid for Kubernetes"],
    ["4GB", "invalid for Kubernetes"],
    ["4K", "uppercase K is invalid for Kubernetes"],
    ["4g", "lowercase g is invalid for Kubernetes"],
    ["1e9", "exponent"],
    ["0.5", "a fraction of host memory to Dask"],
    ["1", "a fraction of host memory to Dask"],
    ["100k", "below 1Mi"],
    ["0", "zero"],
    ["-1Gi", "negative"],
    ["4 Gi", "space"],
    ["", "empty"],
  ])("rejects %j (%s)", (q) => {
    const e = errorOf(() => parseMemory(q, "workers.memory"));
    expect(e.field).toBe("workers.memory");
    expect(e.message).toContain(JSON.stringify(q));
  });

  test("rejects numbers: YAML `memory: 4000000000` must be quoted", () => {
    expect(errorOf(() => parseMemory(4e9, "workers.memory")).field).toBe("workers.memory");
  });
});

describe("threadsFromCpuMillis", () => {
  test.each([
    [500, 1],
    [1000, 1],
    [1500, 1],
    [2000, 2],
    [3999, 3],
    [1, 1],
  ])("%d millicores -> %d threads", (millis, threads) => {
    expect(threadsFromCpuMillis(millis)).toBe(threads);
  });
});
