// One MySQL/MariaDB session behind Stratum's `Connection` port.

import type { Connection, Lock, LockOptions, ServerInfo, SessionGuards } from "../dialect.js";
import { withTransaction } from "../transaction.js";
import { bindParams } from "./bind-params.js";
import { rememberFailedSql } from "./mysql-errors.js";
import { acquireMysqlLock, forgetSession, lockName } from "./mysql-lock.js";

/** The part of a mysql2 promise connection (own, pooled or the user's) this adapter uses. */
export interface RawConnection {
  query(sql: string): Promise<[unknown, unknown]>;
  escape(value: unknown): string;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
  end(): Promise<void>;
  destroy(): void;
  release?(): void;
}

/**
 * Who owns the session: `owned` we opened and end on close; `pooled` came from the user's pool
 * and goes back to it clean; `shared` is the user's single connection, left open.
 */
export type SessionKind = "owned" | "pooled" | "shared";

export interface SessionContext {
  readonly displayUrl: string;
  /** Called once the connection is closed. */
  readonly onClose?: (connection: MysqlConnection) => void;
}

type GuardVariable = "lock_wait_timeout" | "innodb_lock_wait_timeout" | "max_statement_time" | "max_execution_time";

/** `10.11.19-MariaDB-0+deb12u1` → mariadb 10.11.19; `8.0.36` → mysql 8.0.36. */
export function parseServerVersion(text: string): ServerInfo {
  const mariadb = /mariadb/i.test(text);
  // MariaDB behind old replication protocols reports `5.5.5-10.6.12-MariaDB`.
  const cleaned = mariadb ? text.replace(/^5\.5\.5-/, "") : text;
  const version = /^\d+(?:\.\d+)*/.exec(cleaned)?.[0] ?? cleaned;
  return { flavor: mariadb ? "mariadb" : "mysql", version };
}

/** Seconds for MySQL's integer timeouts: rounded up, at least 1. */
function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
}

export class MysqlConnection implements Connection {
  readonly client: unknown;
  private readonly raw: RawConnection;
  private readonly kind: SessionKind;
  private readonly context: SessionContext;
  private readonly sessionId: number;
  private readonly database: string;
  private info: ServerInfo | undefined;
  private inTransaction = false;
  private closed = false;
  private broken: Error | undefined;
  /** Session values before the first `setGuards`, restored when a guard is unset or on close. */
  private originalGuards: Map<GuardVariable, unknown> | undefined;
  private readonly changedGuards = new Set<GuardVariable>();
  /** Locks taken through this connection and not yet released. */
  private readonly locks = new Set<Lock>();
  private readonly onError = (error: Error): void => {
    this.broken = error;
  };

  private constructor(raw: RawConnection, kind: SessionKind, context: SessionContext, sessionId: number, database: string) {
    this.raw = raw;
    this.client = raw;
    this.kind = kind;
    this.context = context;
    this.sessionId = sessionId;
    this.database = database;
    raw.on("error", this.onError);
  }

  /** Wraps a connected driver session, reading its id and current database. */
  static async open(raw: RawConnection, kind: SessionKind, context: SessionContext): Promise<MysqlConnection> {
    const [result] = await raw.query("select connection_id() as id, database() as db");
    const row = rowsOf(result)[0] ?? {};
    const db = typeof row["db"] === "string" ? row["db"] : "";
    return new MysqlConnection(raw, kind, context, Number(row["id"]), db);
  }

  /** The server's id of this session, as `KILL` and `SHOW PROCESSLIST` know it. */
  get id(): number {
    return this.sessionId;
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    const text = params === undefined ? sql : bindParams(sql, params, (value) => this.raw.escape(value));
    return rowsOf(await this.send(text)) as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.send(sql);
  }

  async begin(): Promise<void> {
    await this.send("start transaction");
    this.inTransaction = true;
  }

  async commit(): Promise<void> {
    try {
      await this.send("commit");
    } finally {
      this.inTransaction = false;
    }
  }

  async rollback(): Promise<void> {
    try {
      await this.send("rollback");
    } finally {
      this.inTransaction = false;
    }
  }

