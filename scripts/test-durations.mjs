// Writes test/support/durations.json (seconds per test file, longest first) from a vitest JSON
// report of a full run, for the longest-first sequencer (test/support/sequencer.ts):
//   npx vitest run --reporter=default --reporter=json --outputFile.json=/tmp/report.json
//   node scripts/test-durations.mjs /tmp/report.json
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

const report = process.argv[2];
if (report === undefined) {
  process.stderr.write("usage: node scripts/test-durations.mjs <vitest json report>\n");
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const { testResults } = JSON.parse(readFileSync(report, "utf8"));
const seconds = testResults
  .map((file) => [relative(root, file.name).split("\\").join("/"), Math.max(1, Math.round((file.endTime - file.startTime) / 1000))])
  .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const out = fileURLToPath(new URL("../test/support/durations.json", import.meta.url));
writeFileSync(out, `${JSON.stringify(Object.fromEntries(seconds), null, 2)}\n`);
process.stdout.write(`${seconds.length} files written to ${relative(root, out)}\n`);
