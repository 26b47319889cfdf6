// Acceptance of issue 10 as a new user checks it: the printed fixes, followed literally, work
// (items 7 and 9); Ctrl-C while a run waits for the lock is an interruption, not a lock timeout,
// on SQLite as elsewhere (item 6); an applied migration whose file is there but unusable is never taken for a
// missing one that `repair --remove-missing` would forget (item 10).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { readState } from "../support/invariants.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";
import { describeTargets, fresh } from "./fixture-set.js";

const sqlite = sqliteTarget();
const servers = [await postgresTarget(), await mysqlTarget()];

/** `-- stratum:transaction off` where DDL is transactional; MariaDB needs nothing to be dirty. */
const offOn = (target: Target) => (target.name === "mysql" ? "" : "-- stratum:transaction off\n");
const fixLine = (stderr: string) => stderr.split("\n").find((line) => line.startsWith("fix:")) ?? "";
const count = (text: string, part: string) => text.split(part).length - 1;

describeTargets("acceptance: a dirty failure's fix, followed literally", servers, (target, test) => {
  test("complete the migration by hand: the file is edited before `resolve --applied`, so later runs accept it", async (ctx) => {
    const t = await fresh(target, [], ctx);
    const body = (middle: string) =>
      `${offOn(target)}-- migrate:up\nCREATE TABLE d1 (id int);\n${middle}\nCREATE TABLE d2 (id int);\n-- migrate:down\nDROP TABLE d2;\nDROP TABLE d1;\n`;
    t.project.migration("001_a.sql", body("INSERT INTO nosuch VALUES (1);"));
    t.project.migration("002_b.sql", "-- migrate:up\nCREATE TABLE later (id int);\n-- migrate:down\nDROP TABLE later;\n");
    const run = await t.cli(["up"]);
    expect(run.code, run.output).toBe(1);
    const fix = fixLine(run.stderr);
    // one way: undo, resolve --rolled-back, fix the statement, up
    expect(fix).toMatch(/^fix: undo what its first statement did and run `stratum resolve 001 --rolled-back`, then fix the statement and run `stratum up` again; or, /);
    // the other: the file is made to match before `resolve --applied` records its checksum
    const other = fix.slice(fix.indexOf("; or, "));
    expect(other).toMatch(/do the rest of it, edit 001_a\.sql to match what was done, and run `stratum resolve 001 --applied`/);
    expect(other.slice(other.indexOf("--applied`")), "nothing to do after `resolve --applied`").not.toMatch(/stratum up|fix the statement/);

    // followed literally: the rest by hand, the file edited to match, resolve --applied
    await t.db.query("CREATE TABLE d2 (id int)");
    t.project.migration("001_a.sql", body(""));
    const resolved = await t.cli(["resolve", "001", "--applied"]);
    expect(resolved.code, resolved.output).toBe(0);
    const up = await t.cli(["up"]);
    expect(up.code, up.output).toBe(0);
    expect(up.stdout).toMatch(/applied 1 migration/);
    const validate = await t.cli(["validate"]);
    expect(validate.code, validate.output).toBe(0);
  }, 60_000);

  test("a failing verify after every statement ran: keep it by editing the check, then `resolve --applied`", async (ctx) => {
    const t = await fresh(target, [], ctx);
    const file = (check: string) => `${offOn(target)}-- migrate:up\nCREATE TABLE v1 (id int);\n-- migrate:verify\n${check}\n-- migrate:down\nDROP TABLE v1;\n`;
    t.project.migration("001_v.sql", file("SELECT count(*) FROM v1;"));
    const run = await t.cli(["up"]);
    expect(run.code, run.output).toBe(1);
    const fix = fixLine(run.stderr);
    expect(fix).toMatch(/^fix: undo what it did and run `stratum resolve 001 --rolled-back`, then fix the migration so the check holds \(or fix the check\) and run `stratum up` again; or, /);
    expect(fix).toMatch(/or, to keep what it did instead, edit 001_v\.sql to match it and run `stratum resolve 001 --applied` \(it records the file as it is then\)$/);
    t.project.migration("001_v.sql", file("SELECT count(*) = 0 FROM v1;"));
    expect((await t.cli(["resolve", "001", "--applied"])).code).toBe(0);
    const validate = await t.cli(["validate"]);
    expect(validate.code, validate.output).toBe(0);
  }, 60_000);
});

