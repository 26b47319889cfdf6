// Issue 15's scale, in small: `up --all-targets --concurrency 8` over 100 PostgreSQL schemas with
// the built CLI. Every target ends at head; the connections open on the fleet's database, polled in
// pg_stat_activity during the run, never exceed the concurrency (a fleet's target runs its lock and
// its work on one session: Policy.oneSession), plus one control connection;
// the live heap at 100 targets is compared with the one at 25 (growth, not a wall-clock budget);
// a second run applies nothing. The 1,000-target figures are the bench's FLEET workload.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { PG_URL, postgresTarget } from "../support/targets.js";

const CONCURRENCY = 8;
const MIGRATIONS = 2;
const PRELOAD = fileURLToPath(new URL("../../bench/lib/rss-preload.cjs", import.meta.url));
const HEAP_PRELOAD = fileURLToPath(new URL("../support/live-heap-preload.cjs", import.meta.url));
const MARKER = /\n?@@stratum-bench maxrss-kib=(\d+)\n?/;
const HEAP_MARKER = /\n?@@stratum-test live-heap-kib=(\d+)\n?/;
const pg_ = await postgresTarget();

const schemaOf = (i: number) => `tenant_${String(i).padStart(4, "0")}`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly rssMB: number;
  /** The most heap still in use after a collection (sampled every 250 ms). */
  readonly liveHeapMB: number;
  /** Most backends seen at once on the fleet's database while the run lasted. */
  readonly peakConnections: number;
}

