// Decides how a run runs: in which transactions, on how many connections, or not at all.
// Pure: what the dialect can do arrives as data.

import { ConfigError } from "./errors.js";
import { automaticOutsideNote, type TransactionNeed } from "./statement-checks.js";
import type { MigrationOptions, Ordering, TransactionMode } from "./types.js";
import { option } from "./vocabulary.js";

/** `each`: one transaction per migration; `all`: the run's one transaction; `none`: none. */
export type RunMode = "each" | "all" | "none";

/** What the dialect can do, and its name as messages show it. */
export interface RunCapabilities {
  readonly name: string;
  readonly transactionalDdl: boolean;
  readonly concurrentConnections: boolean;
}

export interface RunPolicySettings {
  readonly transaction: TransactionMode;
  readonly ordering: Ordering;
}

export interface RunRequest {
  readonly direction: "up" | "down";
  readonly singleTransaction?: boolean | undefined;
  readonly dryRun?: boolean | "rehearse" | undefined;
}

export type RunDecision =
  /** Print what would run. `mode` is the mode the steps are checked against; `warning` says why a rehearsal became this. */
  | { readonly kind: "dry-run"; readonly mode: RunMode; readonly warning: string | null }
  /** Run. `mode` runs the steps; `checkMode` is what their SQL is checked against before. */
  | { readonly kind: "run"; readonly mode: RunMode; readonly checkMode: RunMode; readonly single: boolean; readonly rehearse: boolean };

/** The transaction mode of a run without a single transaction or a rehearsal asked for. */
export function defaultMode(transaction: TransactionMode): RunMode {
  return transaction === "none" ? "none" : transaction === "all" ? "all" : "each";
}

/**
 * How a run runs, or the refusal. Only `up` runs in one transaction or rehearses; a rehearsal
 * on a dialect that commits DDL implicitly shows the plain dry run instead.
 */
export function decideRun(policy: RunPolicySettings, request: RunRequest, dialect: RunCapabilities): RunDecision {
  const up = request.direction === "up";
  const single = up && (request.singleTransaction === true || policy.transaction === "all");
  const rehearse = up && request.dryRun === "rehearse";
  const checkMode: RunMode = single || rehearse ? "all" : defaultMode(policy.transaction);
  if (request.dryRun === true) return { kind: "dry-run", mode: checkMode, warning: null };
  if (rehearse && !dialect.transactionalDdl) {
    return {
      kind: "dry-run",
      mode: defaultMode(policy.transaction),
      warning: `${dialect.name} commits DDL implicitly, so a rehearsal cannot be rolled back; showing the plain dry run instead`,
    };
  }
  if (single && !dialect.transactionalDdl) {
    throw new ConfigError(`${dialect.name} commits DDL implicitly, so ${option("singleTransaction")} cannot be honoured`, {
      code: "USAGE",
      fix: `run without ${option("singleTransaction")} (each migration is tracked and resumable)`,
    });
  }
  const mode: RunMode = single || rehearse ? "all" : policy.transaction === "none" ? "none" : "each";
  return { kind: "run", mode, checkMode, single, rehearse };
}

/**
 * What a migration declares about the transaction of one direction: the up follows
 * `transaction`; the down follows `downTransaction` (a directive in its own down file), else
 * `transaction`. `undefined`: nothing declared.
 */
export function transactionFor(options: Pick<MigrationOptions, "transaction" | "downTransaction">, direction: "up" | "down"): boolean | undefined {
  return direction === "down" ? (options.downTransaction ?? options.transaction) : options.transaction;
}

/**
 * How one step runs. `inTransaction`: in its own transaction or the run's. `outside`: why it
 * runs outside one where the dialect and the mode would give it one, as messages say it
 * (`stratum:transaction off`, or `automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4`), else
 * null. `automatic`: that reason when it is the statements' own need (no directive), else null.
 */
export interface StepTransaction {
  readonly inTransaction: boolean;
  readonly outside: string | null;
  readonly automatic: string | null;
}

/**
 * Whether a step runs in a transaction: where the dialect has transactional DDL and the mode
 * gives one, unless the migration declares `transaction off` for the direction, or declares
 * nothing and every statement of its script must run outside a transaction (PostgreSQL's
 * `CREATE INDEX CONCURRENTLY`, SQLite's `VACUUM`). A mixed script stays in a transaction here
 * and is refused before the run (`mixedTransactionProblem`).
 */
export function stepTransaction(transactionalDdl: boolean, mode: RunMode, declared: boolean | undefined, need: TransactionNeed): StepTransaction {
  if (!transactionalDdl || mode === "none") return { inTransaction: false, outside: null, automatic: null };
  if (declared === false) return { inTransaction: false, outside: "stratum:transaction off", automatic: null };
  if (declared === undefined && need.kind === "outside" && need.outside[0] !== undefined) {
    const automatic = automaticOutsideNote(need.outside[0]);
    return { inTransaction: false, outside: automatic, automatic };
  }
  return { inTransaction: true, outside: null, automatic: null };
}

/**
 * The refusal of a migration that runs outside a transaction (`outside`: why, as
 * `stepTransaction` says it: `stratum:transaction off`, or automatic) in a run that is one
 * transaction or a rehearsal; null when there is none.
 */
export function outsideTransactionRefusal(
  decision: { readonly single: boolean; readonly rehearse: boolean },
  migrations: readonly { readonly id: string; readonly outside: string | null }[],
): ConfigError | null {
  if (!decision.single && !decision.rehearse) return null;
  const off = migrations.find((m) => m.outside !== null);
  if (!off) return null;
  const what = decision.rehearse ? "rehearsed" : "one transaction";
  return new ConfigError(`migration ${off.id} runs outside a transaction (${off.outside}), so the run cannot be ${what}`, {
    code: "USAGE",
    fix: `run without ${decision.rehearse ? option("dryRun", "rehearse") : option("singleTransaction")}`,
  });
}

/** How many connections a run uses: parallel only where the dialect and the mode allow it; `warning` says why not. */
export function workersFor(
  policy: RunPolicySettings,
  mode: RunMode,
  requested: number,
  planned: number,
  dialect: RunCapabilities,
): { readonly workers: number; readonly warning: string | null } {
  if (requested <= 1 || planned <= 1) return { workers: 1, warning: null };
  const why = !dialect.concurrentConnections
    ? `${dialect.name} runs migrations one at a time`
    : mode !== "each"
      ? "a run in one transaction (or with transactions off) runs serially"
      : policy.ordering !== "graph"
        ? `linear ordering runs each migration after the previous one; use ${option("ordering", "graph")} to run independent migrations in parallel`
        : null;
  if (why !== null) return { workers: 1, warning: `${option("parallel", requested)} ignored: ${why}` };
  return { workers: Math.min(requested, planned), warning: null };
}

/** The dialect facts `decideRun` and `workersFor` read, from a dialect's name and capability flags. */
export function runCapabilities(name: string, capabilities: { readonly transactionalDdl: boolean; readonly concurrentConnections: boolean }): RunCapabilities {
  return { name, transactionalDdl: capabilities.transactionalDdl, concurrentConnections: capabilities.concurrentConnections };
}
