import { defineConfig } from "vitest/config";

// Tests that assert wall-clock bounds the issue itself sets (Redis recovery within 2 s of returning) run after the
// main suite, one file at a time, so other suites' load on a 2-core machine cannot push them past the bound.
export default defineConfig({
  test: {
    include: ["test/serial/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
