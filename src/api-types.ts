import type { Listener } from "./core/events.js";
import type {
  AppliedMigration,
  LogEntry,
  PlanStep,
  Problem,
  StatusReport,
  DialectName,
  LayoutUsed,
  UserVersionAhead,
} from "./core/types.js";
import type { Hooks, UserConfig } from "./config/types.js";
import type { GraphReport, RunOutcome, Stats } from "./core/results.js";
import type { SchemaChange } from "./core/schema/diff.js";
import type { VerifiedMigration } from "./core/verify.js";

export type { SchemaChange, SchemaChangeKind } from "./core/schema/diff.js";
export type * from "./core/schema/model.js";

export type { GraphNode, GraphReport, MigrationStat, RunOutcome, Stats } from "./core/results.js";

export interface MigratorOptions extends UserConfig {
  /** Environment name, selects `environments.<name>` (default `development`). */
  readonly env?: string;
  /** Working directory relative paths resolve against (default `process.cwd()`). */
  readonly cwd?: string;
  /** An existing driver client or pool (pg Pool/Client, mysql2 Pool/Connection, better-sqlite3 Database). */
  readonly client?: unknown;
  readonly hooks?: Hooks;
  /** Environment variables to read (default `process.env`). */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/** Cancels an operation: checked between its steps and before it takes the lock. */
export interface SignalOptions {
  readonly signal?: AbortSignal;
}

/** What a destructive operation on a protected environment asks to be confirmed. */
export interface Confirmation {
  /** What will happen, lower case: `roll back 3 migrations`. */
  readonly action: string;
  readonly environment: string;
  /** The database as it may be shown (password masked). */
  readonly database: string;
}

/** Returns true to proceed; false cancels (nothing is changed); a throw propagates (nothing is changed). */
export type ConfirmFn = (confirmation: Confirmation) => boolean | Promise<boolean>;

export interface OperationOptions extends SignalOptions {
  /** Asked before changing a protected environment (`protected: true`); without it such a change is refused. */
  readonly confirm?: ConfirmFn;
}

export interface UpOptions {
  readonly to?: string;
  readonly step?: number;
  /** `true` prints the plan and SQL; `"rehearse"` runs everything in a transaction and rolls back. */
  readonly dryRun?: boolean | "rehearse";
  readonly singleTransaction?: boolean;
  readonly parallel?: number;
  readonly backup?: boolean;
  readonly allowOutOfOrder?: boolean;
  readonly signal?: AbortSignal;
  /** Refuse to run when the live schema drifted from the one recorded (as `driftCheck: "error"`). */
  readonly strict?: boolean;
}

export interface DownOptions {
  readonly to?: string;
  readonly step?: number;
  readonly batch?: boolean;
  readonly all?: boolean;
  readonly versions?: readonly string[];
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly confirm?: ConfirmFn;
}

export interface RedoOptions extends OperationOptions {
  readonly dryRun?: boolean;
}

export interface RepairOptions extends OperationOptions {
  readonly removeMissing?: boolean;
  readonly dryRun?: boolean;
}

export interface PlanOptions extends SignalOptions {
  readonly direction: "up" | "down";
  readonly to?: string;
  readonly step?: number;
  readonly batch?: boolean;
  readonly all?: boolean;
  readonly versions?: readonly string[];
  readonly allowOutOfOrder?: boolean;
}

export interface PlannedMigration {
  readonly direction: "up" | "down";
  readonly version: string;
  readonly name: string;
  readonly file: string;
  readonly reason: string;
  readonly after: readonly string[];
  readonly transaction: boolean;
  /**
   * Why it runs outside a transaction where it would otherwise run in one: `stratum:transaction
   * off`, or `automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4` (every statement of its script
   * must run outside one); null when it runs in one, or the dialect or config gives none.
   */
  readonly outsideTransaction: string | null;
  /** How many statements its script has (0: a no-op that is still recorded); null for a code migration. */
  readonly statements: number | null;
}

export interface PlanResult {
  readonly steps: readonly PlannedMigration[];
  readonly warnings: readonly Problem[];
  /** The other tool's layout the migrations directory was read as; absent for Stratum's own. */
  readonly layout?: LayoutUsed;
  /** Present when `up` would first adopt (or refuse) a database kept by PRAGMA user_version. */
  readonly userVersion?: UserVersionAhead;
}

export interface RunReport {
  readonly direction: "up" | "down";
  readonly ok: boolean;
  readonly migrations: readonly RunOutcome[];
  readonly durationMs: number;
  readonly backup: string | null;
  readonly dryRun: boolean | "rehearse";
  readonly warnings: readonly Problem[];
}

export interface HistoryOptions extends SignalOptions {
  readonly limit?: number;
  readonly version?: string;
}

export interface RepairReport {
  readonly updated: readonly { readonly version: string; readonly from: string; readonly to: string }[];
  readonly removed: readonly string[];
  /** Versions whose file is gone and whose row stays (without `removeMissing`). */
  readonly missing: readonly string[];
  /** Rows whose recorded name was changed to the file's new name (`from`/`to` are names). */
  readonly renamed: readonly { readonly version: string; readonly from: string; readonly to: string }[];
}

export interface ValidateOptions extends SignalOptions {
  readonly strict?: boolean;
  readonly allowOutOfOrder?: boolean;
}

export interface LintOptions extends SignalOptions {
  /** Lint these files (relative to the migrations directory, or paths ending in one); default: the pending migrations. */
  readonly files?: readonly string[];
  /** Lint every migration, applied or not. */
  readonly all?: boolean;
  /**
   * Also run the linted migrations on a shadow database (after the ones before them), each table
   * they touch seeded with rows, and report what the server did per statement (`lint --measure`).
   */
  readonly measure?: boolean;
}

export type { DroppedFinding, StatementMeasurement } from "./core/lint/measured.js";

/** What `lint --measure` saw on the shadow database. */
export interface LintMeasurement {
  readonly shadow: ShadowInfo;
  /** The rows each touched table was seeded with. */
  readonly rows: number;
  /** Each table seeded, with the rows added or why it was not. */
  readonly seeded: readonly { readonly table: string; readonly rows?: number; readonly skipped?: string }[];
  /** Each statement of the linted migrations, in order. */
  readonly statements: readonly import("./core/lint/measured.js").StatementMeasurement[];
  /** The static findings the measurement contradicted (not in `findings`). */
  readonly dropped: readonly import("./core/lint/measured.js").DroppedFinding[];
  /** What could not be measured (a migration that is not SQL, a replay that failed). */
  readonly notes: readonly string[];
}

export type { LintFinding, LintSeverity, LintSuppression } from "./core/lint/types.js";

export interface LintReport {
  /** No finding of severity `error`. */
  readonly ok: boolean;
  readonly errors: number;
  readonly warnings: number;
  /** Every finding, by migration and line. */
  readonly findings: readonly import("./core/lint/types.js").LintFinding[];
  /** What `-- stratum:lint-ignore` lines silenced, with their reasons. */
  readonly suppressed: readonly import("./core/lint/types.js").LintSuppression[];
  /** How many migrations were linted. */
  readonly migrations: number;
  /** With `measure`: what the shadow database showed. */
  readonly measurement?: LintMeasurement;
}

export interface ValidateReport {
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  readonly migrations: number;
  /** The other tool's layout the migrations directory was read as; absent for Stratum's own. */
  readonly layout?: LayoutUsed;
}

export interface AdoptOptions extends OperationOptions {
  /** The tool whose history to read (`flyway`, `golang-migrate`, …), or `user-version` (SQLite `PRAGMA user_version`). */
  readonly from: string;
  /** The other tool's history table, when not its default name. */
  readonly table?: string;
  /** The schema (PostgreSQL) or database (MySQL) holding it, when not the connection's default. */
  readonly schema?: string;
  /** Read and map, write nothing. */
  readonly dryRun?: boolean;
}

/** One entry of the other history and the migration of ours it was mapped to. */
export interface AdoptedMigration {
  /** How the source names the entry: `flyway_schema_history installed_rank 3 (version 1.1)`. */
  readonly entry: string;
  readonly version: string;
  readonly name: string;
  /** Our file, relative to the migrations directory. */
  readonly file: string;
  /** When the other tool applied it, if it recorded that. */
  readonly appliedAt: string | null;
  /** `recorded` now, `already-recorded` by an earlier adoption, or `would-record` (dry run). */
  readonly state: "recorded" | "already-recorded" | "would-record";
}

export interface AdoptResult {
  /** The `--from` value: a tool name or `user-version`. */
  readonly source: string;
  /** What was read: the table (`public.flyway_schema_history`) or `PRAGMA user_version = 3`. */
  readonly read: string;
  readonly dryRun: boolean;
  /** In our migrations' order. */
  readonly migrations: readonly AdoptedMigration[];
  /** Entries the other tool records as reverted (not adopted). */
  readonly reverted: readonly string[];
  /** Repeatable entries (Flyway's `R__`), not adopted: Stratum keeps no repeatable migrations. Absent when none. */
  readonly repeatable?: readonly string[];
  /** Our migrations the other history does not record: they stay pending (ids). */
  readonly pending: readonly string[];
}

/** The scratch database an operation ran on. */
export interface ShadowInfo {
  /** `SQLite in memory`, `embedded PostgreSQL 15.8 on 127.0.0.1:41234`, `database stratum_shadow_ab12 on postgres://localhost`. */
  readonly description: string;
  /** How long creating or starting it took, ms. */
  readonly startMs: number;
}

export interface VerifyOptions extends SignalOptions {
  /** Replay the history up to and including this version without checks; verify only what follows. */
  readonly from?: string;
  /** Verify only the migrations the target database has not applied (replaying the applied ones first). */
  readonly pending?: boolean;
  /**
   * Split the set across up to this many shadow databases verified at once (PostgreSQL, MySQL/MariaDB;
   * 1 to 16). Default: 2 on a machine with two or more cores, else 1. Each part verifies at least
   * 40 migrations, so a shorter set uses one shadow; so does a config with hooks.
   */
  readonly parallel?: number;
}

/**
 * One migration's result (src/core/verify.ts). `outcome` — `verified`: up → down → up left the
 * schema as expected; `failed`: a difference was found, or it failed to run on the shadow
 * (`error`); `not-verified`: irreversible, or opted out (`-- stratum:verify skip <reason>`),
 * applied only; `replayed`: before `--from`/`--pending`, applied without checks.
 */
export type { VerifiedMigration, VerifyRun } from "./core/verify.js";

export interface VerifyReport {
  /** No migration failed. */
  readonly ok: boolean;
  readonly shadow: ShadowInfo;
  /** In order; every migration of the directory. */
  readonly migrations: readonly VerifiedMigration[];
  readonly durationMs: number;
}

export interface DriftOptions extends SignalOptions {
  /** Compare with the migrations replayed on a shadow database instead of the recorded snapshot. */
  readonly replay?: boolean;
}

export interface DriftReport {
  /** The live schema differs from the expected one. */
  readonly drifted: boolean;
  /**
   * Whether there was something to compare with: false when no snapshot is recorded (a history
   * older than drift detection, an adopted database), then `sentences` says how to get one.
   */
  readonly checked: boolean;
  /** What the live schema was compared with. */
  readonly against: "recorded" | "replay";
  /** When the recorded snapshot was taken (`recorded`), else null. */
  readonly recordedAt: string | null;
  /** Expected → live, object by object. */
  readonly changes: readonly SchemaChange[];
  /** One sentence per change: `index public.users_email_idx was removed outside migrations`. */
  readonly sentences: readonly string[];
  /** `replay` only. */
  readonly shadow?: ShadowInfo;
  readonly durationMs: number;
}

export interface SchemaDumpOptions extends SignalOptions {
  /** Where to write; default `schemaFile` from the config, else `schema.sql` in the working directory. `-`: don't write, return the text only. */
  readonly file?: string;
}

export interface SchemaDumpResult {
  /** The absolute path written, or null (`file: "-"`). */
  readonly file: string | null;
  /** The whole file. */
  readonly text: string;
  /** The last applied version the file records, or null when none is applied. */
  readonly version: string | null;
  /** How many objects it defines. */
  readonly objects: number;
  readonly durationMs: number;
}

export interface SchemaLoadOptions extends OperationOptions {
  /** Default `schemaFile` from the config, else `schema.sql` in the working directory. */
  readonly file?: string;
}

export interface SchemaLoadResult {
  /** The absolute path read. */
  readonly file: string;
  /** The version the file records, to which the history was baselined, or null. */
  readonly version: string | null;
  /** Versions recorded as applied without running (the baseline). */
  readonly baselined: readonly string[];
  /** Statements run. */
  readonly statements: number;
  readonly durationMs: number;
}

export interface Migrator {
  readonly dialect: DialectName;
  /** The database URL without its password. */
  readonly database: string;
  status(options?: SignalOptions): Promise<StatusReport>;
  plan(options: PlanOptions): Promise<PlanResult>;
  up(options?: UpOptions): Promise<RunReport>;
  down(options?: DownOptions): Promise<RunReport>;
  redo(options?: RedoOptions): Promise<RunReport>;
  validate(options?: ValidateOptions): Promise<ValidateReport>;
  /** The static lint rules over the pending migrations (or `files`, or `all`), with suppressions. */
  lint(options?: LintOptions): Promise<LintReport>;
  history(options?: HistoryOptions): Promise<LogEntry[]>;
  stats(options?: SignalOptions): Promise<Stats>;
  /** Re-records checksums of changed files and drops rows of files that are gone (`removeMissing`). */
  repair(options?: RepairOptions): Promise<RepairReport>;
  resolve(version: string, outcome: "applied" | "rolled-back", options?: OperationOptions): Promise<AppliedMigration>;
  baseline(version: string, options?: OperationOptions): Promise<readonly string[]>;
  /** Records the applied set another tool's history (or SQLite's user_version) holds, running nothing. */
  adopt(options: AdoptOptions): Promise<AdoptResult>;
  /** The dependency graph with states and conflicts, for `stratum graph`. */
  graph(options?: SignalOptions): Promise<GraphReport>;
  /** On a shadow database, each migration's up → down → up must give back the schema it started from. */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /** Compares the live schema with the one recorded after the last run (or replayed on a shadow). */
  drift(options?: DriftOptions): Promise<DriftReport>;
  /** Writes the canonical schema file (`stratum schema dump`). */
  dumpSchema(options?: SchemaDumpOptions): Promise<SchemaDumpResult>;
  /** Applies a schema file to an empty database and baselines the history to its version (`stratum schema load`). */
  loadSchema(options?: SchemaLoadOptions): Promise<SchemaLoadResult>;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: Listener): () => void;
  close(): Promise<void>;
}

export type { PlanStep };
