import { median, secondsBetween, timestampOf } from "../../support/cold-start";

describe("cold-start helpers", () => {
  it("takes the median of odd and even lists without reordering the input", () => {
    const runs = [3, 1, 2];
    expect(median(runs)).toBe(2);
    expect(runs).toEqual([3, 1, 2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it("finds the engine timestamp of the registration line and measures from the start", () => {
    const logs = [
      "2026-11-27T21:00:50.100000000Z 2026-11-27 21:00:50,100 - distributed.nanny - INFO - Start Nanny",
      "2026-11-27T21:00:52.775123456Z 2026-11-27 21:00:52,775 - distributed.worker - INFO - Registered to: tcp://x:8786",
    ].join("\n");
    const at = timestampOf(logs, "Registered to");
    expect(at).toBe("2026-11-27T21:00:52.775123456Z");
    expect(secondsBetween("2026-11-27T21:00:50.000000000Z", at ?? "")).toBeCloseTo(2.775, 3);
    expect(timestampOf(logs, "never printed")).toBeUndefined();
  });
});
