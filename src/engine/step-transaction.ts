// Whether a step runs in a transaction: the dialect, the run's mode, what the migration declares
// for the direction, and what its script's statements need (decided in core/run-policy.ts).

import type { Dialect } from "../dialects/dialect.js";
import { stepTransaction as decide, transactionFor, type RunMode, type StepTransaction } from "../core/run-policy.js";
import { transactionNeed, type TransactionNeed } from "../core/statement-checks.js";
import type { PlanStep } from "../core/types.js";
import { scriptFacts } from "../sql/analysis/cache.js";

/** What the statements of the script a step runs need (a code migration's: nothing known). */
export function needOf(dialect: Pick<Dialect, "sql">, step: PlanStep): TransactionNeed {
  const { migration } = step;
  const script = migration.kind === "code" ? null : step.direction === "up" ? migration.up : migration.down;
  if (script === null) return { kind: "any" };
  return transactionNeed(script.file, scriptFacts(dialect.sql, script).statements);
}

/** How a step runs: in a transaction or not, and why not. */
export function stepTransaction(dialect: Pick<Dialect, "sql" | "capabilities">, step: PlanStep, mode: RunMode): StepTransaction {
  const declared = transactionFor(step.migration.options, step.direction);
  return decide(dialect.capabilities.transactionalDdl, mode, declared, needOf(dialect, step));
}

/** Whether a step runs inside a transaction of its own (or of the run). */
export function runsInTransaction(dialect: Pick<Dialect, "sql" | "capabilities">, step: PlanStep, mode: RunMode): boolean {
  return stepTransaction(dialect, step, mode).inTransaction;
}