describeTargets("acceptance: a lost connection outside a transaction", servers, (target, test) => {
  const dialect = target.name as "postgres" | "mysql";
  const sleep = dialect === "postgres" ? "select pg_sleep(5);" : "select sleep(5);";

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

  test("one fix, not two run together; following it works", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_a.sql", "create table a (id int);\n");
    const file = (wait: string) => `${offOn(target)}-- migrate:up\ncreate table b (id int);\n${wait}\n-- migrate:down\ndrop table b;\n`;
    t.project.migration("002_b.sql", file(sleep));
    const run = t.start(["up"]);
    const id = await sleeper(t.db, () => run.done());
    if (dialect === "postgres") await t.db.query("select pg_terminate_backend(?)", [id]);
    else await t.db.query(`kill connection ${id}`);
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(1);
    expect(exit.stderr).toMatch(/the connection to the database was lost/);
    expect(exit.stderr).toMatch(/002_b is left partly applied \(dirty\): 1 of its 2 statements ran and were not undone/);
    const fix = fixLine(exit.stderr);
    expect(fix).toMatch(/^fix: undo what its first statement did and run `stratum resolve 002 --rolled-back`, then once the database is reachable, run `stratum up` again; or, /);
    expect(count(fix, "`stratum resolve 002 --rolled-back`"), fix).toBe(1);
    expect(count(fix, "`stratum resolve 002 --applied`"), fix).toBe(1);
    expect(fix).not.toMatch(/it ran without a transaction/);
    expect((await readState(t.db, dialect)).find((row) => row.version === "002")?.state).toBe("failed");

    // followed: undo, resolve --rolled-back, up
    await t.db.query("drop table b");
    const resolved = await t.cli(["resolve", "002", "--rolled-back"]);
    expect(resolved.code, resolved.output).toBe(0);
    t.project.migration("002_b.sql", file(""));
    const again = await t.cli(["up"]);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/applied 1 migration/);
  }, 60_000);
});

describeTargets("acceptance: a lost connection during a rollback outside a transaction", servers, (target, test) => {
  const dialect = target.name as "postgres" | "mysql";
  const sleep = dialect === "postgres" ? "select pg_sleep(5);" : "select sleep(5);";

  test("the fix does not send you to fix the down section; finishing the rollback by hand works", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_a.sql", "-- migrate:up\ncreate table a (id int);\n-- migrate:down\ndrop table a;\n");
    t.project.migration("002_c.sql", `${offOn(target)}-- migrate:up\ncreate table c (id int);\n-- migrate:down\ndrop table c;\n${sleep}\n`);
    expect((await t.cli(["up"])).code).toBe(0);
    const run = t.start(["down", "--yes"]);
    const started = Date.now();
    let id: number | null = null;
    while (id === null && Date.now() - started < 15_000 && !run.done()) {
      const rows =
        dialect === "postgres"
          ? await t.db.query<{ id: unknown }>("select pid as id from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'")
          : await t.db.query<{ id: unknown }>("select id from information_schema.processlist where db = database() and info like 'select sleep(5)%'");
      if (rows[0] !== undefined) id = Number(rows[0].id);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(id, "the sleeping statement showed up").not.toBeNull();
    if (dialect === "postgres") await t.db.query("select pg_terminate_backend(?)", [id]);
    else await t.db.query(`kill connection ${id}`);
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(1);
    expect(exit.stderr).toMatch(/the connection to the database was lost/);
    const fix = fixLine(exit.stderr);
    expect(fix).toMatch(/^fix: finish the rollback by hand and run `stratum resolve 002 --rolled-back`, or redo what its first statement undid, run `stratum resolve 002 --applied` and, once the database is reachable, run `stratum down` again$/);
    expect(fix).not.toMatch(/fix the down section/);

    await t.db.query("drop table if exists c");
    const resolved = await t.cli(["resolve", "002", "--rolled-back"]);
    expect(resolved.code, resolved.output).toBe(0);
    const validate = await t.cli(["validate"]);
    expect(validate.code, validate.output).toBe(0);
    expect((await readState(t.db, dialect)).map((row) => [row.version, row.state])).toEqual([
      ["001", "applied"],
      ["002", "rolled_back"],
    ]);
  }, 60_000);
});

