// `stratum adopt --from <tool>` against history tables written by the REAL tools: dbmate (npm),
// drizzle-kit, Debian's sqitch, node-pg-migrate, Knex, Kysely, Umzug with Sequelize, TypeORM and
// postgrator. Each tool applies the first migrations of a project itself; then, through the built
// CLI, `adopt` records exactly that applied set, `status` shows it (the rest pending), `up` applies
// only the rest, and a tampered file is caught: by the checksum the tool stored (drizzle's SHA-256,
// postgrator's MD5: adopt refuses, naming the file and the entry, and writes nothing), else by
// Stratum's own checksum recorded at adoption (`status`, `validate` and `up` report it).
// Each test makes its own database and drops it; a missing tool fails the test (CI=true).

import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { runCli, type CliResult } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { ROOT, TOOL_BIN, cli, dbmate, drizzleKit, knexFor, kyselyFor, postgratorFor, sqitchIn, sqitchTarget, writeDrizzleConfig } from "../support/foreign-tools.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TargetName, type TestDb } from "../support/targets.js";

const FIXTURES = join(ROOT, "test/fixtures/tools");
const TARGETS = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
const databases: TestDb[] = [];
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const db of databases.splice(0)) await db.drop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-adopt-real-"));
  dirs.push(dir);
  return dir;
}

