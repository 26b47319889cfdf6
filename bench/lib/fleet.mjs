// FLEET: issue 15's scale acceptance. One `stratum up --all-targets --concurrency 8` over 1,000
// targets — 600 schemas in one PostgreSQL database, 300 SQLite files, 100 MariaDB databases — each
// getting 10 small migrations. Measured: the wall time, the peak RSS, the most connections open at
// once (pg_stat_activity, information_schema.processlist and the SQLite files the process holds
// open, polled during the run), and the time against serial / 8, serial measured on a 50-target
// sample with --concurrency 1 and extrapolated. Then the resume check: a second fleet is stopped
// (SIGTERM) halfway and run again, and every target must hold exactly 10 applied migrations, each
// applied once (the log's successful applies = 10 × targets).

import { readdir, readlink, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeSmallMigrations } from "./generate.mjs";
import { runNode, summarize } from "./measure.mjs";
import { judged, measuredRow, ratioAtMost, target } from "./report.mjs";
import { CLI } from "./workloads.mjs";

const MIGRATIONS = 10;
const CONCURRENCY = 8;
const SHAPE = Object.freeze({ postgres: 600, sqlite: 300, mysql: 100 });
const SAMPLE_SIZE = 50;
const POLL_MS = 10;

const pad = (n, width = 4) => String(n).padStart(width, "0");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many targets of each dialect a fleet of `total` gets (the 600/300/100 mix, scaled). */
function mixOf(total, available) {
  const shares = Object.entries(SHAPE).filter(([d]) => available.has(d));
  const whole = shares.reduce((n, [, count]) => n + count, 0);
  const mix = Object.fromEntries(shares.map(([d, count]) => [d, Math.floor((count / whole) * total)]));
  const short = total - Object.values(mix).reduce((a, b) => a + b, 0);
  mix[shares[0][0]] += short;
  return mix;
}

/**
 * Creates a fleet's databases (untimed) and its config directory: stratum.config.json naming the
 * migrations directory and listing the targets.
 */
async function buildFleet(ctx, label, mix, dir) {
  const { default: pg } = await import("pg");
  const fleet = { label, targets: [], pgDb: null, schemas: [], mysqlDbs: [], sqliteDbs: [], configDir: join(ctx.tmp, `fleet-${label}`) };
  const pgServer = ctx.servers.get("postgres");
  if ((mix.postgres ?? 0) > 0) {
    fleet.pgDb = await pgServer.create();
    const client = new pg.Client({ connectionString: fleet.pgDb.url });
    await client.connect();
    try {
      for (let i = 1; i <= mix.postgres; i++) fleet.schemas.push(`tenant_${pad(i)}`);
      await client.query(fleet.schemas.map((s) => `create schema ${s}`).join(";\n"));
    } finally {
      await client.end();
    }
    for (const schema of fleet.schemas) fleet.targets.push({ name: `pg_${schema}`, url: fleet.pgDb.url, schema });
  }
  for (let i = 1; i <= (mix.sqlite ?? 0); i++) {
    const db = await ctx.servers.get("sqlite").create();
    fleet.sqliteDbs.push(db);
    fleet.targets.push({ name: `lite_${pad(i)}`, url: db.url });
  }
  for (let i = 1; i <= (mix.mysql ?? 0); i++) {
    const db = await ctx.servers.get("mysql").create();
    fleet.mysqlDbs.push(db);
    fleet.targets.push({ name: `maria_${pad(i)}`, url: db.url });
  }
  await mkdir(fleet.configDir, { recursive: true });
  const targets = fleet.targets.map(({ name, url, schema }) => ({ name, url, ...(schema ? { schema } : {}) }));
  await writeFile(join(fleet.configDir, "stratum.config.json"), `${JSON.stringify({ dir, targets }, null, 1)}\n`);
  return fleet;
}