  transaction<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    return withTransaction(this, fn);
  }

  /** A Galera cluster grants GET_LOCK on one node only: another node's run takes it too. */
  async sessionLockUnsafe(): Promise<string | null> {
    const rows = await this.query<Record<string, unknown>>("show variables like 'wsrep_on'");
    const value = rows[0]?.["Value"] ?? rows[0]?.["VALUE"];
    return typeof value === "string" && value.toUpperCase() === "ON"
      ? "this is a Galera cluster (wsrep_on is ON), where GET_LOCK holds on one node only and runs on two nodes would both take it"
      : null;
  }

  async acquireLock(key: string, options: LockOptions): Promise<Lock> {
    const name = lockName(this.database, key);
    const lock = await acquireMysqlLock(
      {
        query: (sql, params) => this.query(sql, params),
        sessionId: this.sessionId,
        identity: this.raw,
        displayUrl: this.context.displayUrl,
      },
      name,
      options,
    );
    this.locks.add(lock);
    return {
      release: async () => {
        this.locks.delete(lock);
        await lock.release();
      },
      check: async () => lock.check?.(),
    };
  }

  async serverInfo(): Promise<ServerInfo> {
    if (!this.info) {
      const rows = await this.query<{ v: unknown }>("select version() as v");
      this.info = parseServerVersion(String(rows[0]?.v ?? ""));
    }
    return this.info;
  }

  async currentUser(): Promise<string | null> {
    const rows = await this.query<{ u: unknown }>("select current_user() as u");
    const user = rows[0]?.u;
    return typeof user === "string" ? user : null;
  }

  async tableExists(name: string): Promise<boolean> {
    const rows = await this.query(
      "select 1 as found from information_schema.tables where table_schema = database() and table_name = ? limit 1",
      [name],
    );
    return rows.length > 0;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    const rows = await this.query(
      "select 1 as found from information_schema.columns where table_schema = database() and table_name = ? and column_name = ? limit 1",
      [table, column],
    );
    return rows.length > 0;
  }

  async indexExists(name: string): Promise<boolean> {
    const rows = await this.query(
      "select 1 as found from information_schema.statistics where table_schema = database() and index_name = ? limit 1",
      [name],
    );
    return rows.length > 0;
  }

  /**
   * `lockTimeoutMs` sets `lock_wait_timeout` (metadata locks: a blocked ALTER) and
   * `innodb_lock_wait_timeout` (row locks), in whole seconds, at least 1. `statementTimeoutMs`
   * sets MariaDB's `max_statement_time` (seconds, fractional, every statement) or MySQL's
   * `max_execution_time` (milliseconds, SELECT only). An unset guard gets its original value back.
   */
  async setGuards(guards: SessionGuards): Promise<void> {
    const info = await this.serverInfo();
    const statementVariable: GuardVariable = info.flavor === "mariadb" ? "max_statement_time" : "max_execution_time";
    const wanted = new Map<GuardVariable, number | undefined>([
      ["lock_wait_timeout", guards.lockTimeoutMs === undefined ? undefined : wholeSeconds(guards.lockTimeoutMs)],
      ["innodb_lock_wait_timeout", guards.lockTimeoutMs === undefined ? undefined : wholeSeconds(guards.lockTimeoutMs)],
      [
        statementVariable,
        guards.statementTimeoutMs === undefined
          ? undefined
          : statementVariable === "max_statement_time"
            ? Math.max(0.001, guards.statementTimeoutMs / 1000)
            : Math.max(1, Math.round(guards.statementTimeoutMs)),
      ],
    ]);
    const originals = await this.readOriginalGuards([...wanted.keys()]);
    const assignments: string[] = [];
    for (const [variable, value] of wanted) {
      if (value !== undefined) {
        assignments.push(`${variable} = ${value}`);
        this.changedGuards.add(variable);
      } else if (this.changedGuards.has(variable)) {
        assignments.push(`${variable} = ${sqlValue(originals.get(variable))}`);
        this.changedGuards.delete(variable);
      }
    }
    if (assignments.length > 0) await this.send(`set session ${assignments.join(", ")}`);
  }

  private async readOriginalGuards(variables: readonly GuardVariable[]): Promise<Map<GuardVariable, unknown>> {
    this.originalGuards ??= new Map();
    const missing = variables.filter((v) => !this.originalGuards?.has(v));
    if (missing.length > 0) {
      const rows = await this.query(`select ${missing.map((v) => `@@session.${v} as ${v}`).join(", ")}`);
      for (const v of missing) this.originalGuards.set(v, rows[0]?.[v]);
    }
    return this.originalGuards;
  }

  /**
   * Ends the session. A pooled or shared session is first put back as it was found: open
   * transaction rolled back, our locks released, guards restored; if that fails a pooled one
   * is destroyed rather than handed to the next user in an unknown state.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.kind === "owned") {
        // The session's locks die with it.
        forgetSession(this.raw);
        if (this.broken) this.raw.destroy();
        else await endWithin(this.raw, END_TIMEOUT_MS);
        return;
      }
      const clean = !this.broken && (await this.restore());
      if (this.kind === "pooled") {
        if (clean && this.raw.release) {
          this.raw.release();
        } else {
          forgetSession(this.raw);
          this.raw.destroy();
        }
      }
    } finally {
      this.raw.removeListener("error", this.onError);
      this.context.onClose?.(this);
    }
  }

  private async restore(): Promise<boolean> {
    try {
      if (this.inTransaction) await this.rollback();
      for (const lock of [...this.locks]) {
        this.locks.delete(lock);
        await lock.release();
      }
      if (this.changedGuards.size > 0 && this.originalGuards) {
        const assignments = [...this.changedGuards].map((v) => `${v} = ${sqlValue(this.originalGuards?.get(v))}`);
        await this.send(`set session ${assignments.join(", ")}`);
        this.changedGuards.clear();
      }
      return true;
    } catch {
      return false;
    }
  }

  private async send(sql: string): Promise<unknown> {
    try {
      const [result] = await this.raw.query(sql);
      return result;
    } catch (error) {
      rememberFailedSql(error, sql);
      throw error;
    }
  }
}

const END_TIMEOUT_MS = 2000;

/** Ends a session politely (COM_QUIT), or cuts it when the server does not answer in time. */
async function endWithin(raw: RawConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    raw.end().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  if (!ended) raw.destroy();
}

/** A session variable's value read back from the server, as SQL. */
function sqlValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string" && /^\d+(?:\.\d+)?$/.test(value)) return value;
  return "default";
}
