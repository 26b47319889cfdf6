// A migration's connection killed under it (pg_terminate_backend, MariaDB KILL): the attempt is
// still in the log, recorded on another session; MariaDB's state row says `failed`, not
// `running`; and the message says the connection was lost, what to do next, not "fix the statement".

import { expect } from "vitest";
import { logCounts, readState } from "../support/invariants.js";
import { mysqlTarget, postgresTarget, type TestDb } from "../support/targets.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { describeTargets, fresh } from "./fixture-set.js";

const targets = [await postgresTarget(), await mysqlTarget()];

interface LogRow {
  readonly version: string;
  readonly outcome: string;
  readonly error: string | null;
}

async function logRows(db: TestDb, version: string): Promise<LogRow[]> {
  return db.query<LogRow>("select version, outcome, error from stratum_log where version = ? order by id", [version]);
}

describeTargets("a migration's connection is lost", targets, (target, test) => {
  const dialect = target.name as "postgres" | "mysql";
  const sleep = dialect === "postgres" ? "select pg_sleep(5);" : "select sleep(5);";
  const killWord = dialect === "postgres" ? "pg_terminate_backend" : "KILL";

  /** Waits until the CLI's session runs the sleep, and returns its id. */
  const sleeper = async (db: TestDb, done: () => boolean): Promise<number> => {
    const started = Date.now();
    while (Date.now() - started < 15_000 && !done()) {
      const rows =
        dialect === "postgres"
          ? await db.query<{ id: unknown }>("select pid as id from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'")
          : await db.query<{ id: unknown }>("select id from information_schema.processlist where db = database() and info like 'select sleep(5)%'");
      if (rows[0] !== undefined) return Number(rows[0].id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("the sleeping statement never showed up");
  };

  test(`${killWord} of the session running a migration: the failed attempt is logged on another session and the message says the connection was lost`, async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_a.sql", "create table a (id int);\n");
    t.project.migration("002_b.sql", `create table b (id int);\n${sleep}\n`);
    t.project.migration("003_c.sql", "create table c (id int);\n");
    const run = t.start(["up"]);
    const id = await sleeper(t.db, () => run.done());
    if (dialect === "postgres") await t.db.query("select pg_terminate_backend(?)", [id]);
    else await t.db.query(`kill connection ${id}`);
    const exit = await run.exited;

    expect(exit.code, exit.output).toBe(1);
    expect(exit.stderr).toMatch(/002_b/);
    expect(exit.stderr).toMatch(/the connection to the database was lost/);
    expect(exit.stderr).not.toMatch(/fix the statement/);
    expect(exit.stderr).not.toMatch(/internal error|    at /);

    // every attempt is in the log, this one too
    const logged = await logRows(t.db, "002");
    expect(logged, JSON.stringify(logged)).toHaveLength(1);
    expect(logged[0]).toMatchObject({ outcome: "failure" });
    expect(logged[0]?.error ?? "").toMatch(/connection to the database was lost/);
    expect(await logCounts(t.db, dialect, { operation: "apply", outcome: "success" })).toEqual(new Map([["001", 1]]));

    expect(await t.db.tables(), "003 never started").not.toContain("c");
    const state = await readState(t.db, dialect);
    if (dialect === "postgres") {
      // its transaction died with the session: nothing of it stays, and it is simply pending
      expect(state.map((row) => [row.version, row.state])).toEqual([["001", "applied"]]);
      expect(await t.db.tables()).not.toContain("b");
      expect(exit.stderr).toMatch(/nothing of it was applied/);
      expect(exit.stderr).toMatch(/stratum up/);
      const again = await t.cli(["up"]);
      expect(again.code, again.output).toBe(0);
    } else {
      // MariaDB commits DDL at once: `create table b` stayed, and the row says so
      expect(state.map((row) => [row.version, row.state, row.statementsDone])).toEqual([
        ["001", "applied", 1],
        ["002", "failed", 1],
      ]);
      expect(state[1]?.error ?? "").toMatch(/connection to the database was lost/);
      expect(exit.stderr).toMatch(/stratum resolve 002/);
      const refused = await t.cli(["up"]);
      expect(refused.code, refused.output).toBe(3);
    }
  });

  if (dialect === "postgres") {
    test("pg_terminate_backend during a run in one transaction (--single-transaction): the failed attempt is logged on another session", async (ctx) => {
      const t = await fresh(target, [], ctx);
      t.project.migration("001_a.sql", "create table a (id int);\n");
      t.project.migration("002_b.sql", `create table b (id int);\n${sleep}\n`);
      const run = t.start(["up", "--single-transaction"]);
      const id = await sleeper(t.db, () => run.done());
      await t.db.query("select pg_terminate_backend(?)", [id]);
      const exit = await run.exited;
      expect(exit.code, exit.output).toBe(1);
      expect(exit.stderr).toMatch(/the connection to the database was lost/);
      expect(exit.stderr).toMatch(/nothing of it was applied/);
      expect(exit.stderr).not.toMatch(/internal error|    at /);
      const logged = await logRows(t.db, "002");
      expect(logged, JSON.stringify(logged)).toHaveLength(1);
      expect(logged[0]).toMatchObject({ outcome: "failure" });
      expect(logged[0]?.error ?? "").toMatch(/connection to the database was lost/);
      expect(await readState(t.db, dialect)).toEqual([]);
    });
  }

  test(`${killWord} of the session in a TypeScript migration: logged on another session, named a lost connection`, async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_a.sql", "create table a (id int);\n");
    t.project.migration(
      "002_b.ts",
      ["export async function up(ctx) {", "  await ctx.sql('create table b (id int)');", `  await ctx.sql(${JSON.stringify(sleep.replace(/;$/, ""))});`, "}", ""].join("\n"),
    );
    const run = t.start(["up"]);
    const id = await sleeper(t.db, () => run.done());
    if (dialect === "postgres") await t.db.query("select pg_terminate_backend(?)", [id]);
    else await t.db.query(`kill connection ${id}`);
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(1);
    expect(exit.stderr).toMatch(/the connection to the database was lost/);
    expect(exit.stderr).not.toMatch(/fix the migration/);
    const logged = await logRows(t.db, "002");
    expect(logged, JSON.stringify(logged)).toHaveLength(1);
    expect(logged[0]?.error ?? "").toMatch(/connection to the database was lost/);
    const state = await readState(t.db, dialect);
    if (dialect === "postgres") expect(state.map((row) => row.version)).toEqual(["001"]);
    else expect(state.find((row) => row.version === "002")?.state).toBe("failed");
  });
});