async function database(target: Target): Promise<TestDb> {
  const db = await target.createDatabase();
  databases.push(db);
  return db;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const expectOk = (result: { code: number; output: string }, what: string) => expect(result.code, `${what}:\n${result.output}`).toBe(0);

/** A project for Stratum: its config (url, migrations dir, format) and a CLI bound to it. */
function stratumProject(project: string, db: TestDb, dir: string, format?: string) {
  writeFileSync(join(project, "stratum.config.json"), JSON.stringify({ url: db.url, dir: `./${dir}`, ...(format === undefined ? {} : { format }) }, null, 2));
  return (...args: string[]): Promise<CliResult> => runCli(args, { cwd: project });
}

type Cli = ReturnType<typeof stratumProject>;

interface StatusJson {
  migrations: { version: string; name: string; state: string }[];
  pending: number;
}

async function status(stratum: Cli): Promise<StatusJson> {
  const result = await stratum("status", "--json");
  expectOk(result, "status --json");
  return JSON.parse(result.stdout) as StatusJson;
}

interface Adoption {
  /** `adopt` arguments after `--from <tool>` (the registry schema, …). */
  readonly args?: readonly string[];
  /** The ids (`<version>_<name>`) of the migrations the tool applied, in order. */
  readonly applied: readonly string[];
  /** The ids of the rest, in order. */
  readonly rest: readonly string[];
  /** The database, and a reading of the tool's whole history table (which adopt must leave as it is). */
  readonly db: TestDb;
  readonly foreign: () => Promise<unknown>;
}

const ids = (s: StatusJson) => s.migrations.map((m) => `${m.version}_${m.name}`);

interface AdoptJson {
  source: string;
  dryRun: boolean;
  migrations: { entry: string; version: string; name: string; state: string }[];
  pending: string[];
}

/**
 * The acceptance: `--dry-run` maps and writes nothing; adopt records exactly the tool's applied
 * set, logged as `adopt` naming the tool and the entry, leaving the tool's table as it was;
 * status shows it, the rest pending; up applies only the rest; adopting again is a no-op.
 */
async function adoptStatusUp(stratum: Cli, tool: string, { args = [], applied, rest, db, foreign }: Adoption): Promise<void> {
  const theirs = JSON.stringify(await foreign());
  const dry = await stratum("adopt", "--from", tool, ...args, "--dry-run", "--json");
  expectOk(dry, `adopt --from ${tool} --dry-run`);
  const mapping = JSON.parse(dry.stdout) as AdoptJson;
  expect(mapping.dryRun).toBe(true);
  expect(mapping.migrations.map((m) => [`${m.version}_${m.name}`, m.state])).toEqual(applied.map((id) => [id, "would-record"]));
  expect(mapping.pending).toEqual(rest);

  const adopt = await stratum("adopt", "--from", tool, ...args, "--json");
  expectOk(adopt, `adopt --from ${tool}`);
  const result = JSON.parse(adopt.stdout) as AdoptJson;
  expect(result.source).toBe(tool);
  // "recorded", not "already-recorded": the dry run wrote nothing.
  expect(result.migrations.map((m) => [`${m.version}_${m.name}`, m.state])).toEqual(applied.map((id) => [id, "recorded"]));
  expect(result.pending).toEqual(rest);
  const log = await db.query<{ operation: string; version: string; details: string }>("select operation, version, details from stratum_log order by id");
  expect(log.map((r) => r.operation)).toEqual(applied.map(() => "adopt"));
  expect(log.map((r) => r.details)).toEqual(result.migrations.map((m) => `adopted from ${tool}: ${m.entry}`));
  expect(JSON.stringify(await foreign())).toBe(theirs);

  const adopted = await status(stratum);
  expect(adopted.migrations.map((m) => m.state)).toEqual([...applied.map(() => "applied"), ...rest.map(() => "pending")]);
  expect(ids(adopted)).toEqual([...applied, ...rest]);
  expect(adopted.pending).toBe(rest.length);

  const up = await stratum("up");
  expectOk(up, "up");
  expect([...up.output.matchAll(/applying (\S+) \.\.\. ok/g)].map((m) => m[1])).toEqual(rest);
  const after = await status(stratum);
  expect(after.migrations.map((m) => m.state)).toEqual([...applied, ...rest].map(() => "applied"));
  expect(after.pending).toBe(0);

  const again = await stratum("adopt", "--from", tool, ...args);
  expectOk(again, "adopt again");
  expect(again.stdout).toContain(`nothing to adopt: the history already records every migration ${tool} applied`);
  expect(JSON.stringify(await foreign())).toBe(theirs);
}

/**
 * No checksum stored by the tool: Stratum's own, recorded at adoption, catches an adopted file
 * edited afterwards. `status` marks it changed, `validate` and `up` refuse naming it.
 */
async function ownChecksumCatches(stratum: Cli, file: string, id: string, edit: (text: string) => string = (t) => `${t}\n-- edited after it was applied\nSELECT 1;\n`): Promise<void> {
  writeFileSync(file, edit(readFileSync(file, "utf8")));
  const changed = await status(stratum);
  expect(changed.migrations.find((m) => `${m.version}_${m.name}` === id)?.state).toBe("changed");
  const validate = await stratum("validate");
  expect(validate.code, validate.output).not.toBe(0);
  expect(validate.output).toContain(`${id} was changed after it was applied`);
  const up = await stratum("up");
  expect(up.code, up.output).not.toBe(0);
  expect(up.output).toContain(`${id} was changed after it was applied`);
  expect(up.output).not.toMatch(/\n\s+at /);
}

/**
 * The tool stored a checksum: a file edited since the tool applied it makes adopt refuse (exit 3)
 * naming the file and the entry, and nothing is written.
 */
async function storedChecksumCatches(stratum: Cli, tool: string, file: string, named: { file: string; entry: string }, count: number): Promise<void> {
  const original = readFileSync(file, "utf8");
  writeFileSync(file, `${original}\n-- edited after ${tool} applied it\n`);
  try {
    const refused = await stratum("adopt", "--from", tool);
    expect(refused.code, refused.output).toBe(3);
    expect(refused.stderr).toContain(`${named.file} changed since ${tool} applied it: ${named.entry}`);
    expect(refused.output).not.toMatch(/\n\s+at /);
    const untouched = await status(stratum);
    expect(untouched.pending).toBe(count);
    expect(untouched.migrations.every((m) => m.state === "pending")).toBe(true);
  } finally {
    writeFileSync(file, original);
  }
}

// ---------------------------------------------------------------------------------------------
// Tools whose layout Stratum reads natively: their sample projects, unchanged.

/** Migration ids from a directory of `<version>_<name>.sql` files, in order. */
const sqlIds = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => f.replace(/\.sql$/, ""));

