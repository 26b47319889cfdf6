// The four workloads. Each takes one dialect's server, measures its cases and returns a table:
// { workload, dialect, title, rows, notes }. Every database a run touches is created for it and
// dropped after it.

import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureGroup } from "./engine.mjs";
import { writeChainMigrations, writeSmallMigrations } from "./generate.mjs";
import { runNode } from "./measure.mjs";
import { derivedRow, measuredRow, ratioAtMost, rssAtMost, target } from "./report.mjs";
import { shadowStart } from "./shadow.mjs";
import { verifyWorkload } from "./verify.mjs";
import { driftWorkload, lintWorkload } from "./drift-lint.mjs";
import { fleetWorkload } from "./fleet.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "cli", "stratum.mjs");
const RAW = join(ROOT, "bench", "baseline", "raw.mjs");
const DRIVERS = Object.freeze({ sqlite: "better-sqlite3", postgres: "pg", mysql: "mysql2" });
const RSS_LIMIT_MB = 80;
/** W2's no-op `up` and `status`: at most this many times the Node floor (issue 16). */
const W2_RATIO = Object.freeze({ postgres: 1.15, sqlite: 1.25, mysql: 1.25 });

/** @typedef {{ server: any, dialect: string, settings: any, tmp: string, progress: (t: string) => void, servers: Map<string, any> }} WorkloadContext */

const stratum = (args, db, dir) => ({ script: CLI, args: [...args, "--dir", dir, "--url", db.url] });
const raw = (ctx, mode, db, dir) => ({ script: RAW, args: [ctx.dialect, db.url, mode, ...(dir === undefined ? [] : [dir])] });

const APPLIED = "select count(*) from stratum_migrations where state = 'applied'";

/**
 * Forgets what the CLI's discovery cache recorded (src/source/discovery-cache.ts), so the next run
 * reads every file, as the first run after a checkout does. The cache lives beside the code cache:
 * the checkout's node_modules/.cache/stratumdb, else stratumdb-code-cache-<uid> in the temporary
 * directory.
 */
async function forgetDiscovery() {
  const places = [join(ROOT, "node_modules", ".cache", "stratumdb"), join(tmpdir(), `stratumdb-code-cache-${process.getuid?.() ?? 0}`)];
  for (const place of places) {
    const names = await readdir(place).catch(() => []);
    await Promise.all(names.filter((name) => name.startsWith("discovery-")).map((name) => rm(join(place, name), { force: true })));
  }
}
const VERSIONS = "select count(*) from bench_versions";

/** A check for measureGroup: the run must leave `sql` answering `want`. */
function expectCount(ctx, sql, want, what) {
  return async (prep) => {
    const got = await ctx.server.scalar(prep.db, sql);
    if (got !== want) throw new Error(`check failed: ${what} is ${got} after the run, expected ${want}`);
  };
}

