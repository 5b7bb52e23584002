import { parsePruneReport } from "../../support/prune-log";

describe("parsePruneReport", () => {
  const log = [
    "Step 5/14 : RUN python3 -m venv /opt/venv && ...",
    " ---> Running in 0123",
    "slim-dask-prune: rule=static-libs files=2 bytes=124022",
    "slim-dask-prune: rule=bokeh-unminified files=7 bytes=13467807\r",
    "slim-dask-prune: total files=9 bytes=13591829",
    "Removing intermediate container 0123",
  ].join("\n");

  it("reads every rule line and the total", () => {
    expect(parsePruneReport(log)).toEqual({
      rules: [
        { rule: "static-libs", files: 2, bytes: 124022 },
        { rule: "bokeh-unminified", files: 7, bytes: 13467807 },
      ],
      total: { files: 9, bytes: 13591829 },
    });
  });

  it("returns undefined when the install step came from the cache (no total line)", () => {
    expect(parsePruneReport("Step 5/14 : RUN ...\n ---> Using cache\n")).toBeUndefined();
    expect(parsePruneReport("slim-dask-prune: rule=docs files=1 bytes=3\n")).toBeUndefined();
  });

  it("adds up the runs when the RUN prunes twice (duplicate-files runs after compile)", () => {
    const twice = `${log}\n/opt/venv/bin/python -m compileall ...\nslim-dask-prune: rule=duplicate-files files=1 bytes=5\nslim-dask-prune: total files=1 bytes=5\n`;
    expect(parsePruneReport(twice)).toEqual({
      rules: [
        { rule: "static-libs", files: 2, bytes: 124022 },
        { rule: "bokeh-unminified", files: 7, bytes: 13467807 },
        { rule: "duplicate-files", files: 1, bytes: 5 },
      ],
      total: { files: 10, bytes: 13591834 },
    });
  });

  it("ignores rule lines of a run that never printed its total", () => {
    const cut = `${log}\nslim-dask-prune: rule=duplicate-files files=1 bytes=5\n`;
    expect(parsePruneReport(cut)?.total).toEqual({ files: 9, bytes: 13591829 });
  });

  it("ignores look-alike lines that are not the report format", () => {
    const noisy =
      "echo slim-dask-prune: rule=x files=1 bytes=2\nslim-dask-prune: total files=0 bytes=0";
    expect(parsePruneReport(noisy)).toEqual({ rules: [], total: { files: 0, bytes: 0 } });
  });
});
