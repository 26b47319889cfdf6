// One SQLite session: a better-sqlite3 Database (shared by every session of an in-memory database).

import type BetterSqlite3 from "better-sqlite3";
import { StatementFailure, type BatchOptions, type Connection, type Lock, type LockOptions, type ServerInfo, type SessionGuards } from "../dialect.js";
import { withTransaction } from "../transaction.js";
import { loadDriver, type Database } from "./driver.js";
import { acquireFileLock } from "./file-lock.js";
import { endsInLineComment } from "./sql/exact-text.js";

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; map the rest. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/**
 * Statements as one script. Each is followed by `;` right after its text, as in its file, so SQLite
 * stores the text it stores when the statement runs alone (a `\n` before the `;` would become part
 * of a CREATE INDEX's `sqlite_master.sql`); one ending in a `--` comment gets its `;` on a new line.
 */
function joined(statements: readonly string[]): string {
  const last = statements.length - 1;
  return statements.map((s, i) => (i === last ? s : endsInLineComment(s) ? `${s}\n;` : `${s};`)).join("\n");
}

export class SqliteConnection implements Connection {
  readonly #db: Database;
  readonly #shared: boolean;
  readonly #filename: string | null;

  constructor(db: Database, shared: boolean, filename: string | null) {
    this.#db = db;
    this.#shared = shared;
    this.#filename = filename;
  }

  get client(): unknown {
    return this.#db;
  }

  /** Prepared statements by text: the history writes repeat for every migration of a run. */
  readonly #prepared = new Map<string, BetterSqlite3.Statement>();

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#prepared.size >= 64) this.#prepared.clear();
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const statement = this.#prepare(sql);
    const bound = params.map(bindable);
    if (statement.reader) return statement.all(...bound) as Row[];
    statement.run(...bound);
    return [];
  }

  async exec(sql: string): Promise<void> {
    this.#db.exec(sql);
  }

  /**
   * The statements in one exec call, inside a savepoint. SQLite does not say which statement of
   * a script failed, so on failure they are undone and replayed one by one to find it.
   */
  async execBatch(statements: readonly string[], options: BatchOptions = {}): Promise<void> {
    const db = this.#db;
    if (options.begin === true) db.exec("begin immediate");
    if (statements.length === 0) return;
    db.exec("savepoint stratum_batch");
    try {
      db.exec(joined(statements));
      db.exec("release stratum_batch");
      return;
    } catch (whole) {
      // some errors (a full disk, an interrupt) end the transaction, savepoint and all
      if (!db.inTransaction) throw new StatementFailure(null, null, whole);
      db.exec("rollback to stratum_batch");
      let failure = new StatementFailure(null, null, whole);
      for (const [i, statement] of statements.entries()) {
        try {
          db.exec(statement);
        } catch (error) {
          failure = new StatementFailure(i, null, error);
          break;
        }
      }
      if (db.inTransaction) {
        db.exec("rollback to stratum_batch");
        db.exec("release stratum_batch");
      }
      throw failure;
    }
  }

  async begin(): Promise<void> {
    this.#db.exec("begin immediate");
  }

  async commit(): Promise<void> {
    this.#db.exec("commit");
  }

  async rollback(): Promise<void> {
    if (this.#db.inTransaction) this.#db.exec("rollback");
  }

  transaction<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    return withTransaction(this, fn);
  }

  async acquireLock(key: string, options: LockOptions): Promise<Lock> {
    if (this.#filename === null) return { release: async () => {} };
    return acquireFileLock(await loadDriver(), `${this.#filename}-stratum.lock`, key, options);
  }

  async serverInfo(): Promise<ServerInfo> {
    const row = this.#db.prepare("select sqlite_version() as v").get() as { v: string };
    return { flavor: "sqlite", version: row.v };
  }

  async currentUser(): Promise<string | null> {
    return null;
  }

  async tableExists(name: string): Promise<boolean> {
    const row = this.#db
      .prepare("select 1 from sqlite_master where type in ('table', 'view') and lower(name) = lower(?)")
      .get(name);
    return row !== undefined;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    const rows = this.#db.prepare("select name from pragma_table_info(?)").all(table) as { name: string }[];
    return rows.some((row) => row.name.toLowerCase() === column.toLowerCase());
  }

  async indexExists(name: string): Promise<boolean> {
    const row = this.#db.prepare("select 1 from sqlite_master where type = 'index' and lower(name) = lower(?)").get(name);
    return row !== undefined;
  }

  async setGuards(guards: SessionGuards): Promise<void> {
    if (guards.lockTimeoutMs !== undefined) this.#db.pragma(`busy_timeout = ${Math.max(0, Math.floor(guards.lockTimeoutMs))}`);
  }

  async close(): Promise<void> {
    if (!this.#shared && this.#db.open) this.#db.close();
  }
}
