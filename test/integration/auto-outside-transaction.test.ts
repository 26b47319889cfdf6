// On a real PostgreSQL server: a migration whose statements all cannot run inside a transaction
// (CREATE / DROP INDEX CONCURRENTLY) runs outside one with no directive, its file and checksum
// untouched; a migration that mixes them with transactional statements is refused before
// anything runs, naming every statement of each kind; the down is judged on its own, and
// follows `downTransaction` when the migration declares one for it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Migrator } from "../../src/api-types.js";
import type { MigratorEvent } from "../../src/core/events.js";
import { checksumOf } from "../../src/core/checksum.js";
import type { MigrationFile } from "../../src/core/types.js";
import { createDialect } from "../../src/dialects/create-dialect.js";
import { historyStore } from "../../src/history/history-store.js";
import { migratorFromTarget } from "../../src/migrator.js";
import { fileSystemSource } from "../../src/source/discover.js";
import { resolveConfig } from "../../src/config/load.js";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, type TestDb } from "../support/targets.js";
import { eachTarget } from "../support/each-target.js";

const target = await postgresTarget();

const TABLE = "001_items.sql";
const TABLE_SQL = "-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT, price INTEGER);\n-- migrate:down\nDROP TABLE items;\n";
const CONCURRENT = "002_items_title.sql";
const CONCURRENT_SQL = [
  "-- migrate:up",
  "-- built without locking writes",
  "CREATE INDEX CONCURRENTLY items_title_idx ON items (title);",
  "-- migrate:down",
  "DROP INDEX CONCURRENTLY items_title_idx;",
  "",
].join("\n");
const MIXED = "002_items_mixed.sql";
const MIXED_SQL = [
  "-- migrate:up",
  "CREATE TABLE tags (id INTEGER PRIMARY KEY);",
  "CREATE INDEX CONCURRENTLY items_title_idx ON items (title);",
  "INSERT INTO tags (id) VALUES (1);",
  "-- migrate:down",
  "DROP TABLE tags;",
  "",
].join("\n");