describeTargets("acceptance: Ctrl-C while a run waits for the lock", [sqlite, ...servers], (target, test) => {
  // the first run holds the lock for about 3 s in 002
  const slow = {
    sqlite: "CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000000) SELECT count(*) AS n FROM c;",
    postgres: "CREATE TABLE slow AS SELECT 1 AS n FROM (SELECT pg_sleep(3)) s;",
    mysql: "CREATE TABLE slow AS SELECT sleep(3) AS n;",
  }[target.name];
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    test(`${signal}: an interruption (exit ${code}) worded alike on every dialect, not "could not take the lock within …"`, async (ctx) => {
      const t = await fresh(target, [], ctx);
      t.project.migration("001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
      t.project.migration("002_slow.sql", `-- migrate:up\n${slow}\n-- migrate:down\nDROP TABLE slow;\n`);
      const holder = t.start(["up"]);
      await holder.waitFor(/applying 001_a \.\.\. ok/);
      const waiter = t.start(["up", "--lock-timeout", "60s"]);
      await waiter.waitFor(/waiting for the migration lock/);
      waiter.kill(signal);
      const exit = await waiter.exited;
      expect(exit.code, exit.output).toBe(code);
      expect(exit.stderr).toMatch(/^error: stopped waiting for the migration lock on \S+ because the run was interrupted$/m);
      expect(exit.output).not.toMatch(/within \d+ ms|raise --lock-timeout|internal error|    at /);
      const first = await holder.exited;
      expect(first.code, first.output).toBe(0);
    }, 60_000);
  }
});

describeTargets("acceptance: an applied migration whose file is there but not text", [sqlite, ...servers], (target, test) => {
  test("not missing: status says changed, repair --remove-missing refuses and keeps its row", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
    t.project.migration("002_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n");
    expect((await t.cli(["up"])).code).toBe(0);
    const path = join(t.project.migrations, "002_b.sql");
    const text = readFileSync(path);
    writeFileSync(path, Buffer.concat([text, Buffer.from([0xff, 0xfe])]));

    const status = await t.cli(["status"]);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toMatch(/002\s+b\s+! changed/);
    expect(status.output).not.toMatch(/missing|MISSING_FILE|remove-missing/);
    expect(status.output).toMatch(/002_b\.sql is not valid UTF-8/);

    const validate = await t.cli(["validate"]);
    expect(validate.code, validate.output).toBe(3);
    expect(validate.output).not.toMatch(/MISSING_FILE|no longer in the migrations directory|remove-missing/);

    for (const args of [["repair", "--remove-missing", "--dry-run"], ["repair", "--remove-missing"], ["repair"]]) {
      const repair = await t.cli(args);
      expect(repair.code, `${args.join(" ")}: ${repair.output}`).toBe(3);
      expect(repair.stderr).toMatch(/002_b\.sql is not valid UTF-8/);
      expect(repair.output).not.toMatch(/removed|would remove|file is gone/);
    }
    const down = await t.cli(["down", "--yes"]);
    expect(down.code, down.output).toBe(3);
    expect(down.output).not.toMatch(/MISSING_FILE|no longer in the migrations directory|remove-missing/);
    expect((await readState(t.db, target.name)).map((row) => [row.version, row.state])).toEqual([
      ["001", "applied"],
      ["002", "applied"],
    ]);

    writeFileSync(path, text);
    const fixed = await t.cli(["validate"]);
    expect(fixed.code, fixed.output).toBe(0);
  }, 60_000);
});
