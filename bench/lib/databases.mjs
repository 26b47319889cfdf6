// Throwaway databases: every measured run gets a fresh one, dropped right after. An admin
// connection per server creates and drops them; SQLite databases are files in a temp directory.

import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DIALECT_LABELS = Object.freeze({ sqlite: "SQLite", postgres: "PostgreSQL", mysql: "MariaDB" });

const ADMIN_URLS = Object.freeze({
  postgres: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  mysql: process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/mysql",
});

function freshName() {
  return `bench_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

function urlWithDatabase(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages. */
export function redactUrl(text) {
  return text.replace(/(\w+:\/\/[^:/@\s]+:)[^@\s]+@/g, "$1***@");
}

async function sqliteServer() {
  const { default: Database } = await import("better-sqlite3");
  const memory = new Database(":memory:");
  const version = memory.prepare("select sqlite_version() as v").get().v;
  memory.close();
  const root = await mkdtemp(join(tmpdir(), "stratum-bench-sqlite-"));
  const fileOf = (name) => join(root, `${name}.db`);
  return {
    version: `SQLite ${version} (better-sqlite3, file in ${tmpdir()})`,
    canClone: true,
    async create() {
      const name = freshName();
      return { name, url: `sqlite:${fileOf(name)}` };
    },
    async clone(from) {
      const name = freshName();
      await copyFile(fileOf(from), fileOf(name));
      return { name, url: `sqlite:${fileOf(name)}` };
    },
    async scalar(db, sql) {
      const conn = new Database(fileOf(db.name), { readonly: true });
      try {
        return Number(conn.prepare(sql).pluck().get());
      } finally {
        conn.close();
      }
    },
    async drop(name) {
      // the database, its journal or WAL files, and any companion file (Stratum's lock file)
      for (const file of await readdir(root)) {
        if (file.startsWith(`${name}.db`)) await rm(join(root, file), { force: true });
      }
    },
    async close() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function postgresServer() {
  const { default: pg } = await import("pg");
  const admin = new pg.Client({ connectionString: ADMIN_URLS.postgres, connectionTimeoutMillis: 5000 });
  await admin.connect();
  const version = (await admin.query("select version() as v")).rows[0].v.split(" on ")[0];
  const ident = (name) => `"${name}"`;
  // Every timed run starts right after a checkpoint: otherwise the previous run's dirty pages are
  // flushed during whichever run comes next, and times swing by a third from run to run.
  const settle = () => admin.query("checkpoint");
  return {
    version,
    canClone: true,
    async create() {
      const name = freshName();
      await admin.query(`create database ${ident(name)}`);
      await settle();
      return { name, url: urlWithDatabase(ADMIN_URLS.postgres, name) };
    },
    async clone(from) {
      const name = freshName();
      await admin.query(`create database ${ident(name)} template ${ident(from)}`);
      await settle();
      return { name, url: urlWithDatabase(ADMIN_URLS.postgres, name) };
    },
    /**
     * After a big set-up, waits until autovacuum has stopped working on the database (at most a
     * minute), then checkpoints: otherwise its workers compete with the timed runs for the CPUs.
     */
    async quiesce(db) {
      const deadline = Date.now() + 60_000;
      let quiet = 0;
      while (quiet < 3 && Date.now() < deadline) {
        const { rows } = await admin.query(
          "select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker' and datname = $1",
          [db.name],
        );
        quiet = rows[0].n === 0 ? quiet + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await settle();
    },
    async scalar(db, sql) {
      const conn = new pg.Client({ connectionString: db.url });
      await conn.connect();
      try {
        const { rows } = await conn.query({ text: sql, rowMode: "array" });
        return Number(rows[0][0]);
      } finally {
        await conn.end();
      }
    },
    async drop(name) {
      await admin.query(`drop database if exists ${ident(name)} with (force)`);
    },
    async close() {
      await admin.end();
    },
  };
}

async function mysqlServer() {
  const { default: mysql } = await import("mysql2/promise");
  const admin = await mysql.createConnection({ uri: ADMIN_URLS.mysql, connectTimeout: 5000 });
  const [rows] = await admin.query("select version() as v");
  const ident = (name) => `\`${name}\``;
  return {
    version: `MariaDB/MySQL ${rows[0].v}`,
    canClone: false,
    async create() {
      const name = freshName();
      await admin.query(`create database ${ident(name)}`);
      return { name, url: urlWithDatabase(ADMIN_URLS.mysql, name) };
    },
    async clone() {
      throw new Error("MariaDB has no template databases");
    },
    async scalar(db, sql) {
      const conn = await mysql.createConnection({ uri: db.url });
      try {
        const [rows] = await conn.query({ sql, rowsAsArray: true });
        return Number(rows[0][0]);
      } finally {
        await conn.end();
      }
    },
    async drop(name) {
      await admin.query(`drop database if exists ${ident(name)}`);
    },
    async close() {
      await admin.end();
    },
  };
}

/**
 * Connects to a dialect's server. The handle remembers every database it created; `dropAll`
 * removes the ones still there (after an error or Ctrl-C).
 */
export async function openServer(dialect) {
  const server = dialect === "sqlite" ? await sqliteServer() : dialect === "postgres" ? await postgresServer() : await mysqlServer();
  const live = new Set();
  const track = async (promise) => {
    const db = await promise;
    live.add(db.name);
    return db;
  };
  return {
    dialect,
    label: DIALECT_LABELS[dialect],
    version: server.version,
    canClone: server.canClone,
    /** The first column of the first row of `sql`, run inside database `db`. */
    scalar: (db, sql) => server.scalar(db, sql),
    create: () => track(server.create()),
    clone: (from) => track(server.clone(from)),
    async drop(name) {
      await server.drop(name);
      live.delete(name);
    },
    async dropAll() {
      for (const name of [...live]) await this.drop(name);
    },
    async close() {
      try {
        await this.dropAll();
      } finally {
        await server.close();
      }
    },
  };
}
