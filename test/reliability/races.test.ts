// Races: 16 runs at once on a fresh database (bootstrap included), lock timeouts that name the
// holder, a killed holder that frees the lock at once, and runs on two databases (or two
// PostgreSQL schemas) of one server that never wait for each other.

import { createHash } from "node:crypto";
import { expect } from "vitest";
import { runCli } from "../support/cli.js";
import { checkInvariants, logCounts, mysqlLockName, readState } from "../support/invariants.js";
import type { RunningCli } from "../support/pause.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TargetName, type TestDb } from "../support/targets.js";
import { checkSettled, describeTargets, expectedAfter, fixtureSet, fresh, settleDirty, type FixtureMigration, type Fresh } from "./fixture-set.js";

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
const RUNS = 16;

/** PostgreSQL: a CREATE INDEX CONCURRENTLY migration, which deadlocks with a blocking advisory-lock wait. */
function concurrentIndex(version: string): FixtureMigration {
  const text = [
    "-- stratum:transaction off",
    `CREATE INDEX CONCURRENTLY t_002_id_note_idx ON t_002 (id, note);`,
    `INSERT INTO applied_counter (version) VALUES ('${version}');`,
    "",
  ].join("\n");
  return {
    version,
    file: `${version}_concurrent_index.sql`,
    text,
    checksum: createHash("sha256").update(text, "utf8").digest("hex"),
    kind: "sql",
    counter: "applied_counter",
    tables: [],
    effects: [
      { what: "index t_002_id_note_idx", sql: "select count(*) as n from pg_indexes where indexname = 't_002_id_note_idx'" },
      { what: "applied_counter row", sql: `select count(*) as n from applied_counter where version = '${version}'` },
    ],
    effectsAfter: [0, 1, 2],
    statements: 2,
  };
}

/** Who holds the lock, as the lock timeout message must name it. */
async function holderOf(db: TestDb, dialect: TargetName, holder: RunningCli): Promise<RegExp> {
  switch (dialect) {
    case "postgres": {
      const rows = await db.query<{ pid: unknown }>(
        "select pid from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())",
      );
      expect(rows).toHaveLength(1);
      return new RegExp(`pid ${String(rows[0]?.pid)}\\b`);
    }
    case "mysql": {
      const rows = await db.query<{ id: unknown }>("select is_used_lock(?) as id", [mysqlLockName(db.name)]);
      expect(rows[0]?.id).not.toBeNull();
      return new RegExp(`connection ${String(rows[0]?.id)}\\b`);
    }
    case "sqlite":
      return new RegExp(`pid ${holder.pid}\\b`);
  }
}

const lockWaitOf = (stdout: string): number => {
  const line = stdout.split("\n").find((l) => l.includes('"type":"lock:acquired"'));
  return line === undefined ? Number.NaN : Number((JSON.parse(line) as { waitedMs: number }).waitedMs);
};