describe("adopt from dbmate (the real dbmate from npm)", () => {
  eachTarget(TARGETS, "dbmate", (target) => {
    it.concurrent(`dbmate on ${target.name}: 8 of 12 applied by dbmate, adopted, the other 4 applied by up; a tampered file caught by Stratum's checksum`, async () => {
      const project = tempDir();
      cpSync(join(FIXTURES, "dbmate", target.name), project, { recursive: true });
      const db = await database(target);
      const migrations = join(project, "db/migrations");
      const all = sqlIds(migrations);
      const held = join(project, "held");
      mkdirSync(held);
      for (const id of all.slice(8)) renameSync(join(migrations, `${id}.sql`), join(held, `${id}.sql`));
      expectOk(await dbmate(target.name, db, migrations), "dbmate up");
      for (const id of all.slice(8)) renameSync(join(held, `${id}.sql`), join(migrations, `${id}.sql`));
      const stratum = stratumProject(project, db, "db/migrations", "dbmate");
      await adoptStatusUp(stratum, "dbmate", { db, foreign: () => db.query("select * from schema_migrations order by version"), applied: all.slice(0, 8), rest: all.slice(8) });
      await ownChecksumCatches(stratum, join(migrations, `${all[2]}.sql`), all[2] as string);
    }, 60_000);
  });
});

describe("adopt from drizzle (the real drizzle-kit from npm)", () => {
  eachTarget(TARGETS, "drizzle", (target) => {
    // drizzle-kit migrates once per dialect; the refusal (which writes nothing) and the adoption
    // then run on that database, each as a test of its own.
    describe(`drizzle on ${target.name}`, () => {
      let project = "";
      let db: TestDb | null = null;
      let journal: { entries: { tag: string; when: number }[] } = { entries: [] };
      beforeAll(async () => {
        project = mkdtempSync(join(tmpdir(), "stratum-adopt-real-"));
        cpSync(join(FIXTURES, "drizzle", target.name), project, { recursive: true });
        symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
        db = await target.createDatabase();
        const journalFile = join(project, "drizzle/meta/_journal.json");
        const journalText = readFileSync(journalFile, "utf8");
        journal = JSON.parse(journalText) as typeof journal;
        // drizzle-kit migrate runs every pending migration in one transaction: stop before the
        // sixth, the index built CONCURRENTLY on PostgreSQL.
        writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, 5) }, null, 2));
        writeDrizzleConfig(project, target.name, db);
        expectOk(await drizzleKit(project, "migrate"), "drizzle-kit migrate");
        writeFileSync(journalFile, journalText);
        rmSync(join(project, "drizzle.config.js"));
      }, 60_000);
      afterAll(async () => {
        await db?.drop();
        rmSync(project, { recursive: true, force: true });
      });
      const stratum = () => stratumProject(project, db as TestDb, "drizzle");
      const tags = () => journal.entries.map((e) => e.tag);

      it("5 of 12 journal entries migrated by drizzle-kit: a file changed since makes adopt refuse, naming the file and the entry (drizzle's SHA-256), and write nothing", async () => {
        const label = target.name === "postgres" ? "drizzle.__drizzle_migrations" : "__drizzle_migrations";
        const when = journal.entries[2]?.when;
        const entry = `${label} ${target.name === "sqlite" ? "" : "id 3 ("}created_at ${when}`;
        await storedChecksumCatches(stratum(), "drizzle", join(project, `drizzle/${tags()[2]}.sql`), { file: `${tags()[2]}.sql`, entry }, 12);
      }, 30_000);

      it("adopt records those 5, status shows them and 7 pending, up applies only the 7", async () => {
        await adoptStatusUp(stratum(), "drizzle", { db: db as TestDb, foreign: () => (db as TestDb).query(`select * from ${target.name === "postgres" ? "drizzle." : ""}__drizzle_migrations order by created_at`), applied: tags().slice(0, 5), rest: tags().slice(5) });
      }, 30_000);


      it("two migrations of the same text (drizzle-kit --custom files holding one data fix, run twice) map by the journal, not by checksum", async () => {
        const custom = tempDir();
        symlinkSync(join(ROOT, "node_modules"), join(custom, "node_modules"));
        const own = await database(target);
        const core = target.name === "postgres" ? ["pg-core", "pgTable"] : target.name === "mysql" ? ["mysql-core", "mysqlTable"] : ["sqlite-core", "sqliteTable"];
        const integer = target.name === "mysql" ? "int as integer" : "integer";
        write(custom, { "schema.ts": `import { ${integer}, ${core[1]} } from "drizzle-orm/${core[0]}";\nexport const users = ${core[1]}("users", { id: integer("id").primaryKey() });\n` });
        writeDrizzleConfig(custom, target.name, own);
        expectOk(await drizzleKit(custom, "generate", "--name", "users"), "drizzle-kit generate");
        expectOk(await drizzleKit(custom, "generate", "--custom", "--name", "reserved_a"), "drizzle-kit generate --custom");
        expectOk(await drizzleKit(custom, "generate", "--custom", "--name", "reserved_b"), "drizzle-kit generate --custom");
        // (Left as the template, a comments-only file, drizzle-kit itself fails on SQLite: "no statements".)
        const fix = "-- Custom SQL migration file, put your code below! --\nUPDATE users SET id = id;\n";
        write(custom, { "drizzle/0001_reserved_a.sql": fix, "drizzle/0002_reserved_b.sql": fix });
        expectOk(await drizzleKit(custom, "migrate"), "drizzle-kit migrate");
        write(custom, { "drizzle/0003_posts.sql": "CREATE TABLE posts (id integer PRIMARY KEY);\n" });
        const journalFile = join(custom, "drizzle/meta/_journal.json");
        const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[] };
        const last = journal.entries[2] as (typeof journal.entries)[number];
        journal.entries.push({ ...last, idx: 3, when: last.when + 1000, tag: "0003_posts" });
        writeFileSync(journalFile, JSON.stringify(journal, null, 2));
        rmSync(join(custom, "drizzle.config.js"));
        const foreign = () => own.query(`select * from ${target.name === "postgres" ? "drizzle." : ""}__drizzle_migrations order by created_at`);
        await adoptStatusUp(stratumProject(custom, own, "drizzle"), "drizzle", { db: own, foreign, applied: ["0000_users", "0001_reserved_a", "0002_reserved_b"], rest: ["0003_posts"] });
      }, 60_000);
    });
  });
});

