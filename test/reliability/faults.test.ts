// Connection faults: a connection terminated mid-migration, a query cancelled, a server that is
// unreachable or hangs at connect, and the reply to COMMIT lost on the way back.

import { createHash } from "node:crypto";
import { expect } from "vitest";
import { runCli } from "../support/cli.js";
import { checkInvariants, mysqlLockName } from "../support/invariants.js";
import { cliGroup, startCli, withoutMarkers } from "../support/pause.js";
import { MYSQL_URL, PG_URL, mysqlTarget, postgresTarget, sqliteTarget, type TestDb } from "../support/targets.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import {
  checkSettled,
  describeTargets,
  expectedAfter,
  fixtureSet,
  fresh,
  projectOf,
  settleDirty,
  type FixtureMigration,
  type Fresh,
  type TestContextLike,
} from "./fixture-set.js";

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
const servers = targets.filter((t) => t.name !== "sqlite");

/** The CLI's two sessions on the test database: the one holding the run lock, and the work session. */
async function sessions(db: TestDb, dialect: "postgres" | "mysql"): Promise<{ lock: number; work: number }> {
  if (dialect === "postgres") {
    const rows = await db.query<{ pid: number; locked: boolean }>(
      `select a.pid, exists (select 1 from pg_locks l where l.pid = a.pid and l.locktype = 'advisory' and l.granted) as locked
         from pg_stat_activity a where a.datname = current_database() and a.pid <> pg_backend_pid() and a.backend_type = 'client backend'`,
    );
    const lock = rows.find((r) => r.locked);
    const work = rows.find((r) => !r.locked);
    if (!lock || !work || rows.length !== 2) throw new Error(`expected the CLI's two sessions, found ${JSON.stringify(rows)}`);
    return { lock: Number(lock.pid), work: Number(work.pid) };
  }
  const [holder] = await db.query<{ id: unknown }>("select is_used_lock(?) as id", [mysqlLockName(db.name)]);
  const rows = await db.query<{ id: unknown }>(
    "select id from information_schema.processlist where db = database() and id <> connection_id()",
  );
  const lock = Number(holder?.id);
  const work = rows.map((r) => Number(r.id)).find((id) => id !== lock);
  if (!Number.isFinite(lock) || work === undefined || rows.length !== 2) {
    throw new Error(`expected the CLI's two sessions, found lock ${String(holder?.id)} and ${JSON.stringify(rows)}`);
  }
  return { lock, work };
}

async function terminate(db: TestDb, dialect: "postgres" | "mysql", id: number): Promise<void> {
  if (dialect === "postgres") {
    const [row] = await db.query<{ done: boolean }>("select pg_terminate_backend(?) as done", [id]);
    expect(row?.done).toBe(true);
  } else {
    await db.query(`kill connection ${id}`);
  }
}

