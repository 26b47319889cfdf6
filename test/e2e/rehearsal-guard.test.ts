// Variants beyond the first examples (items 1 and 13 of the safety issue): a rehearsal
// that commits behind Stratum's back leaves nothing (not its work, not a state row); a command
// that changes nothing (a repair with nothing to repair, a refused resolve) creates no SQLite file.

import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { pendingDropsDone } from "../support/pending-drops.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";
import { eachTarget } from "../support/each-target.js";

const targets: readonly Target[] = [sqliteTarget(), await postgresTarget()];

/** `eachTarget` over the named dialects of this file's targets. */
function eachNamed(names: readonly Target["name"][], body: (target: Target) => void): void {
  eachTarget(targets.filter((t) => names.includes(t.name)), "rehearsal tests", body);
}

async function using(target: Target, migrations: Readonly<Record<string, string>>, fn: (db: TestDb, project: Project, cli: (args: readonly string[]) => Promise<CliResult>) => Promise<void>): Promise<void> {
  const db = await target.createDatabase();
  const project = makeProject(migrations);
  try {
    await fn(db, project, (args) => runCli([...args, "--url", db.url], { cwd: project.dir }));
  } finally {
    await db.drop();
    project.cleanup();
  }
}

function noStackTrace(result: CliResult): void {
  expect(result.stderr, result.output).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(result.output).not.toMatch(/internal error/i);
}

async function states(cli: (args: readonly string[]) => Promise<CliResult>): Promise<Record<string, string>> {
  const status = await cli(["status", "--json"]);
  expect(status.code, status.output).toBe(0);
  const parsed = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
  return Object.fromEntries(parsed.migrations.map((m) => [m.version, m.state]));
}