/** Sqitch's changes table, wherever its registry is: beside the SQLite file, a schema, or a MySQL database. */
async function sqitchChanges(target: TargetName, db: TestDb, registry: string | undefined): Promise<unknown> {
  const query = "select * from changes order by committed_at, change_id";
  if (target === "sqlite") {
    const registryDb = new Database(join(dirname(db.name), "sqitch.db"), { readonly: true });
    try {
      return registryDb.prepare(query).all();
    } finally {
      registryDb.close();
    }
  }
  return db.query(query.replace("from changes", `from ${registry ?? "sqitch"}.changes`));
}

describe("adopt from Sqitch (Debian's sqitch)", () => {
  eachTarget(TARGETS, "Sqitch", (target) => {
    it.concurrent(`Sqitch on ${target.name}: deployed --to the 8th change by sqitch, adopted, the other 4 applied by up; a tampered file caught by Stratum's checksum`, async () => {
      const dir = tempDir();
      const project = join(dir, "project");
      cpSync(join(FIXTURES, "sqitch", target.name), project, { recursive: true });
      const db = await database(target);
      const sqitch = sqitchIn(dir, project);
      const changes = readFileSync(join(project, "db/sqitch.plan"), "utf8")
        .split("\n")
        .filter((line) => /^[A-Za-z]/.test(line))
        .map((line) => line.split(" ")[0] as string);
      expect(changes).toHaveLength(12);
      // MySQL keeps the registry in a database of its own, server-wide: give this test its own.
      const registry = target.name === "mysql" ? `${db.name}_sqitch` : undefined;
      if (registry !== undefined) cleanups.push(async () => void (await db.query(`DROP DATABASE IF EXISTS \`${registry}\``)));
      const deployed = await sqitch("deploy", ...(registry === undefined ? [] : ["--registry", registry]), "--to", changes[7] as string, sqitchTarget(target.name, db));
      expectOk(deployed, "sqitch deploy --to");
      const stratum = stratumProject(project, db, "db");
      const before = await status(stratum);
      const all = ids(before);
      expect(all.map((id) => id.replace(/^\d+_/, ""))).toEqual(changes);
      await adoptStatusUp(stratum, "sqitch", { db, foreign: () => sqitchChanges(target.name, db, registry), args: registry === undefined ? [] : ["--from-schema", registry], applied: all.slice(0, 8), rest: all.slice(8) });
      await ownChecksumCatches(stratum, join(project, "db/deploy", `${changes[2]}.sql`), all[2] as string);
    }, 60_000);
  });
});

