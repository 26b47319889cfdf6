// Runners for the other migration tools themselves, as installed from npm (dbmate, Knex, Kysely,
// postgrator, drizzle-kit, node-pg-migrate, …) or Debian (sqitch): what the adoption tests use to
// make each tool write its own history table. A missing tool is an error here, never a skip.

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import type { TargetName, TestDb } from "./targets.js";

const run = promisify(execFile);

/** The repository root, and the directory of the tools' npm binaries. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const TOOL_BIN = join(ROOT, "node_modules/.bin");

export interface ToolRun {
  readonly code: number;
  readonly output: string;
}

/** Runs a tool's CLI, returning its exit code and output (a failure is a result, not a throw; a missing binary is exit 127). */
export async function cli(command: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<ToolRun> {
  try {
    const { stdout, stderr } = await run(command, [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message?: string };
    if (e.code === "ENOENT") return { code: 127, output: `${command}: not installed (${e.message ?? "ENOENT"})` };
    return { code: typeof e.code === "number" ? e.code : 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** The URL dbmate wants for a test database. */
export function dbmateUrl(target: TargetName, db: TestDb): string {
  if (target === "sqlite") return `sqlite:${db.name}`;
  if (target === "postgres") return `${db.url}?sslmode=disable`;
  return db.url;
}

/** Runs the real dbmate (npm `dbmate`) on a migrations directory: `dbmate up`, no schema dump. */
export function dbmate(target: TargetName, db: TestDb, dir: string, ...command: string[]): Promise<ToolRun> {
  return cli(join(TOOL_BIN, "dbmate"), ["--url", dbmateUrl(target, db), "--migrations-dir", dir, "--no-dump-schema", ...(command.length === 0 ? ["up"] : command)]);
}

/** A Knex instance on the test database, through the drivers the tests already use. */
export async function knexFor(target: TargetName, db: TestDb) {
  const { default: knex } = await import("knex");
  if (target === "sqlite") return knex({ client: "better-sqlite3", connection: { filename: db.name }, useNullAsDefault: true });
  return knex({ client: target === "postgres" ? "pg" : "mysql2", connection: db.url });
}

/** A Kysely instance on the test database. */
export async function kyselyFor(target: TargetName, db: TestDb) {
  const { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } = await import("kysely");
  if (target === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(db.name) }) });
  }
  if (target === "postgres") {
    const { default: pg } = await import("pg");
    return new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url }) }) });
  }
  const { createPool } = await import("mysql2");
  return new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool(db.url) }) });
}

/** Postgrator's execQuery over the test's own drivers: it wants `{ rows }` back. */
export async function postgratorFor(target: TargetName, db: TestDb, dir: string) {
  const { default: Postgrator } = await import("postgrator");
  const common = { migrationPattern: join(dir, "*"), schemaTable: "schemaversion", database: db.name };
  if (target === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(db.name);
    const execQuery = async (query: string) => {
      const statement = /^\s*(select|pragma|with)/i.test(query) ? sqlite.prepare(query) : null;
      if (statement?.reader) return { rows: statement.all() };
      sqlite.exec(query);
      return { rows: [] };
    };
    return { postgrator: new Postgrator({ ...common, driver: "sqlite3", execQuery }), close: async () => sqlite.close() };
  }
  if (target === "postgres") {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    return { postgrator: new Postgrator({ ...common, driver: "pg", execQuery: (q: string) => client.query(q) }), close: () => client.end() };
  }
  const mysql = await import("mysql2/promise");
  const conn = await mysql.createConnection({ uri: db.url, multipleStatements: true });
  const execQuery = async (q: string) => ({ rows: (await conn.query(q))[0] as unknown[] });
  return { postgrator: new Postgrator({ ...common, driver: "mysql", execQuery }), close: () => conn.end() };
}

/** Runs the real drizzle-kit in `project` with its `drizzle.config.js`. */
export function drizzleKit(project: string, ...args: string[]): Promise<ToolRun> {
  return cli(join(TOOL_BIN, "drizzle-kit"), [...args, "--config", "drizzle.config.js"], { cwd: project });
}

/** drizzle-kit's config for the test database, migrations in `out`. */
export function writeDrizzleConfig(project: string, target: TargetName, db: TestDb, out = "./drizzle", schema = "./schema.ts"): void {
  const dialect = target === "postgres" ? "postgresql" : target;
  const url = target === "sqlite" ? db.name : db.url;
  writeFileSync(join(project, "drizzle.config.js"), `export default ${JSON.stringify({ dialect, schema, out, dbCredentials: { url } })};\n`);
}

/** The sqitch target URI of a test database. */
export function sqitchTarget(target: TargetName, db: TestDb): string {
  if (target === "sqlite") return `db:sqlite:${db.name}`;
  const url = new URL(db.url);
  return `db:${target === "postgres" ? "pg" : "mysql"}://${url.username}@${url.host}${url.pathname}`;
}

/** Runs Debian's sqitch in `project` with a user config of its own under `dir` (no system config). */
export function sqitchIn(dir: string, project: string): (...args: string[]) => Promise<ToolRun> {
  writeFileSync(join(dir, "user.conf"), "[user]\n\tname = Test User\n\temail = test@example.com\n");
  const env = { SQITCH_USER_CONFIG: join(dir, "user.conf"), SQITCH_SYSTEM_CONFIG: join(dir, "none.conf") };
  return (...args: string[]) => cli("sqitch", args, { cwd: project, env });
}
