// The other tools' history readers against history tables the tools themselves wrote: the real
// tool where it installs from npm or Debian (dbmate, Knex, node-pg-migrate, Kysely, postgrator,
// Umzug/Sequelize, drizzle, TypeORM, Sqitch), else the DDL and rows the tool's source writes
// (Flyway, golang-migrate, goose, Prisma, Atlas: each cites its source). Each test makes its own
// database and drops it; a reader must return exactly the entries, and the stored checksums must
// equal foreignChecksumOf over the same files.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { foreignChecksumOf } from "../../src/adopt/checksums.js";
import { ConfigError } from "../../src/core/errors.js";
import type { ForeignEntry, ForeignTable, ForeignTool } from "../../src/adopt/foreign-history.js";
import { foreignReaderFor } from "../../src/adopt/readers/index.js";
import { createDialect } from "../../src/dialects/create-dialect.js";
import { eachTarget } from "../support/each-target.js";
import {
  atlasDdl,
  atlasInsert,
  atlasTable,
  boolFor,
  flywayDdl,
  flywayInsert,
  GOLANG_MIGRATE_SET_VERSION,
  golangMigrateDdl,
  GOOSE_INSERT,
  gooseDdl,
  PRISMA_INSERT,
  prismaDdl,
} from "../support/foreign-history-ddl.js";
import { TOOL_BIN as BIN, ROOT, cli, dbmateUrl, knexFor, kyselyFor, postgratorFor, sqitchTarget } from "../support/foreign-tools.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TargetName, type TestDb } from "../support/targets.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-adopt-"));
  dirs.push(dir);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** The rows each tool wrote, read back through a Stratum connection, as the adoption will. */
async function readWith(tool: ForeignTool, target: TargetName, db: TestDb, table: ForeignTable): Promise<ForeignEntry[] | null> {
  const reader = foreignReaderFor(tool);
  if (reader === undefined) throw new Error(`no reader for ${tool}`);
  const dialect = await createDialect({ url: db.url, cwd: ROOT, environment: {} });
  const connection = await dialect.connect();
  try {
    return await reader.read(connection, target, table);
  } finally {
    await connection.close();
    await dialect.dispose();
  }
}

/** Runs statements one by one (the test clients take one statement per call). */
async function execAll(db: TestDb, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

function applied(key: string, version: string | null, name: string | null, where: string | RegExp, extra: Partial<ForeignEntry> = {}): ForeignEntry {
  return {
    key,
    version,
    name,
    state: "applied",
    checksum: null,
    where: typeof where === "string" ? where : (expect.stringMatching(where) as unknown as string),
    appliedAt: null,
    ...extra,
  };
}

/** PostgreSQL and MariaDB/MySQL URLs for tools that want their own spelling of them. */
function toolUrl(db: TestDb, scheme?: string): string {
  const url = new URL(db.url);
  if (scheme !== undefined) url.protocol = `${scheme}:`;
  return url.toString();
}

async function withTestDb(target: Target, body: (db: TestDb) => Promise<void>): Promise<void> {
  const db = await target.createDatabase();
  try {
    await body(db);
  } finally {
    await db.drop();
  }
}

const TARGETS = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];


// ---------------------------------------------------------------------------------------------
// Every reader: a missing table is null, a table of another shape is one clear error.

