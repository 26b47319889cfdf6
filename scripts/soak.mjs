#!/usr/bin/env node
// `npm run soak`: the long version of the random SIGKILL loop (test/reliability/crash-loop.test.ts)
// on every dialect, then a summary of the kills survived per dialect.
//
//   npm run soak                      300 kills per dialect
//   npm run soak -- --kills 1000      more
//   npm run soak -- --dialect postgres --dialect sqlite
//
// STRATUM_SOAK_KILLS works too. Servers: STRATUM_TEST_PG_URL / STRATUM_TEST_MYSQL_URL as for the
// tests; with CI=true an unreachable server fails the soak instead of skipping its dialect.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIALECTS = ["sqlite", "postgres", "mysql"];

function parseArgs(argv) {
  const options = { kills: Number(process.env.STRATUM_SOAK_KILLS ?? 300), dialects: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) usage(`${arg} needs a value`);
      return next;
    };
    if (arg === "--kills") options.kills = Number(value());
    else if (arg.startsWith("--kills=")) options.kills = Number(arg.slice("--kills=".length));
    else if (arg === "--dialect") options.dialects.push(value());
    else if (arg.startsWith("--dialect=")) options.dialects.push(arg.slice("--dialect=".length));
    else if (arg === "-h" || arg === "--help") usage(null);
    else usage(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(options.kills) || options.kills < 1) usage("--kills must be a positive whole number");
  for (const dialect of options.dialects) if (!DIALECTS.includes(dialect)) usage(`unknown dialect ${dialect}; use ${DIALECTS.join(", ")}`);
  return options;
}

function usage(problem) {
  const text = "usage: npm run soak -- [--kills <n>] [--dialect sqlite|postgres|mysql]...";
  if (problem === null) {
    console.log(text);
    process.exit(0);
  }
  console.error(`soak: ${problem}\n${text}`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
if (!existsSync(join(root, "dist", "cli", "stratum.mjs"))) {
  console.error("soak: dist/cli/stratum.mjs is missing; run `npm run build` first (npm run soak does)");
  process.exit(2);
}

const args = [vitest, "run", "test/reliability/crash-loop.test.ts"];
// test names are "random SIGKILL loop <dialect>: survives …"
if (options.dialects.length > 0) args.push("-t", `(${options.dialects.join("|")}): survives`);
const started = Date.now();
console.log(`soak: ${options.kills} random SIGKILLs per dialect (${options.dialects.length > 0 ? options.dialects.join(", ") : DIALECTS.join(", ")})`);

const child = spawn(process.execPath, args, {
  cwd: root,
  env: { ...process.env, STRATUM_SOAK_KILLS: String(options.kills) },
  stdio: ["ignore", "pipe", "pipe"],
});
const summary = [];
let pending = "";
const collect = (chunk) => {
  pending += chunk.toString();
  let newline;
  while ((newline = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    if (line.startsWith("[reliability]")) summary.push(line);
  }
};
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  collect(chunk);
});
child.stderr.on("data", (chunk) => process.stderr.write(chunk));
child.on("close", (code, signal) => {
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  console.log(`\nsoak summary (${minutes} min):`);
  for (const line of summary) console.log(`  ${line}`);
  const wanted = options.dialects.length > 0 ? options.dialects : DIALECTS;
  const missing = wanted.filter((d) => !summary.some((line) => line.startsWith(`[reliability] ${d}:`)));
  if (missing.length > 0) console.log(`  no report from ${missing.join(", ")} (skipped: server unreachable, or failed; see above)`);
  if (code !== 0) console.log(`soak FAILED: vitest exited ${code ?? signal}`);
  process.exit(code !== 0 ? (code ?? 1) : summary.length === 0 ? 1 : 0);
});
