// Transaction control inside a migration Stratum runs in a transaction is refused before anything
// runs; a rehearsal cannot commit (and proves it changed nothing); a run that changes nothing
// creates no SQLite file.
// Every test has its own database and project directory, so the tests of a block run concurrently.

import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";
import { eachTarget } from "../support/each-target.js";

const targets: readonly Target[] = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

/** `eachTarget` over the named dialects of this file's targets. */
function eachNamed(names: readonly Target["name"][], body: (target: Target) => void): void {
  eachTarget(targets.filter((t) => names.includes(t.name)), "transaction-control tests", body);
}

interface World {
  readonly db: TestDb;
  readonly project: Project;
  cli(args: readonly string[]): Promise<CliResult>;
  /** Versions whose state is `applied`, from `status --json`. */
  applied(): Promise<string[]>;
  /** User tables other than Stratum's, lower-case and sorted (none for a SQLite file that does not exist). */
  tables(): Promise<string[]>;
}

async function world(target: Target, migrations: Readonly<Record<string, string>>): Promise<World> {
  const db = await target.createDatabase();
  const project = makeProject(migrations);
  const cli = (args: readonly string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
  return {
    db,
    project,
    cli,
    async applied() {
      const status = await cli(["status", "--json"]);
      expect(status.code, status.output).toBe(0);
      const parsed = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
      return parsed.migrations.filter((m) => m.state === "applied").map((m) => m.version);
    },
    async tables() {
      if (target.name === "sqlite" && !existsSync(db.name)) return [];
      return (await db.tables()).filter((t) => !t.startsWith("stratum_"));
    },
  };
}

async function using(target: Target, migrations: Readonly<Record<string, string>>, fn: (w: World) => Promise<void>): Promise<void> {
  const w = await world(target, migrations);
  try {
    await fn(w);
  } finally {
    await w.db.drop();
    w.project.cleanup();
  }
}

/** One clear sentence (on stderr; `validate` lists its problems on stdout), no stack trace. */
function expectSentence(result: CliResult, code: number, ...mentions: string[]): void {
  expect(result.code, result.output).toBe(code);
  for (const mention of mentions) expect(result.output).toContain(mention);
  expect(result.stderr, result.output).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(result.output).not.toMatch(/internal error/i);
}

const ISSUE_FILE =
  "-- migrate:up\nCREATE TABLE before_commit (id int);\nCOMMIT;\nCREATE TABLE after_commit (id int);\n-- migrate:down\nDROP TABLE after_commit;\n";
const FIX = "stratum:transaction off";

describe.concurrent("transaction control in a migration that runs in Stratum's transaction", () => {
  eachNamed(["sqlite", "postgres"], (target) => {
    it(`${target.name}: the issue's COMMIT is refused by validate, plan, up, --dry-run, rehearse and --single-transaction, with file:line; nothing runs`, async () => {
      await using(target, { "001_a.sql": ISSUE_FILE }, async (w) => {
        for (const args of [["validate"], ["plan"], ["up"], ["up", "--dry-run"], ["up", "--dry-run=rehearse"], ["up", "--single-transaction"]]) {
          const result = await w.cli(args);
          expectSentence(result, 3, "001_a.sql:3", "COMMIT", FIX);
        }
        expect(await w.tables()).toEqual([]);
        expect(await w.applied()).toEqual([]);
      });
    });

    it(`${target.name}: BEGIN … COMMIT followed by a failing statement is refused at the BEGIN; no table is committed`, async () => {
      await using(target, { "001_a.sql": "-- migrate:up\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nSELECT 1/0;\n" }, async (w) => {
        const result = await w.cli(["up"]);
        expectSentence(result, 3, "001_a.sql:2", "BEGIN", FIX);
        expect(result.stderr).toContain("001_a.sql:4"); // every refusal at once
        expect(await w.tables()).toEqual([]);
        expect(await w.applied()).toEqual([]);
      });
    });

    it(`${target.name}: a COMMIT in the down section is refused before the rollback runs (and already by up)`, async () => {
      const file = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\nEND;\n";
      await using(target, { "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n" }, async (w) => {
        expect((await w.cli(["up"])).code).toBe(0);
        // the file changed after it was applied: repair re-records it, then down must refuse
        w.project.migration("001_a.sql", file);
        expect((await w.cli(["repair", "--yes"])).code).toBe(0);
        for (const args of [["down"], ["down", "--dry-run"], ["plan", "--down"]]) {
          const result = await w.cli(args);
          expectSentence(result, 3, "001_a.sql:5", "END", FIX);
        }
        expect(await w.tables()).toEqual(["a"]);
        expect(await w.applied()).toEqual(["001"]);
      });
    });

    it(`${target.name}: every transaction-control statement of the dialect is refused at its line`, async () => {
      const statements =
        target.name === "postgres"
          ? ["START TRANSACTION", "END", "ROLLBACK", "ABORT", "COMMIT AND CHAIN", "begin work", "PREPARE TRANSACTION 'x'"]
          : ["BEGIN IMMEDIATE TRANSACTION", "END TRANSACTION", "ROLLBACK", "commit"];
      const files = Object.fromEntries(
        statements.map((s, i) => [`00${i + 1}_s${i + 1}.sql`, `-- migrate:up\nCREATE TABLE t${i + 1} (id int);\n\n${s};\n`]),
      );
      await using(target, files, async (w) => {
        const result = await w.cli(["validate"]);
        expect(result.code, result.output).toBe(3);
        for (const [i, s] of statements.entries()) {
          expect(result.output).toContain(`00${i + 1}_s${i + 1}.sql:4`);
          expect(result.output.toUpperCase()).toContain(s.split(" ")[0]?.toUpperCase() as string);
        }
        expectSentence(await w.cli(["up"]), 3, "001_s1.sql:4");
        expect(await w.tables()).toEqual([]);
      });
    });

    it(`${target.name}: the same words in strings, comments, savepoints, and function or trigger bodies are not refused`, async () => {
      const body =
        target.name === "postgres"
          ? [
              "CREATE TABLE notes (body text);",
              "-- COMMIT; is only a comment",
              "INSERT INTO notes VALUES ('BEGIN; COMMIT; ROLLBACK;');",
              "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$",
              "BEGIN",
              "  RETURN 1;",
              "END",
              "$$;",
              "SAVEPOINT s;",
              "INSERT INTO notes VALUES ('undone');",
              "ROLLBACK TO SAVEPOINT s;",
              "RELEASE SAVEPOINT s;",
            ]
          : [
              "CREATE TABLE notes (body text, n int);",
              "/* END; */ INSERT INTO notes VALUES ('BEGIN; COMMIT; ROLLBACK;', 0);",
              "CREATE TRIGGER bump AFTER INSERT ON notes",
              "BEGIN",
              "  UPDATE notes SET n = n + 1;",
              "END;",
              "SAVEPOINT s;",
              "INSERT INTO notes VALUES ('undone', 0);",
              "ROLLBACK TO s;",
              "RELEASE s;",
            ];
      await using(target, { "001_a.sql": `-- migrate:up\n${body.join("\n")}\n` }, async (w) => {
        const result = await w.cli(["up"]);
        expect(result.code, result.output).toBe(0);
        expect(await w.applied()).toEqual(["001"]);
        const rows = await w.db.query<{ body: string }>("SELECT body FROM notes");
        expect(rows.map((r) => r.body)).toEqual(["BEGIN; COMMIT; ROLLBACK;"]);
      });
    });

    it(`${target.name}: with -- stratum:transaction off, the migration's own BEGIN … COMMIT is its business`, async () => {
      const file = "-- stratum:transaction off\n-- migrate:up\nCREATE TABLE a (id int);\nBEGIN;\nINSERT INTO a VALUES (1);\nCOMMIT;\n";
      await using(target, { "001_a.sql": file }, async (w) => {
        const result = await w.cli(["up"]);
        expect(result.code, result.output).toBe(0);
        expect(await w.applied()).toEqual(["001"]);
        expect((await w.db.query("SELECT id FROM a")).length).toBe(1);
      });
    });

    it(`${target.name}: with transaction off, a failure inside the migration's own transaction rolls it back and is still recorded (failed, and in the log)`, async () => {
      const file = "-- stratum:transaction off\n-- migrate:up\nCREATE TABLE a (id int);\nBEGIN;\nINSERT INTO a VALUES (1);\nINSERT INTO nosuch VALUES (2);\nCOMMIT;\n";
      await using(target, { "001_a.sql": file }, async (w) => {
        expectSentence(await w.cli(["up"]), 1, "001_a.sql:6");
        const status = JSON.parse((await w.cli(["status", "--json"])).stdout) as { migrations: { state: string }[] };
        expect(status.migrations.map((m) => m.state)).toEqual(["failed"]);
        const log = await w.db.query<{ outcome: string }>("SELECT outcome FROM stratum_log WHERE version = '001'");
        expect(log.map((r) => r.outcome)).toContain("failure");
        expect(await w.db.query("SELECT id FROM a")).toEqual([]);
      });
    });

    it(`${target.name}: a code migration's ctx.sql("COMMIT") is refused before it runs; nothing of the migration stays`, async () => {
      const code = [
        "export async function up(ctx) {",
        "  await ctx.sql('CREATE TABLE a (id int)');",
        "  await ctx.sql('  commit');",
        "  await ctx.sql('CREATE TABLE b (id int)');",
        "}",
        "",
      ].join("\n");
      await using(target, { "001_a.mjs": code }, async (w) => {
        const result = await w.cli(["up"]);
        expectSentence(result, 1, "001_a.mjs:3", "COMMIT", FIX);
        expect(await w.tables()).toEqual([]);
        expect(await w.applied()).toEqual([]);
      });
    });

    it(`${target.name}: a rehearsal that commits behind Stratum's back (the raw client) fails loudly, exit 1, and cannot commit`, async () => {
      const commit = target.name === "postgres" ? "await ctx.client.query('COMMIT')" : "ctx.client.exec('COMMIT')";
      const code = [
        "export async function up(ctx) {",
        "  await ctx.sql('CREATE TABLE sneaky (id int)');",
        `  ${commit};`,
        "}",
        "",
      ].join("\n");
      await using(target, { "001_a.mjs": code }, async (w) => {
        const result = await w.cli(["up", "--dry-run=rehearse"]);
        expectSentence(result, 1, "rehearsal", "cannot commit", "ctx.client");
        expect(result.output).not.toContain("nothing was changed");
        expect(await w.tables()).toEqual([]);
        expect(await w.applied()).toEqual([]);
      });
    });

    it(`${target.name}: a clean rehearsal still passes and leaves nothing behind`, async () => {
      await using(target, { "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n" }, async (w) => {
        const result = await w.cli(["up", "--dry-run=rehearse"]);
        expect(result.code, result.output).toBe(0);
        expect(await w.tables()).toEqual([]);
        expect(await w.applied()).toEqual([]);
      });
    });
  });
});

describe.concurrent("MySQL/MariaDB runs migrations without a Stratum transaction", () => {
  eachNamed(["mysql"], (target) => {
    it("mysql: a migration's own START TRANSACTION … COMMIT is allowed and applies", async () => {
      const file = "-- migrate:up\nCREATE TABLE a (id int);\nSTART TRANSACTION;\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\nCOMMIT;\n";
      await using(target, { "001_a.sql": file }, async (w) => {
        const result = await w.cli(["up"]);
        expect(result.code, result.output).toBe(0);
        expect(await w.applied()).toEqual(["001"]);
        expect((await w.db.query("SELECT id FROM a")).length).toBe(2);
      });
    });

    it("mysql: a failure inside the migration's own transaction rolls it back and is still recorded (failed, and in the log)", async () => {
      const file = "-- migrate:up\nCREATE TABLE a (id int);\nSTART TRANSACTION;\nINSERT INTO a VALUES (1);\nINSERT INTO nosuch VALUES (2);\nCOMMIT;\n";
      await using(target, { "001_a.sql": file }, async (w) => {
        const result = await w.cli(["up"]);
        expectSentence(result, 1, "001_a.sql:5");
        const status = JSON.parse((await w.cli(["status", "--json"])).stdout) as { migrations: { state: string }[]; dirty: boolean };
        expect(status.migrations.map((m) => m.state)).toEqual(["failed"]);
        const log = await w.db.query<{ outcome: string }>("SELECT outcome FROM stratum_log WHERE version = '001'");
        expect(log.map((r) => r.outcome)).toContain("failure");
        expect(await w.db.query("SELECT id FROM a")).toEqual([]);
      });
    });

    it("mysql: SET autocommit = 0 is refused before anything runs, with file:line", async () => {
      const file = "-- migrate:up\nCREATE TABLE a (id int);\nSET SESSION autocommit = 0;\nINSERT INTO a VALUES (1);\n";
      await using(target, { "001_a.sql": file }, async (w) => {
        for (const args of [["validate"], ["plan"], ["up", "--dry-run"], ["up"]]) {
          expectSentence(await w.cli(args), 3, "001_a.sql:3", "autocommit");
        }
        expect(await w.tables()).toEqual([]);
        expect(await w.applied()).toEqual([]);
      });
    });
  });
});

describe.concurrent("SQLite: a run that changes nothing creates nothing", () => {
  eachNamed(["sqlite"], (target) => {
    it("sqlite: a refused up, a rehearsal, a dry run, validate, plan and status create neither the database file nor the lock file", async () => {
      await using(target, { "001_a.sql": ISSUE_FILE }, async (w) => {
        const dir = dirname(w.db.name);
        expectSentence(await w.cli(["up"]), 3, "001_a.sql:3");
        expectSentence(await w.cli(["up", "--dry-run=rehearse"]), 3, "001_a.sql:3");
        w.project.migration("001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
        for (const args of [["up", "--dry-run=rehearse"], ["up", "--dry-run"], ["validate"], ["plan"], ["status"]]) {
          const result = await w.cli(args);
          expect(result.code, `${args.join(" ")}\n${result.output}`).toBe(0);
          expect(readdirSync(dir), args.join(" ")).toEqual([]);
        }
        expect((await w.cli(["up", "--dry-run=rehearse"])).stdout).toMatch(/rehears/i);
        // any refusal found in the files alone, and a rollback of nothing
        w.project.migration("002_b.sql", "-- stratum:frobnicate yes\n-- migrate:up\nCREATE TABLE b (id int);\n");
        expectSentence(await w.cli(["up"]), 3, "002_b.sql:1");
        expect(readdirSync(dir)).toEqual([]);
        w.project.remove("migrations/002_b.sql");
        const down = await w.cli(["down"]);
        expect(down.code, down.output).not.toBe(1);
        expect(readdirSync(dir)).toEqual([]);
        // the real run creates the file, and the tables
        expect((await w.cli(["up"])).code).toBe(0);
        expect(await w.tables()).toEqual(["a"]);
      });
    });

    it("sqlite: a refused up on an existing database changes neither the file nor the lock file", async () => {
      await using(target, { "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n" }, async (w) => {
        expect((await w.cli(["up"])).code).toBe(0);
        const dir = dirname(w.db.name);
        const before = readdirSync(dir).sort();
        w.project.migration("002_b.sql", ISSUE_FILE);
        expectSentence(await w.cli(["up"]), 3, "002_b.sql:3");
        expect(readdirSync(dir).sort()).toEqual(before);
        expect(await w.applied()).toEqual(["001"]);
      });
    });
  });
});