eachTarget(TARGETS, "history readers", (target) => {
  describe(`history readers on ${target.name}`, () => {
    it.concurrent("return null for a table that does not exist, for every tool of the dialect", async () => {
      await withTestDb(target, async (db) => {
        const tools: ForeignTool[] = ["flyway", "golang-migrate", "dbmate", "goose", "knex", "kysely", "prisma", "drizzle", "sqitch", "typeorm", "sequelize", "postgrator", "atlas"];
        if (target.name === "postgres") tools.push("node-pg-migrate");
        for (const tool of tools) {
          const reader = foreignReaderFor(tool);
          expect(reader?.dialects, tool).toContain(target.name);
          const table = reader?.defaultTables[0] ?? "";
          const schema = tool === "sqitch" && target.name === "mysql" ? `${db.name}_no_registry` : undefined;
          expect(await readWith(tool, target.name, db, { name: table, schema }), tool).toBeNull();
        }
      });
    });

    it.concurrent("name the table and the columns expected when the table has another shape", async () => {
      await withTestDb(target, async (db) => {
        await execAll(db, ["create table schema_migrations (id int, applied_on varchar(40))"]);
        const error = await readWith("golang-migrate", target.name, db, { name: "schema_migrations" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toBe("schema_migrations does not look like golang-migrate's history table: it needs the columns version, dirty but has id, applied_on");
        expect((error as ConfigError).fix).toBe("name golang-migrate's history table (and schema) if it has another name, or check that golang-migrate wrote schema_migrations");
        await expect(readWith("dbmate", target.name, db, { name: "schema_migrations" })).rejects.toThrow(/needs the columns version but has id, applied_on/);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Tools that do not install from npm or Debian: the DDL and rows their source writes.

const FLYWAY_FILES = {
  "V1__create_users.sql": "CREATE TABLE users (id INT PRIMARY KEY);\n",
  "V1.1__add_email.sql": "\uFEFFALTER TABLE users ADD email VARCHAR(100);\r\n",
  "V2__seed.sql": "INSERT INTO users (id) VALUES (1);\n",
  "R__views.sql": "CREATE VIEW user_ids AS SELECT id FROM users;\n",
};

eachTarget(TARGETS, "Flyway (DDL and rows from flyway-core)", (target) => {
  it.concurrent(`Flyway on ${target.name}: versions, a repeatable, an undone version and a failed one, checksums equal to Flyway's CRC32`, async () => {
    await withTestDb(target, async (db) => {
      const sum = (file: keyof typeof FLYWAY_FILES) => Number(foreignChecksumOf("flyway-crc32", [FLYWAY_FILES[file]]));
      const custom = target.name === "postgres";
      if (custom) await execAll(db, ["create schema app"]);
      const table = custom ? `app.my_flyway_history` : "flyway_schema_history";
      await execAll(db, flywayDdl(target.name, custom ? `my_flyway_history` : table).map((s) => (custom ? s.replace(`TABLE my_flyway_history`, "TABLE app.my_flyway_history") : s)));
      const rows: [number, string | null, string, string, string, number | null, boolean][] = [
        [1, null, "<< Flyway Schema Creation >>", "SCHEMA", '"app"', null, true],
        [2, "0.9", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", null, true],
        [3, "1", "create users", "SQL", "V1__create_users.sql", sum("V1__create_users.sql"), true],
        [4, "1.1", "add email", "SQL", "V1.1__add_email.sql", sum("V1.1__add_email.sql"), true],
        [5, "2", "seed", "SQL", "V2__seed.sql", sum("V2__seed.sql"), true],
        [6, "2", "seed", "UNDO_SQL", "U2__seed.sql", 12345, true],
        [7, null, "views", "SQL", "R__views.sql", sum("R__views.sql"), true],
        [8, "3", "broken", "SQL", "V3__broken.sql", 777, false],
      ];
      for (const [rank, version, description, type, script, checksum, success] of rows) {
        await db.query(
          flywayInsert(custom ? table : target.name === "mysql" ? "`flyway_schema_history`" : '"flyway_schema_history"'),
          [rank, version, description, type, script, checksum, "postgres", 12, target.name === "postgres" ? success : success ? 1 : 0],
        );
      }
      const label = custom ? "app.my_flyway_history" : "flyway_schema_history";
      const entries = await readWith("flyway", target.name, db, custom ? { schema: "app", name: "my_flyway_history" } : { name: "flyway_schema_history" });
      const crc = (file: keyof typeof FLYWAY_FILES) => ({ kind: "flyway-crc32" as const, value: String(sum(file)) });
      expect(entries).toEqual([
        applied("0.9", "0.9", "<< Flyway Baseline >>", `${label} installed_rank 2 (baseline 0.9: Flyway counts every version up to it as applied)`, { appliedAt: ISO, upTo: true }),
        applied("1", "1", "create users", `${label} installed_rank 3 (version 1)`, { checksum: crc("V1__create_users.sql"), appliedAt: ISO }),
        applied("1.1", "1.1", "add email", `${label} installed_rank 4 (version 1.1)`, { checksum: crc("V1.1__add_email.sql"), appliedAt: ISO }),
        { ...applied("2", "2", "seed", `${label} installed_rank 6 (version 2)`, { checksum: crc("V2__seed.sql"), appliedAt: ISO }), state: "reverted" },
        applied("R__views.sql", null, "views", `${label} installed_rank 7 (repeatable R__views.sql)`, { checksum: crc("R__views.sql"), appliedAt: ISO, repeatable: true }),
        { ...applied("3", "3", "broken", `${label} installed_rank 8 (version 3)`, { checksum: { kind: "flyway-crc32", value: "777" }, appliedAt: ISO }), state: "failed" },
      ]);
      // The BOM and CRLF of V1.1 do not count, as in Flyway; an edit does.
      expect(foreignChecksumOf("flyway-crc32", ["ALTER TABLE users ADD email VARCHAR(100);\n"])).toBe(crc("V1.1__add_email.sql").value);
      expect(foreignChecksumOf("flyway-crc32", ["ALTER TABLE users ADD email VARCHAR(200);\n"])).not.toBe(crc("V1.1__add_email.sql").value);
    });
  });

  it.concurrent(`Flyway on ${target.name}: the pre-v5 schema_version table`, async () => {
    await withTestDb(target, async (db) => {
      // Flyway 4's schema_version: version_rank and installed_rank both (flyway 4.2
      // …/database/<db>/createMetaDataTable.sql).
      await execAll(db, [
        "CREATE TABLE schema_version (version_rank INT NOT NULL, installed_rank INT NOT NULL, version VARCHAR(50) NOT NULL, description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOLEAN NOT NULL)",
      ]);
      await db.query("INSERT INTO schema_version VALUES (1, 1, '1', 'init', 'SQL', 'V1__init.sql', -873187034, 'me', CURRENT_TIMESTAMP, 3, ?)", [target.name === "postgres" ? true : 1]);
      const reader = foreignReaderFor("flyway");
      expect(reader?.defaultTables).toEqual(["flyway_schema_history", "schema_version"]);
      expect(await readWith("flyway", target.name, db, { name: "flyway_schema_history" })).toBeNull();
      expect(await readWith("flyway", target.name, db, { name: "schema_version" })).toEqual([
        applied("1", "1", "init", "schema_version installed_rank 1 (version 1)", { checksum: { kind: "flyway-crc32", value: "-873187034" }, appliedAt: ISO }),
      ]);
    });
  });
});

eachTarget(TARGETS, "golang-migrate (DDL from its database drivers)", (target) => {
  it.concurrent(`golang-migrate on ${target.name}: the last version, clean then dirty`, async () => {
    await withTestDb(target, async (db) => {
      await execAll(db, golangMigrateDdl(target.name));
      const setVersion = async (version: number, dirty: boolean) => {
        await db.query(GOLANG_MIGRATE_SET_VERSION[0]);
        await db.query(GOLANG_MIGRATE_SET_VERSION[1], [version, boolFor(target.name, dirty)]);
      };
      await setVersion(20240101000003, false);
      const where = "schema_migrations version 20240101000003 (golang-migrate's one row: every version up to it is applied)";
      expect(await readWith("golang-migrate", target.name, db, { name: "schema_migrations" })).toEqual([applied("20240101000003", "20240101000003", null, where, { upTo: true })]);
      await setVersion(20240101000004, true);
      const [entry] = (await readWith("golang-migrate", target.name, db, { name: "schema_migrations" })) ?? [];
      expect(entry).toMatchObject({ key: "20240101000004", state: "dirty", where: expect.stringContaining("version 20240101000004 (dirty)") });
    });
  });
});

eachTarget(TARGETS, "goose (DDL from dialectquery)", (target) => {
  it.concurrent(`goose on ${target.name}: the newest row per version wins`, async () => {
    await withTestDb(target, async (db) => {
      await execAll(db, [gooseDdl(target.name)]);
      // goose's first row is version 0; then 1, 2, 3 up; 3 down (older goose appends is_applied
      // false), 2 down and up again.
      const rows: [number, boolean][] = [[0, true], [1, true], [2, true], [3, true], [3, false], [2, false], [2, true]];
      for (const [version, isApplied] of rows) {
        await db.query(GOOSE_INSERT, [version, boolFor(target.name, isApplied)]);
      }
      expect(await readWith("goose", target.name, db, { name: "goose_db_version" })).toEqual([
        applied("1", "1", null, "goose_db_version id 2 (version 1)", { appliedAt: ISO }),
        { ...applied("3", "3", null, "goose_db_version id 5 (version 3)", { appliedAt: ISO }), state: "reverted" },
        applied("2", "2", null, "goose_db_version id 7 (version 2)", { appliedAt: ISO }),
      ]);
    });
  });
});

const PRISMA_SQL = {
  "20240101000001_init": "-- CreateTable\nCREATE TABLE \"User\" (\n    \"id\" INTEGER NOT NULL,\n    CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\n);\n",
  "20240101000002_posts": "-- CreateTable\nCREATE TABLE \"Post\" (\"id\" INTEGER NOT NULL PRIMARY KEY);\n",
  "20240101000003_tags": "-- CreateTable\nCREATE TABLE \"Tag\" (\"id\" INTEGER NOT NULL PRIMARY KEY);\n",
  "20240101000004_broken": "ALTER TABLE \"Nope\" ADD COLUMN \"x\" INTEGER;\n",
};

eachTarget(TARGETS, "Prisma (DDL from prisma-engines)", (target) => {
  it.concurrent(`Prisma on ${target.name}: applied, rolled back then applied, failed; checksums are SHA-256 of migration.sql`, async () => {
    await withTestDb(target, async (db) => {
      await execAll(db, [prismaDdl(target.name)]);
      const now = target.name === "sqlite" ? "2024-01-01 10:00:00.000" : "2024-01-01 10:00:00";
      const later = target.name === "sqlite" ? "2024-01-01 10:00:05.000" : "2024-01-01 10:00:05";
      const insert = async (id: string, name: keyof typeof PRISMA_SQL, started: string, finished: string | null, rolledBack: string | null, logs: string | null) => {
        await db.query(
          PRISMA_INSERT,
          [id, foreignChecksumOf("sha256", [PRISMA_SQL[name]]), finished, name, logs, rolledBack, started, finished === null ? 0 : 1],
        );
      };
      await insert("a1", "20240101000001_init", now, now, null, null);
      await insert("a2", "20240101000002_posts", now, null, now, "relation exists");
      await insert("a3", "20240101000002_posts", later, later, null, null);
      await insert("a4", "20240101000003_tags", later, later, null, null);
      await insert("a5", "20240101000004_broken", later, null, null, "table Nope does not exist");
      const sha = (name: keyof typeof PRISMA_SQL) => ({ kind: "sha256" as const, value: foreignChecksumOf("sha256", [PRISMA_SQL[name]]) });
      const entries = await readWith("prisma", target.name, db, { name: "_prisma_migrations" });
      expect(entries).toEqual([
        applied("20240101000001_init", "20240101000001", "20240101000001_init", "_prisma_migrations id a1 (20240101000001_init)", { checksum: sha("20240101000001_init"), appliedAt: "2024-01-01T10:00:00.000Z" }),
        applied("20240101000002_posts", "20240101000002", "20240101000002_posts", "_prisma_migrations id a3 (20240101000002_posts)", { checksum: sha("20240101000002_posts"), appliedAt: "2024-01-01T10:00:05.000Z" }),
        applied("20240101000003_tags", "20240101000003", "20240101000003_tags", "_prisma_migrations id a4 (20240101000003_tags)", { checksum: sha("20240101000003_tags"), appliedAt: "2024-01-01T10:00:05.000Z" }),
        { ...applied("20240101000004_broken", "20240101000004", "20240101000004_broken", "_prisma_migrations id a5 (20240101000004_broken)", { checksum: sha("20240101000004_broken"), appliedAt: "2024-01-01T10:00:05.000Z" }), state: "failed" },
      ]);
    });
  });
});

const ATLAS_FILES: [string, string][] = [
  ["20240101000001_users.sql", "CREATE TABLE users (id int);\n"],
  ["20240101000002_posts.sql", "CREATE TABLE posts (id int);\nCREATE TABLE tags (id int);\n"],
  ["20240101000003_seed.sql", "INSERT INTO users VALUES (1);\n"],
];

eachTarget(TARGETS, "Atlas (DDL from its ent schema)", (target) => {
  it.concurrent(`Atlas on ${target.name}: applied, baseline and a partial revision; hash equals the atlas.sum entry`, async () => {
    await withTestDb(target, async (db) => {
      await execAll(db, atlasDdl(target.name));
      const table = atlasTable(target.name);
      const hashOf = (n: number) => foreignChecksumOf("atlas", ATLAS_FILES.slice(0, n).flat());
      const insert = async (version: string, description: string, type: number, appliedCount: number, total: number, error: string | null, hash: string) => {
        await db.query(
          atlasInsert(target.name),
          [version, description, type, appliedCount, total, "2024-01-01 10:00:00", 1000, error, null, hash, null, "Atlas CLI v0.30.0"],
        );
      };
      await insert(".atlas_cloud_identifiers", "", 0, 0, 0, null, "");
      await insert("20240101000001", "users", 1, 0, 0, null, hashOf(1));
      await insert("20240101000002", "posts", 2, 2, 2, null, hashOf(2));
      await insert("20240101000003", "seed", 2, 0, 1, "Error 1146: Table 'users' doesn't exist", hashOf(3));
      const entries = await readWith("atlas", target.name, db, { name: "atlas_schema_revisions" });
      const atlas = (n: number) => ({ kind: "atlas" as const, value: hashOf(n) });
      expect(entries).toEqual([
        applied("20240101000001", "20240101000001", "users", `${table} version 20240101000001 (baseline: Atlas counts every version up to it as applied)`, { checksum: atlas(1), appliedAt: ISO, upTo: true }),
        applied("20240101000002", "20240101000002", "posts", `${table} version 20240101000002`, { checksum: atlas(2), appliedAt: ISO }),
        {
          ...applied("20240101000003", "20240101000003", "seed", `${table} version 20240101000003 (0 of 1 statements applied: Error 1146: Table 'users' doesn't exist)`, { checksum: atlas(3), appliedAt: ISO }),
          state: "failed",
        },
      ]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Real tools from npm.

const USERS = "CREATE TABLE users (id INT PRIMARY KEY)";
const POSTS = "CREATE TABLE posts (id INT PRIMARY KEY)";
const TAGS = "CREATE TABLE tags (id INT PRIMARY KEY)";
const BROKEN = "INSERT INTO no_such_table VALUES (1)";

eachTarget(TARGETS, "dbmate (the real dbmate from npm)", (target) => {
  it.concurrent(`dbmate on ${target.name}: three applied, a failing fourth not recorded`, async () => {
    await withTestDb(target, async (db) => {
      const dir = tempDir();
      const migration = (up: string, down: string) => `-- migrate:up\n${up};\n\n-- migrate:down\n${down};\n`;
      write(dir, {
        "20240101000001_create_users.sql": migration(USERS, "DROP TABLE users"),
        "20240101000002_create_posts.sql": migration(POSTS, "DROP TABLE posts"),
        "20240101000003_create_tags.sql": migration(TAGS, "DROP TABLE tags"),
      });
      const args = ["--url", dbmateUrl(target.name, db), "--migrations-dir", dir, "--no-dump-schema", "up"];
      const first = await cli(join(BIN, "dbmate"), args);
      expect(first.code, first.output).toBe(0);
      write(dir, { "20240101000004_broken.sql": migration(BROKEN, "SELECT 1") });
      const second = await cli(join(BIN, "dbmate"), args);
      expect(second.code, second.output).not.toBe(0);
      const entries = await readWith("dbmate", target.name, db, { name: "schema_migrations" });
      expect(entries).toEqual(["20240101000001", "20240101000002", "20240101000003"].map((v) => applied(v, v, null, `schema_migrations version ${v}`)));
    });
  });
});

eachTarget(TARGETS, "Knex (the real Knex from npm)", (target) => {
  it.concurrent(`Knex on ${target.name}: three migrations in two batches, a failing one not recorded${target.name === "postgres" ? ", in a configured schema and table" : ""}`, async () => {
    await withTestDb(target, async (db) => {
      const dir = tempDir();
      const file = (sql: string) => `exports.up = (knex) => knex.raw(${JSON.stringify(sql)});\nexports.down = () => Promise.resolve();\n`;
      write(dir, { "20240101000001_create_users.cjs": file(USERS), "20240101000002_create_posts.cjs": file(POSTS) });
      const custom = target.name === "postgres";
      if (custom) await execAll(db, ["create schema app"]);
      const config = { directory: dir, loadExtensions: [".cjs"], ...(custom ? { tableName: "knex_history", schemaName: "app" } : {}) };
      const k = await knexFor(target.name, db);
      try {
        await k.migrate.latest(config);
        write(dir, { "20240101000003_create_tags.cjs": file(TAGS) });
        await k.migrate.latest(config);
        write(dir, { "20240101000004_broken.cjs": file(BROKEN) });
        await expect(k.migrate.latest(config)).rejects.toThrow(/no_such_table/);
      } finally {
        await k.destroy();
      }
      const table = custom ? { schema: "app", name: "knex_history" } : { name: "knex_migrations" };
      const label = custom ? "app.knex_history" : "knex_migrations";
      const names = ["20240101000001_create_users.cjs", "20240101000002_create_posts.cjs", "20240101000003_create_tags.cjs"];
      expect(await readWith("knex", target.name, db, table)).toEqual(
        names.map((n, i) => applied(n, n.slice(0, 14), n, `${label} id ${i + 1} (${n})`, { appliedAt: ISO })),
      );
    });
  });
});

eachTarget([TARGETS[1] as Target], "node-pg-migrate (the real node-pg-migrate from npm)", (target) => {
  it.concurrent("node-pg-migrate on postgres: three SQL migrations, a failing fourth not recorded", async () => {
    await withTestDb(target, async (db) => {
      const { runner } = await import("node-pg-migrate");
      const dir = tempDir();
      const file = (up: string, down: string) => `-- Up Migration\n${up};\n\n-- Down Migration\n${down};\n`;
      write(dir, {
        "1700000000001_create-users.sql": file(USERS, "DROP TABLE users"),
        "1700000000002_create-posts.sql": file(POSTS, "DROP TABLE posts"),
        "1700000000003_create-tags.sql": file(TAGS, "DROP TABLE tags"),
      });
      const options = { databaseUrl: db.url, dir, direction: "up" as const, migrationsTable: "pgmigrations", log: () => undefined, count: Infinity };
      await runner(options);
      write(dir, { "1700000000004_broken.sql": file(BROKEN, "SELECT 1") });
      await expect(runner(options)).rejects.toThrow(/no_such_table/);
      const names = ["1700000000001_create-users", "1700000000002_create-posts", "1700000000003_create-tags"];
      expect(await readWith("node-pg-migrate", "postgres", db, { name: "pgmigrations" })).toEqual(
        names.map((n, i) => applied(n, n.slice(0, 13), n, `pgmigrations id ${i + 1} (${n})`, { appliedAt: ISO })),
      );
    });
  });
});

eachTarget(TARGETS, "Kysely (the real Kysely Migrator from npm)", (target) => {
  it.concurrent(`Kysely on ${target.name}: three migrations, a failing fourth not recorded`, async () => {
    await withTestDb(target, async (db) => {
      const { Migrator, sql } = await import("kysely");
      const k = await kyselyFor(target.name, db);
      const migration = (text: string) => ({ up: async (d: typeof k) => void (await sql.raw(text).execute(d)) });
      const migrations: Record<string, ReturnType<typeof migration>> = {
        "0001_create_users": migration(USERS),
        "0002_create_posts": migration(POSTS),
        "0003_create_tags": migration(TAGS),
      };
      const migrator = new Migrator({ db: k, provider: { getMigrations: async () => ({ ...migrations }) } });
      try {
        const first = await migrator.migrateToLatest();
        expect(first.error).toBeUndefined();
        migrations["0004_broken"] = migration(BROKEN);
        const second = await migrator.migrateToLatest();
        expect(String(second.error)).toMatch(/no_such_table/);
      } finally {
        await k.destroy();
      }
      const names = ["0001_create_users", "0002_create_posts", "0003_create_tags"];
      expect(await readWith("kysely", target.name, db, { name: "kysely_migration" })).toEqual(
        names.map((n) => applied(n, n.slice(0, 4), n, `kysely_migration row ${n}`, { appliedAt: ISO })),
      );
    });
  });
});

eachTarget(TARGETS, "postgrator (the real postgrator from npm)", (target) => {
  it.concurrent(`postgrator on ${target.name}: three migrations with their MD5, a failing fourth not recorded`, async () => {
    await withTestDb(target, async (db) => {
      const dir = tempDir();
      const files = {
        "001.do.create-users.sql": `${USERS};\n`,
        "002.do.create-posts.sql": `-- posts\r\n${POSTS};\r\n`,
        "003.do.create-tags.sql": `${TAGS};\n`,
      };
      write(dir, files);
      const { postgrator, close } = await postgratorFor(target.name, db, dir);
      try {
        await postgrator.migrate();
        write(dir, { "004.do.broken.sql": `${BROKEN};\n` });
        await expect(postgrator.migrate()).rejects.toThrow(/no_such_table/);
      } finally {
        await close();
      }
      const md5 = (file: keyof typeof files) => ({ kind: "md5" as const, value: foreignChecksumOf("md5", [readFileSync(join(dir, file), "utf8")]) });
      expect(await readWith("postgrator", target.name, db, { name: "schemaversion" })).toEqual([
        applied("1", "1", "create-users", "schemaversion version 1", { checksum: md5("001.do.create-users.sql"), appliedAt: ISO }),
        applied("2", "2", "create-posts", "schemaversion version 2", { checksum: md5("002.do.create-posts.sql"), appliedAt: ISO }),
        applied("3", "3", "create-tags", "schemaversion version 3", { checksum: md5("003.do.create-tags.sql"), appliedAt: ISO }),
      ]);
    });
  });
});

eachTarget(TARGETS, "Umzug with Sequelize (the real Umzug and Sequelize from npm)", (target) => {
  it.concurrent(`Umzug/Sequelize on ${target.name}: three migrations in SequelizeMeta, a failing fourth not recorded`, async () => {
    await withTestDb(target, async (db) => {
      const names = ["20240101000001-create-users.js", "20240101000002-create-posts.js", "20240101000003-create-tags.js"];
      if (target.name === "sqlite") {
        // Sequelize's SQLite dialect needs the `sqlite3` package, whose install downloads a
        // prebuilt binary from outside npm; the table is the one SequelizeStorage creates
        // (umzug src/storage/sequelize.ts: a model `SequelizeMeta` with one STRING column
        // `name`, primary key, unique), through sequelize's sqlite query generator.
        await execAll(db, ["CREATE TABLE IF NOT EXISTS `SequelizeMeta` (`name` VARCHAR(255) NOT NULL UNIQUE PRIMARY KEY)"]);
        for (const name of names) await db.query("INSERT INTO `SequelizeMeta` (`name`) VALUES (?)", [name]);
      } else {
        const { Sequelize } = await import("sequelize");
        const { SequelizeStorage, Umzug } = await import("umzug");
        const sequelize = new Sequelize(db.url, { logging: false });
        const step = (name: string, text: string) => ({ name, up: async () => void (await sequelize.query(text)) });
        const migrations = [step(names[0] as string, USERS), step(names[1] as string, POSTS), step(names[2] as string, TAGS)];
        const umzug = () => new Umzug({ migrations: [...migrations], context: sequelize, storage: new SequelizeStorage({ sequelize }), logger: undefined });
        try {
          await umzug().up();
          migrations.push(step("20240101000004-broken.js", BROKEN));
          await expect(umzug().up()).rejects.toThrow(/no_such_table|20240101000004-broken/);
        } finally {
          await sequelize.close();
        }
      }
      expect(await readWith("sequelize", target.name, db, { name: "SequelizeMeta" })).toEqual(
        names.map((n) => applied(n, n.slice(0, 14), n, `SequelizeMeta row ${n}`)),
      );
    });
  });
});

/** drizzle-kit's schema file for the dialect, growing one table per step. */
function drizzleSchema(target: TargetName, tables: readonly string[]): string {
  const core = target === "postgres" ? ["pg-core", "pgTable"] : target === "mysql" ? ["mysql-core", "mysqlTable"] : ["sqlite-core", "sqliteTable"];
  const lines = tables.map((t) => `export const ${t} = ${core[1]}("${t}", { id: integer("id").primaryKey() });`);
  const integer = target === "mysql" ? "int as integer" : "integer";
  return `import { ${integer}, ${core[1]} } from "drizzle-orm/${core[0]}";\n${lines.join("\n")}\n`;
}

eachTarget(TARGETS, "drizzle (the real drizzle-kit from npm)", (target) => {
  it.concurrent(`drizzle on ${target.name}: three migrations generated and applied by drizzle-kit, keyed by the journal's when, hashes equal SHA-256 of the files${target.name === "postgres" ? ", in the drizzle schema" : ""}`, async () => {
    await withTestDb(target, async (db) => {
      const project = tempDir();
      // drizzle-kit loads the schema file, which imports drizzle-orm from the project's packages.
      symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
      const dialect = target.name === "postgres" ? "postgresql" : target.name;
      const url = target.name === "sqlite" ? db.name : db.url;
      write(project, { "drizzle.config.js": `export default ${JSON.stringify({ dialect, schema: "./schema.ts", out: "./drizzle", dbCredentials: { url } })};\n` });
      const kit = async (...args: string[]) => {
        const result = await cli(join(BIN, "drizzle-kit"), [...args, "--config", "drizzle.config.js"], { cwd: project });
        return result;
      };
      const tables = ["users", "posts", "tags"];
      for (let i = 1; i <= tables.length; i++) {
        write(project, { "schema.ts": drizzleSchema(target.name, tables.slice(0, i)) });
        const generated = await kit("generate", "--name", tables[i - 1] as string);
        expect(generated.code, generated.output).toBe(0);
      }
      const migrated = await kit("migrate");
      expect(migrated.code, migrated.output).toBe(0);
      const journal = JSON.parse(readFileSync(join(project, "drizzle/meta/_journal.json"), "utf8")) as { entries: { when: number; tag: string }[] };
      expect(journal.entries.map((e) => e.tag)).toEqual(["0000_users", "0001_posts", "0002_tags"]);
      const custom = await kit("generate", "--custom", "--name", "broken");
      expect(custom.code, custom.output).toBe(0);
      write(project, { "drizzle/0003_broken.sql": `${BROKEN};\n` });
      expect((await kit("migrate")).code).not.toBe(0);
      const label = target.name === "postgres" ? "drizzle.__drizzle_migrations" : "__drizzle_migrations";
      const entries = await readWith("drizzle", target.name, db, { name: "__drizzle_migrations" });
      expect(entries).toEqual(
        journal.entries.map(({ when, tag }, i) => {
          const hash = foreignChecksumOf("sha256", [readFileSync(join(project, `drizzle/${tag}.sql`), "utf8")]);
          // drizzle's SQLite table declares `id SERIAL PRIMARY KEY`, which SQLite leaves NULL.
          const where = target.name === "sqlite" ? `${label} created_at ${when}` : `${label} id ${i + 1} (created_at ${when})`;
          return applied(String(when), null, null, where, { checksum: { kind: "sha256", value: hash }, appliedAt: null });
        }),
      );
    });
  }, 180_000);
});

eachTarget(TARGETS, "TypeORM (the real TypeORM from npm)", (target) => {
  it.concurrent(`TypeORM on ${target.name}: three migration classes, a failing fourth not recorded`, async () => {
    await withTestDb(target, async (db) => {
      await import("reflect-metadata");
      const { DataSource } = await import("typeorm");
      type Runner = { query(sql: string): Promise<unknown> };
      const migration = (name: string, text: string) => {
        const M = class {
          name = name;
          async up(runner: Runner) {
            await runner.query(text);
          }
          async down() {}
        };
        Object.defineProperty(M, "name", { value: name });
        return M;
      };
      const classes = [migration("CreateUsers1700000000001", USERS), migration("CreatePosts1700000000002", POSTS), migration("CreateTags1700000000003", TAGS)];
      const source = (migrations: unknown[]) =>
        new DataSource(
          target.name === "sqlite"
            ? { type: "better-sqlite3", database: db.name, migrations: migrations as never, logging: false }
            : { type: target.name === "postgres" ? "postgres" : "mysql", url: db.url, migrations: migrations as never, logging: false },
        );
      const first = await source(classes).initialize();
      try {
        await first.runMigrations();
      } finally {
        await first.destroy();
      }
      const second = await source([...classes, migration("Broken1700000000004", BROKEN)]).initialize();
      try {
        await expect(second.runMigrations()).rejects.toThrow(/no_such_table/);
      } finally {
        await second.destroy();
      }
      const names = ["CreateUsers1700000000001", "CreatePosts1700000000002", "CreateTags1700000000003"];
      expect(await readWith("typeorm", target.name, db, { name: "migrations" })).toEqual(
        names.map((n, i) => applied(n, n.slice(-13), n, `migrations id ${i + 1} (${n})`)),
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Sqitch, from Debian's package (.ci/run installs it with its database drivers).

eachTarget(TARGETS, "Sqitch (the real sqitch from Debian)", (target) => {
  it.concurrent(`Sqitch on ${target.name}: three changes in its registry, a failing fourth reverted and not recorded`, async () => {
    await withTestDb(target, async (db) => {
      const dir = tempDir();
      write(dir, { "user.conf": "[user]\n\tname = Test User\n\temail = test@example.com\n" });
      const env = { SQITCH_USER_CONFIG: join(dir, "user.conf"), SQITCH_SYSTEM_CONFIG: join(dir, "none.conf") };
      const project = join(dir, "project");
      mkdirSync(project);
      const sqitch = async (...args: string[]) => cli("sqitch", args, { cwd: project, env });
      const engine = target.name === "postgres" ? "pg" : target.name;
      expect((await sqitch("init", "shop", "--engine", engine)).code).toBe(0);
      const change = async (name: string, sql: string, requires?: string) => {
        const added = await sqitch("add", name, "-n", `Add ${name}`, ...(requires === undefined ? [] : ["--requires", requires]));
        expect(added.code, added.output).toBe(0);
        write(project, { [`deploy/${name}.sql`]: `${sql};\n`, [`revert/${name}.sql`]: `DROP TABLE IF EXISTS ${name};\n`, [`verify/${name}.sql`]: "SELECT 1;\n" });
      };
      // MySQL keeps the registry in a database of its own, server-wide: give this test its own.
      const registry = target.name === "mysql" ? `${db.name}_sqitch` : undefined;
      const deploy = () => sqitch("deploy", ...(registry === undefined ? [] : ["--registry", registry]), sqitchTarget(target.name, db));
      try {
        await change("users", USERS);
        await change("posts", POSTS, "users");
        await change("tags", TAGS);
        const first = await deploy();
        expect(first.code, first.output).toBe(0);
        await change("broken", BROKEN);
        const second = await deploy();
        expect(second.code, second.output).not.toBe(0);
        const label = target.name === "sqlite" ? join(dirname(db.name), "sqitch.db") : (registry ?? "sqitch");
        const entries = await readWith("sqitch", target.name, db, { name: "changes", schema: registry });
        expect(entries).toEqual(
          ["users", "posts", "tags"].map((name) => applied(name, null, name, new RegExp(`^${label.replace(/[.]/g, "\\.")}\\.changes change ${name} \\(project shop, change_id [0-9a-f]{40}\\)$`), { appliedAt: ISO })),
        );
      } finally {
        if (registry !== undefined) await db.query(`DROP DATABASE IF EXISTS \`${registry}\``);
      }
    });
  }, 180_000);
});
