import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // two test files at a time: most of their time is spent waiting on servers and spawned CLIs
    // (one at a time: about 500 s on this 2-core machine; two: about 370 s)
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default"],
  },
});
