"use strict";
// Loaded with `node --require` into every measured process: on exit, prints the process's peak
// resident set size (getrusage ru_maxrss, in KiB) to stderr behind a marker that measure.mjs strips.
const { writeSync } = require("node:fs");

process.on("exit", () => {
  try {
    writeSync(2, `\n@@stratum-bench maxrss-kib=${process.resourceUsage().maxRSS}\n`);
  } catch {
    // stderr closed: the measurement reports the RSS as unknown
  }
});