async function dropFleet(ctx, fleet) {
  if (fleet.pgDb !== null) await ctx.servers.get("postgres").drop(fleet.pgDb.name);
  for (const db of fleet.mysqlDbs) await ctx.servers.get("mysql").drop(db.name);
  for (const db of fleet.sqliteDbs) await ctx.servers.get("sqlite").drop(db.name);
  await rm(fleet.configDir, { recursive: true, force: true });
}

/** Opens the connections the watcher and the checks use (closed by `close`). */
async function openProbes(fleet) {
  const probes = { pg: null, mysql: null };
  if (fleet.pgDb !== null) {
    const { default: pg } = await import("pg");
    const url = new URL(fleet.pgDb.url);
    url.pathname = "/postgres";
    probes.pg = new pg.Client({ connectionString: url.toString() });
    await probes.pg.connect();
  }
  if (fleet.mysqlDbs.length > 0) {
    const { default: mysql } = await import("mysql2/promise");
    const url = new URL(fleet.mysqlDbs[0].url);
    url.pathname = "/mysql";
    probes.mysql = await mysql.createConnection({ uri: url.toString() });
  }
  probes.close = async () => {
    await probes.pg?.end();
    await probes.mysql?.end();
  };
  return probes;
}

/** SQLite databases the process holds open now: its file descriptors on `*.db` files of the fleet. */
async function openSqliteFiles(pid, files) {
  let fds;
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  const open = new Set();
  for (const fd of fds) {
    try {
      const path = await readlink(`/proc/${pid}/fd/${fd}`);
      if (files.has(path)) open.add(path);
    } catch {
      // closed while we looked
    }
  }
  return open.size;
}

/**
 * Polls, until stopped, the connections the fleet's process holds: PostgreSQL backends on the
 * fleet's database, MariaDB sessions on its databases, SQLite files open. Each poll sums the three.
 */
function watchConnections(fleet, probes) {
  const sqliteFiles = new Set(fleet.sqliteDbs.map((db) => db.url.slice("sqlite:".length)));
  const mysqlNames = fleet.mysqlDbs.map((db) => db.name);
  const peak = { postgres: 0, mysql: 0, sqlite: 0, total: 0, polls: 0 };
  let pid = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let pgNow = 0;
      let myNow = 0;
      if (probes.pg !== null) {
        const { rows } = await probes.pg.query("select count(*)::int as n from pg_stat_activity where datname = $1", [fleet.pgDb.name]);
        pgNow = rows[0].n;
      }
      if (probes.mysql !== null) {
        const [rows] = await probes.mysql.query("select count(*) as n from information_schema.processlist where db in (?)", [mysqlNames]);
        myNow = Number(rows[0].n);
      }
      const liteNow = pid === null ? 0 : await openSqliteFiles(pid, sqliteFiles);
      peak.postgres = Math.max(peak.postgres, pgNow);
      peak.mysql = Math.max(peak.mysql, myNow);
      peak.sqlite = Math.max(peak.sqlite, liteNow);
      peak.total = Math.max(peak.total, pgNow + myNow + liteNow);
      peak.polls += 1;
      await sleep(POLL_MS);
    }
  })();
  return {
    onSpawn: (child) => {
      pid = child.pid;
    },
    async stop() {
      stopped = true;
      await loop;
      return peak;
    },
  };
}

