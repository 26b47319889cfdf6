import { defineConfig } from "vitest/config";
import { LongestFirstSequencer } from "./test/support/sequencer.js";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // a worker process runs file after file instead of one process per file (the projects below
    // still give each file fresh modules): starting a process and loading vitest and the drivers
    // each time was half the CPU of the unit files (21 files, under load: CPU 17.2 s → 8.7 s,
    // 45–51 s → 18–27 s). Without this, each file got a process of its own whatever a project's
    // isolate said.
    poolOptions: { forks: { isolate: false } },
    // two test files at a time: most of their time is spent waiting on servers and spawned CLIs
    // (one at a time: about 500 s on this 2-core machine; two: about 370 s)
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default"],
    // the longest files first (test/support/durations.json), so that a long one does not start last
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // each file loads Stratum's modules afresh. Keeping them across files (isolate: false
          // here) saved a further third of the CPU on the same 21 files, but is not used: its one
          // whole unit run, under heavy load, failed four in-process growth tests and timed out
          // calls to the main process. reset-globals.ts puts back process-wide state a file may
          // leave behind.
          poolOptions: { forks: { isolate: true } },
          setupFiles: ["test/support/reset-globals.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "servers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          poolOptions: { forks: { isolate: true } },
          // waits, when each file ends, for the PostgreSQL databases its tests dropped in the background
          setupFiles: ["test/support/settle-drops.ts"],
        },
      },
    ],
  },
});