describeTargets("connection faults", servers, (target, test) => {
  const dialect = target.name as "postgres" | "mysql";
  const set = fixtureSet(dialect, { count: 3, codeAt: [3] });

  /** After a fault: consistent, then (MariaDB: refused while dirty, resolved) the next up converges. */
  const converges = async (t: Fresh, faulty: readonly FixtureMigration[] = set) => {
    const after = await checkSettled(t.db, faulty, dialect);
    if (after.dirty !== null) {
      const refused = await t.cli(["up"]);
      expect(refused.code, refused.output).toBe(3);
      await settleDirty(t.db, faulty, after, t.cli);
    }
    const again = await t.cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(set, set.length), dialect);
    return after;
  };

  const killWord = dialect === "postgres" ? "pg_terminate_backend" : "KILL CONNECTION";

  test(`${killWord} on the work session mid-migration: exit 1 naming the migration and the lost connection, consistent state, the rerun converges`, async (ctx) => {
    const t = await fresh(target, set, ctx);
    const paused = await t.pauseAt("after-statement-1@002");
    const { work } = await sessions(t.db, dialect);
    await terminate(t.db, dialect, work);
    paused.resume();
    const exit = await paused.exited;
    expect(exit.code, exit.output).toBe(1);
    // one sentence naming the migration and the lost connection, not a driver's internal error
    const said = withoutMarkers(exit.stderr);
    expect(said).not.toMatch(/internal error/i);
    expect(said).toMatch(/002_things/);
    expect(said).toMatch(/connection/i);
    const after = await converges(t);
    expect(after.k).toBe(1);
  });

  test(`${killWord} on the lock session mid-migration: no new migration starts, the run does not claim success, the rerun converges`, async (ctx) => {
    const t = await fresh(target, set, ctx);
    const paused = await t.pauseAt("after-statement-1@002");
    const { lock } = await sessions(t.db, dialect);
    await terminate(t.db, dialect, lock);
    paused.resume();
    const exit = await paused.exited;
    // running on without the lock is not a success: the lock guards everything after it
    expect(exit.code, exit.output).not.toBe(0);
    expect(withoutMarkers(exit.stderr)).toMatch(/lock/i);
    const after = await converges(t);
    // 002 was in flight; 003 would start with no lock held, while another run may hold it
    expect(after.k, "no migration may start after the run lost its lock").toBeLessThanOrEqual(2);
  });

  // PostgreSQL shows a migration's whole script as one query: wait until the sleep itself runs
  test("a cancelled query is a failure, not a success", async (ctx) => {
    const t = await fresh(target, set, ctx);
    const slow = dialect === "postgres" ? "SELECT pg_sleep(5);" : "SELECT SLEEP(5);";
    const text = ["CREATE TABLE t_002 (id INTEGER PRIMARY KEY, note VARCHAR(50));", slow, "INSERT INTO applied_counter (version) VALUES ('002');", ""].join("\n");
    t.project.migration("002_things.sql", text);
    const original = set[1] as FixtureMigration;
    const sleepy: FixtureMigration[] = [...set];
    sleepy[1] = { ...original, text, effects: [original.effects[0]!, original.effects[3]!], effectsAfter: [0, 1, 1, 2] };
    const run = t.start(["up"]);
    const started = Date.now();
    let id: number | undefined;
    while (id === undefined && Date.now() - started < 8000 && !run.done()) {
      const rows =
        dialect === "postgres"
          ? await t.db.query<{ id: unknown }>("select pid as id from pg_stat_activity where datname = current_database() and query like '%SELECT pg_sleep(5)%' and state = 'active' and wait_event = 'PgSleep'")
          : await t.db.query<{ id: unknown }>("select id from information_schema.processlist where db = database() and info like 'SELECT SLEEP(5)%'");
      id = rows[0] === undefined ? undefined : Number(rows[0].id);
      if (id === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(id, `the sleeping statement never showed up:\n${run.stdout()}${run.stderr()}`).toBeDefined();
    const cancelled = Date.now();
    if (dialect === "postgres") await t.db.query("select pg_cancel_backend(?)", [id]);
    else await t.db.query(`kill query ${id}`);
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(1);
    expect(Date.now() - cancelled, "ended by the cancel, not by the 5 s sleep").toBeLessThan(4000);
    expect(exit.stderr).toMatch(/002_things\.sql:2/);
    expect(exit.stderr).toMatch(/cancel|interrupt/i);
    const after = await checkSettled(t.db, sleepy, dialect);
    expect(after.k).toBe(1);
    if (dialect === "mysql") {
      // MariaDB: recorded failed after the CREATE TABLE, with the error
      expect(after.dirty).toMatchObject({ version: "002", state: "failed", statementsDone: 1 });
      expect(after.dirty?.error ?? "").toMatch(/interrupt/i);
    }
    // the cause fixed (the file is not applied, so it may change), the rerun converges
    t.project.migration("002_things.sql", original.text);
    if (after.dirty !== null) await settleDirty(t.db, sleepy, after, t.cli);
    const again = await t.cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(set, set.length), dialect);
  });

  // No pause here: the batched path (PostgreSQL checks the lock inside the migration's own
  // transaction) is the one a real run takes.
  test(`${killWord} on the lock session while a migration sleeps: that migration does not commit unprotected, none starts after it`, async (ctx) => {
    const t = await fresh(target, set, ctx);
    const slow = dialect === "postgres" ? "SELECT pg_sleep(1);" : "SELECT SLEEP(1);";
    const original = set[1] as FixtureMigration;
    const text = ["CREATE TABLE t_002 (id INTEGER PRIMARY KEY, note VARCHAR(50));", slow, "INSERT INTO applied_counter (version) VALUES ('002');", ""].join("\n");
    t.project.migration("002_things.sql", text);
    const sleepy: FixtureMigration[] = [...set];
    sleepy[1] = { ...original, text, checksum: createHash("sha256").update(text).digest("hex"), effects: [original.effects[0]!, original.effects[3]!], effectsAfter: [0, 1, 1, 2] };
    const run = t.start(["up"]);
    const started = Date.now();
    let sleeping = false;
    while (!sleeping && Date.now() - started < 8000 && !run.done()) {
      const rows =
        dialect === "postgres"
          ? await t.db.query("select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'")
          : await t.db.query("select 1 from information_schema.processlist where db = database() and info like 'SELECT SLEEP(1)%'");
      sleeping = rows.length > 0;
      if (!sleeping) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sleeping, `the sleeping statement never showed up:\n${run.stdout()}${run.stderr()}`).toBe(true);
    const { lock } = await sessions(t.db, dialect);
    await terminate(t.db, dialect, lock);
    const exit = await run.exited;
    expect(exit.code, exit.output).not.toBe(0);
    expect(withoutMarkers(exit.stderr)).toMatch(/lock/i);
    const after = await checkSettled(t.db, sleepy, dialect);
    // PostgreSQL: 002's own transaction saw the lock gone and rolled back. MariaDB (no
    // transactional DDL): 002 was past undoing, but 003 never started.
    if (dialect === "postgres") expect(after.k, "002 must not commit without the lock").toBe(1);
    else expect(after.k).toBeLessThanOrEqual(2);
    if (after.dirty !== null) await settleDirty(t.db, sleepy, after, t.cli);
    const again = await t.cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(sleepy, sleepy.length), dialect);
  });

  test("the reply to the final commit is lost: the migration is never run twice", async (ctx) => {
    const t = await fresh(target, set, ctx);
    const proxy = await startTcpProxy({ targetHost: "127.0.0.1", targetPort: Number(new URL(t.db.url).port || (dialect === "postgres" ? 5432 : 3306)) });
    ctx.onTestFinished(() => proxy.close());
    // PostgreSQL: the reply to COMMIT. MariaDB (no transactional DDL): the reply to the write that
    // marks 002 applied, the one after the statement counter's update.
    const pause = dialect === "postgres" ? "before-commit@002" : "after-statement-4@002";
    const paused = await t.pauseAt(pause, ["up"], { url: proxy.urlFor(t.db.url) });
    const lost = proxy.loseNextReply({ skipReplies: dialect === "postgres" ? 0 : 1 });
    paused.resume();
    const { bytesLost } = await lost;
    expect(bytesLost).toBeGreaterThan(0);
    const exit = await paused.exited;
    expect(exit.code, `the run cannot know whether 002 committed, so it must not report success:\n${exit.output}`).not.toBe(0);
    expect(exit.code).not.toBe(3);
    // the user must learn which migration is in doubt, in a sentence, not a driver's internal error
    const said = withoutMarkers(exit.stderr);
    expect(said).not.toMatch(/internal error/i);
    expect(said).toMatch(/002_things/);
    const after = await converges(t);
    if (dialect === "postgres") expect(after.k, "the COMMIT reached the server").toBe(2);
    // never twice: one table, one counter row, one successful apply in the log (checked above)
    const counter = await t.db.query<{ n: unknown }>("select count(*) as n from applied_counter where version = '002'");
    expect(Number(counter[0]?.n)).toBe(1);
  });
});

