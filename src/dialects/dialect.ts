import type { SchemaSnapshot } from "../core/schema/model.js";
import type { DialectName, ServerInfo } from "../core/types.js";
import type { SqlDialect } from "../sql/analysis/sql-dialect.js";

export type { SplitOptions, SqlDialect } from "../sql/analysis/sql-dialect.js";

/**
 * What a dialect can do. Core code asks these, never the dialect's name. Each flag after the first
 * two says whether the Dialect member named in its comment is there.
 */
export interface Capabilities {
  /** DDL is transactional: a migration and its state row can commit together. */
  readonly transactionalDdl: boolean;
  /** Many connections can migrate at once (parallel `up`). */
  readonly concurrentConnections: boolean;
  /** Backups can be taken before a run (`backup`, `checkBackup`). */
  readonly backup: boolean;
  /**
   * A SQL migration's BEGIN, script and history write go in one round trip, its history rows
   * timed by the server's clock (`serverClock`, and `Connection.execBatch`).
   */
  readonly batchRoundTrip: boolean;
  /** The schema can be described as comparable data (`describeSchema`). */
  readonly schemaIntrospection: boolean;
  /** The database keeps the highest applied version where other tools read it (`recordHead`). */
  readonly headVersion: boolean;
  /** One transaction can lock only so many objects, worth checking before a run (`transactionLockCapacity`). */
  readonly lockCapacity: boolean;
  /** A killed run's COMMIT can still be landing after its session is gone (`settleWrites`). */
  readonly settleWrites: boolean;
  /** A session can be lost mid-run (killed, terminated, network cut) and this is told (`connectionLost`). */
  readonly sessionLoss: boolean;
  /** A COMMIT the server refused (nothing applied) can be told from one that may have landed (`commitRefused`). */
  readonly commitRefusal: boolean;
  /** Failures of the machine (a full disk, a read-only file) come with a fix (`environmentFix`). */
  readonly environmentFixes: boolean;
}

export type { ServerInfo };

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

export interface QueryOptions {
  /** The same text runs many times in this session: the dialect may prepare it once. */
  readonly reuse?: boolean;
}

export interface DescribeSchemaOptions {
  /** Tables to leave out (bare names, any case), with their indexes, triggers and owned sequences. */
  readonly exclude?: readonly string[];
  /**
   * Only the caller changes this database (verify's shadow): the dialect may remember its last
   * descriptions and give back what it can show is unchanged without reading it all again.
   */
  readonly remember?: boolean;
  /**
   * With `remember`: the database is the caller's alone and thrown away after it (verify's shadow):
   * the dialect may add to it what follows its changes (PostgreSQL: an event trigger and its log,
   * in a schema no description includes), so that a description reads only what changed.
   */
  readonly followChanges?: boolean;
}

export interface Queryable {
  /** A parameterised query with `?` placeholders on every dialect; returns the rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
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
  /**
   * The same check as a statement that fails when the lock was lost, to run inside a migration's
   * own transaction (its batch) instead of a round trip on the lock's connection; `lost` turns
   * its failure into the error to report.
   */
  readonly assertion?: LockAssertion;
}

export interface LockAssertion {
  readonly statement: BoundStatement;
  lost(cause: unknown): Error;
}

export interface SessionGuards {
  readonly lockTimeoutMs?: number | undefined;
  readonly statementTimeoutMs?: number | undefined;
}

/**
 * A statement of a batch failed: which one (0-based, counting the script's statements, then the
 * `then` statements, then the COMMIT; null when the batch failed but no single statement did)
 * and where inside it (0-based offset, when the server said).
 */
export class StatementFailure extends Error {
  constructor(
    readonly index: number | null,
    readonly position: number | null,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "StatementFailure";
  }
}

/** A statement of our own with `?` placeholders and their values. */
export interface BoundStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface BatchOptions {
  /** Opens a transaction first, in the same round trip. */
  readonly begin?: boolean;
  /** Our own statements (the history write) to run after the script, in the same round trip. */
  readonly then?: readonly BoundStatement[];
  /**
   * Commits last, in the same round trip; a failing COMMIT is the statement after `then`'s.
   * Only inside a transaction (opened by `begin`, or by an earlier batch this one continues),
   * and only where nothing has to be checked between the last statement and the COMMIT.
   */
  readonly commit?: boolean;
}

/**
 * SQL expressions that time a migration by the server's clock, for a migration whose history
 * row is written in the same round trip as its script (its duration is not known when it is sent).
 */
export interface ServerClock {
  /** When the transaction began, as an ISO 8601 UTC string with milliseconds. */
  readonly startedAt: string;
  /** The current time, in the same format. */
  readonly now: string;
  /** Whole milliseconds since the transaction began. */
  readonly elapsedMs: string;
}