describeTargets("races", targets, (target, test) => {
  const dialect = target.name;
  // the holder sits in 002 long enough for a contender to start even on a loaded machine
  const HOLD_MS = 15_000;
  const sleepy = fixtureSet(dialect, { count: 3, sleepyAt: new Map([[2, HOLD_MS]]) });

  /** Starts a run that holds the lock through its slow 002, and waits until it is in 002. */
  const startHolder = async (t: Fresh, extraArgs: readonly string[] = [], dir?: string) => {
    const holder = t.start(["up", "--json", ...extraArgs], dir === undefined ? {} : { dir });
    await holder.waitFor(/"type":"migration:start"[^\n]*"version":"002"/);
    // without transactional DDL (MariaDB) the holder records 002 as running just after it starts:
    // wait for that row, so the state read next is the one a waiting run must leave alone
    for (let i = 0; dialect === "mysql" && i < 200; i++) {
      if ((await readState(t.db, dialect)).some((row) => row.version === "002")) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return holder;
  };

  test(`${RUNS} runs at once on a fresh database: all exit 0, every migration applied exactly once`, async (ctx) => {
    const set = [...fixtureSet(dialect, { count: 6, codeAt: [4] }), ...(dialect === "postgres" ? [concurrentIndex("007")] : [])];
    const t = await fresh(target, set, ctx);
    const runs = await Promise.all(
      Array.from({ length: RUNS }, () =>
        runCli(["up", "--json", "--url", t.db.url, "--lock-timeout", "60000"], { cwd: t.project.dir, timeoutMs: 90_000 }),
      ),
    );
    for (const run of runs) expect(run.code, run.output).toBe(0);
    // the runs that found the work done after waiting for the lock applied nothing
    const starts = runs.flatMap((r) => r.stdout.split("\n").filter((l) => l.includes('"type":"migration:start"')));
    expect(starts).toHaveLength(set.length);
    await checkInvariants(t.db, expectedAfter(set, set.length), dialect);
    const attempts = await logCounts(t.db, dialect, { operation: "apply" });
    expect(Object.fromEntries(attempts)).toEqual(Object.fromEntries(set.map((m) => [m.version, 1])));
  }, 120_000);

  test("lock timeout: exit 4 in time, naming the holder, changing nothing", async (ctx) => {
    const t = await fresh(target, sleepy, ctx);
    const holder = await startHolder(t);
    const who = await holderOf(t.db, dialect, holder);
    const before = { state: await readState(t.db, dialect), log: await logCounts(t.db, dialect, { operation: "apply" }) };
    const started = Date.now();
    const waiting = await t.cli(["up", "--lock-timeout", "1000"]);
    const elapsed = Date.now() - started;
    expect(waiting.code, waiting.output).toBe(4);
    expect(waiting.stderr).toMatch(who);
    expect(waiting.stderr).toMatch(/lock/);
    // "in time" is judged against the holder, not a wall clock: the waiting run waited out its
    // 1 s timeout and gave up while the holder (15 s in 002) still held the lock
    expect(elapsed, "waited at least the 1 s lock timeout").toBeGreaterThanOrEqual(1000);
    expect(holder.done(), "the waiting run gave up before the holder finished").toBe(false);
    expect(await readState(t.db, dialect)).toEqual(before.state);
    expect(await logCounts(t.db, dialect, { operation: "apply" })).toEqual(before.log);
    const done = await holder.exited;
    expect(done.code, done.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(sleepy, 3), dialect);
  });

  const killable = fixtureSet(dialect, { count: 3, sleepyAt: new Map([[2, 1000]]) });
  test("a SIGKILLed holder frees the lock: the next run gets it at once", async (ctx) => {
    const t = await fresh(target, killable, ctx);
    const holder = await startHolder(t);
    holder.kill("SIGKILL");
    await holder.exited;
    const next = await t.cli(["up", "--json", "--lock-timeout", "5000"]);
    expect(lockWaitOf(next.stdout), `ms waited for the dead holder's lock:\n${next.output}`).toBeLessThan(1000);
    if (dialect === "mysql" && next.code === 3) {
      // the holder died inside 002 after recording it running (MariaDB cannot roll it back): dirty until resolved
      const observed = await checkSettled(t.db, killable, dialect);
      expect(observed.dirty?.version).toBe("002");
      await settleDirty(t.db, killable, observed, t.cli);
      const resumed = await t.cli(["up", "--lock-timeout", "5000"]);
      expect(resumed.code, resumed.output).toBe(0);
    } else {
      expect(next.code, next.output).toBe(0);
    }
    await checkInvariants(t.db, expectedAfter(killable, 3), dialect);
  });

  if (dialect !== "sqlite") {
    test("two databases on one server do not wait for each other", async (ctx) => {
      const t = await fresh(target, sleepy, ctx);
      const fast = fixtureSet(dialect, { count: 3 });
      const other = await fresh(target, fast, ctx);
      const holder = await startHolder(t);
      const run = await other.cli(["up", "--json", "--lock-timeout", "500"]);
      expect(run.code, run.output).toBe(0);
      expect(lockWaitOf(run.stdout)).toBeLessThan(500);
      expect(holder.done(), "the other database's run finished while this one was still in its slow migration").toBe(false);
      await checkInvariants(other.db, expectedAfter(fast, 3), dialect);
      expect((await holder.exited).code).toBe(0);
      await checkInvariants(t.db, expectedAfter(sleepy, 3), dialect);
    });
  }

  if (dialect === "postgres") {
    test("two schemas of one PostgreSQL database do not wait for each other", async (ctx) => {
      const setA = fixtureSet(dialect, { count: 3, prefix: "a_", sleepyAt: new Map([[2, HOLD_MS]]) });
      const setB = fixtureSet(dialect, { count: 3, prefix: "b_" });
      const t = await fresh(target, setA, ctx);
      const projectB = t.projectOf(setB);
      // each tenant's schema exists (the schema option requires it); migrations run in it
      await t.db.query("create schema a");
      await t.db.query("create schema b");
      const holder = await startHolder(t, ["--schema", "a"]);
      const run = await t.cli(["up", "--json", "--schema", "b", "--lock-timeout", "500"], { dir: projectB.dir });
      expect(run.code, run.output).toBe(0);
      expect(lockWaitOf(run.stdout)).toBeLessThan(500);
      expect(holder.done(), "schema b finished while schema a was still in its slow migration").toBe(false);
      expect((await holder.exited).code).toBe(0);
      expect(
        await t.db.query("select table_schema, table_name from information_schema.tables where table_name in ('a_t_002', 'b_t_002') order by 1"),
      ).toEqual([
        { table_schema: "a", table_name: "a_t_002" },
        { table_schema: "b", table_name: "b_t_002" },
      ]);
      const tables = [...setA, ...setB].flatMap((m) => m.tables);
      for (const [schema, set] of [
        ["a", setA],
        ["b", setB],
      ] as const) {
        await t.db.query(`set search_path to ${schema}`);
        await checkInvariants(t.db, { ...expectedAfter(set, 3), tables, schema }, dialect);
      }
      await t.db.query("set search_path to default");
    });
  }
});