describe("a rehearsal cannot commit", () => {
  eachNamed(["sqlite", "postgres"], (target) => {
    for (const where of ["at the end", "midway"]) {
      it(`${target.name}: a code migration that commits through ctx.client ${where} fails the rehearsal loudly and leaves nothing (its work, a state row, a log row)`, async () => {
        const commit = target.name === "postgres" ? "await ctx.client.query('COMMIT')" : "ctx.client.exec('COMMIT')";
        const body =
          where === "at the end"
            ? ["  await ctx.sql('UPDATE acct SET bal = 0');", "  await ctx.sql('CREATE TABLE sneaky (id int)');", `  ${commit};`]
            : ["  await ctx.sql('UPDATE acct SET bal = 0');", `  ${commit};`, "  await ctx.sql('CREATE TABLE sneaky (id int)');"];
        await using(target, { "001_a.sql": "-- migrate:up\nCREATE TABLE acct (id int, bal int);\nINSERT INTO acct VALUES (1, 100);\n" }, async (db, project, cli) => {
          expect((await cli(["up"])).code).toBe(0);
          const logBefore = await db.query("SELECT * FROM stratum_log");
          project.migration("002_b.mjs", ["export async function up(ctx) {", ...body, "}", ""].join("\n"));
          const result = await cli(["up", "--dry-run=rehearse"]);
          expect(result.code, result.output).toBe(1);
          expect(result.output).toMatch(/rehears/i);
          expect(result.output).toContain("commit");
          expect(result.output).not.toContain("nothing was changed");
          noStackTrace(result);
          expect(await states(cli)).toEqual({ "001": "applied", "002": "pending" });
          expect(await db.query("SELECT bal FROM acct")).toEqual([{ bal: 100 }]);
          expect((await db.tables()).filter((t) => t === "sneaky")).toEqual([]);
          expect(await db.query("SELECT * FROM stratum_log")).toEqual(logBefore);
        });
      });
    }

    it(`${target.name}: a rehearsal whose migration uses its own savepoints and deferred work still passes and leaves nothing`, async () => {
      const code = [
        "export async function up(ctx) {",
        "  await ctx.sql('CREATE TABLE a (id int)');",
        "  await ctx.sql('SAVEPOINT mine');",
        "  await ctx.sql('INSERT INTO a VALUES (1)');",
        "  await ctx.sql('RELEASE SAVEPOINT mine');",
        "}",
        "",
      ].join("\n");
      await using(target, { "001_a.mjs": code }, async (db, _project, cli) => {
        const result = await cli(["up", "--dry-run=rehearse"]);
        expect(result.code, result.output).toBe(0);
        expect(result.output).toContain("nothing was changed");
        expect(await states(cli)).toEqual({ "001": "pending" });
        if (target.name === "sqlite") expect(existsSync(db.name)).toBe(false);
        else expect((await db.tables()).filter((t) => t === "a")).toEqual([]);
        expect((await cli(["up"])).code).toBe(0);
        expect(await db.query("SELECT id FROM a")).toEqual([{ id: 1 }]);
      });
    });
  });

  eachNamed(["postgres"], (target) => {
    it("postgres: a SQL migration's SET CONSTRAINTS ALL IMMEDIATE still rehearses (the guard is armed for code migrations only)", async () => {
      const file = [
        "-- migrate:up",
        "CREATE TABLE p (id int PRIMARY KEY);",
        "CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);",
        "INSERT INTO c VALUES (1);",
        "INSERT INTO p VALUES (1);",
        "SET CONSTRAINTS ALL IMMEDIATE;",
        "",
      ].join("\n");
      await using(target, { "001_a.sql": file }, async (db, _project, cli) => {
        const result = await cli(["up", "--dry-run=rehearse"]);
        expect(result.code, result.output).toBe(0);
        expect(result.output).toContain("nothing was changed");
        expect(await db.tables()).toEqual([]);
      });
    });

    it("postgres: a role that may not create temporary tables still rehearses a code migration (unguarded, still compared)", async () => {
      const role = `stratum_notemp_${process.pid}_${Date.now()}`;
      const code = "export async function up(ctx) {\n  await ctx.sql('CREATE TABLE a (id int)');\n}\n";
      try {
        await using(target, { "001_a.mjs": code }, async (db, project) => {
          await db.query(`CREATE ROLE ${role} LOGIN`);
          await db.query(`REVOKE TEMP ON DATABASE "${db.name}" FROM PUBLIC`);
          await db.query(`GRANT ALL ON SCHEMA public TO ${role}`);
          const url = new URL(db.url);
          url.username = role;
          const result = await runCli(["up", "--dry-run=rehearse", "--url", url.toString()], { cwd: project.dir });
          expect(result.code, result.output).toBe(0);
          expect(result.output).toContain("nothing was changed");
          noStackTrace(result);
          expect(await db.tables()).toEqual([]);
        });
      } finally {
        // the role's grants went with its database (dropped in the background: wait for it); a
        // role is the cluster's, so drop it from another
        await pendingDropsDone();
        const admin = await target.createDatabase();
        try {
          await admin.query(`DROP ROLE IF EXISTS ${role}`);
        } finally {
          await admin.drop();
        }
      }
    });
  });
});

describe("SQLite: a command that changes nothing creates nothing", () => {
  eachNamed(["sqlite"], (target) => {
    it("sqlite: repair with nothing to repair, and a refused resolve, create neither the database file nor the lock file", async () => {
      await using(target, { "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n" }, async (db, _project, cli) => {
        const dir = dirname(db.name);
        const repair = await cli(["repair", "--yes"]);
        expect(repair.code, repair.output).toBe(0);
        expect(repair.output).toContain("nothing to repair");
        expect(readdirSync(dir)).toEqual([]);
        for (const outcome of ["--applied", "--rolled-back"]) {
          const resolve = await cli(["resolve", "001", outcome]);
          expect(resolve.code, resolve.output).toBe(3);
          expect(resolve.output).toContain("no migration 001 is recorded");
          noStackTrace(resolve);
          expect(readdirSync(dir)).toEqual([]);
        }
        // once applied: resolve of a migration that is not dirty is refused and changes nothing
        expect((await cli(["up"])).code).toBe(0);
        const before = readdirSync(dir).sort();
        const resolve = await cli(["resolve", "001", "--applied"]);
        expect(resolve.code, resolve.output).toBe(3);
        expect(resolve.output).toContain("not dirty");
        expect(readdirSync(dir).sort()).toEqual(before);
      });
    });
  });
});
