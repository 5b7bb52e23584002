import { largestParts, partOf } from "../../support/builders";

describe("partOf", () => {
  test("a package below site-packages, else the first three path components", () => {
    expect(partOf("/opt/venv/lib/python3.11/site-packages/numpy/core/x.so")).toBe(
      "/opt/venv/lib/python3.11/site-packages/numpy",
    );
    expect(partOf("/opt/venv/lib/python3.11/site-packages/six.py")).toBe(
      "/opt/venv/lib/python3.11/site-packages/six.py",
    );
    expect(partOf("/usr/lib/x86_64-linux-gnu/libc.so.6")).toBe("/usr/lib/x86_64-linux-gnu");
    expect(partOf("/usr/bin/python3.11")).toBe("/usr/bin/python3.11");
  });
});

describe("largestParts", () => {
  const listing = [
    "100\t/opt/venv/lib/python3.11/site-packages/numpy/a.so",
    "50\t/opt/venv/lib/python3.11/site-packages/numpy/b.py",
    "120\t/usr/lib/x86_64-linux-gnu/libc.so.6",
    "7\t/etc/passwd",
    "3\t/etc/group",
    "",
  ].join("\n");

  test("sums files per part, largest first, and the rest as one part", () => {
    expect(largestParts(listing, 2)).toEqual([
      { path: "/opt/venv/lib/python3.11/site-packages/numpy", bytes: 150 },
      { path: "/usr/lib/x86_64-linux-gnu", bytes: 120 },
      { path: "(the rest)", bytes: 10 },
    ]);
  });

  test("no rest part when every part is listed", () => {
    expect(largestParts(listing, 10).map((p) => p.path)).not.toContain("(the rest)");
    expect(largestParts("", 3)).toEqual([]);
  });
});
