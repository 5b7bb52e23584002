import { SlimDaskError } from "../../../components/common/errors";
import { splitImageConfig } from "../../../components/image/image-config";
import { daskChartValues } from "../../../components/cluster/values";
import { IMAGE_FIELDS } from "../../../components/image/fields";

function errorOf(run: () => unknown): SlimDaskError {
  try {
    run();
  } catch (e) {
    if (e instanceof SlimDaskError) return e;
    throw e;
  }
  throw new Error("expected a SlimDaskError");
}

describe("image config files (CLI)", () => {
  test("an unknown key lists every field, publishing fields included, with a did-you-mean", () => {
    const e = errorOf(() => splitImageConfig({ imagName: "ghcr.io/acme/dask" }));
    expect(e.field).toBe("imagName");
    expect(e.fix).toMatch(/did you mean `imageName`/);
    for (const key of Object.keys(IMAGE_FIELDS)) expect(e.fix).toContain(key);
  });

  test("YAML numbers where strings belong get a quoting hint (python: 3.10 reads as 3.1)", () => {
    const e = errorOf(() => splitImageConfig({ python: 3.1 }));
    expect(e.field).toBe("python");
    expect(e.problem).toContain("number 3.1");
    expect(e.fix).toMatch(/quote it/);
    expect(e.fix).toContain('"3.10"');
  });

  test("a password in a file is refused, the login without it is kept", () => {
    expect(
      errorOf(() =>
        splitImageConfig({ registry: { server: "ghcr.io", username: "u", password: "p" } }),
      ).field,
    ).toBe("registry.password");
    expect(
      splitImageConfig({ registry: { server: "ghcr.io", username: "u" } }).publish.registry,
    ).toEqual({ server: "ghcr.io", username: "u" });
  });

  test("imageName is optional in a file (the dockerfile command needs none)", () => {
    expect(splitImageConfig({}).publish).toEqual({ push: true, cacheFrom: [] });
  });
});

describe("cluster config files (CLI)", () => {
  test("chart values may be written as a mapping or as YAML text, with the same result", () => {
    const image = `ghcr.io/acme/dask:1@sha256:${"ab".repeat(32)}`;
    const asMapping = daskChartValues({ image, values: { worker: { annotations: { a: "b" } } } });
    const asText = daskChartValues({ image, values: "worker:\n  annotations:\n    a: b\n" });
    expect(asText).toEqual(asMapping);
  });

  test("YAML text with a duplicate key is refused", () => {
    const e = errorOf(() =>
      daskChartValues({
        image: `ghcr.io/acme/dask:1@sha256:${"ab".repeat(32)}`,
        values: "worker:\n  replicas: 1\n  replicas: 2\n",
      }),
    );
    expect(e.field).toBe("values");
  });
});

test("a key that starts like a valid one gets it as a hint (replicaCount -> replicas)", () => {
  const e = errorOf(() =>
    daskChartValues({
      image: `ghcr.io/acme/dask:1@sha256:${"ab".repeat(32)}`,
      workers: { replicaCount: 2 },
    }),
  );
  expect(e.field).toBe("workers.replicaCount");
  expect(e.fix).toMatch(/did you mean `replicas`/);
});
