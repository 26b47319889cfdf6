import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // two test files at a time: most of their time is spent waiting on servers and spawned CLIs
    // (one at a time: about 500 s on this 2-core machine; two: about 370 s)
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // the unit files share their worker's modules instead of loading Stratum afresh each:
          // loading was most of their time (25 files, measured under load: 214 s → 37 s, CPU 38 s → 12 s);
          // reset-globals.ts puts back what one file can leave behind for the next
          isolate: false,
          setupFiles: ["test/support/reset-globals.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "servers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
        },
      },
    ],
  },
});
