// What a failed run says happened and what to do next: a failure that leaves a migration partly
// applied (DDL that cannot be rolled back: MariaDB, or `transaction off` anywhere) says it is dirty,
// how many of its statements ran (as the state row counts them) and the exact `resolve` command;
// a rolled-back failure says it is pending again; a failed `down` names `repair` and `down`.

import { expect } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";
import { describeTargets, type TestContextLike } from "../reliability/fixture-set.js";

const targets: Target[] = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

interface Setup {
  readonly db: TestDb;
  readonly project: Project;
  cli(args: readonly string[]): ReturnType<typeof runCli>;
  row(version: string): Promise<{ state: string; statements_done: number } | undefined>;
}

async function setup(target: Target, ctx: TestContextLike, files: Record<string, string>): Promise<Setup> {
  const db = await target.createDatabase();
  const project = makeProject(files);
  ctx.onTestFinished(async () => {
    await db.drop();
    project.cleanup();
  });
  return {
    db,
    project,
    cli: (args) => runCli([...args, "--url", db.url], { cwd: project.dir }),
    row: async (version) => {
      const rows = await db.query<{ state: string; statements_done: number | string }>(
        "select state, statements_done from stratum_migrations where version = ?",
        [version],
      );
      const row = rows[0];
      return row === undefined ? undefined : { state: row.state, statements_done: Number(row.statements_done) };
    },
  };
}

/** `-- stratum:transaction off` where DDL is transactional; MariaDB needs nothing to be dirty. */
const offOn = (target: Target) => (target.name === "mysql" ? "" : "-- stratum:transaction off\n");
const fixLine = (stderr: string) => stderr.split("\n").find((line) => line.startsWith("fix:")) ?? "";

