import { defineConfig } from "vitest/config";

/** Vitest: unit tests beside the code, heavier suites under test/. */
export default defineConfig({
  test: {
    include: [
      "platform/**/*.test.ts",
      "services/**/*.test.ts",
      "gateway/**/*.test.ts",
      "test/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
