// A fleet: many databases (targets) migrated by one command. The shapes shared by target
// resolution (targets.ts), the fan-out (run.ts) and the CLI's views of it.

import type { ResolvedConfig } from "../config/types.js";

/** One database of a fleet, resolved: a name unique in the fleet, a URL, and its schema when per tenant. */
export interface FleetTarget {
  readonly name: string;
  readonly url: string;
  /** PostgreSQL: the schema holding the history, first on the search_path; MySQL: the database. */
  readonly schema?: string;
}

/** Which targets a command takes: `--target <name|glob>` (repeatable) or `--all-targets`. */
export interface TargetSelection {
  readonly patterns: readonly string[];
  readonly all: boolean;
}

/** The operations a fleet runs. */
export type FleetOperation = "up" | "down" | "status" | "validate" | "plan" | "drift";

/** How a target ended. `skipped`: never started (fail-fast or a failed canary stopped the run). */
export type TargetOutcome = "ok" | "failed" | "skipped";

/** One target's result: kept small, since the summary holds one per target. */
export interface TargetResult {
  readonly name: string;
  readonly outcome: TargetOutcome;
  /** The exit code the single-database command would have given. */
  readonly exitCode: number;
  /** Migrations applied (up) or rolled back (down) by this run. */
  readonly changed: number;
  /** The newest applied version after the run, when known. */
  readonly version?: string;
  readonly pending?: number;
  /** For a failure: one sentence, and where (file:line) when a migration failed. */
  readonly error?: { readonly message: string; readonly location?: string };
  readonly ms: number;
  /** Per-operation detail for `--json` and `status` (kept only when the caller asks). */
  readonly detail?: unknown;
}

/** What the fan-out reports while it runs (the live view and the plain lines draw from these). */
export type FleetEvent =
  | {
      readonly type: "fleet-start";
      readonly total: number;
      readonly concurrency: number;
      readonly canary: number;
      /** The command run on each target (absent when the caller did not say). */
      readonly operation?: FleetOperation;
    }
  | { readonly type: "target-start"; readonly name: string }
  | { readonly type: "target-migration"; readonly name: string; readonly migration: string }
  | { readonly type: "target-end"; readonly result: TargetResult }
  | { readonly type: "canary-failed"; readonly failed: readonly string[] }
  | { readonly type: "fleet-end"; readonly summary: FleetSummary };

export interface FleetSummary {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  /** Targets that changed something (applied or rolled back). */
  readonly changed: number;
  /** The worst outcome's exit code (0 when every target ended well). */
  readonly exitCode: number;
  readonly ms: number;
  /** The failed targets, always kept (they are named in the summary). */
  readonly failures: readonly TargetResult[];
  /** Why targets were skipped: a failed canary, `--fail-fast`, or an interruption; absent when none was stopped. */
  readonly stopped?: "canary" | "fail-fast" | "interrupted";
}

/** The configuration one target runs with: the fleet's, with the target's URL and schema. */
export type ConfigForTarget = (config: ResolvedConfig, target: FleetTarget) => ResolvedConfig;

/**
 * What draws a fleet run: the live view on a terminal, plain lines or NDJSON otherwise.
 * `event` is called for every FleetEvent in order (synchronously, from the scheduler);
 * `close` once after `fleet-end` (or after an abort), to restore the terminal and flush.
 */
export interface FleetRenderer {
  event(e: FleetEvent): void;
  close(): void;
}
