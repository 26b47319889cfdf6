import type { DialectName, Statement } from "../core/types.js";

/** What a dialect can do. Core code asks these, never the dialect's name. */
export interface Capabilities {
  /** DDL is transactional: a migration and its state row can commit together. */
  readonly transactionalDdl: boolean;
  /** Many connections can migrate at once (parallel `up`). */
  readonly concurrentConnections: boolean;
  /** `exec` takes a whole script of many statements in one call (one round trip). */
  readonly multiStatementExec?: boolean;
}

/** Server flavour and version, for `-- stratum:requires`. */
export interface ServerInfo {
  readonly flavor: DialectName | "mariadb";
  readonly version: string;
}

/** Column types the history tables use on this dialect. */
export interface HistoryTypes {
  /** A short indexed string (versions, states). */
  readonly key: string;
  /** Unbounded text. */
  readonly text: string;
  readonly integer: string;
  readonly bigint: string;
  /** An auto-incrementing primary key column definition, e.g. `BIGSERIAL PRIMARY KEY`. */
  readonly autoId: string;
  /**
   * How to insert-or-update a state row in one statement: `on-conflict` (PostgreSQL, SQLite),
   * `on-duplicate-key` (MySQL). Without it the store deletes, then inserts.
   */
  readonly upsert?: "on-conflict" | "on-duplicate-key";
  /** Data-modifying statements in WITH (PostgreSQL): the state row and the log row in one round trip. */
  readonly writableCte?: boolean;
}

export interface Queryable {
  /** A parameterised query with `?` placeholders on every dialect; returns the rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs one statement without parameters. */
  exec(sql: string): Promise<void>;
}

export interface LockOptions {
  readonly timeoutMs: number;
  /** Called while waiting, about every second, with who holds the lock if known. */
  readonly onWait?: (holder: string | null, waitedMs: number) => void;
  readonly signal?: AbortSignal;
}

/** A held lock, tied to the connection that took it. */
export interface Lock {
  release(): Promise<void>;
  /**
   * Throws when the lock is no longer held (its session was terminated or closed), so a run stops
   * before committing another migration unprotected. Absent where a lock cannot be lost.
   */
  check?(): Promise<void>;
}

export interface SessionGuards {
  readonly lockTimeoutMs?: number | undefined;
  readonly statementTimeoutMs?: number | undefined;
}

/** One live session with the database. */
export interface Connection extends Queryable {
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Takes the run lock; throws LockTimeoutError after `timeoutMs`. */
  acquireLock(key: string, options: LockOptions): Promise<Lock>;
  serverInfo(): Promise<ServerInfo>;
  /** The database user, for the log. */
  currentUser(): Promise<string | null>;
  tableExists(name: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  indexExists(name: string): Promise<boolean>;
  /** Applies per-migration timeouts (lock_timeout, statement_timeout, lock_wait_timeout). */
  setGuards(guards: SessionGuards): Promise<void>;
  /** The raw driver client, for `ctx.client`. */
  readonly client: unknown;
  close(): Promise<void>;
}

export interface SplitOptions {
  /** MySQL honours DELIMITER lines; other dialects ignore this. */
  readonly allowDelimiter?: boolean;
}

/** A database: a stateless description plus how to open a session. */
export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: Capabilities;
  readonly historyTypes: HistoryTypes;
  /** The URL with any password removed, for messages. */
  readonly displayUrl: string;
  /**
   * Opens a session. `readOnly` promises the caller writes nothing, so a dialect may avoid
   * creating anything (SQLite does not create a missing database file for it).
   */
  connect(options?: { readonly readOnly?: boolean }): Promise<Connection>;
  splitStatements(sql: string, options?: SplitOptions): Statement[];
  quoteIdentifier(name: string): string;
  /** Quotes a table name, qualified by the configured schema when there is one. */
  qualifiedTable(name: string): string;
  /**
   * Why this statement cannot run inside a transaction (e.g. `CREATE INDEX CONCURRENTLY`),
   * or null when it can.
   */
  nonTransactionalReason(statement: string): string | null;
  /** Maps a driver error to a position (0-based offset) inside the statement, when it has one. */
  errorPosition(error: unknown): number | null;
  /** Whether a driver error is a deadlock or lock timeout (retry alone in parallel runs). */
  isRetryable(error: unknown): boolean;
  /** Writes a backup of the database to `file` (returns the path written). */
  backup?(file: string): Promise<string>;
  /** Throws a BackupError before anything runs when backups cannot be taken here. */
  checkBackup?(): Promise<void>;
  /** Creates the configured schema if the dialect has schemas and one is configured. */
  ensureSchema?(db: Queryable): Promise<void>;
  /**
   * Records the highest applied version where the database has a place for it
   * (SQLite `PRAGMA user_version`). Runs inside the migration's transaction.
   */
  recordHead?(db: Queryable, version: bigint): Promise<void>;
  /**
   * The database's schema (tables, columns, indexes, …) as plain, comparable data, for rollback
   * checks: two snapshots are equal exactly when the schemas are.
   */
  describeSchema?(db: Queryable): Promise<unknown>;
  /**
   * How many objects one transaction can lock at most (PostgreSQL's shared lock table), or
   * null when there is no such limit worth checking. A run in one transaction is refused
   * before it starts when it would touch more.
   */
  transactionLockCapacity?(db: Queryable): Promise<number | null>;
  /**
   * Waits for any transaction still writing `table` to end. A killed run's COMMIT can still be
   * landing when its lock session is already gone; reading history before it lands would run
   * that migration again.
   */
  settleWrites?(db: Connection, table: string): Promise<void>;
  /** Releases pools and anything the dialect opened. */
  dispose(): Promise<void>;
}
