import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { analyzePackage, PackageSchema, SchemaProperty } from "../support/package-schema";

// The analyzer type-checks the whole tsconfig.json program: tens of seconds on a busy machine.
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");

/** A compact spelling of a schema type: `string`, `array<string>`, `map<string>`, `ref:Name`. */
function typeOf(p: SchemaProperty): string {
  if (p.$ref) return `ref:${p.$ref.replace("#/types/slim-dask:index:", "")}`;
  if (p.type === "array") return `array<${typeOf(p.items as SchemaProperty)}>`;
  if (p.type === "object" && p.additionalProperties)
    return `map<${typeOf(p.additionalProperties)}>`;
  return String(p.type);
}

function typesOf(props: Record<string, SchemaProperty>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, typeOf(v)]));
}

let schema: PackageSchema;
beforeAll(async () => {
  schema = await analyzePackage();
});

const IMAGE = "slim-dask:index:SlimDaskImage";
const CLUSTER = "slim-dask:index:DaskCluster";

describe("the component package schema (the SDK analyzer, as `pulumi package add` runs it)", () => {
  test("has exactly the two components under the slim-dask:index tokens", () => {
    expect(schema.name).toBe("slim-dask");
    expect(Object.keys(schema.resources).sort()).toEqual([CLUSTER, IMAGE]);
    expect(schema.resources[IMAGE].isComponent).toBe(true);
    expect(schema.resources[CLUSTER].isComponent).toBe(true);
  });

  test("SlimDaskImage: every input and output with its type", () => {
    const r = schema.resources[IMAGE];
    expect(typesOf(r.inputProperties)).toEqual({
      imageName: "string",
      tag: "string",
      registry: "ref:Registry",
      push: "boolean",
      platform: "ref:Platform",
      base: "ref:BasePreset",
      python: "string",
      dask: "string",
      daskExtras: "array<string>",
      packages: "array<string>",
      pipPackages: "array<string>",
      channels: "array<string>",
      baseImage: "string",
      runtimeImage: "string",
      runtime: "ref:RuntimeKind",
      debugShell: "boolean",
      optimizations: "ref:Optimizations",
      bytecode: "ref:BytecodePolicy",
      cacheFrom: "array<string>",
      user: "ref:ImageUser",
      env: "map<string>",
      labels: "map<string>",
      wheelhouse: "string",
      contextDir: "string",
    });
    expect(r.requiredInputs).toEqual(["imageName"]);
    expect(typesOf(r.properties)).toEqual({
      dockerfile: "string",
      imageName: "string",
      tag: "string",
      repoDigest: "string",
      imageRef: "string",
      user: "number",
      group: "number",
    });
    expect(typesOf(schema.types["slim-dask:index:Registry"].properties ?? {})).toEqual({
      server: "string",
      username: "string",
      password: "string",
    });
  });

  test("DaskCluster: every input and output with its type; free-form maps are maps of Any", () => {
    const r = schema.resources[CLUSTER];
    expect(typesOf(r.inputProperties)).toEqual({
      image: "string",
      releaseName: "string",
      namespace: "string",
      createNamespace: "boolean",
      chartVersion: "string",
      chartRepository: "string",
      chartRepositoryUsername: "string",
      chartRepositoryPassword: "string",
      chartRepositoryCaFile: "string",
      timeoutSeconds: "number",
      workers: "ref:Worker",
      scheduler: "ref:Scheduler",
      workerGroups: "array<ref:WorkerGroup>",
      jupyter: "boolean",
      imagePullCredentials: "ref:ImagePullCredentials",
      imagePullPolicy: "ref:ImagePullPolicy",
      runAsUser: "number",
      runAsGroup: "number",
      values: "map<ref:pulumi.json#/Any>",
    });
    expect(r.requiredInputs).toEqual(["image"]);
    const outputs = typesOf(r.properties);
    expect(outputs).toMatchObject({
      releaseName: "string",
      namespace: "string",
      schedulerAddress: "string",
      dashboardUrl: "string",
      values: "string",
      workerGroupDeployments: "map<string>",
    });
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "dashboardUrl",
        "namespace",
        "releaseName",
        "schedulerAddress",
        "status",
        "values",
        "workerGroupDeployments",
      ].sort(),
    );
    expect(["string", "ref:ReleaseStatus"]).toContain(outputs.status);
    const pod = {
      cpu: "string",
      memory: "string",
      env: "map<string>",
      extraArgs: "array<string>",
      nodeSelector: "map<string>",
      tolerations: "array<ref:Toleration>",
      affinity: "map<ref:pulumi.json#/Any>",
    };
    expect(typesOf(schema.types["slim-dask:index:Worker"].properties ?? {})).toEqual({
      ...pod,
      replicas: "number",
      threads: "number",
      updateStrategy: "ref:UpdateStrategy",
    });
    expect(typesOf(schema.types["slim-dask:index:WorkerGroup"].properties ?? {})).toEqual({
      ...pod,
      name: "string",
      replicas: "number",
      image: "string",
      threads: "number",
      gpus: "number",
      gpuResourceName: "string",
      daskResources: "map<number>",
      updateStrategyType: "ref:UpdateStrategyType",
    });
    expect(schema.types["slim-dask:index:WorkerGroup"].required).toEqual(["name"]);
    expect(typesOf(schema.types["slim-dask:index:UpdateStrategy"].properties ?? {})).toEqual({
      type: "ref:UpdateStrategyType",
      maxSurge: "string",
      maxUnavailable: "string",
    });
    expect(typesOf(schema.types["slim-dask:index:Scheduler"].properties ?? {})).toEqual({
      ...pod,
      serviceType: "ref:ServiceType",
    });
    expect(typesOf(schema.types["slim-dask:index:ImagePullCredentials"].properties ?? {})).toEqual({
      server: "string",
      username: "string",
      password: "string",
    });
  });

  test("closed sets are schema enums, so every language's tools offer them", () => {
    const members = (name: string) =>
      schema.types[`slim-dask:index:${name}`].enum?.map((m) => [m.name, m.value]);
    expect(members("BasePreset")).toEqual([
      ["Micromamba", "micromamba"],
      ["Miniforge", "miniforge"],
      ["Seed", "seed"],
      ["Pip", "pip"],
    ]);
    expect(members("BytecodePolicy")?.map(([, v]) => v)).toEqual(["compile", "keep", "delete"]);
    expect(members("RuntimeKind")?.map(([, v]) => v)).toEqual(["image", "minimal"]);
    expect(members("Platform")?.map(([, v]) => v)).toEqual([
      "linux/amd64",
      "linux/arm64",
      "linux/arm64/v8",
    ]);
    expect(members("ServiceType")?.map(([, v]) => v)).toEqual([
      "ClusterIP",
      "NodePort",
      "LoadBalancer",
    ]);
    expect(members("UpdateStrategyType")?.map(([, v]) => v)).toEqual(["RollingUpdate", "Recreate"]);
    expect(members("TolerationOperator")?.map(([, v]) => v)).toEqual(["Exists", "Equal"]);
    expect(members("TaintEffect")?.map(([, v]) => v)).toEqual([
      "",
      "NoSchedule",
      "PreferNoSchedule",
      "NoExecute",
    ]);
    const toleration = schema.types["slim-dask:index:Toleration"].properties ?? {};
    expect(typesOf(toleration)).toMatchObject({
      operator: "ref:TolerationOperator",
      effect: "ref:TaintEffect",
    });
  });

  test("nested types are named as the schema types users know (Python then says WorkerArgs, not WorkerArgsArgs)", () => {
    const names = Object.keys(schema.types).map((t) => t.replace("slim-dask:index:", ""));
    expect(names.filter((n) => n.endsWith("Args"))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining(["Worker", "Scheduler", "Registry", "ImagePullCredentials"]),
    );
  });

  test("passwords: the analyzer cannot flag them secret, so their descriptions speak of secrets", () => {
    const passwords = [
      schema.types["slim-dask:index:Registry"].properties?.password,
      schema.types["slim-dask:index:ImagePullCredentials"].properties?.password,
      schema.resources[CLUSTER].inputProperties.chartRepositoryPassword,
    ] as SchemaProperty[];
    for (const password of passwords) {
      expect(password.type).toBe("string");
      expect(password.description).toMatch(/secret/i);
      // Canary: @pulumi/pulumi's analyzer (3.248-3.276) has no way to emit `secret: true`. When
      // this fails, the SDK learned it: mark the password in the TS source and assert `true`.
      expect(password.secret).toBeUndefined();
    }
  });

  test("every component, input, output and type property has a real description (no [object Object] from {@link})", () => {
    const missing: string[] = [];
    const check = (where: string, description: unknown) => {
      if (
        typeof description !== "string" ||
        description.trim() === "" ||
        description.includes("[object Object]")
      ) {
        missing.push(`${where}: ${JSON.stringify(description)}`);
      }
    };
    for (const [token, r] of Object.entries(schema.resources)) {
      check(token, r.description);
      for (const [k, p] of Object.entries(r.inputProperties))
        check(`${token} input ${k}`, p.description);
      for (const [k, p] of Object.entries(r.properties))
        check(`${token} output ${k}`, p.description);
    }
    for (const [token, t] of Object.entries(schema.types)) {
      for (const [k, p] of Object.entries(t.properties ?? {}))
        check(`${token}.${k}`, p.description);
    }
    expect(missing).toEqual([]);
    // Canary: the types themselves carry none. The SDK's analyzer reads their TSDoc (each
    // generated interface and enum has one), but its generateSchema (3.248) copies only the
    // type, properties and enum members. When this fails, the SDK keeps them: check them here.
    expect(Object.values(schema.types).filter((t) => t.description !== undefined)).toEqual([]);
  });
});