describe("adopt from node-pg-migrate (the real node-pg-migrate CLI from npm)", () => {
  eachTarget([TARGETS[1] as Target], "node-pg-migrate", (target) => {
    it.concurrent("node-pg-migrate on postgres: `node-pg-migrate up 5` of 12 SQL migrations, adopted, the other 7 applied by up; a tampered file caught by Stratum's checksum", async () => {
      const project = tempDir();
      cpSync(join(FIXTURES, "node-pg-migrate/postgres"), project, { recursive: true });
      const db = await database(target);
      // Stop before the sixth, the index built CONCURRENTLY (node-pg-migrate would wrap it in a transaction).
      const ran = await cli(join(TOOL_BIN, "node-pg-migrate"), ["up", "5", "-m", "migrations"], { cwd: project, env: { DATABASE_URL: db.url } });
      expectOk(ran, "node-pg-migrate up 5");
      const stratum = stratumProject(project, db, "migrations", "node-pg-migrate");
      const all = sqlIds(join(project, "migrations"));
      await adoptStatusUp(stratum, "node-pg-migrate", { db, foreign: () => db.query("select * from pgmigrations order by id"), applied: all.slice(0, 5), rest: all.slice(5) });
      await ownChecksumCatches(stratum, join(project, "migrations", `${all[1]}.sql`), all[1] as string);
    }, 60_000);
  });
});

// ---------------------------------------------------------------------------------------------
// Code-migration tools: the tool applies its own JS migrations `<version>_<name>.js`; Stratum's
// directory holds SQL migrations of the same versions and names doing the same DDL.

const STEPS = ["create_users", "create_posts", "create_tags", "create_likes", "create_notes"] as const;
const ddl = (name: string) => `CREATE TABLE ${name.replace("create_", "")} (id INT PRIMARY KEY)`;

/** Stratum's own layout: `<version>_<name>.sql`, up and down sections. */
function stratumSql(dir: string, versions: readonly string[]): string[] {
  const out: string[] = [];
  STEPS.forEach((step, i) => {
    const id = `${versions[i]}_${step}`;
    write(dir, { [`${id}.sql`]: `-- migrate:up\n${ddl(step)};\n\n-- migrate:down\nDROP TABLE ${step.replace("create_", "")};\n` });
    out.push(id);
  });
  return out;
}

const TIMESTAMPS = ["20240101000001", "20240101000002", "20240101000003", "20240101000004", "20240101000005"];
const APPLIED = 3;

describe("adopt from Knex (the real Knex from npm)", () => {
  eachTarget(TARGETS, "Knex", (target) => {
    it.concurrent(`Knex on ${target.name}: 3 of 5 JS migrations applied by knex.migrate.latest, adopted onto SQL files of the same versions, the other 2 applied by up; Stratum's checksum after`, async () => {
      const project = tempDir();
      const db = await database(target);
      const all = stratumSql(join(project, "migrations"), TIMESTAMPS);
      const js = join(project, "knex");
      for (const [i, id] of all.slice(0, APPLIED).entries()) write(js, { [`${id}.js`]: `exports.up = (knex) => knex.raw(${JSON.stringify(ddl(STEPS[i] as string))});\nexports.down = () => Promise.resolve();\n` });
      // On PostgreSQL, Knex's history in a schema and table of its own: adopt's --from-schema and --from-table.
      const custom = target.name === "postgres";
      if (custom) await db.query("create schema app");
      const k = await knexFor(target.name, db);
      try {
        await k.migrate.latest({ directory: js, ...(custom ? { tableName: "knex_history", schemaName: "app" } : {}) });
      } finally {
        await k.destroy();
      }
      const stratum = stratumProject(project, db, "migrations");
      const args = custom ? ["--from-table", "knex_history", "--from-schema", "app"] : [];
      const foreign = () => db.query(`select * from ${custom ? "app.knex_history" : "knex_migrations"} order by id`);
      await adoptStatusUp(stratum, "knex", { db, foreign, args, applied: all.slice(0, APPLIED), rest: all.slice(APPLIED) });
      await ownChecksumCatches(stratum, join(project, "migrations", `${all[0]}.sql`), all[0] as string);
    }, 60_000);
  });
});

