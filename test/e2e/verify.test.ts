// `stratum verify` end to end on SQLite (its shadow is a database in memory): up → down → up of each
// migration must give back the schema it started from, and the target database is never touched.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const USERS = "-- migrate:up\ncreate table users (id integer primary key, email text, active integer);\n-- migrate:down\ndrop table users;\n";

const sql = (up: string, down: string | null): string => `-- migrate:up\n${up}\n${down === null ? "" : `-- migrate:down\n${down}\n`}`;

/** A project on a SQLite target file `app.db`; `fn` gets a CLI bound to it. */
async function using(migrations: Readonly<Record<string, string>>, fn: (cli: (args: readonly string[]) => Promise<CliResult>, project: Project) => Promise<void>): Promise<void> {
  const project = makeProject(migrations);
  try {
    await fn((args) => runCli([...args, "--url", "sqlite:./app.db"], { cwd: project.dir }), project);
  } finally {
    project.cleanup();
  }
}

function noStackTrace(result: CliResult): void {
  expect(result.stderr, result.output).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(result.output).not.toMatch(/internal error/i);
}

interface JsonReport {
  ok: boolean;
  shadow: { description: string; startMs: number };
  durationMs: number;
  migrations: {
    version: string;
    name: string;
    file: string;
    outcome: string;
    reason?: string;
    problems: string[];
    downDifferences: { change: string; kind: string; name: string }[];
    reupDifferences: unknown[];
    error?: { run: string; message: string };
  }[];
}