/** Per target: the migrations its state table holds as applied, and the successful applies its log records. */
async function historyCounts(fleet, probes) {
  const counts = new Map(fleet.targets.map((t) => [t.name, { applied: 0, applies: 0 }]));
  if (probes.pg !== null && fleet.schemas.length > 0) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: fleet.pgDb.url });
    await client.connect();
    try {
      const { rows: present } = await client.query("select table_schema as s from information_schema.tables where table_name = 'stratum_log'");
      const have = new Set(present.map((r) => r.s));
      const parts = fleet.schemas
        .filter((s) => have.has(s))
        .map((s) => `select '${s}' as s, (select count(*) from ${s}.stratum_migrations where state = 'applied')::int as a, (select count(*) from ${s}.stratum_log where operation = 'apply' and outcome = 'success')::int as l`);
      if (parts.length > 0) {
        const { rows } = await client.query(parts.join(" union all "));
        for (const row of rows) counts.set(`pg_${row.s}`, { applied: row.a, applies: row.l });
      }
    } finally {
      await client.end();
    }
  }
  if (probes.mysql !== null) {
    const names = fleet.mysqlDbs.map((db) => db.name);
    const [present] = await probes.mysql.query("select table_schema as s from information_schema.tables where table_name = 'stratum_log' and table_schema in (?)", [names]);
    const have = new Set(present.map((r) => r.s));
    const parts = fleet.mysqlDbs
      .map((db, i) => ({ db, name: `maria_${pad(i + 1)}` }))
      .filter(({ db }) => have.has(db.name))
      .map(({ db, name }) => `select '${name}' as t, (select count(*) from \`${db.name}\`.stratum_migrations where state = 'applied') as a, (select count(*) from \`${db.name}\`.stratum_log where operation = 'apply' and outcome = 'success') as l`);
    if (parts.length > 0) {
      const [rows] = await probes.mysql.query(parts.join(" union all "));
      for (const row of rows) counts.set(row.t, { applied: Number(row.a), applies: Number(row.l) });
    }
  }
  if (fleet.sqliteDbs.length > 0) {
    const { default: Database } = await import("better-sqlite3");
    for (const [i, db] of fleet.sqliteDbs.entries()) {
      let conn;
      try {
        conn = new Database(db.url.slice("sqlite:".length), { readonly: true, fileMustExist: true });
      } catch {
        continue;
      }
      try {
        const has = conn.prepare("select count(*) from sqlite_master where name = 'stratum_log'").pluck().get() > 0;
        if (!has) continue;
        const applied = conn.prepare("select count(*) from stratum_migrations where state = 'applied'").pluck().get();
        const applies = conn.prepare("select count(*) from stratum_log where operation = 'apply' and outcome = 'success'").pluck().get();
        counts.set(`lite_${pad(i + 1)}`, { applied, applies });
      } finally {
        conn.close();
      }
    }
  }
  return counts;
}

/** `every target at head, each migration applied once`, or what is wrong. */
function headCheck(counts) {
  const values = [...counts.values()];
  const atHead = values.filter((c) => c.applied === MIGRATIONS).length;
  const applies = values.reduce((n, c) => n + c.applies, 0);
  const twice = [...counts].filter(([, c]) => c.applies > MIGRATIONS).map(([name]) => name);
  const problems = [];
  if (atHead !== counts.size) problems.push(`${counts.size - atHead} of ${counts.size} targets not at head`);
  if (applies !== MIGRATIONS * counts.size) problems.push(`${applies} successful applies logged, expected ${MIGRATIONS * counts.size}`);
  if (twice.length > 0) problems.push(`re-applied on ${twice.slice(0, 5).join(", ")}${twice.length > 5 ? ", …" : ""}`);
  return { atHead, applies, error: problems.length === 0 ? null : problems.join("; ") };
}

const upArgs = (concurrency) => [CLI, ["up", "--all-targets", "--concurrency", String(concurrency)]];