/** One live session with the database. */
export interface Connection extends Queryable {
  /**
   * Runs statements in order in one round trip (PostgreSQL: one multi-statement query) and names
   * the one that failed by throwing StatementFailure. Absent where each needs a call of its own.
   */
  execBatch?(statements: readonly string[], options?: BatchOptions): Promise<void>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Takes the run lock; throws LockTimeoutError after `timeoutMs`. */
  acquireLock(key: string, options: LockOptions): Promise<Lock>;
  /**
   * Why acquireLock's session lock would not exclude other runs here (a Galera cluster grants
   * GET_LOCK per node; a pooler may hand the session to another client), or null when it does.
   * The run then takes a lease instead (src/dialects/lease-lock.ts). Absent: the lock holds.
   */
  sessionLockUnsafe?(): Promise<string | null>;
  serverInfo(): Promise<ServerInfo>;
  /** The database user, for the log. */
  currentUser(): Promise<string | null>;
  tableExists(name: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  indexExists(name: string): Promise<boolean>;
  /** Applies per-migration timeouts (lock_timeout, statement_timeout, lock_wait_timeout). */
  setGuards(guards: SessionGuards): Promise<void>;
  /**
   * Begins a transaction, runs `fn` on this connection and commits; when `fn` or the COMMIT
   * fails, rolls back (ignoring a failing rollback) and rethrows.
   */
  transaction<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
  /** The raw driver client, for `ctx.client`. */
  readonly client: unknown;
  close(): Promise<void>;
}

/** A database: a stateless description plus how to open a session. */
export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: Capabilities;
  readonly historyTypes: HistoryTypes;
  /** The URL with any password removed, for messages. */
  readonly displayUrl: string;
  /** The file extension of a backup this dialect writes (`db`, `dump`, `sql`). */
  readonly backupExtension: string;
  /**
   * Whether an error that does not name the rehearsal's commit guard (a deferred foreign key that
   * fails any COMMIT) is still that guard failing: SQLite reports SQLITE_CONSTRAINT_FOREIGNKEY alone.
   */
  isCommitGuardFailure(error: unknown): boolean;
  /**
   * Added to the message of a rehearsal stopped by its commit guard where other errors look the
   * same (`on SQLite, a row that breaks a foreign key fails the same way`); null elsewhere.
   */
  readonly commitGuardNote: string | null;
  /**
   * Opens a session. `readOnly` promises the caller leaves the database as it found it (it only
   * reads, or rolls back all it writes, as a rehearsal does), so a dialect may avoid creating
   * anything (SQLite does not create a missing database file for it, nor the lock file).
   */
  connect(options?: { readonly readOnly?: boolean }): Promise<Connection>;
  /**
   * The dialect's SQL: splitting and the analysis of scripts (`scriptFacts(dialect.sql, script)`
   * keeps each section's facts for the run).
   */
  readonly sql: SqlDialect;
  quoteIdentifier(name: string): string;
  /** Quotes a table name, qualified by the configured schema when there is one. */
  qualifiedTable(name: string): string;
  /** Maps a driver error to a position (0-based offset) inside the statement, when it has one. */
  errorPosition(error: unknown): number | null;
  /** Whether a driver error is a deadlock or lock timeout (retry alone in parallel runs). */
  isRetryable(error: unknown): boolean;
  /**
   * Whether an error from COMMIT means the server refused it and rolled the transaction back
   * (nothing applied). Absent, or false, where a failed COMMIT may still have landed.
   */
  commitRefused?(error: unknown): boolean;
  /**
   * What to do about a failure the machine caused rather than the SQL (a full disk, a read-only
   * file, an I/O error), as the start of a fix (`free space on the file system holding /data`);
   * null for any other error.
   */
  environmentFix?(error: unknown): string | null;
  /**
   * Whether a driver error means the session itself is gone (terminated or killed by the server,
   * network cut): nothing more can be sent on it. Absent where a session cannot be lost (SQLite).
   */
  connectionLost?(error: unknown): boolean;
  /** Writes a backup of the database to `file` (returns the path written). */
  backup?(file: string): Promise<string>;
  /** Throws a BackupError before anything runs when backups cannot be taken here. */
  checkBackup?(): Promise<void>;
  /**
   * Records the highest applied version where the database has a place for it
   * (SQLite `PRAGMA user_version`). Runs inside the migration's transaction.
   */
  recordHead?(db: Queryable, version: bigint): Promise<void>;
  /** The version `recordHead` keeps (0 when none was recorded): what an older system left there. */
  readHead?(db: Queryable): Promise<bigint>;
  /**
   * The database's schema in the neutral model (core/schema), for rollback checks, verify and
   * drift: two snapshots are equal exactly when the schemas are. `exclude` names tables to leave
   * out with what belongs to them (Stratum's history tables).
   */
  describeSchema?(db: Queryable, options?: DescribeSchemaOptions): Promise<SchemaSnapshot>;
  /**
   * The schema as one canonical SQL file composed from the server's own definitions
   * (pg_get_*def, SHOW CREATE, sqlite_master): deterministic, and it reloads into an empty
   * database of this dialect to an identical describeSchema snapshot (`stratum schema dump`).
   */
  dumpSchema?(db: Queryable, options?: DescribeSchemaOptions): Promise<string>;
  /**
   * One cheap read of the catalog, hashed: equal fingerprints mean describeSchema (same options)
   * would give the same snapshot; a changed one, only that it may not. Null when it cannot vouch
   * (PostgreSQL: inside a transaction that has written). Drift compares it first. MySQL/MariaDB
   * has none: the information_schema reads it would take cost as much as the description.
   */
  catalogFingerprint?(db: Queryable, options?: DescribeSchemaOptions): Promise<string | null>;
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
  /**
   * Present where round trips cost (a server): a SQL migration's BEGIN, script and history write
   * then go in one batch, and the history rows are timed by these expressions.
   */
  readonly serverClock?: ServerClock;
  /** Releases pools and anything the dialect opened. */
  dispose(): Promise<void>;
}