describeTargets("a failure that leaves a migration partly applied", targets, (target, test) => {
  const three = (tail: string) =>
    `${offOn(target)}-- migrate:up\nCREATE TABLE d1 (id int);\nCREATE TABLE d2 (id int);\n${tail}\n-- migrate:down\nDROP TABLE d2;\nDROP TABLE d1;\n`;

  test("a failing statement: dirty, 2 of 3 statements done, and `stratum resolve` as the next command", async (ctx) => {
    const s = await setup(target, ctx, {
      "001_a.sql": three("INSERT INTO nosuch VALUES (1);"),
      "002_b.sql": "-- migrate:up\nCREATE TABLE later (id int);\n-- migrate:down\nDROP TABLE later;\n",
    });
    const run = await s.cli(["up"]);
    expect(run.code, run.output).toBe(1);
    expect(await s.row("001")).toEqual({ state: "failed", statements_done: 2 });
    // the summary: one dirty, one (002) still pending; not "2 still pending"
    expect(run.stdout).toMatch(/failed: 1 migration failed and is left dirty \(partly applied\), 0 applied, 1 still pending/);
    expect(run.stderr).toMatch(/001_a\.sql:\d+ \(statement 3 of 3\)/);
    expect(run.stderr).toMatch(/001_a is left partly applied \(dirty\): 2 of its 3 statements ran and were not undone/);
    expect(run.output).not.toMatch(/rolled back/);
    const fix = fixLine(run.stderr);
    expect(fix).toMatch(/^fix: undo what its first 2 statements did and run `stratum resolve 001 --rolled-back`/);
    expect(fix).toMatch(/then fix the statement and run `stratum up` again; or,/);
    // the other way edits the file before `resolve --applied`, which records its checksum
    expect(fix).toMatch(
      /or, to complete the migration by hand instead, do the rest of it, edit 001_a\.sql to match what was done, and run `stratum resolve 001 --applied` \(it records the file as it is then\)$/,
    );

    // `up` refuses until then, as the message says
    const refused = await s.cli(["up"]);
    expect(refused.code, refused.output).toBe(3);
    expect(refused.stderr).toMatch(/Migration 001_a \(001_a\.sql\) is recorded as failed with 2 statements done/);
    expect(refused.stderr).toMatch(/stratum resolve 001 --rolled-back/);

    // following the fix line works
    await s.db.query("DROP TABLE d2");
    await s.db.query("DROP TABLE d1");
    s.project.migration("001_a.sql", three("CREATE TABLE d3 (id int);"));
    const resolved = await s.cli(["resolve", "001", "--rolled-back"]);
    expect(resolved.code, resolved.output).toBe(0);
    const again = await s.cli(["up"]);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/applied 2 migrations/);
  }, 60_000);

  test("a failing verify query: the table stays, so it says dirty, not rolled back", async (ctx) => {
    const s = await setup(target, ctx, {
      "001_v.sql": `${offOn(target)}-- migrate:up\nCREATE TABLE v1 (id int);\n-- migrate:verify\nSELECT count(*) FROM v1;\n-- migrate:down\nDROP TABLE v1;\n`,
    });
    const run = await s.cli(["up"]);
    expect(run.code, run.output).toBe(1);
    expect(await s.db.tables()).toContain("v1");
    expect(await s.row("001")).toEqual({ state: "failed", statements_done: 1 });
    expect(run.stderr).toMatch(/verify query at 001_v\.sql:\d+ returned "0"/);
    expect(run.stderr).toMatch(/001_v is left partly applied \(dirty\): its one statement ran and was not undone/);
    expect(run.output).not.toMatch(/rolled back/);
    expect(run.stdout).toMatch(/failed: 1 migration failed and is left dirty \(partly applied\), 0 applied(?!, \d+ still pending)/);
    const fix = fixLine(run.stderr);
    expect(fix).toMatch(/stratum resolve 001 --rolled-back/);
    expect(fix).toMatch(/stratum resolve 001 --applied/);
  }, 60_000);

  test("a failing down: dirty, and the resolve that finishes or undoes the rollback", async (ctx) => {
    const s = await setup(target, ctx, {
      "001_a.sql": `${offOn(target)}-- migrate:up\nCREATE TABLE d1 (id int);\nCREATE TABLE d2 (id int);\n-- migrate:down\nDROP TABLE d2;\nDROP TABLE nosuch;\nDROP TABLE d1;\n`,
    });
    expect((await s.cli(["up"])).code).toBe(0);
    const run = await s.cli(["down"]);
    expect(run.code, run.output).toBe(1);
    expect(await s.row("001")).toEqual({ state: "failed", statements_done: 1 });
    expect(run.stdout).toMatch(/failed: 1 migration failed and is left dirty \(partly rolled back\), 0 rolled back/);
    expect(run.stderr).toMatch(/001_a is left partly rolled back \(dirty\): 1 of its 3 down statements ran and were not undone/);
    expect(run.output).not.toMatch(/stratum up/);
    const fix = fixLine(run.stderr);
    expect(fix).toMatch(/finish the rollback by hand and run `stratum resolve 001 --rolled-back`/);
    expect(fix).toMatch(/or fix the down section of 001_a\.sql, redo what its first statement undid, run `stratum resolve 001 --applied`/);
    expect(fix).toMatch(/stratum down` again$/);

    // the second way: fix the down section, redo what it undid, resolve --applied, down again
    s.project.migration(
      "001_a.sql",
      `${offOn(target)}-- migrate:up\nCREATE TABLE d1 (id int);\nCREATE TABLE d2 (id int);\n-- migrate:down\nDROP TABLE d2;\nDROP TABLE d1;\n`,
    );
    await s.db.query("CREATE TABLE d2 (id int)");
    const resolved = await s.cli(["resolve", "001", "--applied"]);
    expect(resolved.code, resolved.output).toBe(0);
    const down = await s.cli(["down"]);
    expect(down.code, down.output).toBe(0);
  }, 60_000);
});

describeTargets("a failure rolled back with its transaction", targets.filter((t) => t.name !== "mysql"), (target, test) => {
  test("a failing statement: pending again, `stratum up` after fixing it", async (ctx) => {
    const s = await setup(target, ctx, {
      "001_a.sql": "-- migrate:up\nCREATE TABLE d1 (id int);\nINSERT INTO nosuch VALUES (1);\n-- migrate:down\nDROP TABLE d1;\n",
    });
    const run = await s.cli(["up"]);
    expect(run.code, run.output).toBe(1);
    expect(await s.db.tables()).not.toContain("d1");
    expect(run.stdout).toMatch(/failed: 1 migration failed, 0 applied, 1 still pending/);
    expect(run.output).not.toMatch(/dirty|resolve/);
    expect(fixLine(run.stderr)).toBe("fix: fix the statement and run `stratum up` again");
  }, 60_000);

  test("a failing verify query: rolled back", async (ctx) => {
    const s = await setup(target, ctx, {
      "001_v.sql": "-- migrate:up\nCREATE TABLE v1 (id int);\n-- migrate:verify\nSELECT count(*) FROM v1;\n-- migrate:down\nDROP TABLE v1;\n",
    });
    const run = await s.cli(["up"]);
    expect(run.code, run.output).toBe(1);
    expect(await s.db.tables()).not.toContain("v1");
    expect(run.stderr).toMatch(/returned "0"; the migration was rolled back/);
    expect(run.output).not.toMatch(/dirty|resolve/);
  }, 60_000);

  test("a failing down: still applied; fix the down section, `stratum repair`, then `stratum down`", async (ctx) => {
    const broken = "-- migrate:up\nCREATE TABLE d1 (id int);\n-- migrate:down\nDROP TABLE nosuch;\n";
    const s = await setup(target, ctx, { "001_a.sql": broken });
    expect((await s.cli(["up"])).code).toBe(0);
    const run = await s.cli(["down"]);
    expect(run.code, run.output).toBe(1);
    expect(await s.row("001")).toMatchObject({ state: "applied" });
    expect(run.stdout).toMatch(/failed: 1 migration failed, 0 rolled back, 1 still applied/);
    expect(run.output).not.toMatch(/stratum up|dirty/);
    expect(fixLine(run.stderr)).toBe(
      "fix: fix the down section of 001_a.sql, run `stratum repair` (the edit changes its checksum), then run `stratum down` again",
    );
    // following it works
    s.project.migration("001_a.sql", "-- migrate:up\nCREATE TABLE d1 (id int);\n-- migrate:down\nDROP TABLE d1;\n");
    expect((await s.cli(["down"])).code, "down refuses an edited file before repair").toBe(3);
    const repaired = await s.cli(["repair"]);
    expect(repaired.code, repaired.output).toBe(0);
    const down = await s.cli(["down"]);
    expect(down.code, down.output).toBe(0);
  }, 60_000);
});