describe.concurrent("stratum verify (SQLite)", () => {
  it("a correct set passes, code (data) migrations included, and the target database is not created", async () => {
    const code = [
      "export async function up(ctx) {",
      "  await ctx.sql('create table audit (id integer primary key, note text)');",
      "  await ctx.sql(\"insert into audit (note) select email from users\");",
      "}",
      "export async function down(ctx) { await ctx.sql('drop table audit'); }",
      "",
    ].join("\n");
    const migrations = {
      "001_users.sql": USERS,
      "002_index.sql": sql("create index users_email_idx on users (email);\ncreate view active_users as select id from users where active = 1;", "drop view active_users;\ndrop index users_email_idx;"),
      "003_audit.ts": code,
    };
    await using(migrations, async (cli, project) => {
      const result = await cli(["verify"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(/^shadow: SQLite, in memory \(ready in .+\)$/m);
      for (const id of ["001_users", "002_index", "003_audit"]) expect(result.stdout).toMatch(new RegExp(`^  verified +${id}$`, "m"));
      expect(result.stdout).toMatch(/^ok: 3 verified \(3 migrations, .+\)$/m);
      expect(existsSync(join(project.dir, "app.db"))).toBe(false);
    });
  });

  const broken: readonly (readonly [what: string, files: Record<string, string>, sentence: string])[] = [
    [
      "a forgotten DROP INDEX",
      { "002_idx.sql": sql("create index users_email_idx on users (email);", "select 1;") },
      "down of 002_idx leaves index users_email_idx",
    ],
    [
      "a forgotten DROP TRIGGER",
      {
        "002_trg.sql": sql(
          "create table log (id integer);\ncreate trigger users_ai after insert on users begin insert into log (id) values (new.id); end;",
          "drop table log;",
        ),
      },
      "down of 002_trg leaves trigger users_ai",
    ],
    [
      "a forgotten DROP VIEW",
      { "002_view.sql": sql("create view active_users as select id from users where active = 1;", "select 1;") },
      "down of 002_view leaves view active_users",
    ],
    [
      "a down that drops an index that existed before",
      {
        "002_idx.sql": sql("create index users_email_idx on users (email);", "drop index users_email_idx;"),
        "003_t.sql": sql("create table t (a integer);", "drop table t;\ndrop index users_email_idx;"),
      },
      "down of 003_t drops index users_email_idx that existed before",
    ],
    [
      "a down that leaves a column",
      { "002_col.sql": sql("alter table users add column nick text;", "select 1;") },
      "down of 002_col leaves column users.nick",
    ],
    [
      "a second up that differs from the first",
      {
        "002_runs.sql": sql("create table runs (n integer);", "drop table runs;"),
        // data survives the down: the second up sees the first's row and makes another table
        "003_shape.ts": [
          "export async function up(ctx) {",
          "  const seen = await ctx.sql('select count(*) as n from runs');",
          "  await ctx.sql('insert into runs (n) values (1)');",
          "  await ctx.sql(Number(seen[0].n) === 0 ? 'create table t (a integer)' : 'create table t (a integer, b integer)');",
          "}",
          "export async function down(ctx) { await ctx.sql('drop table t'); }",
          "",
        ].join("\n"),
      },
      "second up of 003_shape leaves column t.b that the first up did not",
    ],
  ];

  for (const [what, files, sentence] of broken) {
    it(`${what} is caught, naming the migration, the kind and the object (exit 3)`, async () => {
      await using({ "001_users.sql": USERS, ...files }, async (cli) => {
        const result = await cli(["verify"]);
        noStackTrace(result);
        expect(result.code, result.output).toBe(3);
        expect(result.stdout).toContain(`      - ${sentence}`);
        expect(result.stdout).toMatch(/^verify failed: .*1 failed/m);
        const json = JSON.parse((await cli(["verify", "--json"])).stdout) as JsonReport;
        expect(json.ok).toBe(false);
        expect(json.migrations.flatMap((m) => m.problems)).toContain(sentence);
      });
    });
  }

  it("an irreversible migration and one opted out by the skip directive are applied and named as not verified", async () => {
    const migrations = {
      "001_users.sql": USERS,
      "002_seed.sql": sql("insert into users (email) values ('a@example.com');", null),
      "003_marked.sql": "-- stratum:irreversible\n" + sql("create table gone (a integer);", null),
      "004_skip.sql": "-- stratum:verify skip the down cannot restore the old emails\n" + sql("alter table users add column nick text;", "select 1;"),
      "005_code_skip.ts": "export const skipVerify = 'talks to an outside service';\nexport async function up(ctx) { await ctx.sql('create table ext (a integer)'); }\n",
      "006_after.sql": sql("create table after_all (a integer);", "drop table after_all;"),
    };
    await using(migrations, async (cli) => {
      const result = await cli(["verify"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(/^  not verified +002_seed: irreversible \(no down\)$/m);
      expect(result.stdout).toMatch(/^  not verified +003_marked: irreversible \(marked irreversible\)$/m);
      expect(result.stdout).toMatch(/^  not verified +004_skip: skipped: the down cannot restore the old emails$/m);
      expect(result.stdout).toMatch(/^  not verified +005_code_skip: skipped: talks to an outside service$/m);
      // what follows them is verified on the schema they made
      expect(result.stdout).toMatch(/^  verified +006_after$/m);
      expect(result.stdout).toMatch(/^ok: 2 verified, 4 not verified \(6 migrations/m);
    });
  });

  it("the skip directive without a reason is an error at file:line, and nothing runs", async () => {
    await using({ "001_users.sql": USERS, "002_x.sql": "-- a note\n-- stratum:verify skip\n" + sql("create table x (a integer);", "drop table x;") }, async (cli, project) => {
      const result = await cli(["verify"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toContain('"-- stratum:verify skip" gives no reason at 002_x.sql:2');
      expect(result.stderr).toContain("-- stratum:verify skip <reason>");
      expect(existsSync(join(project.dir, "app.db"))).toBe(false);
    });
  });

  it("a migration that fails on the shadow is reported with file:line and the server's message; verify stops there (exit 1)", async () => {
    const migrations = {
      "001_users.sql": USERS,
      "002_bad.sql": sql("create table ok (a integer);\ninsert into nosuch values (1);", "drop table ok;"),
      "003_later.sql": sql("create table later (a integer);", "drop table later;"),
    };
    await using(migrations, async (cli) => {
      const result = await cli(["verify"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(1);
      expect(result.stdout).toMatch(/^  FAILED +002_bad$/m);
      expect(result.stdout).toMatch(/up of 002_bad failed on the shadow database: .*002_bad\.sql:3.*no such table: nosuch/);
      expect(result.stdout).not.toContain("003_later");
    });
  });

  it("--from replays up to and including the version without checks, then verifies the rest; an unknown version is a usage error", async () => {
    const migrations = {
      "001_users.sql": USERS,
      // broken, but before --from: replayed, not checked
      "002_idx.sql": sql("create index users_email_idx on users (email);", "select 1;"),
      "003_t.sql": sql("create table t (a integer);", "drop table t;"),
    };
    await using(migrations, async (cli) => {
      const result = await cli(["verify", "--from", "002"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(/^  replayed +001_users$/m);
      expect(result.stdout).toMatch(/^  replayed +002_idx$/m);
      expect(result.stdout).toMatch(/^  verified +003_t$/m);
      expect(result.stdout).toMatch(/^ok: 1 verified, 2 replayed/m);

      const unknown = await cli(["verify", "--from", "042"]);
      noStackTrace(unknown);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/--from 042 matches no migration/);
      const both = await cli(["verify", "--from", "002", "--pending"]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain("--from and --pending cannot be used together");
    });
  });

  it("a migration that fails while replayed is reported as failed, those before it as replayed (exit 1)", async () => {
    const migrations = {
      "001_users.sql": USERS,
      "002_bad.sql": sql("insert into nosuch values (1);", "select 1;"),
      "003_t.sql": sql("create table t (a integer);", "drop table t;"),
    };
    await using(migrations, async (cli) => {
      const result = await cli(["verify", "--from", "003", "--json"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(1);
      const json = JSON.parse(result.stdout) as JsonReport;
      expect(json.migrations.map((m) => [m.version, m.outcome])).toEqual([
        ["001", "replayed"],
        ["002", "failed"],
      ]);
      expect(json.migrations[1]?.error).toMatchObject({ run: "up", message: expect.stringMatching(/002_bad\.sql:2.*no such table: nosuch/) });
    });
  });

  it("--pending replays what the target has applied and verifies the rest, without touching the target", async () => {
    const migrations = {
      "001_users.sql": USERS,
      "002_idx.sql": sql("create index users_email_idx on users (email);", "drop index users_email_idx;"),
      // (IF NOT EXISTS: the second up runs, and verify goes on to the next migration)
      "003_view.sql": sql("create view if not exists v as select id from users;", "select 1;"),
      "004_t.sql": sql("create table t (a integer);", "drop table t;"),
    };
    await using(migrations, async (cli, project) => {
      const applied = await cli(["up", "--to", "002"]);
      expect(applied.code, applied.output).toBe(0);
      const file = join(project.dir, "app.db");
      const digest = () => createHash("sha256").update(readFileSync(file)).digest("hex");
      const before = { digest: digest(), status: (await cli(["status", "--json"])).stdout, history: (await cli(["history", "--json"])).stdout };

      const result = await cli(["verify", "--pending", "--json"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(3);
      const json = JSON.parse(result.stdout) as JsonReport;
      expect(json.migrations.map((m) => [m.version, m.outcome])).toEqual([
        ["001", "replayed"],
        ["002", "replayed"],
        ["003", "failed"],
        ["004", "verified"],
      ]);
      expect(json.migrations[2]?.problems).toEqual(["down of 003_view leaves view v"]);

      expect(digest()).toBe(before.digest);
      expect((await cli(["status", "--json"])).stdout).toBe(before.status);
      expect((await cli(["history", "--json"])).stdout).toBe(before.history);
    });
  });

  it("--pending on a target that cannot be reached says so (exit 5) before a shadow is made", async () => {
    const project = makeProject({ "001_users.sql": USERS });
    try {
      // nothing listens on port 1: the target's history cannot be read
      const result = await runCli(["verify", "--pending", "--url", "postgres://postgres@127.0.0.1:1/app"], { cwd: project.dir });
      noStackTrace(result);
      expect(result.code, result.output).toBe(5);
      expect(result.stderr).toMatch(/^error: cannot connect to PostgreSQL at 127\.0\.0\.1:1/m);
    } finally {
      project.cleanup();
    }
  });

  it("--json: the report's shape", async () => {
    await using({ "001_users.sql": USERS, "002_col.sql": sql("alter table users add column nick text;", "select 1;") }, async (cli) => {
      const result = await cli(["verify", "--json"]);
      expect(result.code, result.output).toBe(3);
      const json = JSON.parse(result.stdout) as JsonReport;
      expect(json).toMatchObject({ ok: false, shadow: { description: "SQLite, in memory", startMs: expect.any(Number) }, durationMs: expect.any(Number) });
      expect(json.migrations[0]).toEqual({
        version: "001",
        name: "users",
        file: "001_users.sql",
        outcome: "verified",
        downDifferences: [],
        reupDifferences: [],
        problems: [],
      });
      expect(json.migrations[1]).toMatchObject({
        version: "002",
        outcome: "failed",
        downDifferences: [{ change: "added", kind: "column", name: "users.nick" }],
        error: { run: "second up", message: expect.stringMatching(/002_col\.sql:2.*duplicate column name: nick/) },
      });
    });
  });
});