/** Runs the CLI in `cwd` while polling pg_stat_activity for `database` every 10 ms. */
async function runWatched(args: readonly string[], cwd: string, admin: pg.Client, database: string): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("STRATUM_") && key !== "DATABASE_URL" && key !== "NODE_OPTIONS") env[key] = value;
  }
  env["NO_COLOR"] = "1";
  const child = spawn(process.execPath, ["--expose-gc", "--require", HEAP_PRELOAD, "--require", PRELOAD, BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  let done = false;
  void exited.then(() => (done = true));
  let peak = 0;
  while (!done) {
    const { rows } = await admin.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'stratum'",
      [database],
    );
    peak = Math.max(peak, rows[0]?.n ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const code = await exited;
  const rss = MARKER.exec(stderr);
  const heap = HEAP_MARKER.exec(stderr);
  return {
    code,
    stdout,
    stderr: stderr.replace(MARKER, "").replace(HEAP_MARKER, ""),
    rssMB: rss === null ? Number.NaN : Number(rss[1]) / 1024,
    liveHeapMB: heap === null ? Number.NaN : Number(heap[1]) / 1024,
    peakConnections: peak,
  };
}

// eachTarget: an unreachable server fails the run under CI=true, and is skipped loudly otherwise
eachTarget([pg_], "a fleet at scale (PostgreSQL schemas)", () => describe("a fleet at scale (PostgreSQL schemas)", () => {
  const database = `fleet_scale_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const url = (() => {
    const parsed = new URL(PG_URL);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  })();
  const root = mkdtempSync(join(tmpdir(), "stratum-fleet-scale-"));
  const admin = new pg.Client({ connectionString: PG_URL });
  let fleetDb: pg.Client;

  /** A project whose targets are the schemas `from`..`to` of the fleet's database. */
  function project(name: string, from: number, to: number): string {
    const dir = join(root, name);
    mkdirSync(dir);
    const targets = [];
    for (let i = from; i <= to; i++) targets.push({ name: schemaOf(i), url, schema: schemaOf(i) });
    writeFileSync(join(dir, "stratum.config.json"), JSON.stringify({ dir: join(root, "migrations"), targets }));
    return dir;
  }

  /** Per schema: the migrations applied, and the successful applies logged. */
  async function history(from: number, to: number): Promise<{ applied: number; applies: number }[]> {
    const parts = [];
    for (let i = from; i <= to; i++) {
      const s = schemaOf(i);
      parts.push(
        `select (select count(*) from ${s}.stratum_migrations where state = 'applied')::int as applied, ` +
          `(select count(*) from ${s}.stratum_log where operation = 'apply' and outcome = 'success')::int as applies`,
      );
    }
    const { rows } = await fleetDb.query<{ applied: number; applies: number }>(parts.join(" union all "));
    return rows;
  }

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${database}`);
    fleetDb = new pg.Client({ connectionString: url });
    await fleetDb.connect();
    const schemas = Array.from({ length: 125 }, (_, i) => `create schema ${schemaOf(i + 1)}`);
    await fleetDb.query(schemas.join(";\n"));
    mkdirSync(join(root, "migrations"));
    for (let m = 1; m <= MIGRATIONS; m++) {
      const sql = `-- migrate:up\ncreate table t${m} (id integer primary key, name text not null);\ncreate index t${m}_name on t${m} (name);\ninsert into t${m} values (1, 'a'), (2, 'b');\n\n-- migrate:down\ndrop table t${m};\n`;
      writeFileSync(join(root, "migrations", `00${m}_t${m}.sql`), sql);
    }
  });

  afterAll(async () => {
    await fleetDb?.end();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
    rmSync(root, { recursive: true, force: true });
  });

  it("100 targets reach head with at most --concurrency connections open, memory that does not grow with the fleet, and a re-run that applies nothing", async () => {
    const up = ["up", "--all-targets", "--concurrency", String(CONCURRENCY)];
    const small = await runWatched(up, project("small", 1, 25), admin, database);
    expect(small.code, small.stderr).toBe(0);
    const large = await runWatched(up, project("large", 26, 125), admin, database);
    expect(large.code, large.stderr).toBe(0);

    // every target at head, each migration applied once
    const after = await history(26, 125);
    expect(after).toHaveLength(100);
    expect(after.filter((h) => h.applied === MIGRATIONS)).toHaveLength(100);
    expect(after.reduce((n, h) => n + h.applies, 0)).toBe(100 * MIGRATIONS);
    // one summary, naming 100 ok
    expect(large.stdout.match(/^fleet summary/gm)).toHaveLength(1);
    expect(large.stdout).toMatch(/^\s+ok\s+100$/m);

    // connections: the targets ran side by side, never more than the concurrency (issue 15: plus
    // one control connection, which a fleet listed in the config does not open)
    expect(large.peakConnections).toBeGreaterThan(1);
    expect(large.peakConnections).toBeLessThanOrEqual(CONCURRENCY + 1);
    expect(small.peakConnections).toBeLessThanOrEqual(CONCURRENCY + 1);

    // memory: four times the targets, about the same live heap (under 27 KB more per target) (the summary keeps counts and
    // failures only). Judged on the heap left after a collection, sampled during the run: the peak
    // RSS also counts garbage the collector had not freed yet, which grows with the work done.
    const memory = `live heap ${small.liveHeapMB.toFixed(1)} MB at 25 targets, ${large.liveHeapMB.toFixed(1)} MB at 100; peak RSS ${small.rssMB.toFixed(1)} / ${large.rssMB.toFixed(1)} MB`;
    expect(Number.isFinite(small.liveHeapMB) && Number.isFinite(large.liveHeapMB), memory).toBe(true);
    expect(large.liveHeapMB - small.liveHeapMB, memory).toBeLessThan(2);

    // re-running resumes: nothing pending, nothing applied again
    const again = await runWatched(up, join(root, "small"), admin, database);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^\s+changed\s+0$/m);
    const final = await history(1, 25);
    expect(final.filter((h) => h.applied === MIGRATIONS)).toHaveLength(25);
    expect(final.reduce((n, h) => n + h.applies, 0)).toBe(25 * MIGRATIONS);
    console.log(`fleet scale: ${memory}; peak connections ${small.peakConnections} / ${large.peakConnections} (concurrency ${CONCURRENCY})`);
  }, 180_000);
}));
