import type { DialectName, MigrationOptions } from "./types.js";

export interface MigrationLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface BatchOptions<Row> {
  /** Fetches the next batch after the given key (null for the first). Returns rows in key order. */
  readonly fetch: (after: unknown, size: number) => Promise<readonly Row[]>;
  /** Key of a row, used for the next `fetch`. */
  readonly key: (row: Row) => unknown;
  /** Processes one batch. */
  readonly process: (rows: readonly Row[], ctx: MigrationContext) => Promise<void>;
  readonly size?: number;
  /** Total rows expected, for progress and ETA. */
  readonly total?: number;
  readonly label?: string;
}

/** What a migration's `up`, `down`, `before` and `after` receive. */
export interface MigrationContext {
  /** Parameterised query with `?` placeholders on every dialect; returns the rows. */
  sql<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a SQL file (path relative to the migrations directory), split into statements. */
  execFile(path: string): Promise<void>;
  tableExists(name: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  indexExists(name: string): Promise<boolean>;
  /** Runs `ddl` unless the table exists. Returns whether it created it. */
  createTableIfNotExists(name: string, ddl: string): Promise<boolean>;
  createIndexIfNotExists(name: string, ddl: string): Promise<boolean>;
  /** Keyset-batched data migration with progress; returns rows processed. */
  batch<Row>(options: BatchOptions<Row>): Promise<number>;
  readonly env: string;
  readonly log: MigrationLogger;
  readonly signal: AbortSignal;
  readonly dialect: DialectName;
  /** The raw driver client (better-sqlite3 Database, pg Client, mysql2 Connection). */
  readonly client: unknown;
  readonly version: string;
  readonly name: string;
}

export type MigrationFn = (ctx: MigrationContext) => Promise<unknown> | unknown;
/** Returns false or throws to veto (`before`) or fail (`after`); a string return is the reason. */
export type CheckFn = (ctx: MigrationContext) => Promise<unknown> | unknown;

export interface MigrationDefinition {
  /** When given, must equal the version in the file name. */
  readonly version?: string;
  readonly description?: string;
  readonly dependsOn?: readonly string[];
  readonly transaction?: boolean;
  readonly irreversible?: boolean;
  /** e.g. `["postgres>=13"]`. */
  readonly requires?: readonly string[];
  /** Tables this migration touches, for conflict detection. */
  readonly tables?: readonly string[];
  /** `stratum verify` applies it without verifying, for this reason (the SQL `-- stratum:verify skip <reason>`). */
  readonly skipVerify?: string;
  readonly before?: CheckFn;
  readonly up: MigrationFn;
  readonly down?: MigrationFn;
  readonly after?: CheckFn;
}

/** A code migration after import. */
export interface LoadedCode {
  readonly options: MigrationOptions;
  readonly up: MigrationFn;
  readonly down: MigrationFn | null;
  readonly before: CheckFn | null;
  readonly after: CheckFn | null;
}
