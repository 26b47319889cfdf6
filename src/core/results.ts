// What the engine's operations return, as plain data. Core computes them; the public API
// (api-types.ts) re-exports them under the same names.

import type { Problem, LogEntry } from "./types.js";

export interface RunOutcome {
  readonly version: string;
  readonly name: string;
  readonly direction: "up" | "down";
  readonly status: "applied" | "rolled_back" | "failed" | "skipped" | "dry-run";
  readonly durationMs: number;
  readonly error?: string;
}

export interface MigrationStat {
  readonly version: string;
  readonly name: string;
  readonly durationMs: number;
}

export interface Stats {
  readonly applied: number;
  readonly pending: number;
  readonly failures: number;
  readonly rollbacks: number;
  readonly totalDurationMs: number;
  readonly meanDurationMs: number;
  readonly p95DurationMs: number;
  readonly slowest: readonly MigrationStat[];
  readonly recentFailures: readonly LogEntry[];
}

export interface GraphNode {
  readonly version: string;
  readonly name: string;
  readonly file: string;
  /** `applied`, `pending`, … as in `status`. */
  readonly state: string;
  /** Versions this migration depends on (declared, resolved to versions). */
  readonly dependsOn: readonly string[];
  /** Versions it conflicts with (touches a table without a dependency path between them). */
  readonly conflictsWith: readonly string[];
}

export interface GraphReport {
  readonly ordering: "linear" | "graph";
  readonly nodes: readonly GraphNode[];
  readonly conflicts: readonly Problem[];
}
