import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import mysql from "mysql2/promise";
import { dropInBackground } from "./pending-drops.js";

export type TargetName = "sqlite" | "postgres" | "mysql";

/** A fresh database for one test; `drop()` removes it. */
export interface TestDb {
  readonly url: string;
  readonly name: string;
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** User tables, lower-case, sorted (history tables included). */
  tables(): Promise<string[]>;
  drop(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  /** Null when reachable, else why not. */
  readonly unreachable: string | null;
  createDatabase(): Promise<TestDb>;
}

export const PG_URL = process.env["STRATUM_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const MYSQL_URL = process.env["STRATUM_TEST_MYSQL_URL"] ?? "mysql://root@127.0.0.1:3306/mysql";

const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function sqliteTarget(): Target {
  return {
    name: "sqlite",
    unreachable: null,
    async createDatabase() {
      const dir = mkdtempSync(join(tmpdir(), "stratum-db-"));
      const file = join(dir, "test.db");
      const open = () => new Database(file);
      return {
        url: `sqlite:${file}`,
        name: file,
        async query<Row>(sql: string, params: readonly unknown[] = []) {
          const db = open();
          try {
            const statement = db.prepare(sql);
            return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as Row[];
          } finally {
            db.close();
          }
        },
        async tables() {
          const db = open();
          try {
            const rows = db
              .prepare("select lower(name) as name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1")
              .all() as { name: string }[];
            return rows.map((r) => r.name);
          } finally {
            db.close();
          }
        },
        async drop() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return `PostgreSQL is unreachable at ${PG_URL}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeMysql(): Promise<string | null> {
  try {
    const conn = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3000 });
    await conn.query("select 1");
    await conn.end();
    return null;
  } catch (error) {
    return `MariaDB/MySQL is unreachable at ${MYSQL_URL}: ${(error as Error).message}`;
  }
}

export async function postgresTarget(): Promise<Target> {
  const unreachable = await probePostgres();
  return {
    name: "postgres",
    unreachable,
    async createDatabase() {
      const name = uniqueName("stratum_t");
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = withDatabase(PG_URL, name);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        url,
        name,
        async query<Row>(sql: string, params: readonly unknown[] = []) {
          let i = 0;
          const text = params.length > 0 ? sql.replace(/\?/g, () => `$${++i}`) : sql;
          return (await client.query(text, [...params])).rows as Row[];
        },
        async tables() {
          const rows = await client.query(
            "select lower(table_name) as name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE' order by 1",
          );
          return rows.rows.map((r: { name: string }) => r.name);
        },
        async drop() {
          await client.end().catch(() => undefined);
          // in the background: the drop waits for a checkpoint (test/support/pending-drops.ts)
          dropInBackground(`the PostgreSQL database ${name}`, async () => {
            const dropper = new pg.Client({ connectionString: PG_URL });
            await dropper.connect();
            try {
              await dropper.query(`drop database if exists ${name} with (force)`);
            } finally {
              await dropper.end();
            }
          });
        },
      };
    },
  };
}

export async function mysqlTarget(): Promise<Target> {
  const unreachable = await probeMysql();
  return {
    name: "mysql",
    unreachable,
    async createDatabase() {
      const name = uniqueName("stratum_t");
      const admin = await mysql.createConnection({ uri: MYSQL_URL });
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = withDatabase(MYSQL_URL, name);
      const conn = await mysql.createConnection({ uri: url, dateStrings: true });
      return {
        url,
        name,
        async query<Row>(sql: string, params: readonly unknown[] = []) {
          const [rows] = await conn.query(sql, [...params]);
          return (Array.isArray(rows) ? rows : []) as Row[];
        },
        async tables() {
          const [rows] = await conn.query(
            "select lower(table_name) as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE' order by 1",
          );
          return (rows as { name: string }[]).map((r) => r.name);
        },
        async drop() {
          await conn.end().catch(() => undefined);
          const dropper = await mysql.createConnection({ uri: MYSQL_URL });
          await dropper.query(`drop database if exists ${name}`);
          await dropper.end();
        },
      };
    },
  };
}