eachTarget([target], "outside a transaction, automatically", () => describe("PostgreSQL: outside a transaction, automatically", () => {
  let db: TestDb;
  let project: Project;
  const cli = (args: readonly string[]): Promise<CliResult> => runCli([...args, "--url", db.url], { cwd: project.dir });
  const indexes = async () =>
    db.query<{ name: string; valid: boolean }>(
      "select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'items_title_idx'",
    );

  beforeEach(async () => {
    db = await target.createDatabase();
    project = makeProject({ [TABLE]: TABLE_SQL });
  });

  afterEach(async () => {
    await db?.drop();
    project?.cleanup();
  });

  it("a file of only CREATE INDEX CONCURRENTLY applies with no directive, its checksum that of the file as written", async () => {
    project.migration(CONCURRENT, CONCURRENT_SQL);
    const result = await cli(["up"]);
    expect(result.code, result.output).toBe(0);
    expect(await indexes()).toEqual([{ name: "items_title_idx", valid: true }]);
    const rows = await db.query<{ version: string; state: string; checksum: string }>("select version, state, checksum from stratum_migrations order by version");
    expect(rows.map((r) => [r.version, r.state])).toEqual([["001", "applied"], ["002", "applied"]]);
    expect(readFileSync(join(project.migrations, CONCURRENT), "utf8")).toBe(CONCURRENT_SQL);
    expect(rows[1]?.checksum).toBe(checksumOf([CONCURRENT_SQL]));
    const status = await cli(["status", "--json"]);
    expect((JSON.parse(status.stdout) as { migrations: { state: string }[] }).migrations.map((m) => m.state)).toEqual(["applied", "applied"]);
    const log = await db.query<{ version: string; operation: string; outcome: string }>("select version, operation, outcome from stratum_log where version is not null order by id");
    expect(log).toEqual([
      { version: "001", operation: "apply", outcome: "success" },
      { version: "002", operation: "apply", outcome: "success" },
    ]);

    // the down, DROP INDEX CONCURRENTLY alone, runs outside a transaction too
    const down = await cli(["down", "--step", "1"]);
    expect(down.code, down.output).toBe(0);
    expect(await indexes()).toEqual([]);
    expect(await db.query("select state from stratum_migrations where version = '002'")).toEqual([{ state: "rolled_back" }]);
  });

  it("a file mixing CREATE INDEX CONCURRENTLY with transactional statements is refused with each file:line, and changes nothing", async () => {
    project.migration(MIXED, MIXED_SQL);
    const result = await cli(["up"]);
    expect(result.code, result.output).toBe(3);
    expect(result.stderr).toContain("CREATE INDEX CONCURRENTLY at 002_items_mixed.sql:3");
    expect(result.stderr).toContain("002_items_mixed.sql:2, 002_items_mixed.sql:4");
    expect(result.stderr).toContain("-- stratum:transaction off");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await db.tables()).toEqual([]);
    expect(await indexes()).toEqual([]);

    // declared: runs all of it without a transaction, knowingly
    project.migration(MIXED, `-- stratum:transaction off\n${MIXED_SQL}`);
    const declared = await cli(["up"]);
    expect(declared.code, declared.output).toBe(0);
    expect(await db.tables()).toEqual(["items", "stratum_log", "stratum_migrations", "stratum_migrations_schema", "tags"]);
    expect(await indexes()).toEqual([{ name: "items_title_idx", valid: true }]);
  });

  it("--single-transaction refuses a migration that runs outside a transaction automatically, before anything runs", async () => {
    project.migration(CONCURRENT, CONCURRENT_SQL);
    const result = await cli(["up", "--single-transaction"]);
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain("migration 002_items_title runs outside a transaction (automatic: CREATE INDEX CONCURRENTLY at 002_items_title.sql:3), so the run cannot be one transaction");
    expect(await db.tables()).toEqual([]);
  });

  describe("a script without statements (an empty placeholder), on the batched path", () => {
    it("is applied as a no-op and recorded, then rolled back and recorded", async () => {
      project.migration("002_placeholder.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n");
      const config = await resolveConfig({ cwd: project.dir, flags: { url: db.url }, environment: {} });
      const dialect = await createDialect({ url: db.url, cwd: project.dir, environment: process.env });
      const files = fileSystemSource(config.dir);
      // as the parser gives an empty file: sections holding no statement
      const empty = (m: MigrationFile): MigrationFile =>
        m.version === "002" && m.up !== null && m.down !== null
          ? { ...m, up: { ...m.up, text: "-- kept for the other dialect\n" }, down: { ...m.down, text: "" } }
          : m;
      const source = { list: async () => ({ ...(await files.list()), migrations: (await files.list()).migrations.map(empty) }) };
      const migrator = migratorFromTarget(config, { dialect, history: historyStore(dialect, { table: config.table, logTable: config.logTable }), source });
      try {
        const up = await migrator.up();
        expect(up.migrations.map((m) => [m.version, m.status])).toEqual([["001", "applied"], ["002", "applied"]]);
        expect(await db.query("select version, state, statements_done from stratum_migrations order by version")).toEqual([
          { version: "001", state: "applied", statements_done: 1 },
          { version: "002", state: "applied", statements_done: 0 },
        ]);
        const down = await migrator.down({ all: true });
        expect(down.migrations.map((m) => [m.version, m.status])).toEqual([["002", "rolled_back"], ["001", "rolled_back"]]);
        const log = await db.query<{ version: string; operation: string; outcome: string }>("select version, operation, outcome from stratum_log where version = '002' order by id");
        expect(log).toEqual([
          { version: "002", operation: "apply", outcome: "success" },
          { version: "002", operation: "rollback", outcome: "success" },
        ]);
        expect(await db.query("select state from stratum_migrations where version = '002'")).toEqual([{ state: "rolled_back" }]);
      } finally {
        await migrator.close();
      }
    });
  });

  describe("the down follows downTransaction", () => {
    let migrator: Migrator;
    const events: MigratorEvent[] = [];

    /** A migrator over the project whose migration 002 declares `downTransaction` (as a down file's directive would). */
    async function migratorWith(downTransaction: boolean): Promise<Migrator> {
      const config = await resolveConfig({ cwd: project.dir, flags: { url: db.url }, environment: {} });
      const dialect = await createDialect({ url: db.url, cwd: project.dir, environment: process.env });
      const files = fileSystemSource(config.dir);
      const source = {
        async list() {
          const found = await files.list();
          const declare = (m: MigrationFile): MigrationFile => (m.version === "002" ? { ...m, options: { ...m.options, downTransaction } } : m);
          return { ...found, migrations: found.migrations.map(declare) };
        },
      };
      const built = migratorFromTarget(config, { dialect, history: historyStore(dialect, { table: config.table, logTable: config.logTable }), source });
      built.on((event) => void events.push(event));
      return built;
    }

    afterEach(async () => {
      await migrator?.close();
      events.length = 0;
    });

    it("a mixed down declared outside a transaction runs outside one; the up ran inside", async () => {
      project.migration(
        "002_items_extra.sql",
        "-- migrate:up\nCREATE INDEX items_title_idx ON items (title);\nCREATE TABLE extra (id INTEGER);\n-- migrate:down\nDROP INDEX CONCURRENTLY items_title_idx;\nDROP TABLE extra;\n",
      );
      migrator = await migratorWith(false);
      await migrator.up();
      expect(events.find((e) => e.type === "migration:start" && e.version === "002")).not.toHaveProperty("outsideTransaction");
      const report = await migrator.down({ step: 1 });
      expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["002", "rolled_back"]]);
      expect(events.find((e) => e.type === "migration:start" && e.direction === "down")).toMatchObject({ outsideTransaction: "stratum:transaction off" });
      expect(await indexes()).toEqual([]);
      expect(await db.tables()).toEqual(["items", "stratum_log", "stratum_migrations", "stratum_migrations_schema"]);
    });

    it("without the declaration the same mixed down is refused, and nothing is rolled back", async () => {
      project.migration(
        "002_items_extra.sql",
        "-- migrate:up\nCREATE INDEX items_title_idx ON items (title);\nCREATE TABLE extra (id INTEGER);\n-- migrate:down\nDROP INDEX CONCURRENTLY items_title_idx;\nDROP TABLE extra;\n",
      );
      expect((await cli(["up"])).code).toBe(0);
      const result = await cli(["down", "--step", "1"]);
      expect(result.code, result.output).toBe(3);
      expect(result.stderr).toContain("the down of migration 002_items_extra mixes");
      expect(result.stderr).toContain("DROP INDEX CONCURRENTLY at 002_items_extra.sql:5");
      expect(await indexes()).toEqual([{ name: "items_title_idx", valid: true }]);
      expect(await db.query("select state from stratum_migrations where version = '002'")).toEqual([{ state: "applied" }]);
    });

    it("a down declared in a transaction (downTransaction true) while the up runs outside: DROP INDEX CONCURRENTLY is refused in it", async () => {
      project.migration(CONCURRENT, CONCURRENT_SQL);
      migrator = await migratorWith(true);
      await migrator.up();
      const error = await migrator.down({ step: 1 }).then(
        () => null,
        (e: unknown) => e as { problems?: { code: string; files: string[] }[] },
      );
      expect(error?.problems?.map((p) => [p.code, p.files])).toEqual([["TRANSACTION_REQUIRED_OFF", ["002_items_title.sql:5"]]]);
      expect(await indexes()).toEqual([{ name: "items_title_idx", valid: true }]);
    });
  });
}));
