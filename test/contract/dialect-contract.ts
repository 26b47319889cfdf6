import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, test as baseTest } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import type { Target, TestDb } from "../support/targets.js";
import { describeConnectionContract } from "./connection-contract.js";

interface StatusJson {
  migrations: { version: string; name: string; state: string; checksum: string | null; appliedAt: string | null; durationMs: number | null }[];
  pending: number;
  dirty: boolean;
}

/** One contract test's world: its own database and project, and the CLI pointed at both. */
interface ContractWorld {
  db: TestDb;
  project: Project;
  cli(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  states(): Promise<{ version: string; state: string }[]>;
  statusJson(): Promise<StatusJson>;
}

/** A code migration that creates `holding` once it runs, then waits until `release` exists. */
function holdUntilReleased(holding: string, release: string): string {
  return [
    'import { existsSync, writeFileSync } from "node:fs";',
    "export async function up() {",
    `  writeFileSync(${JSON.stringify(holding)}, "");`,
    `  while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));`,
    "}",
    "export async function down() {}",
    "",
  ].join("\n");
}

/** Resolves once `path` exists; rejects if `ended` (the process that should create it) settles first, or after 30 s. */
async function untilFile(path: string, ended: Promise<unknown>): Promise<void> {
  let over: string | null = null;
  void ended.then(
    () => (over = `the process ended before ${path} appeared`),
    () => (over = `the process failed before ${path} appeared`),
  );
  const deadline = Date.now() + 30_000;
  while (!existsSync(path)) {
    if (over !== null) throw new Error(over);
    if (Date.now() > deadline) throw new Error(`${path} did not appear within 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The behaviour of Stratum, written once and run against every dialect (SQLite, PostgreSQL,
 * MariaDB). Every test gets a fresh database and a fresh project directory, and drives the built
 * CLI as a user would.
 */
export function describeDialectContract(target: Target): void {
  if (target.unreachable !== null) {
    if (process.env["CI"] === "true") {
      describe(`${target.name} contract`, () => {
        it("needs its database server", () => {
          throw new Error(`${target.unreachable} (CI=true: an unreachable server fails the run)`);
        });
      });
    } else {
      console.warn(`\n[stratum tests] SKIPPING the ${target.name} contract suite: ${target.unreachable}\n`);
      describe.skipIf(true)(`${target.name} contract (server unreachable)`, () => {
        it("runs when the server is reachable", () => undefined);
      });
    }
    return;
  }

  describeConnectionContract(target);

  const transactional = target.name !== "mysql";
  const dropIndex = (name: string, table: string) =>
    target.name === "mysql" ? `DROP INDEX ${name} ON ${table};` : `DROP INDEX ${name};`;

  // every test has its own database and project directory (fixtures), so the tests run concurrently
  describe.concurrent(`${target.name} contract`, () => {
    const basic = {
      "001_create_users.sql": [
        "-- migrate:up",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL);",
        "CREATE INDEX users_email_idx ON users (email);",
        "",
        "-- migrate:down",
        dropIndex("users_email_idx", "users"),
        "DROP TABLE users;",
        "",
      ].join("\n"),
      "002_create_products.up.sql": "CREATE TABLE products (id INTEGER PRIMARY KEY, title VARCHAR(200));\n",
      "002_create_products.down.sql": "DROP TABLE products;\n",
      "003_seed_users.ts": [
        "export const dependsOn = ['001'];",
        "export async function up(ctx) {",
        "  await ctx.sql('INSERT INTO users (id, email) VALUES (?, ?)', [1, 'a@example.com']);",
        "  await ctx.sql('INSERT INTO users (id, email) VALUES (?, ?)', [2, 'b?@example.com']);",
        "}",
        "export async function down(ctx) {",
        "  await ctx.sql('DELETE FROM users WHERE id IN (?, ?)', [1, 2]);",
        "}",
        "",
      ].join("\n"),
    };

    const it = baseTest.extend<ContractWorld>({
      // eslint-disable-next-line no-empty-pattern
      db: async ({}, use) => {
        const db = await target.createDatabase();
        try {
          await use(db);
        } finally {
          await db.drop();
        }
      },
      // eslint-disable-next-line no-empty-pattern
      project: async ({}, use) => {
        const project = makeProject(basic);
        try {
          await use(project);
        } finally {
          project.cleanup();
        }
      },
      cli: async ({ db, project }, use) => {
        await use((args, env = {}) => runCli([...args, "--url", db.url], { cwd: project.dir, env }));
      },
      states: async ({ db }, use) => {
        await use(async () => db.query<{ version: string; state: string }>("select version, state from stratum_migrations order by version"));
      },
      statusJson: async ({ cli }, use) => {
        await use(async () => {
          const result = await cli(["status", "--json"]);
          expect(result.code, result.stderr).toBe(0);
          return JSON.parse(result.stdout) as StatusJson;
        });
      },
    });

    it("applies SQL (both layouts) and TypeScript migrations, then reports them in status --json", async ({ db, cli, states, statusJson }) => {
      const up = await cli(["up"]);
      expect(up.code, up.output).toBe(0);
      expect(await db.tables()).toEqual(expect.arrayContaining(["users", "products", "stratum_migrations", "stratum_log"]));
      const users = await db.query<{ email: string }>("select email from users order by id");
      expect(users.map((u) => u.email)).toEqual(["a@example.com", "b?@example.com"]);
      const status = await statusJson();
      expect(status.pending).toBe(0);
      expect(status.dirty).toBe(false);
      expect(status.migrations.map((m) => [m.version, m.name, m.state])).toEqual([
        ["001", "create_users", "applied"],
        ["002", "create_products", "applied"],
        ["003", "seed_users", "applied"],
      ]);
      for (const m of status.migrations) {
        expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(m.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(typeof m.durationMs).toBe("number");
      }
      expect(await states()).toEqual([
        { version: "001", state: "applied" },
        { version: "002", state: "applied" },
        { version: "003", state: "applied" },
      ]);
    });

    it("is a quiet no-op when nothing is pending, and logs every attempt", async ({ db, cli }) => {
      expect((await cli(["up"])).code).toBe(0);
      const again = await cli(["up"]);
      expect(again.code, again.output).toBe(0);
      const log = await db.query<{ operation: string; outcome: string }>(
        "select operation, outcome from stratum_log where operation = 'apply' order by id",
      );
      expect(log).toHaveLength(3);
      expect(log.every((row) => row.outcome === "success")).toBe(true);
    });

    it("shows pending migrations before anything is applied, without creating tables", async ({ db, statusJson }) => {
      const status = await statusJson();
      expect(status.pending).toBe(3);
      expect(status.migrations.every((m) => m.state === "pending")).toBe(true);
      expect(await db.tables()).toEqual([]);
    });

    it("up --dry-run prints the SQL with file:line and changes nothing", async ({ db, cli }) => {
      const result = await cli(["up", "--dry-run"]);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain("CREATE TABLE users");
      expect(result.stdout).toContain("001_create_users.sql:2");
      expect(await db.tables()).toEqual([]);
    });

    it("a syntax error inside a later, multi-line statement names the statement's line, or the error's own where the server gives it", async ({ db, project, cli }) => {
      project.migration(
        "004_syntax.sql",
        ["-- migrate:up", "CREATE TABLE syntax_a (id INTEGER PRIMARY KEY);", "INSERT INTO syntax_a", "  VALUES (1)", "  WHERE;", "", "-- migrate:down", "DROP TABLE syntax_a;", ""].join("\n"),
      );
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(1);
      // PostgreSQL points at the token (line 5); SQLite names the statement (line 3)
      const line = target.name === "postgres" ? 5 : target.name === "sqlite" ? 3 : undefined;
      if (line === undefined) expect(result.stderr).toMatch(/004_syntax\.sql:[345]\b/);
      else expect(result.stderr).toContain(`004_syntax.sql:${line} (statement 2 of 2)`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      if (transactional) expect(await db.tables()).not.toContain("syntax_a");
    });

    it("up --to and --step apply only part of the plan", async ({ cli, states }) => {
      expect((await cli(["up", "--to", "001"])).code).toBe(0);
      expect((await states()).map((r) => r.version)).toEqual(["001"]);
      expect((await cli(["up", "--step", "1"])).code).toBe(0);
      expect((await states()).map((r) => r.version)).toEqual(["001", "002"]);
    });

    it("a statement failing on line 4 names file:4, exits 1, and leaves the failed migration visible or traceless", async ({ db, project, cli, states }) => {
      project.migration(
        "004_broken.sql",
        ["-- migrate:up", "CREATE TABLE broken_a (id INTEGER PRIMARY KEY);", "", "INSERT INTO no_such_table VALUES (1);", "", "-- migrate:down", "DROP TABLE broken_a;", ""].join("\n"),
      );
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toContain("004_broken.sql:4");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      const rows = await states();
      expect(rows.filter((r) => r.state === "applied").map((r) => r.version)).toEqual(["001", "002", "003"]);
      const log = await db.query<{ version: string; outcome: string }>("select version, outcome from stratum_log where outcome = 'failure'");
      expect(log.map((r) => r.version)).toEqual(["004"]);
      if (transactional) {
        expect(await db.tables()).not.toContain("broken_a");
        expect(rows.find((r) => r.version === "004")).toBeUndefined();
      } else {
        expect(rows.find((r) => r.version === "004")?.state).toBe("failed");
        const blocked = await cli(["up"]);
        expect(blocked.code, blocked.output).toBe(3);
        expect(blocked.stderr).toContain("stratum resolve 004");
        project.migration(
          "004_broken.sql",
          ["-- migrate:up", "CREATE TABLE IF NOT EXISTS broken_a (id INTEGER PRIMARY KEY);", "", "INSERT INTO broken_a VALUES (1);", "", "-- migrate:down", "DROP TABLE broken_a;", ""].join("\n"),
        );
        const resolved = await cli(["resolve", "004", "--rolled-back", "--yes"]);
        expect(resolved.code, resolved.output).toBe(0);
        const retried = await cli(["up"]);
        expect(retried.code, retried.output).toBe(0);
        expect((await states()).find((r) => r.version === "004")?.state).toBe("applied");
      }
    });

    it("refuses to run when an applied file was edited, naming the file and both checksums, until repair", async ({ db, project, cli, statusJson }) => {
      expect((await cli(["up"])).code).toBe(0);
      project.migration("002_create_products.up.sql", "CREATE TABLE products (id INTEGER PRIMARY KEY, title VARCHAR(250));\n");
      project.migration("004_more.sql", "-- migrate:up\nCREATE TABLE more_things (id INTEGER);\n-- migrate:down\nDROP TABLE more_things;\n");
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toContain("002_create_products");
      expect(result.stderr).toMatch(/[0-9a-f]{8}/);
      expect(result.stderr).toContain("stratum repair");
      expect(await db.tables()).not.toContain("more_things");
      expect((await statusJson()).migrations.find((m) => m.version === "002")?.state).toBe("changed");
      const repair = await cli(["repair", "--yes"]);
      expect(repair.code, repair.output).toBe(0);
      const logged = await db.query<{ operation: string }>("select operation from stratum_log where operation = 'repair'");
      expect(logged).toHaveLength(1);
      expect((await cli(["up"])).code).toBe(0);
      expect(await db.tables()).toContain("more_things");
    });

    it("reports a missing applied file as missing", async ({ project, cli, statusJson }) => {
      expect((await cli(["up"])).code).toBe(0);
      project.remove("migrations/003_seed_users.ts");
      const status = await statusJson();
      expect(status.migrations.find((m) => m.version === "003")?.state).toBe("missing");
      const validate = await cli(["validate"]);
      expect(validate.code).toBe(3);
      expect(validate.stderr + validate.stdout).toContain("003");
    });

    it("down --to, --step, --batch and --all roll back in reverse order", async ({ db, cli, states }) => {
      expect((await cli(["up", "--to", "002"])).code).toBe(0);
      expect((await cli(["up"])).code).toBe(0);
      const batch = await cli(["down", "--batch", "--yes"]);
      expect(batch.code, batch.output).toBe(0);
      expect((await states()).filter((r) => r.state === "applied").map((r) => r.version)).toEqual(["001", "002"]);
      expect((await cli(["up"])).code).toBe(0);
      const to = await cli(["down", "--to", "001"]);
      expect(to.code, to.output).toBe(0);
      expect((await states()).filter((r) => r.state === "applied").map((r) => r.version)).toEqual(["001"]);
      expect(await db.tables()).not.toContain("products");
      expect((await cli(["up"])).code).toBe(0);
      expect((await cli(["down", "--step", "2"])).code).toBe(0);
      expect((await states()).filter((r) => r.state === "applied").map((r) => r.version)).toEqual(["001"]);
      const all = await cli(["down", "--all"]);
      expect(all.code, all.output).toBe(0);
      expect((await states()).filter((r) => r.state === "applied")).toEqual([]);
      expect(await db.tables()).not.toContain("users");
      const rollbacks = await db.query("select version from stratum_log where operation = 'rollback' and outcome = 'success'");
      expect(rollbacks.length).toBe(1 + 2 + 2 + 1);
    });

    it("down lists every obstacle at once and changes nothing", async ({ db, project, cli, states }) => {
      project.migration("004_no_down.sql", "-- migrate:up\nCREATE TABLE t4 (id INTEGER);\n");
      project.migration("005_irreversible.sql", "-- stratum:irreversible\n-- migrate:up\nCREATE TABLE t5 (id INTEGER);\n-- migrate:down\nDROP TABLE t5;\n");
      expect((await cli(["up"])).code).toBe(0);
      const result = await cli(["down", "--all"]);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toContain("004_no_down");
      expect(result.stderr).toContain("005_irreversible");
      expect((await states()).filter((r) => r.state === "applied")).toHaveLength(5);
      expect(await db.tables()).toContain("t5");
    });

    it("redo rolls back and re-applies the newest migration", async ({ db, cli, states }) => {
      expect((await cli(["up"])).code).toBe(0);
      const result = await cli(["redo"]);
      expect(result.code, result.output).toBe(0);
      expect((await states()).map((r) => r.state)).toEqual(["applied", "applied", "applied"]);
      expect(await db.query("select id from users")).toHaveLength(2);
    });

    it("rejects duplicate versions naming both files, changing nothing", async ({ db, project, cli }) => {
      project.migration("1_duplicate.sql", "-- migrate:up\nCREATE TABLE dup (id INTEGER);\n");
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toContain("001_create_users.sql");
      expect(result.stderr).toContain("1_duplicate.sql");
      expect(await db.tables()).toEqual([]);
    });

    it("rejects a dependency on a later migration", async ({ db, project, cli }) => {
      project.migration("004_early.sql", "-- stratum:depends 005\n-- migrate:up\nCREATE TABLE early (id INTEGER);\n");
      project.migration("005_late.sql", "-- migrate:up\nCREATE TABLE late (id INTEGER);\n");
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toContain("004_early");
      expect(result.stderr).toContain("005");
      expect(await db.tables()).toEqual([]);
    });

    it("a failing verify section rolls the migration back (or marks it failed without transactional DDL)", async ({ db, project, cli, states }) => {
      project.migration("004_checked.sql", "-- migrate:up\nCREATE TABLE checked (id INTEGER);\n-- migrate:down\nDROP TABLE checked;\n-- migrate:verify\nSELECT count(*) = 1 FROM checked;\n");
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toContain("004_checked.sql:6");
      const row = (await states()).find((r) => r.version === "004");
      if (transactional) {
        expect(row).toBeUndefined();
        expect(await db.tables()).not.toContain("checked");
      } else {
        expect(row?.state).toBe("failed");
      }
    });

    it("a second run waiting for the lock gives up with exit 4", async ({ project, cli, states }) => {
      // the first run holds the lock inside 004 until the test releases it (no fixed sleeps)
      const holding = join(project.dir, "holding");
      const release = join(project.dir, "release");
      project.migration("004_slow.ts", holdUntilReleased(holding, release));
      expect((await cli(["up", "--to", "003"])).code).toBe(0);
      const first = cli(["up"]);
      try {
        await untilFile(holding, first);
        const second = await cli(["up", "--lock-timeout", "500"]);
        expect(second.code, second.output).toBe(4);
        expect(second.stderr).toMatch(/lock/i);
      } finally {
        writeFileSync(release, "");
      }
      const firstResult = await first;
      expect(firstResult.code, firstResult.output).toBe(0);
      expect((await states()).map((r) => r.version)).toEqual(["001", "002", "003", "004"]);
    });

    it("a run killed mid-migration leaves no stale lock: the next run does not wait for it", async ({ db, project, cli, states }) => {
      // 004 signals once its first statement ran, then hangs: the kill lands mid-migration, lock held
      const inside = join(project.dir, "inside");
      project.migration(
        "004_slow.ts",
        `import { writeFileSync } from "node:fs";\nexport async function up(ctx) {\n  await ctx.sql('CREATE TABLE slow_t (id INTEGER)');\n  writeFileSync(${JSON.stringify(inside)}, "");\n  await new Promise((r) => setTimeout(r, 20000));\n}\nexport async function down() {}\n`,
      );
      expect((await cli(["up", "--to", "003"])).code).toBe(0);
      const { spawn } = await import("node:child_process");
      const { BIN } = await import("../support/cli.js");
      const child = spawn(process.execPath, [BIN, "up", "--url", db.url], { cwd: project.dir, stdio: "ignore" });
      const closed = new Promise((r) => child.on("close", r));
      await untilFile(inside, closed);
      child.kill("SIGKILL");
      await closed;
      project.migration("004_slow.ts", "export async function up(ctx) {\n  await ctx.sql('CREATE TABLE IF NOT EXISTS slow_t (id INTEGER)');\n}\nexport async function down() {}\n");
      const started = Date.now();
      const next = await cli(["up", "--lock-timeout", "3000"]);
      expect(Date.now() - started).toBeLessThan(10_000);
      if (transactional) {
        expect(next.code, next.output).toBe(0);
        expect((await states()).map((r) => [r.version, r.state])).toContainEqual(["004", "applied"]);
      } else {
        // MySQL committed the DDL: the migration is visibly dirty, never silently re-run
        expect(next.code, next.output).toBe(3);
        expect(next.stderr).toContain("stratum resolve 004");
      }
    });

    it("up --backup writes a backup before migrating and records it in the log", async ({ db, cli }) => {
      expect((await cli(["up", "--to", "001"])).code).toBe(0);
      const result = await cli(["up", "--backup"]);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/backup written to .*backups/);
      const logged = await db.query<{ details: string }>("select details from stratum_log where operation = 'backup'");
      expect(logged).toHaveLength(1);
      expect(logged[0]?.details).toContain("backups");
    });

    it("8 simultaneous up processes apply every migration exactly once", async ({ db, cli }) => {
      const results = await Promise.all(Array.from({ length: 8 }, () => cli(["up", "--lock-timeout", "60000"])));
      for (const result of results) expect(result.code, result.output).toBe(0);
      const applies = await db.query<{ version: string }>(
        "select version from stratum_log where operation = 'apply' and outcome = 'success' order by version",
      );
      expect(applies.map((r) => r.version)).toEqual(["001", "002", "003"]);
      expect(await db.query("select id from users")).toHaveLength(2);
    });

    it("baseline marks migrations applied without running them", async ({ db, cli, states }) => {
      const result = await cli(["baseline", "002", "--yes"]);
      expect(result.code, result.output).toBe(0);
      expect((await states()).map((r) => [r.version, r.state])).toEqual([
        ["001", "applied"],
        ["002", "applied"],
      ]);
      expect(await db.tables()).not.toContain("users");
      const log = await db.query<{ operation: string }>("select operation from stratum_log");
      expect(log.map((r) => r.operation)).toEqual(["baseline"]);
    });

    it("history and stats report the log as JSON", async ({ cli }) => {
      expect((await cli(["up"])).code).toBe(0);
      expect((await cli(["down", "--step", "1"])).code).toBe(0);
      const history = await cli(["history", "--json"]);
      expect(history.code, history.output).toBe(0);
      const entries = JSON.parse(history.stdout) as { operation: string; version: string; outcome: string }[];
      expect(entries.map((e) => `${e.operation}:${e.version}`)).toEqual(["apply:001", "apply:002", "apply:003", "rollback:003"]);
      const stats = await cli(["stats", "--json"]);
      expect(stats.code, stats.output).toBe(0);
      const parsed = JSON.parse(stats.stdout) as { applied: number; pending: number; rollbacks: number };
      expect(parsed).toMatchObject({ applied: 2, pending: 1, rollbacks: 1 });
    });

    it("up --json prints NDJSON events ending with run:end", async ({ cli }) => {
      const result = await cli(["up", "--json"]);
      expect(result.code, result.output).toBe(0);
      const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; applied?: number });
      const types = events.map((e) => e.type);
      expect(types.indexOf("run:start")).toBeGreaterThanOrEqual(0);
      expect(types.indexOf("run:start")).toBeLessThan(types.indexOf("migration:start"));
      expect(events.filter((e) => e.type === "migration:end")).toHaveLength(3);
      expect(events.at(-1)).toMatchObject({ type: "run:end", applied: 3 });
    });

    it("quotes configured table names so hostile names are harmless", async ({ db, cli }) => {
      await db.query("CREATE TABLE victim (id INTEGER)");
      const hostile = target.name === "mysql" ? "x`; drop table victim; --" : 'x"; drop table victim; --';
      const up = await cli(["up", "--table", hostile, "--log-table", `${hostile}_log`]);
      expect(up.code, up.output).toBe(0);
      expect(await db.tables()).toContain("victim");
      const status = await cli(["status", "--json", "--table", hostile, "--log-table", `${hostile}_log`]);
      expect(status.code, status.output).toBe(0);
      expect((JSON.parse(status.stdout) as { pending: number }).pending).toBe(0);
    });

    it("a failing statement in a code migration names the migration and leaves it unapplied", async ({ project, cli }) => {
      project.migration("004_bad_code.ts", "export async function up(ctx) {\n  await ctx.sql('INSERT INTO nowhere VALUES (1)');\n}\n");
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toContain("004_bad_code");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it("the splitter's hard cases run for real", async ({ db, project, cli }) => {
      const hard: Record<string, string> = {
        sqlite: [
          "-- migrate:up",
          "CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT);",
          "CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN",
          "  INSERT INTO audit (note) VALUES ('new user; id=' || NEW.id);",
          "  INSERT INTO audit (note) VALUES (CASE WHEN NEW.id > 0 THEN 'positive' ELSE 'other' END);",
          "END;",
          "INSERT INTO users (id, email) VALUES (10, 'semi;colon@example.com');",
          "",
        ].join("\n"),
        postgres: [
          "-- migrate:up",
          "CREATE TABLE audit (id serial PRIMARY KEY, note text);",
          "CREATE FUNCTION note_user() RETURNS trigger AS $body$",
          "BEGIN",
          "  INSERT INTO audit (note) VALUES ('new user; id=' || NEW.id);",
          "  RETURN NEW;",
          "END;",
          "$body$ LANGUAGE plpgsql;",
          "CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION note_user();",
          "DO $$ BEGIN INSERT INTO audit (note) VALUES ('do; block'); END $$;",
          "/* a /* nested */ comment; */",
          "INSERT INTO users (id, email) VALUES (10, E'semi;colon\\'s@example.com');",
          "",
        ].join("\n"),
        mysql: [
          "-- migrate:up",
          "CREATE TABLE audit (id INTEGER AUTO_INCREMENT PRIMARY KEY, note TEXT);",
          "DELIMITER $$",
          "CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW",
          "BEGIN",
          "  INSERT INTO audit (note) VALUES (CONCAT('new user; id=', NEW.id));",
          "END$$",
          "DELIMITER ;",
          "# a hash comment; with a semicolon",
          "INSERT INTO users (id, email) VALUES (10, 'semi;colon\\'s@example.com');",
          "",
        ].join("\n"),
      };
      project.migration("004_hard.sql", hard[target.name] as string);
      const result = await cli(["up"]);
      expect(result.code, result.output).toBe(0);
      const notes = await db.query<{ note: string }>("select note from audit order by id");
      expect(notes.map((n) => n.note)).toContain("new user; id=10");
    });

    it("graph mode reports two unrelated migrations touching one table, naming both and the table", async ({ project, cli, states }) => {
      project.migration("004_add_phone.sql", "-- stratum:depends 001\n-- migrate:up\nALTER TABLE users ADD COLUMN phone VARCHAR(40);\n");
      project.migration("005_add_city.sql", "-- stratum:depends 001\n-- migrate:up\nALTER TABLE users ADD COLUMN city VARCHAR(40);\n");
      const validate = await cli(["validate", "--ordering", "graph"]);
      expect(validate.code, validate.output).toBe(0);
      expect(validate.output).toContain("004_add_phone");
      expect(validate.output).toContain("005_add_city");
      expect(validate.output).toContain("users");
      const strict = await cli(["validate", "--ordering", "graph", "--strict"]);
      expect(strict.code, strict.output).toBe(3);
      const up = await cli(["up", "--ordering", "graph"]);
      expect(up.code, up.output).toBe(0);
      expect((await states()).filter((r) => r.state === "applied")).toHaveLength(5);
    });

    it("graph mode prints a dependency cycle with its whole path", async ({ db, project, cli }) => {
      project.migration("004_a.sql", "-- stratum:depends 006\n-- migrate:up\nCREATE TABLE a4 (id INTEGER);\n");
      project.migration("005_b.sql", "-- stratum:depends 004\n-- migrate:up\nCREATE TABLE b5 (id INTEGER);\n");
      project.migration("006_c.sql", "-- stratum:depends 005\n-- migrate:up\nCREATE TABLE c6 (id INTEGER);\n");
      const result = await cli(["up", "--ordering", "graph"]);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toMatch(/004_a → 006_c → 005_b → 004_a|004_a → 005_b → 006_c → 004_a|005_b → 004_a → 006_c → 005_b/);
      expect(await db.tables()).toEqual([]);
    });

    it("graph --format mermaid draws dependencies and states", async ({ cli }) => {
      expect((await cli(["up", "--to", "002"])).code).toBe(0);
      const result = await cli(["graph", "--format", "mermaid"]);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(/^graph TD/m);
      expect(result.stdout).toContain("001_create_users");
      expect(result.stdout).toContain("applied");
      expect(result.stdout).toContain("pending");
    });

    if (target.name !== "sqlite") {
      it("up --parallel runs independent chains on separate connections, with the same result as a serial run", async ({ db, project, cli, states }) => {
        const sleep = target.name === "postgres" ? "SELECT pg_sleep(0.3);" : "SELECT SLEEP(0.3);";
        for (let chain = 0; chain < 4; chain++) {
          for (let link = 0; link < 2; link++) {
            const version = String(10 + chain * 2 + link).padStart(3, "0");
            const depends = link === 0 ? "001" : String(10 + chain * 2).padStart(3, "0");
            project.migration(
              `${version}_chain${chain}_${link}.sql`,
              `-- stratum:depends ${depends}\n-- migrate:up\n${sleep}\nCREATE TABLE c${chain}_${link} (id INTEGER);\n-- migrate:down\nDROP TABLE c${chain}_${link};\n`,
            );
          }
        }
        const result = await cli(["up", "--ordering", "graph", "--parallel", "4", "--json"]);
        expect(result.code, result.output).toBe(0);
        const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; worker?: number; version?: string });
        const workers = new Set(events.filter((e) => e.type === "migration:start").map((e) => e.worker));
        expect(workers.size).toBeGreaterThan(1);
        const parallelRows = await states();
        const parallelTables = await db.tables();
        expect(parallelRows.filter((r) => r.state === "applied")).toHaveLength(11);
        expect((await cli(["down", "--all", "--ordering", "graph"])).code).toBe(0);
        const serial = await cli(["up", "--ordering", "graph"]);
        expect(serial.code, serial.output).toBe(0);
        expect(await states()).toEqual(parallelRows);
        expect(await db.tables()).toEqual(parallelTables);
      });
    } else {
      it("up --parallel on SQLite runs serially and says so", async ({ cli, states }) => {
        const result = await cli(["up", "--ordering", "graph", "--parallel", "4"]);
        expect(result.code, result.output).toBe(0);
        expect(result.output).toMatch(/sqlite runs migrations one at a time/);
        expect((await states()).filter((r) => r.state === "applied")).toHaveLength(3);
      });
    }

    if (target.name === "sqlite") {
      it("keeps PRAGMA user_version equal to the highest applied version", async ({ db, cli }) => {
        expect((await cli(["up"])).code).toBe(0);
        expect(await db.query("pragma user_version")).toEqual([{ user_version: 3 }]);
        expect((await cli(["down", "--step", "1"])).code).toBe(0);
        expect(await db.query("pragma user_version")).toEqual([{ user_version: 2 }]);
      });
    }

    if (target.name === "postgres") {
      it("runs a file of only CREATE INDEX CONCURRENTLY outside a transaction with no directive; refuses it mixed with other statements unless declared", async ({ db, project, cli }) => {
        project.migration("004_concurrent.sql", "-- migrate:up\nCREATE TABLE tags (id INTEGER);\nCREATE INDEX CONCURRENTLY products_title_idx ON products (title);\n-- migrate:down\nDROP INDEX CONCURRENTLY products_title_idx;\n");
        const refused = await cli(["up"]);
        expect(refused.code, refused.output).toBe(3);
        expect(refused.stderr).toContain("CREATE INDEX CONCURRENTLY at 004_concurrent.sql:3");
        expect(refused.stderr).toContain("004_concurrent.sql:2");
        expect(refused.stderr).toContain("stratum:transaction off");
        expect(await db.tables()).toEqual([]);
        project.migration("004_concurrent.sql", "-- migrate:up\nCREATE INDEX CONCURRENTLY products_title_idx ON products (title);\n-- migrate:down\nDROP INDEX CONCURRENTLY products_title_idx;\n");
        const ok = await cli(["up"]);
        expect(ok.code, ok.output).toBe(0);
        expect(ok.stdout).toContain("004_concurrent runs outside a transaction (automatic: CREATE INDEX CONCURRENTLY at 004_concurrent.sql:2)");
        expect(await db.query("select indexname from pg_indexes where indexname = 'products_title_idx'")).toHaveLength(1);
        const down = await cli(["down", "--step", "1"]);
        expect(down.code, down.output).toBe(0);
        expect(await db.query("select indexname from pg_indexes where indexname = 'products_title_idx'")).toHaveLength(0);
      });

      it("--single-transaction past the server's lock table is refused up front, with nothing applied", async ({ db, project, cli }) => {
        for (let i = 10; i < 1810; i++) {
          project.migration(`${String(i).padStart(4, "0")}_t${i}.sql`, `-- migrate:up\nCREATE TABLE t${i} (id INTEGER PRIMARY KEY, v TEXT);\nCREATE INDEX t${i}_v ON t${i} (v);\n`);
        }
        const result = await cli(["up", "--single-transaction"]);
        expect(result.code, result.output).toBe(2);
        expect(result.stderr).toContain("max_locks_per_transaction");
        expect(result.stderr).toContain("nothing was applied");
        expect(await db.tables()).toEqual([]);
      });

      it("up --dry-run=rehearse proves the migrations apply and leaves nothing behind", async ({ db, cli }) => {
        const result = await cli(["up", "--dry-run=rehearse"]);
        expect(result.code, result.output).toBe(0);
        expect(await db.tables()).toEqual([]);
      });
    }
  });
}
