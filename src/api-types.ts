import type { Listener } from "./core/events.js";
import type {
  AppliedMigration,
  LogEntry,
  PlanStep,
  Problem,
  StatusReport,
  DialectName,
} from "./core/types.js";
import type { Hooks, UserConfig } from "./config/types.js";
import type { GraphReport, RunOutcome, Stats } from "./core/results.js";

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
}

export interface DownOptions {
  readonly to?: string;
  readonly step?: number;
  readonly batch?: boolean;
  readonly all?: boolean;
  readonly versions?: readonly string[];
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface PlanOptions {
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
}

export interface PlanResult {
  readonly steps: readonly PlannedMigration[];
  readonly warnings: readonly Problem[];
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

export interface HistoryOptions {
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

export interface ValidateOptions {
  readonly strict?: boolean;
  readonly allowOutOfOrder?: boolean;
}

export interface ValidateReport {
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  readonly migrations: number;
}

export interface Migrator {
  readonly dialect: DialectName;
  /** The database URL without its password. */
  readonly database: string;
  status(): Promise<StatusReport>;
  plan(options: PlanOptions): Promise<PlanResult>;
  up(options?: UpOptions): Promise<RunReport>;
  down(options?: DownOptions): Promise<RunReport>;
  redo(options?: { readonly dryRun?: boolean; readonly signal?: AbortSignal }): Promise<RunReport>;
  validate(options?: ValidateOptions): Promise<ValidateReport>;
  history(options?: HistoryOptions): Promise<LogEntry[]>;
  stats(): Promise<Stats>;
  /** Re-records checksums of changed files and drops rows of files that are gone (`removeMissing`). */
  repair(options?: { readonly removeMissing?: boolean; readonly dryRun?: boolean }): Promise<RepairReport>;
  resolve(version: string, outcome: "applied" | "rolled-back"): Promise<AppliedMigration>;
  baseline(version: string): Promise<readonly string[]>;
  /** The dependency graph with states and conflicts, for `stratum graph`. */
  graph(): Promise<GraphReport>;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: Listener): () => void;
  close(): Promise<void>;
}

export type { PlanStep };