async function runOrThrow(step, what) {
  try {
    return await step;
  } catch (error) {
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const freshDb = (ctx) => async () => ({ db: await ctx.server.create() });
const dropDb = (ctx) => async (prep) => ctx.server.drop(prep.db.name);

/** Stratum's own `up` used to set a database up (untimed): SQLite in one transaction, to save time. */
function stratumSetupArgs(ctx) {
  return ["up", "--quiet", ...(ctx.dialect === "sqlite" ? ["--single-transaction"] : [])];
}

function tookNote(started) {
  return `measured in ${Math.round((performance.now() - started) / 1000)} s, set-up and teardown included`;
}

/** W1: apply N small migrations to an empty database. */
export async function w1(ctx) {
  const started = performance.now();
  const { dialect, settings } = ctx;
  const single = dialect !== "mysql";
  const rows = [];
  const byN = new Map();
  const sizes = settings.w1SizesExplicit || dialect !== "mysql" ? settings.w1Sizes : settings.w1Sizes.filter((n) => n <= 1000);
  const leftOut = settings.w1Sizes.filter((n) => !sizes.includes(n));
  for (const [i, n] of sizes.entries()) {
    const dir = await writeSmallMigrations(join(ctx.tmp, `w1-${n}`), { count: n });
    const fresh = { prepare: freshDb(ctx), cleanup: dropDb(ctx) };
    const cases = [
      { id: "floor", ...fresh, command: (p) => raw(ctx, "apply-each", p.db, dir), check: expectCount(ctx, VERSIONS, n, "bench_versions rows") },
      { id: "up", ...fresh, command: (p) => stratum(["up", "--quiet"], p.db, dir), check: expectCount(ctx, APPLIED, n, "applied migrations") },
    ];
    if (single) {
      cases.push(
        { id: "floor-single", ...fresh, command: (p) => raw(ctx, "apply-single", p.db, dir), check: expectCount(ctx, VERSIONS, n, "bench_versions rows") },
        {
          id: "up-single",
          ...fresh,
          command: (p) => stratum(["up", "--quiet", "--single-transaction"], p.db, dir),
          check: expectCount(ctx, APPLIED, n, "applied migrations"),
        },
      );
    }
    const r = await measureGroup(cases, {
      runs: settings.runs,
      warmup: settings.warmup && i === 0,
      cwd: ctx.tmp,
      progress: (t) => ctx.progress(`W1 N=${n} ${t}`),
    });
    byN.set(n, r);
    const rss = n === 5000 ? [rssAtMost(RSS_LIMIT_MB)] : [];
    const upTargets = [
      ...(n === 1000 && dialect !== "mysql" ? [ratioAtMost(1.05, "floor")] : []),
      ...(n === 5000 ? [ratioAtMost(1.1, "floor")] : []),
      ...rss,
    ];
    rows.push(measuredRow(`N=${n} floor: raw driver, txn each`, r.get("floor"), { n, isBaseline: true }));
    rows.push(measuredRow(`N=${n} stratum up`, r.get("up"), { n, baseline: r.get("floor"), targets: upTargets }));
    if (single) {
      rows.push(measuredRow(`N=${n} floor: raw driver, one txn`, r.get("floor-single"), { n, isBaseline: true }));
      rows.push(
        measuredRow(`N=${n} stratum up --single-transaction`, r.get("up-single"), {
          n,
          baseline: r.get("floor-single"),
          targets: [...(n >= 1000 ? [ratioAtMost(1.1, "1-txn floor")] : []), ...rss],
        }),
      );
    }
    await rm(dir, { recursive: true, force: true });
  }
  const small = byN.get(1000);
  const large = byN.get(5000);
  if (small !== undefined && large !== undefined) {
    const scale = (id) => {
      const a = small.get(id)?.summary;
      const b = large.get(id)?.summary;
      return a === undefined || b === undefined ? null : b.median / a.median;
    };
    const up = scale("up");
    rows.push(derivedRow("scaling: stratum up t(5000)/t(1000)", up, [target5x()], up === null ? "a run is missing" : null));
    rows.push(derivedRow("scaling: floor t(5000)/t(1000)", scale("floor"), [], null));
  }
  return {
    workload: "W1",
    dialect,
    title: `W1 · apply N small migrations (create table + index + 3 inserts) to an empty database · ${ctx.server.version}`,
    rows,
    notes: [
      `floor: the same SQL through ${DRIVERS[dialect]} on one connection in a plain Node process, each migration in its own transaction plus one insert into a version table${dialect === "mysql" ? " (one statement per query)" : ""}`,
      ...(single ? [] : ["no --single-transaction case: MariaDB commits DDL implicitly"]),
      ...(leftOut.length > 0
        ? [`N=${leftOut.join(", ")} left out by default on MariaDB (each CREATE TABLE creates and syncs a file: about 6 minutes); run it with --only mariadb --workloads W1 --sizes 1000,5000`]
        : []),
      ...(settings.warmup && sizes.length > 1 ? [`warm-up: one untimed run of each case before N=${sizes[0]}; the larger sizes follow the same processes`] : []),
      tookNote(started),
    ],
  };
}

function target5x() {
  return target("≤ 5.50× t(1000)", (row) => (row.ratio == null ? null : row.ratio <= 5.5));
}

/** W2: a no-op `up` and `status` with N applied, 10% of them TypeScript migrations. */
export async function w2(ctx) {
  const started = performance.now();
  const { dialect, settings } = ctx;
  const rows = [];
  for (const [i, n] of settings.w2Sizes.entries()) {
    const dir = await writeSmallMigrations(join(ctx.tmp, `w2-${n}`), { count: n, tsEvery: 10 });
    const db = await ctx.server.create();
    try {
      ctx.progress(`W2 ${n} applied: set-up (stratum up)`);
      const setup = stratum(stratumSetupArgs(ctx), db, dir);
      await runOrThrow(runNode(setup.script, setup.args, { cwd: ctx.tmp }), "set-up with stratum up");
      await expectCount(ctx, APPLIED, n, "applied migrations")({ db });
      await ctx.server.quiesce?.(db);
      const shared = { prepare: async () => ({ db }) };
      const cases = [
        { id: "floor", ...shared, command: (p) => raw(ctx, "query-state", p.db) },
        { id: "up", ...shared, command: (p) => stratum(["up", "--quiet"], p.db, dir), check: expectCount(ctx, APPLIED, n, "applied migrations") },
        { id: "status", ...shared, command: (p) => stratum(["status"], p.db, dir) },
        // every file read, as the first run after a checkout (it records them for the runs after it)
        {
          id: "up-cold",
          prepare: async () => {
            await forgetDiscovery();
            return { db };
          },
          command: (p) => stratum(["up", "--quiet"], p.db, dir),
        },
      ];
      const r = await measureGroup(cases, {
        runs: settings.runs,
        warmup: settings.warmup && i === 0,
        cwd: ctx.tmp,
        progress: (t) => ctx.progress(`W2 ${n} applied ${t}`),
      });
      // the acceptance of issue 16: the no-op's own work on top of the Node floor, paired run by run
      const limit = [ratioAtMost(W2_RATIO[dialect], "Node floor"), ...(n === 5000 ? [rssAtMost(RSS_LIMIT_MB)] : [])];
      rows.push(measuredRow(`${n} applied: Node floor: driver + connect + state query`, r.get("floor"), { n, isBaseline: true }));
      rows.push(measuredRow(`${n} applied: stratum up (nothing pending)`, r.get("up"), { n, baseline: r.get("floor"), targets: limit, paired: true }));
      rows.push(measuredRow(`${n} applied: stratum status`, r.get("status"), { n, baseline: r.get("floor"), targets: limit, paired: true }));
      rows.push(measuredRow(`${n} applied: stratum up, first run (no discovery cache)`, r.get("up-cold"), { n, baseline: r.get("floor"), paired: true }));
    } finally {
      await ctx.server.drop(db.name);
      await rm(dir, { recursive: true, force: true });
    }
  }
  return {
    workload: "W2",
    dialect,
    title: `W2 · no-op up and status with N applied (10% TypeScript) · ${ctx.server.version}`,
    rows,
    notes: [
      `Node floor: a Node process that loads ${DRIVERS[dialect]}, connects and reads the whole state table once (bench/baseline/raw.mjs query-state)`,
      "the floor, up and status alternate run by run; ratio (paired) is the median of each run's time ÷ the floor run just before it",
      "up and status find the discovery cache a run before them wrote (files unchanged: one stat each, none read); the first-run row deletes it before each of its runs",
      tookNote(started),
    ],
  };
}

/** W3: `down --all` with N applied. */
export async function w3(ctx) {
  const started = performance.now();
  const { dialect, settings } = ctx;
  const n = settings.w3Size;
  const dir = await writeSmallMigrations(join(ctx.tmp, `w3-${n}`), { count: n });
  const setups = {
    up: async (db) => {
      const { script, args } = stratum(stratumSetupArgs(ctx), db, dir);
      await runOrThrow(runNode(script, args, { cwd: ctx.tmp }), "set-up with stratum up");
    },
    floor: async (db) => {
      const { script, args } = raw(ctx, "apply-each", db, dir);
      await runOrThrow(runNode(script, args, { cwd: ctx.tmp }), "set-up with the raw driver");
    },
  };
  const templates = {};
  try {
    if (ctx.server.canClone) {
      for (const [key, setup] of Object.entries(setups)) {
        ctx.progress(`W3 set-up: template database for ${key}`);
        templates[key] = await ctx.server.create();
        await setup(templates[key]);
      }
    }
    const prepareFor = (key) => async () => {
      if (templates[key] !== undefined) return { db: await ctx.server.clone(templates[key].name) };
      const db = await ctx.server.create();
      try {
        await setups[key](db);
      } catch (error) {
        await ctx.server.drop(db.name);
        throw error;
      }
      return { db };
    };
    const cases = [
      {
        id: "floor",
        prepare: prepareFor("floor"),
        cleanup: dropDb(ctx),
        command: (p) => raw(ctx, "down-each", p.db, dir),
        check: expectCount(ctx, VERSIONS, 0, "bench_versions rows"),
      },
      {
        id: "down",
        prepare: prepareFor("up"),
        cleanup: dropDb(ctx),
        command: (p) => stratum(["down", "--all", "--quiet"], p.db, dir),
        check: expectCount(ctx, APPLIED, 0, "applied migrations"),
      },
    ];
    const r = await measureGroup(cases, { runs: settings.runs, warmup: settings.warmup, cwd: ctx.tmp, progress: (t) => ctx.progress(`W3 ${t}`) });
    return {
      workload: "W3",
      dialect,
      title: `W3 · down --all with ${n} applied · ${ctx.server.version}`,
      rows: [
        measuredRow(`${n} applied: floor: raw downs, txn each`, r.get("floor"), { n, isBaseline: true }),
        measuredRow(`${n} applied: stratum down --all`, r.get("down"), { n, baseline: r.get("floor"), targets: [ratioAtMost(1.1, "floor")] }),
      ],
      notes: [
        `floor: ${DRIVERS[dialect]} reads its version table, then runs each down section in its own transaction plus one delete from the version table`,
        ctx.server.canClone
          ? "each run starts from a copy of a database migrated once (untimed)"
          : "each run starts from a database migrated just before it (untimed; MariaDB has no template databases)",
        tookNote(started),
      ],
    };
  } finally {
    for (const db of Object.values(templates)) await ctx.server.drop(db.name);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Facts from an `up --json` run: what run:start said about parallelism, and what happened. */
export function runFacts(ndjson) {
  let reported = null;
  let running = 0;
  let maxRunning = 0;
  let applied = 0;
  const workers = new Set();
  for (const line of ndjson.split("\n")) {
    if (!line.startsWith("{")) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    if (event.type === "run:start") reported = event.parallel ?? null;
    if (event.type === "migration:start") {
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (event.worker !== undefined) workers.add(event.worker);
    }
    if (event.type === "migration:end" || event.type === "migration:error") running--;
    if (event.type === "run:end") applied = event.applied ?? applied;
  }
  return { reportedParallel: reported, maxConcurrent: maxRunning, workers: workers.size, applied };
}

const W4_SHAPE = Object.freeze({ chains: 8, length: 3, sleepSeconds: 0.25, parallel: 4 });

/** W4: 8 independent chains of 3 migrations that each sleep 250 ms on the server; serial vs --parallel 4. */
export async function w4(ctx) {
  const started = performance.now();
  const { chains, length, sleepSeconds, parallel } = W4_SHAPE;
  const total = chains * length;
  const dir = await writeChainMigrations(join(ctx.tmp, "w4"), W4_SHAPE);
  const fresh = { prepare: freshDb(ctx), cleanup: dropDb(ctx), inspect: (_p, sample) => runFacts(sample.stdout) };
  const check = expectCount(ctx, APPLIED, total, "applied migrations");
  try {
    const cases = [
      { id: "serial", ...fresh, check, command: (p) => stratum(["up", "--json", "--ordering", "graph"], p.db, dir) },
      { id: "parallel", ...fresh, check, command: (p) => stratum(["up", "--json", "--ordering", "graph", "--parallel", String(parallel)], p.db, dir) },
    ];
    const r = await measureGroup(cases, { runs: ctx.settings.runs, warmup: ctx.settings.warmup, cwd: ctx.tmp, progress: (t) => ctx.progress(`W4 ${t}`) });
    const facts = r.get("parallel").facts;
    const maxConcurrent = facts.length === 0 ? null : Math.max(...facts.map((f) => f.maxConcurrent));
    const reported = facts[0]?.reportedParallel ?? null;
    const ideal = (Math.ceil(chains / parallel) * length) / total;
    const notes = [
      `${total} migrations, ${chains} chains × ${length}, each \`select pg_sleep(${sleepSeconds})\`: serial sleeps ${(total * sleepSeconds).toFixed(1)} s; ${parallel} workers ideally ${(Math.ceil(chains / parallel) * length * sleepSeconds).toFixed(1)} s (${ideal.toFixed(2)}× serial)`,
    ];
    if (maxConcurrent !== null) {
      notes.push(
        maxConcurrent <= 1
          ? `--parallel ${parallel} is NOT in effect: run:start reported parallel=${reported}, and at most one migration ran at a time, so the row above measures a serial run`
          : `--parallel ${parallel}: run:start reported parallel=${reported}; up to ${maxConcurrent} migrations ran at once`,
      );
    }
    notes.push("both cases run with --json (the events show the concurrency); the output is a few dozen lines", tookNote(started));
    return {
      workload: "W4",
      dialect: ctx.dialect,
      title: `W4 · parallel DAG, graph ordering · ${ctx.server.version}`,
      rows: [
        measuredRow("serial: up --ordering graph", r.get("serial"), { n: total, isBaseline: true }),
        measuredRow(`parallel: up --ordering graph --parallel ${parallel}`, r.get("parallel"), {
          n: total,
          baseline: r.get("serial"),
          targets: [ratioAtMost(0.35, "serial")],
        }),
      ],
      notes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const WORKLOAD_RUNNERS = Object.freeze({ W1: w1, W2: w2, W3: w3, W4: w4, SHADOW: shadowStart, VERIFY: verifyWorkload, DRIFT: driftWorkload, LINT: lintWorkload, FLEET: fleetWorkload });
/** Dialects a workload runs on (W4 needs pg_sleep; FLEET runs once, its SQLite and MariaDB targets joining from `ctx.servers`). */
export const WORKLOAD_DIALECTS = Object.freeze({ W4: ["postgres"], VERIFY: ["sqlite", "postgres", "mysql"], FLEET: ["postgres"] });
