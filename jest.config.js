/** Two projects: fast unit suites (npm test) and the Docker end-to-end suite (npm run test:e2e). */
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
  ],
};