describeTargets("unreachable server", servers, (target, test) => {
  const url = target.name === "postgres" ? PG_URL : MYSQL_URL;
  const withProject = (ctx: TestContextLike) => {
    const project = projectOf(fixtureSet(target.name, { count: 2 }));
    const group = cliGroup();
    ctx.onTestFinished(async () => {
      await group.stop();
      project.cleanup();
    });
    return { project, group };
  };

  test("nothing listening: exit 5 at once, naming the server", async (ctx) => {
    const { project } = withProject(ctx);
    const refused = new URL(url);
    refused.port = "1";
    const result = await runCli(["up", "--url", refused.toString()], { cwd: project.dir });
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toMatch(/127\.0\.0\.1:1\b/);
    expect(result.stderr).toMatch(/refused/);
  });

  test("a server that accepts and never answers: exit 5 within the connect timeout (10 s)", async (ctx) => {
    const { project, group } = withProject(ctx);
    const proxy = await startTcpProxy({ targetHost: "127.0.0.1", targetPort: 1, mode: "blackhole" });
    ctx.onTestFinished(() => proxy.close());
    const run = startCli(["up", "--url", proxy.urlFor(url)], { cwd: project.dir, timeoutMs: 30_000, group });
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(5);
    expect(exit.elapsedMs, "connect timeout 10 s, plus start-up").toBeLessThan(14_000);
    expect(exit.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${proxy.port}`));
  }, 30_000);
});

describeTargets("unreachable database file", [targets[0]!], (_target, test) => {
  test("a SQLite file in a directory that does not exist: exit 5 naming it", async (ctx) => {
    const project = projectOf(fixtureSet("sqlite", { count: 2 }));
    ctx.onTestFinished(() => project.cleanup());
    const result = await runCli(["up", "--url", "sqlite:/nonexistent-stratum-dir/x.db"], { cwd: project.dir });
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toMatch(/nonexistent-stratum-dir/);
  });
});
