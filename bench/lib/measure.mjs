// Runs one whole Node process and measures it: wall time from spawn to exit, and peak RSS as
// reported by the preload. Also the statistics over repeated runs.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const PRELOAD = fileURLToPath(new URL("./rss-preload.cjs", import.meta.url));
const MARKER = /\n?@@stratum-bench maxrss-kib=(\d+)\n?/;
const OUTPUT_LIMIT = 64 * 1024;

/** The children's environment: no ambient Stratum settings, no colours. */
export function childEnvironment(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "DATABASE_URL" || key.startsWith("STRATUM_") || key === "NODE_OPTIONS") continue;
    if (value !== undefined) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

export class ProcessFailure extends Error {
  constructor(message, { code, stdout, stderr }) {
    super(message);
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

function keepTail(chunks, chunk) {
  chunks.push(chunk);
  let size = chunks.reduce((n, c) => n + c.length, 0);
  while (size > OUTPUT_LIMIT && chunks.length > 1) size -= chunks.shift().length;
}

/** The telling line of a failed process's output: the error message, not the stack or Node's banner. */
export function failureDetail(output) {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^Node\.js v\d/.test(l));
  const error = lines.find((l) => /^([A-Z]\w*)?Error\b|^error:|^\w+Error:/.test(l));
  return error ?? lines.slice(-2).join(" | ");
}

/**
 * Spawns `node [nodeArgs] --require preload script args…` in `cwd` and resolves
 * `{ seconds, rssMB, stdout, stderr }`; rejects with ProcessFailure on a non-zero exit or timeout.
 * `onSpawn(child)` sees the process once it is started (FLEET watches its open files, and stops it).
 */
export function runNode(script, args, { cwd, nodeArgs = [], env = childEnvironment(), timeoutMs = 15 * 60_000, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const out = [];
    const err = [];
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, "--require", PRELOAD, script, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    onSpawn?.(child);
    let exited;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk) => keepTail(out, chunk));
    child.stderr.on("data", (chunk) => keepTail(err, chunk));
    child.on("exit", () => {
      exited = process.hrtime.bigint();
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = Number((exited ?? process.hrtime.bigint()) - started) / 1e9;
      const stdout = Buffer.concat(out).toString("utf8");
      const rawErr = Buffer.concat(err).toString("utf8");
      const match = MARKER.exec(rawErr);
      const stderr = rawErr.replace(MARKER, "");
      if (code !== 0 || timedOut) {
        const why = timedOut ? `timed out after ${timeoutMs / 1000} s` : signal !== null ? `killed by ${signal}` : `exit code ${code}`;
        const detail = failureDetail(stderr.trim() === "" ? stdout : stderr);
        reject(new ProcessFailure(`${why}${detail === "" ? "" : `: ${detail}`}`, { code, stdout, stderr }));
        return;
      }
      resolve({ seconds, rssMB: match === null ? null : Number(match[1]) / 1024, stdout, stderr });
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** median, min, max of the run times; the peak RSS is the largest of the runs. */
export function summarize(samples) {
  const seconds = samples.map((s) => s.seconds);
  const rss = samples.map((s) => s.rssMB).filter((r) => r !== null);
  return {
    median: median(seconds),
    min: Math.min(...seconds),
    max: Math.max(...seconds),
    rssMB: rss.length === 0 ? null : Math.max(...rss),
    runs: seconds,
  };
}
