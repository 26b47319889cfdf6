import type { RunOutcome, RunReport } from "../api-types.js";
import { scriptOf, statementsOf } from "./step.js";
import type { PlanStep, Problem } from "../core/types.js";
import type { Engine } from "./ports.js";
import type { RunMode } from "../core/run-policy.js";
import { stepTransaction } from "./step-transaction.js";
import { emitRunEnd, outcomeWithout, reportOf } from "./report.js";

/** Shows what would run, changing nothing. */
export async function dryRun(
  engine: Engine,
  steps: readonly PlanStep[],
  direction: "up" | "down",
  warnings: readonly Problem[],
  started: number,
  mode: RunMode,
): Promise<RunReport> {
  const { dialect } = engine.target;
  engine.emit({ type: "run:start", direction, planned: steps.length, dialect: dialect.name, database: dialect.displayUrl, dryRun: true, parallel: 1 });
  const outcomes: RunOutcome[] = [];
  for (const step of steps) {
    showStep(engine, step, direction, mode);
    outcomes.push(outcomeWithout(step, "dry-run"));
  }
  const report = reportOf(direction, outcomes, started, { dryRun: true, warnings });
  await emitRunEnd(engine, report, steps.length);
  return report;
}

/**
 * A SQL step's statements (and, when it has none or runs outside a transaction automatically,
 * a line saying so), or a line saying a code migration's function would run.
 */
function showStep(engine: Engine, step: PlanStep, direction: "up" | "down", mode: RunMode): void {
  const say = (message: string) => engine.emit({ type: "log", level: "info", version: step.migration.version, message });
  const script = scriptOf(step);
  if (!script) {
    say(`${step.migration.files[0] ?? step.migration.id}: code migration, runs its ${direction}() function`);
    return;
  }
  const statements = statementsOf(engine.target.dialect, script);
  if (statements.length === 0) say(noStatementsNote(script.file, direction));
  for (const [i, statement] of statements.entries()) {
    engine.emit({
      type: "statement",
      version: step.migration.version,
      index: i + 1,
      count: statements.length,
      location: `${script.file}:${statement.line}`,
      sql: statement.text,
      dryRun: true,
    });
  }
  // after its statements, under the migration's heading
  const { automatic } = stepTransaction(engine.target.dialect, step, mode);
  if (automatic !== null) say(`${script.file}: runs outside a transaction (${automatic})`);
}

/** What a dry run says of a script without statements. */
export function noStatementsNote(file: string, direction: "up" | "down"): string {
  return `${file}: no statements (nothing runs; it is recorded as ${direction === "up" ? "applied" : "rolled back"})`;
}
