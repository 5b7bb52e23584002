/**
 * Four projects: fast unit suites (npm test), the Docker end-to-end suite (npm run test:e2e),
 * the suite on the CI Kubernetes cluster (npm run test:k8s, after test/k8s/up.sh) and
 * DaskCluster through the real Pulumi engine on that cluster (npm run test:engine, after
 * test/engine/build.sh; its python-sdk.test.ts needs no cluster).
 */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json", diagnostics: false }] },
  moduleNameMapper: {
    // Examples import the package by name, as a user's program does.
    "^slim-dask$": "<rootDir>/index.ts",
    // One copy of the SDKs the components use, wherever they are required from (an example's
    // program, or @pulumi/eks in examples/aws/node_modules), as npm installs an example: the
    // examples' node_modules supply only what the root does not have (@pulumi/aws, @pulumi/eks).
    "^@pulumi/(pulumi|kubernetes|docker)(/.*)?$": "<rootDir>/node_modules/@pulumi/$1$2",
  },
};
module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"] },
    { ...common, displayName: "k8s", testMatch: ["<rootDir>/test/k8s/**/*.test.ts"] },
    { ...common, displayName: "engine", testMatch: ["<rootDir>/test/engine/**/*.test.ts"] },
  ],
};