describe("adopt from Kysely (the real Kysely Migrator from npm)", () => {
  eachTarget(TARGETS, "Kysely", (target) => {
    it.concurrent(`Kysely on ${target.name}: 3 of 5 JS migrations applied by Kysely's FileMigrationProvider, adopted, the other 2 applied by up; Stratum's checksum after`, async () => {
      const project = tempDir();
      const db = await database(target);
      const all = stratumSql(join(project, "migrations"), TIMESTAMPS);
      const js = join(project, "kysely");
      for (const [i, id] of all.slice(0, APPLIED).entries()) {
        write(js, { [`${id}.js`]: `const { sql } = require("kysely");\nexports.up = async (db) => { await sql.raw(${JSON.stringify(ddl(STEPS[i] as string))}).execute(db); };\n` });
      }
      symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
      const { FileMigrationProvider, Migrator } = await import("kysely");
      const fs = await import("node:fs/promises");
      const path = await import("node:path");
      const k = await kyselyFor(target.name, db);
      try {
        const migrated = await new Migrator({ db: k, provider: new FileMigrationProvider({ fs, path, migrationFolder: js }) }).migrateToLatest();
        expect(migrated.error).toBeUndefined();
        expect(migrated.results?.map((r) => [r.migrationName, r.status])).toEqual(all.slice(0, APPLIED).map((id) => [id, "Success"]));
      } finally {
        await k.destroy();
      }
      const stratum = stratumProject(project, db, "migrations");
      await adoptStatusUp(stratum, "kysely", { db, foreign: () => db.query("select * from kysely_migration order by name"), applied: all.slice(0, APPLIED), rest: all.slice(APPLIED) });
      await ownChecksumCatches(stratum, join(project, "migrations", `${all[1]}.sql`), all[1] as string);
    }, 60_000);
  });
});

// Sequelize's SQLite dialect needs the `sqlite3` package, whose install downloads a prebuilt
// binary from outside npm: Umzug/Sequelize runs here on PostgreSQL and MariaDB only.
describe("adopt from Umzug with Sequelize (the real Umzug and Sequelize from npm)", () => {
  eachTarget([TARGETS[1] as Target, TARGETS[2] as Target], "Umzug/Sequelize", (target) => {
    it.concurrent(`Umzug/Sequelize on ${target.name}: 3 of 5 JS migrations applied by Umzug into SequelizeMeta, adopted, the other 2 applied by up; Stratum's checksum after`, async () => {
      const project = tempDir();
      const db = await database(target);
      const all = stratumSql(join(project, "migrations"), TIMESTAMPS);
      const js = join(project, "umzug");
      for (const [i, id] of all.slice(0, APPLIED).entries()) {
        write(js, { [`${id}.js`]: `exports.up = async ({ context: sequelize }) => { await sequelize.query(${JSON.stringify(ddl(STEPS[i] as string))}); };\nexports.down = async () => {};\n` });
      }
      const { Sequelize } = await import("sequelize");
      const { SequelizeStorage, Umzug } = await import("umzug");
      const sequelize = new Sequelize(db.url, { logging: false });
      try {
        const umzug = new Umzug({ migrations: { glob: ["*.js", { cwd: js }] }, context: sequelize, storage: new SequelizeStorage({ sequelize }), logger: undefined });
        expect((await umzug.up()).map((m) => m.name)).toEqual(all.slice(0, APPLIED).map((id) => `${id}.js`));
      } finally {
        await sequelize.close();
      }
      const stratum = stratumProject(project, db, "migrations");
      await adoptStatusUp(stratum, "sequelize", { db, foreign: () => db.query(target.name === "postgres" ? 'select * from "SequelizeMeta" order by name' : "select * from SequelizeMeta order by name"), applied: all.slice(0, APPLIED), rest: all.slice(APPLIED) });
      await ownChecksumCatches(stratum, join(project, "migrations", `${all[2]}.sql`), all[2] as string);
    }, 60_000);
  });
});

