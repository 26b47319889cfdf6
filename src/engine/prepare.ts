import { ConfigError, IrreversibleError, ValidationError } from "../core/errors.js";
import { scriptOf, statementsOf } from "./step.js";
import { needOf, stepTransaction } from "./step-transaction.js";
import { unmetRequirements } from "../core/requirements.js";
import { transactionFor, type RunMode } from "../core/run-policy.js";
import { mixedTransactionProblem, nonTransactionalProblems, unterminatedProblem } from "../core/statement-checks.js";
import { migrationTableUse } from "../core/table-use.js";
import { refusedTransactionControl, sectionsOf } from "../core/transaction-control.js";
import type { MigrationFile, PlanStep, Problem } from "../core/types.js";
import type { Connection } from "../dialects/dialect.js";
import { scriptFacts } from "../sql/analysis/cache.js";
import type { Engine } from "./ports.js";
import { option } from "../core/vocabulary.js";

/** Problems only visible with a server (requirements), plus what the SQL itself shows. */
export async function preflight(engine: Engine, conn: Connection, steps: readonly PlanStep[], mode: RunMode): Promise<Problem[]> {
  const problems: Problem[] = [];
  const ups = steps.filter((s) => s.direction === "up").map((s) => s.migration);
  if (ups.some((m) => m.options.requires.length > 0)) {
    problems.push(...unmetRequirements(ups, await conn.serverInfo()));
  }
  for (const step of steps) problems.push(...preflightStatic(engine, step, mode));
  return problems;
}

/** Throws the problems `preflightStatic` finds in any of the steps. */
export function refuseStatic(engine: Engine, steps: readonly PlanStep[], mode: RunMode): void {
  const problems = steps.flatMap((step) => preflightStatic(engine, step, mode));
  if (problems.some((p) => p.severity === "error")) throw new ValidationError(problems);
}

/**
 * What a step's SQL shows before anything runs: an unterminated string, comment or block, and
 * statements that cannot run inside the transaction the step would open.
 */
export function preflightStatic(engine: Engine, step: PlanStep, mode: RunMode): Problem[] {
  const { dialect } = engine.target;
  // rolling back runs only the down section (the up of an applied migration never runs again);
  // applying checks every section, so a broken down is found before it is needed
  const rollback = step.direction === "down";
  const unterminated = unterminatedIn(engine, step.migration, rollback ? "down" : undefined);
  if (unterminated.length > 0) return unterminated;
  const how = stepTransaction(dialect, step, mode);
  const sections = rollback ? (step.migration.down === null ? [] : [step.migration.down]) : sectionsOf(step.migration);
  const control = sections.flatMap((section) =>
    refusedTransactionControl(step.migration, section.file, statementsOf(dialect, section), how.inTransaction),
  );
  const script = scriptOf(step);
  if (!script || !how.inTransaction) return control;
  const need = needOf(dialect, step);
  if (need.kind === "any") return control;
  // declared `transaction on`: each statement that cannot run in it; else the mix is the problem
  if (transactionFor(step.migration.options, step.direction) === true) {
    return control.concat(nonTransactionalProblems(step.migration, script.file, statementsOf(dialect, script)));
  }
  return need.kind === "mixed" ? [...control, mixedTransactionProblem(step.migration, step.direction, need)] : control;
}

/**
 * An unterminated string, comment or block in any section of a SQL migration, read by the
 * dialect's lexer: a broken down section is found before it is needed.
 */
export function unterminatedIn(engine: Engine, migration: MigrationFile, only?: "down"): Problem[] {
  const { up, down, verify } = migration;
  const sql = engine.target.dialect.sql;
  return (only === "down" ? [down] : [up, down, verify]).flatMap((section): Problem[] => {
    const problem = section === null ? null : unterminatedProblem(migration, section, scriptFacts(sql, section));
    return problem === null ? [] : [problem];
  });
}

/** Before a rollback: load code migrations in the way, and list every obstacle at once. */
export async function checkReversible(engine: Engine, steps: readonly PlanStep[]): Promise<PlanStep[]> {
  const problems: Problem[] = [];
  const out: PlanStep[] = [];
  for (const step of steps) {
    if (step.migration.kind !== "code") {
      out.push(step);
      continue;
    }
    const loaded = await engine.deps.loadCode(step.migration);
    const migration = { ...step.migration, options: loaded.options };
    const file = migration.files[0] ?? migration.id;
    if (loaded.options.irreversible) {
      problems.push({
        code: "IRREVERSIBLE",
        message: `migration ${migration.id} is marked irreversible`,
        files: [file],
        fix: "roll back to a later version, or restore from a backup",
        severity: "error",
        versions: [migration.version],
      });
    } else if (!loaded.down) {
      problems.push({
        code: "NO_DOWN",
        message: `migration ${migration.id} has no down() function`,
        files: [file],
        fix: `add a down() export to ${file}, or roll back to a later version`,
        severity: "error",
        versions: [migration.version],
      });
    }
    out.push({ ...step, migration });
  }
  if (problems.length > 0) throw new IrreversibleError(problems);
  return out;
}

/**
 * One transaction holds a lock on every object it creates or alters until it commits; past
 * the server's lock table it fails ("out of shared memory") after doing all the work. Count
 * first and refuse with the numbers and the way out.
 */
export async function refuseOverLockCapacity(engine: Engine, conn: Connection, steps: readonly PlanStep[], rehearse: boolean): Promise<void> {
  const { dialect } = engine.target;
  const capacity = await dialect.transactionLockCapacity?.(conn);
  if (capacity === null || capacity === undefined) return;
  await dialect.sql.load?.();
  let objects = 0;
  for (const step of steps) {
    const { migration } = step;
    const up = migration.kind === "code" || migration.up === null ? null : scriptFacts(dialect.sql, migration.up);
    const use = migrationTableUse(migration, up);
    // a created table usually brings its primary key index and a TOAST table with its index
    objects += use.creates.length * 4 + use.alters.length + use.drops.length + use.writes.length;
  }
  if (objects <= capacity) return;
  throw new ConfigError(
    `${rehearse ? "a rehearsal" : option("singleTransaction")} over these ${steps.length} migrations would lock about ${objects} objects in one transaction, more than this PostgreSQL server's lock table holds (${capacity} = max_locks_per_transaction × (max_connections + max_prepared_transactions)); nothing was applied`,
    {
      code: "USAGE",
      fix: `run without ${rehearse ? option("dryRun", "rehearse") : option("singleTransaction")} (each migration in its own transaction), apply in smaller groups with ${option("to")} or ${option("step")}, or raise max_locks_per_transaction`,
    },
  );
}

/**
 * Whether a refusal read without the lock may be another run's migration in flight (a dirty
 * state row): then the run waits for the lock and reads again. Anything else is refused at
 * once, before the lock creates anything.
 */
export function mayBeInFlight(error: unknown): boolean {
  return error instanceof ValidationError && error.problems.some((p) => p.code === "DIRTY" && p.severity === "error");
}

/**
 * The problems without a second BAD_SECTION at a `file:line` already reported: an unterminated
 * comment is found both when the file is read and by the dialect's lexer before it runs.
 */
export function withoutRepeatedPlaces(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const place = problem.files[0];
    if (problem.code !== "BAD_SECTION" || place === undefined || !/:\d+$/.test(place)) return true;
    if (seen.has(place)) return false;
    seen.add(place);
    return true;
  });
}
