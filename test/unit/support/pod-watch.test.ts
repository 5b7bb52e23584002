import { jsonDocuments, PodEvent, summarizeRollout } from "../../k8s/support/pod-watch";

describe("jsonDocuments", () => {
  test("yields whole documents across chunk boundaries, braces in strings included", () => {
    const split = jsonDocuments();
    const text = `{"type":"ADDED","object":{"n":"a}{"}}\n{"type":"MODIFIED",\n"object":{"n":"b\\"}"}}`;
    const docs = [
      ...split(text.slice(0, 20)),
      ...split(text.slice(20, 47)),
      ...split(text.slice(47)),
    ];
    expect(docs).toEqual([
      { type: "ADDED", object: { n: "a}{" } },
      { type: "MODIFIED", object: { n: 'b"}' } },
    ]);
  });
});

describe("summarizeRollout", () => {
  const ev = (at: number, name: string, over: Partial<PodEvent> = {}): PodEvent => ({
    at,
    type: "MODIFIED",
    name,
    phase: "Running",
    serving: true,
    kept: over.type !== "DELETED",
    ...over,
  });

  test("counts serving pods from the end of the initial list, and how long pods waited", () => {
    const events = [
      ev(0, "old-1", { type: "ADDED" }),
      ev(0, "old-2", { type: "ADDED" }),
      ev(10, "old-1", { serving: false, kept: false }), // terminating
      ev(11, "new-1", {
        type: "ADDED",
        phase: "Pending",
        serving: false,
        unschedulable: "Unschedulable: Insufficient cpu",
      }),
      ev(12, "old-1", { type: "DELETED", serving: false }),
      ev(40, "new-1", { phase: "Pending", serving: false }), // scheduled after 29 ms
      ev(60, "new-1"),
      ev(70, "old-2", { serving: false, kept: false }),
      ev(71, "old-2", { type: "DELETED", serving: false }),
      ev(72, "new-2", { type: "ADDED", phase: "Pending", serving: false }),
      ev(90, "new-2"),
    ];
    const s = summarizeRollout(events, 2);
    expect(s.minServing).toBe(1);
    expect(s.minKept).toBe(1);
    expect(s.longestUnschedulable).toEqual({
      name: "new-1",
      ms: 29,
      reason: "Unschedulable: Insufficient cpu",
    });
    expect(s.leftPending).toEqual([]);
    expect(s.pods).toEqual(["old-1", "old-2", "new-1", "new-2"]);
  });

  test("a moment with no serving pod, and a pod left Pending, show", () => {
    const events = [
      ev(0, "a", { type: "ADDED" }),
      ev(5, "a", { serving: false }),
      ev(6, "b", {
        type: "ADDED",
        phase: "Pending",
        serving: false,
        unschedulable: "Unschedulable: x",
      }),
    ];
    const s = summarizeRollout(events, 1);
    expect(s.minServing).toBe(0);
    expect(s.minKept).toBe(1);
    expect(s.leftPending).toEqual(["b"]);
    expect(s.longestUnschedulable).toBeUndefined();
  });

  test("containers restarting in kept pods (a scheduler restart) drop serving, not kept; a Recreate drops both", () => {
    const restart = [
      ev(0, "w1", { type: "ADDED" }),
      ev(0, "w2", { type: "ADDED" }),
      ev(5, "w1", { serving: false }),
      ev(5, "w2", { serving: false }),
      ev(9, "w1"),
      ev(9, "w2"),
    ];
    expect(summarizeRollout(restart, 2)).toMatchObject({ minServing: 0, minKept: 2 });
    const recreate = [
      ev(0, "w1", { type: "ADDED" }),
      ev(0, "w2", { type: "ADDED" }),
      ev(5, "w1", { serving: false, kept: false }),
      ev(5, "w2", { serving: false, kept: false }),
      ev(6, "w1", { type: "DELETED", serving: false }),
      ev(6, "w2", { type: "DELETED", serving: false }),
      ev(7, "w3", { type: "ADDED", phase: "Pending", serving: false }),
    ];
    expect(summarizeRollout(recreate, 2)).toMatchObject({ minServing: 0, minKept: 0 });
  });
});