const TYPEORM_VERSIONS = ["1700000000001", "1700000000002", "1700000000003", "1700000000004", "1700000000005"];

describe("adopt from TypeORM (the real TypeORM from npm)", () => {
  eachTarget(TARGETS, "TypeORM", (target) => {
    it.concurrent(`TypeORM on ${target.name}: 3 of 5 JS migration classes run by DataSource.runMigrations, adopted, the other 2 applied by up; Stratum's checksum after`, async () => {
      const project = tempDir();
      const db = await database(target);
      const all = stratumSql(join(project, "migrations"), TYPEORM_VERSIONS);
      const js = join(project, "typeorm");
      for (const [i, id] of all.slice(0, APPLIED).entries()) {
        const step = STEPS[i] as string;
        const className = `${step.split("_").map((w) => w[0]?.toUpperCase() + w.slice(1)).join("")}${TYPEORM_VERSIONS[i]}`;
        write(js, { [`${id}.js`]: `class ${className} {\n  async up(runner) { await runner.query(${JSON.stringify(ddl(step))}); }\n  async down() {}\n}\nexports.${className} = ${className};\n` });
      }
      await import("reflect-metadata");
      const { DataSource } = await import("typeorm");
      const migrations = [join(js, "*.js")];
      const source = new DataSource(
        target.name === "sqlite"
          ? { type: "better-sqlite3", database: db.name, migrations, logging: false }
          : { type: target.name === "postgres" ? "postgres" : "mysql", url: db.url, migrations, logging: false },
      );
      await source.initialize();
      try {
        expect((await source.runMigrations()).map((m) => m.timestamp)).toEqual(TYPEORM_VERSIONS.slice(0, APPLIED).map(Number));
      } finally {
        await source.destroy();
      }
      const stratum = stratumProject(project, db, "migrations");
      await adoptStatusUp(stratum, "typeorm", { db, foreign: () => db.query("select * from migrations order by id"), applied: all.slice(0, APPLIED), rest: all.slice(APPLIED) });
      await ownChecksumCatches(stratum, join(project, "migrations", `${all[0]}.sql`), all[0] as string);
    }, 60_000);
  });
});

// ---------------------------------------------------------------------------------------------
// postgrator: its own `NNN.do.name.sql` files applied by the real postgrator; Stratum's directory
// holds `NNN_name.sql` with the same SQL text, so postgrator's MD5 verifies against our file.

describe("adopt from postgrator (the real postgrator from npm)", () => {
  eachTarget(TARGETS, "postgrator", (target) => {
    it.concurrent(`postgrator on ${target.name}: 3 of 5 applied by postgrator, a tampered file refused by its MD5 naming file and entry, adopted, the other 2 applied by up`, async () => {
      const project = tempDir();
      const db = await database(target);
      const ours = join(project, "migrations");
      const theirs = join(project, "postgrator");
      const all: string[] = [];
      STEPS.forEach((step, i) => {
        const version = String(i + 1).padStart(3, "0");
        const text = `-- ${step}\n${ddl(step)};\n`;
        write(ours, { [`${version}_${step}.sql`]: text });
        if (i < APPLIED) write(theirs, { [`${version}.do.${step}.sql`]: text });
        all.push(`${version}_${step}`);
      });
      const { postgrator, close } = await postgratorFor(target.name, db, theirs);
      try {
        expect((await postgrator.migrate()).map((m) => m.version)).toEqual([1, 2, 3]);
      } finally {
        await close();
      }
      const stratum = stratumProject(project, db, "migrations");
      await storedChecksumCatches(stratum, "postgrator", join(ours, `${all[1]}.sql`), { file: `${all[1]}.sql`, entry: "schemaversion version 2" }, STEPS.length);
      await adoptStatusUp(stratum, "postgrator", { db, foreign: () => db.query("select * from schemaversion order by version"), applied: all.slice(0, APPLIED), rest: all.slice(APPLIED) });
    }, 60_000);
  });
});

