"use strict";
// Loaded with `node --expose-gc --require` into a CLI process a scale test watches: every 250 ms it
// collects garbage and notes the heap still in use, and at exit prints the largest to stderr behind
// a marker. Unlike the peak RSS, this is what the process keeps alive, not what the collector has
// not got round to freeing yet.
const { writeSync } = require("node:fs");

let peak = 0;
function sample() {
  if (typeof global.gc !== "function") return;
  global.gc();
  peak = Math.max(peak, process.memoryUsage().heapUsed);
}
setInterval(sample, 250).unref();
process.on("exit", () => {
  sample();
  try {
    writeSync(2, `\n@@stratum-test live-heap-kib=${Math.round(peak / 1024)}\n`);
  } catch {
    // stderr closed: the test reports the heap as unknown
  }
});
