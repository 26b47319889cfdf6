import type { BoundStatement, Connection, Dialect, Queryable, ServerClock } from "../dialects/dialect.js";
import { historyReader } from "./history-reader.js";
import { historyWriter } from "./history-writer.js";
import type { AppliedMigration, LogEntry, MigrationState, Problem } from "../core/types.js";

/**
 * Reading the state table (one row per migration ever applied) and the log (one row per
 * attempt). Stateless: every method takes the Queryable. The seam for reading other tools' tables.
 */
export interface HistoryReader {
  /** Whether the state table exists (read-only commands do not create it). */
  exists(db: Pick<Connection, "tableExists">): Promise<boolean>;
  /** The state rows; throws a ValidationError when the table cannot be trusted (see `inspect`). */
  read(db: Queryable): Promise<AppliedMigration[]>;
  /**
   * The state rows that make sense, and a CORRUPT_HISTORY problem for each that does not (a
   * version that is not digits, an unknown state, a version recorded twice, a table missing a
   * column): status shows what it can, every other command refuses to run.
   */
  inspect(db: Queryable): Promise<{ rows: AppliedMigration[]; problems: Problem[] }>;
  readLog(db: Queryable, options?: { limit?: number; version?: string }): Promise<LogEntry[]>;
}

/**
 * Writing the state table and the log. Stateless: every method takes the Queryable, so a history
 * write shares the migration's transaction. Identifiers are always quoted, values always bound.
 */
export interface HistoryWriter {
  ensureTables(db: Queryable): Promise<void>;
  /** Inserts or replaces the state row of a migration. */
  write(db: Queryable, row: AppliedMigration): Promise<void>;
  /**
   * A migration's outcome: its state row written (or its state changed) and its log row, in as
   * few round trips as the dialect allows (one on PostgreSQL).
   */
  record(db: Queryable, change: StateChange, entry: LogEntry): Promise<void>;
  /**
   * The statements `record` runs. With a `clock`, for sending in one batch with the migration
   * itself: the times and durations are then the server's, as they are not known when it is sent.
   */
  recordStatements(change: StateChange, entry: LogEntry, clock?: ServerClock): BoundStatement[];
  setState(db: Queryable, version: string, state: Exclude<MigrationState, "pending">, fields?: StateUpdate): Promise<void>;
  remove(db: Queryable, version: string): Promise<void>;
  log(db: Queryable, entry: LogEntry): Promise<void>;
  /** The next batch number. */
  nextBatch(db: Queryable): Promise<number>;
}

/** The state table and the log, read and written. */
export type HistoryStore = HistoryReader & HistoryWriter;

export interface StateUpdate {
  readonly statementsDone?: number;
  readonly error?: string | null;
  readonly durationMs?: number | null;
  readonly appliedAt?: string | null;
  readonly checksum?: string;
  /** The migration's name (slug), when its file was renamed (`repair`). */
  readonly name?: string;
}

export type StateChange =
  | { readonly kind: "insert"; readonly row: AppliedMigration }
  | { readonly kind: "write"; readonly row: AppliedMigration }
  | { readonly kind: "state"; readonly version: string; readonly state: Exclude<MigrationState, "pending">; readonly fields?: StateUpdate };

export interface HistoryTables {
  readonly table: string;
  readonly logTable: string;
}

export function historyStore(dialect: Dialect, tables: HistoryTables): HistoryStore {
  return { ...historyReader(dialect, tables), ...historyWriter(dialect, tables) };
}
