import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    version: string;
  }
).version;

test.each(["README.md", "examples/yaml/Pulumi.yaml", "examples/yaml/README.md"])(
  "every slim-dask@vX.Y.Z reference in %s is the package's version",
  (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const refs = [...text.matchAll(/slim-dask(?:\.git)?@v(\d+\.\d+\.\d+)/g)].map((m) => m[1]);
    expect(refs.filter((v) => v !== VERSION)).toEqual([]);
  },
);
