// `stratum schema load` on PostgreSQL and MySQL/MariaDB, through the built CLI: a file runs on any
// dialect (the servers' own dumpers come with their dialects; their round trips are tested there).

import { afterAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, type TestDb } from "../support/targets.js";

const projects: Project[] = [];
const databases: TestDb[] = [];
afterAll(async () => {
  for (const project of projects.splice(0)) project.cleanup();
  for (const db of databases.splice(0)) await db.drop();
});

function project(): { p: Project; cli: (args: string[]) => Promise<CliResult> } {
  const p = makeProject({ "001_t.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n" });
  projects.push(p);
  return { p, cli: (args) => runCli(args, { cwd: p.dir }) };
}

async function applied(cli: (args: string[]) => Promise<CliResult>, url: string): Promise<string[]> {
  const status = await cli(["status", "--url", url, "--json"]);
  expect(status.code, status.output).toBe(0);
  const report = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
  return report.migrations.filter((m) => m.state === "applied").map((m) => m.version);
}

eachTarget([await postgresTarget(), await mysqlTarget()], "schema load of a hand-written file", (target) => {
  describe.concurrent(`schema load on ${target.name}`, () => {
    const file = (last: string) =>
      `-- stratum schema: ${target.name}, version 001\n\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n\n${last}\n`;

    it("a failing statement is reported at file:line; with transactional DDL nothing stays, without it the message says what does", async () => {
      const { p, cli } = project();
      const db = await target.createDatabase();
      databases.push(db);
      p.write("broken.sql", file("CREATE TABLE bad (x nosuchtype);"));
      const failed = await cli(["schema", "load", "--file", "broken.sql", "--url", db.url]);
      expect(failed.code, failed.output).toBe(1);
      expect(failed.stderr).toContain("schema load failed at broken.sql:7 (statement 3 of 3): ");
      if (target.name === "postgres") {
        expect(failed.stderr).toContain("nothing was loaded (its transaction was rolled back)");
        expect(await db.tables()).toEqual([]);
      } else {
        expect(failed.stderr).toContain("the 2 statement(s) before it ran and stay (this database has no transactional DDL)");
        expect(await db.tables()).toEqual(["tags", "users"]);
      }
    });

    it("loads into an empty database and baselines it; refuses it afterwards", async () => {
      const { p, cli } = project();
      const db = await target.createDatabase();
      databases.push(db);
      p.write("good.sql", file("CREATE INDEX tags_id_idx ON tags (id);"));
      const loaded = await cli(["schema", "load", "--file", "good.sql", "--url", db.url]);
      expect(loaded.code, loaded.output).toBe(0);
      expect(loaded.stdout).toContain("3 statements; baselined at 001: 1 migration recorded as applied without running");
      expect(await db.tables()).toEqual(["stratum_log", "stratum_migrations", "stratum_migrations_schema", "tags", "users"]);
      expect(await applied(cli, db.url)).toEqual(["001"]);
      const again = await cli(["schema", "load", "--file", "good.sql", "--url", db.url]);
      expect(again.code, again.output).toBe(3);
      expect(again.stderr).toContain("already has a history (stratum_migrations); nothing was loaded");
    });
  });
});
