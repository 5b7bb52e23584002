import { countHardLinks } from "../../support/builders";
import { wheelLayerFromHistory } from "../../support/slim-build";

describe("the wheelhouse layer in `docker history`", () => {
  // `docker history --no-trunc --human=false --format '{{.Size}}\t{{.CreatedBy}}'` of one
  // context (FROM scratch, COPY wheels/ /tmp/wheels/, COPY a /a) built by each builder.
  const buildkit = ["3\tCOPY a /a # buildkit", "100000\tCOPY wheels/ /tmp/wheels/ # buildkit"];
  const legacy = [
    "3\t/bin/sh -c #(nop) COPY file:44fdb488ba091c424bb85514ad4f8505736c7296d8346737a050670e007dbccb in /a ",
    "100000\t/bin/sh -c #(nop) COPY dir:ae2b9d603aa2315ec8c17e919768b75072ed79bc127fcbd2e11941083419e716 in /tmp/wheels/ ",
  ];

  test.each([
    ["BuildKit", buildkit],
    ["legacy", legacy],
  ])("%s: found by its destination", (_, lines) => {
    expect(wheelLayerFromHistory(lines.join("\n"))).toBe(100000);
    expect(wheelLayerFromHistory(lines[0])).toBe(0);
  });
});

describe("countHardLinks", () => {
  test("counts each linked file once and the links beyond its first", () => {
    // `find -type f -links +1 -printf '%i %n\n'`: every path of a file prints its line.
    const out = ["1409055 2", "1409055 2", "77 3", "77 3", "77 3", ""].join("\n");
    expect(countHardLinks(out)).toEqual({ inodes: 2, extraLinks: 3 });
    expect(countHardLinks("")).toEqual({ inodes: 0, extraLinks: 0 });
  });
});
