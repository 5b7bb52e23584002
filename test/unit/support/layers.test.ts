import { createHash } from "node:crypto";
import { chainIds } from "../../support/layers";

const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

describe("chainIds", () => {
  it("names the first layer by its diff ID and each next one by the digest of the pair", () => {
    const [a, b, c] = [sha("a"), sha("b"), sha("c")];
    const ab = sha(`${a} ${b}`);
    expect(chainIds([a, b, c])).toEqual([a, ab, sha(`${ab} ${c}`)]);
    expect(chainIds([])).toEqual([]);
  });

  it("depends on the order of the layers", () => {
    const [a, b] = [sha("a"), sha("b")];
    expect(chainIds([b, a])[1]).not.toBe(chainIds([a, b])[1]);
  });
});