describeTargets("a migration's connection is lost and the server stays out of reach", targets, (target, test) => {
  const dialect = target.name as "postgres" | "mysql";
  const sleep = dialect === "postgres" ? "select pg_sleep(5);" : "select sleep(5);";

  test("the failure says the attempt could not be recorded, and why, instead of dropping it", async (ctx) => {
    const t = await fresh(target, [], ctx);
    const url = new URL(t.db.url);
    const proxy = await startTcpProxy({ targetHost: "127.0.0.1", targetPort: Number(url.port || (dialect === "postgres" ? 5432 : 3306)) });
    let closed = false;
    ctx.onTestFinished(async () => {
      if (!closed) await proxy.close();
    });
    t.project.migration("001_a.sql", "create table a (id int);\n");
    t.project.migration("002_b.sql", `create table b (id int);\n${sleep}\n`);
    const run = t.start(["up"], { url: proxy.urlFor(t.db.url) });
    const started = Date.now();
    for (;;) {
      const rows =
        dialect === "postgres"
          ? await t.db.query("select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'")
          : await t.db.query("select 1 from information_schema.processlist where db = database() and info like 'select sleep(5)%'");
      if (rows.length > 0) break;
      if (Date.now() - started > 15_000 || run.done()) throw new Error(`the sleeping statement never showed up:\n${run.stdout()}${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // the server goes out of reach: open sessions cut, new ones refused
    const closing = proxy.close();
    closed = true;
    proxy.cutAll();
    await closing;
    const exit = await run.exited;
    expect(exit.code, exit.output).not.toBe(0);
    expect(exit.stderr).toMatch(/002_b/);
    expect(exit.stderr).toMatch(/the connection to the database was lost/);
    expect(exit.stderr).toMatch(/this attempt is not in the history either: recording it failed \(.*cannot connect/);
    // the lock went with the server; that it could not be released is not the story
    expect(exit.stderr).not.toMatch(/pooler|could not be released/);
    expect(exit.stderr).not.toMatch(/internal error|    at /);
  });
});