/** The schema type an expression of the YAML program has, when it can be known statically. */
function yamlValueType(
  value: unknown,
  program: {
    config: Record<string, { type: string }>;
    resources: Record<string, { type: string }>;
  },
): string | undefined {
  if (typeof value === "string") {
    const ref = /^\$\{([\w-]+)(?:\.([\w]+))?\}$/.exec(value);
    if (!ref) return "string";
    const [, head, prop] = ref;
    if (prop === undefined) {
      const t = program.config[head]?.type;
      return t === "integer" ? "number" : t;
    }
    const resource = program.resources[head];
    const output = resource && schema.resources[resource.type]?.properties[prop];
    return output ? typeOf(output) : undefined;
  }
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return undefined;
}

/** Every property the YAML program sets, checked against the schema; returns the problems. */
function checkProperties(
  where: string,
  props: Record<string, unknown>,
  schemaProps: Record<string, SchemaProperty>,
  program: Parameters<typeof yamlValueType>[1],
): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(props)) {
    const expected = schemaProps[key];
    if (!expected) {
      problems.push(`${where}.${key}: not in the schema`);
      continue;
    }
    const t = typeOf(expected);
    const enumType = t.startsWith("ref:")
      ? schema.types[`slim-dask:index:${t.slice(4)}`]
      : undefined;
    if (enumType?.enum) {
      const values = enumType.enum.map((m) => m.value);
      if (!values.includes(value as string)) {
        problems.push(
          `${where}.${key}: ${JSON.stringify(value)} is not one of ${values.join(", ")}`,
        );
      }
    } else if (t.startsWith("ref:")) {
      const type = schema.types[`slim-dask:index:${t.slice(4)}`];
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${where}.${key}: expected an object (${t})`);
      } else {
        problems.push(
          ...checkProperties(
            `${where}.${key}`,
            value as Record<string, unknown>,
            type.properties ?? {},
            program,
          ),
        );
      }
    } else if (t.startsWith("array<")) {
      if (!Array.isArray(value)) problems.push(`${where}.${key}: expected ${t}`);
      else
        value.forEach((item, i) => {
          const got = yamlValueType(item, program);
          if (got !== typeOf(expected.items as SchemaProperty))
            problems.push(`${where}.${key}[${i}]: ${got} is not ${t}`);
        });
    } else {
      const got = yamlValueType(value, program);
      if (got !== t) problems.push(`${where}.${key}: ${got} is not ${t}`);
    }
  }
  return problems;
}

describe("examples/yaml against the schema", () => {
  test("every property the YAML program sets exists with the right type, and required inputs are set", () => {
    const program = parse(fs.readFileSync(path.join(ROOT, "examples/yaml/Pulumi.yaml"), "utf8"));
    expect(program.runtime).toBe("yaml");
    expect(program.packages["slim-dask"]).toBe("../..");
    expect(
      fs.existsSync(
        path.join(ROOT, "examples/yaml", program.packages["slim-dask"], "PulumiPlugin.yaml"),
      ),
    ).toBe(true);
    const used = Object.values(program.resources as Record<string, { type: string }>).map(
      (r) => r.type,
    );
    expect(used.sort()).toEqual([CLUSTER, IMAGE]);
    const problems: string[] = [];
    for (const [name, resource] of Object.entries(
      program.resources as Record<string, { type: string; properties: Record<string, unknown> }>,
    )) {
      const r = schema.resources[resource.type];
      problems.push(...checkProperties(name, resource.properties, r.inputProperties, program));
      for (const required of r.requiredInputs ?? []) {
        if (!(required in resource.properties))
          problems.push(`${name}: required input ${required} missing`);
      }
    }
    expect(problems).toEqual([]);
    // The passwords come from secret config, since the schema cannot make them secret.
    expect(program.config.registryPassword.secret).toBe(true);
  });
});