/** One measured run of `up --all-targets` on a fleet, with the connection watcher. */
async function measuredUp(fleet, probes, concurrency, { killAfterMs } = {}) {
  const watcher = watchConnections(fleet, probes);
  const [script, args] = upArgs(concurrency);
  let child = null;
  const timer =
    killAfterMs === undefined
      ? null
      : setTimeout(() => {
          child?.kill("SIGTERM");
        }, killAfterMs);
  try {
    const sample = await runNode(script, args, {
      cwd: fleet.configDir,
      onSpawn: (c) => {
        child = c;
        watcher.onSpawn(c);
      },
    });
    return { sample, peak: await watcher.stop(), killed: false };
  } catch (error) {
    const peak = await watcher.stop();
    if (killAfterMs !== undefined) return { sample: null, peak, killed: true, error };
    throw error;
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

const connectionsAtMost = (limit) =>
  target(`≤ ${limit} connections`, (row) => (row.connections == null ? null : row.connections <= limit));

function row(label, sample, extra = {}, options = {}) {
  const result = sample === null ? { error: extra.error ?? "not measured" } : { summary: summarize([sample]), ...(extra.error ? { error: extra.error } : {}) };
  const measured = measuredRow(label, result, { ...options, targets: [] });
  return judged({ ...measured, ...("connections" in extra ? { connections: extra.connections } : {}) }, options.targets ?? []);
}

/** FLEET (registered for PostgreSQL, which holds 600 of the targets; SQLite and MariaDB join when reachable). */
export async function fleetWorkload(ctx) {
  const started = performance.now();
  const available = new Set([...ctx.servers.keys()]);
  const total = ctx.settings.fleetSize ?? 1000;
  const mix = mixOf(total, available);
  const SAMPLE = Math.min(SAMPLE_SIZE, total);
  const sampleMix = mixOf(SAMPLE, available);
  const dir = await writeSmallMigrations(join(ctx.tmp, "fleet-migrations"), { count: MIGRATIONS });
  const notes = [];
  const rows = [];
  const fleets = [];
  const describe = (m) => Object.entries(m).map(([d, n]) => `${n} ${d === "postgres" ? "PostgreSQL schemas" : d === "sqlite" ? "SQLite files" : "MariaDB databases"}`).join(" + ");
  try {
    // serial on a sample: the same mix, one target at a time, then 8 at a time
    ctx.progress("FLEET: set-up of the 50-target samples");
    const serialFleet = await buildFleet(ctx, "serial", sampleMix, dir);
    fleets.push(serialFleet);
    const parallelSample = await buildFleet(ctx, "sample8", sampleMix, dir);
    fleets.push(parallelSample);
    let probes = await openProbes(serialFleet);
    ctx.progress("FLEET: 50 targets, --concurrency 1");
    const serial = await measuredUp(serialFleet, probes, 1);
    const serialCheck = headCheck(await historyCounts(serialFleet, probes));
    await probes.close();
    rows.push(row(`serial sample: ${SAMPLE} targets, --concurrency 1`, serial.sample, { connections: serial.peak.total, error: serialCheck.error }, { n: SAMPLE, isBaseline: true }));
    probes = await openProbes(parallelSample);
    ctx.progress("FLEET: 50 targets, --concurrency 8");
    const sample8 = await measuredUp(parallelSample, probes, CONCURRENCY);
    const sample8Check = headCheck(await historyCounts(parallelSample, probes));
    await probes.close();
    rows.push(
      row(`sample: ${SAMPLE} targets, --concurrency ${CONCURRENCY}`, sample8.sample, { connections: sample8.peak.total, error: sample8Check.error }, {
        n: SAMPLE,
        baseline: { summary: summarize([serial.sample]) },
      }),
    );
    const serialPerTarget = serial.sample.seconds / SAMPLE;
    const idealSeconds = (serialPerTarget * total) / CONCURRENCY;

    // the fleet in one run
    ctx.progress(`FLEET: set-up of ${total} targets (${describe(mix)})`);
    const main = await buildFleet(ctx, "main", mix, dir);
    fleets.push(main);
    probes = await openProbes(main);
    ctx.progress(`FLEET: ${total} targets, --concurrency ${CONCURRENCY}`);
    const run = await measuredUp(main, probes, CONCURRENCY);
    const mainCheck = headCheck(await historyCounts(main, probes));
    const ideal = { summary: { median: idealSeconds } };
    rows.push(
      row(`${total} targets, --concurrency ${CONCURRENCY} (vs serial / ${CONCURRENCY})`, run.sample, { connections: run.peak.total, error: mainCheck.error }, {
        n: total,
        baseline: ideal,
        targets: [ratioAtMost(1.5, `serial / ${CONCURRENCY}`), connectionsAtMost(CONCURRENCY + 1)],
      }),
    );
    ctx.progress(`FLEET: ${total} targets again (nothing to do)`);
    const again = await measuredUp(main, probes, CONCURRENCY);
    const againCheck = headCheck(await historyCounts(main, probes));
    await probes.close();
    rows.push(row(`the same ${total} targets again: nothing pending`, again.sample, { connections: again.peak.total, error: againCheck.error }, { n: total }));
    await dropFleet(ctx, main);
    fleets.splice(fleets.indexOf(main), 1);

    // stopped halfway, then run again
    ctx.progress(`FLEET: set-up of ${total} more targets`);
    const resumed = await buildFleet(ctx, "resume", mix, dir);
    fleets.push(resumed);
    probes = await openProbes(resumed);
    const killAfterMs = Math.round((run.sample.seconds * 1000) / 2);
    ctx.progress(`FLEET: ${total} targets, SIGTERM after ${(killAfterMs / 1000).toFixed(1)} s`);
    const first = await measuredUp(resumed, probes, CONCURRENCY, { killAfterMs });
    const partial = headCheck(await historyCounts(resumed, probes));
    ctx.progress(`FLEET: ${total} targets, the re-run`);
    const second = await measuredUp(resumed, probes, CONCURRENCY);
    const final = headCheck(await historyCounts(resumed, probes));
    await probes.close();
    rows.push(
      row(`stopped at ${(killAfterMs / 1000).toFixed(1)} s with ${partial.atHead} of ${total} at head, then re-run`, second.sample, { connections: second.peak.total, error: final.error }, { n: total }),
    );

    notes.push(
      `${total} targets = ${describe(mix)}, ${MIGRATIONS} small migrations each (table, index, 3 rows); the targets are listed in stratum.config.json`,
      `serial / ${CONCURRENCY} is extrapolated, not measured: ${SAMPLE} targets (${describe(sampleMix)}) took ${serial.sample.seconds.toFixed(2)} s with --concurrency 1, so ${total} would take about ${(serialPerTarget * total).toFixed(1)} s, / ${CONCURRENCY} = ${idealSeconds.toFixed(1)} s (Node's start is spread over the sample's targets)`,
      `connections are the most seen at once in ${run.peak.polls} polls every ${POLL_MS} ms during the ${total}-target run: PostgreSQL ${run.peak.postgres} (pg_stat_activity on the fleet's database), MariaDB ${run.peak.mysql} (processlist), SQLite ${run.peak.sqlite} (open database files); the sum at one poll at most ${run.peak.total}`,
      `peak RSS: ${run.sample.rssMB?.toFixed(1) ?? "?"} MB for ${total} targets, ${sample8.sample.rssMB?.toFixed(1) ?? "?"} MB for ${SAMPLE} (the same --concurrency ${CONCURRENCY}): what grows with the fleet is the difference`,
      first.killed
        ? `the stopped run: SIGTERM after ${(killAfterMs / 1000).toFixed(1)} s (${first.error?.message ?? "stopped"}); ${partial.atHead} targets at head and ${partial.applies} successful applies logged before the re-run; after it ${final.atHead} at head and ${final.applies} applies logged (${MIGRATIONS} × ${total} = ${MIGRATIONS * total} means nothing was applied twice)`
        : `the run meant to be stopped after ${(killAfterMs / 1000).toFixed(1)} s finished first (${partial.atHead} at head): the resume was not exercised`,
      `each row is one run (a fleet is built for it, not reused); time and RSS of the whole CLI process`,
      `measured in ${Math.round((performance.now() - started) / 1000)} s, set-up and teardown included`,
    );
    if (!available.has("mysql") || !available.has("sqlite")) notes.push(`not every dialect was reachable: the mix above is what ran`);
    return { workload: "FLEET", dialect: ctx.dialect, title: `FLEET · up --all-targets over ${total} targets · ${ctx.server.version}`, rows, notes };
  } finally {
    for (const fleet of fleets) await dropFleet(ctx, fleet);
    await rm(dir, { recursive: true, force: true });
  }
}
