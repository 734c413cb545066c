/** Unit tests live beside the code (*.test.ts); integration tests that cross process boundaries live in test/. */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", {}] },
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/examples/.*/node_modules/"],
};
module.exports = {
  // PGlite takes seconds to open on a loaded machine; a hook that opens it must not fail on that.
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/core/**/*.test.ts", "<rootDir>/provider/pulumi/**/*.test.ts", "<rootDir>/constructs/**/*.test.ts"],
    },
    { ...common, displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"] },
    { ...common, displayName: "faults", testMatch: ["<rootDir>/test/faults/**/*.test.ts"] },
  ],
};
