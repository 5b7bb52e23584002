/**
 * Four projects: fast unit suites (npm test), the Docker end-to-end suite (npm run test:e2e),
 * the suite on the CI Kubernetes cluster (npm run test:k8s, after test/k8s/up.sh) and
 * DaskCluster through the real Pulumi engine on that cluster (npm run test:engine, after
 * test/engine/build.sh; its python-sdk.test.ts needs no cluster).
 */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: false }] },
  // Examples import the package by name, as a user's program does.
  moduleNameMapper: { "^slim-dask$": "<rootDir>/index.ts" },
};
module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"] },
    { ...common, displayName: "k8s", testMatch: ["<rootDir>/test/k8s/**/*.test.ts"] },
    { ...common, displayName: "engine", testMatch: ["<rootDir>/test/engine/**/*.test.ts"] },
  ],
};
