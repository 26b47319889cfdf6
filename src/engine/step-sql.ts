import { StatementFailure, type Connection, type Dialect } from "../dialects/dialect.js";
import { MigrationError, SchemaError } from "../core/errors.js";
import type { StatementFacts } from "../core/sql-facts.js";
import { refusedTransactionControl } from "../core/transaction-control.js";
import type { MigrationFile, PlanStep, SqlScript, Statement } from "../core/types.js";
import { scriptFacts } from "../sql/analysis/cache.js";
import { errorText, failedAt, scriptFailure, unlocatedScriptFailure } from "./step-failure.js";
import { checkpoint, emitStatement, type StepState } from "./step-state.js";

/** The script a step runs, for SQL migrations. */
export function scriptOf(step: PlanStep): SqlScript | null {
  return step.direction === "up" ? step.migration.up : step.migration.down;
}

/** Statements of a script with their lines in the file: the section's facts, analysed once per run. */
export function statementsOf(dialect: Dialect, script: SqlScript): readonly StatementFacts[] {
  return scriptFacts(dialect.sql, script).statements;
}

/** How many statements the step's script has (SQL migrations). */
export function statementCount(s: StepState): number | null {
  const script = scriptOf(s.step);
  return script === null ? null : statementsOf(s.ports.dialect, script).length;
}

/**
 * Where a batch of `count` items is cut for the checkpoints a test asked for: after item i for
 * `after-statement-<i>`. Ends at `count`; just `[count]` when no pause is wanted (one round trip).
 */
export function statementCuts(wanted: ReadonlySet<string>, count: number): number[] {
  const cuts = new Set<number>();
  for (const point of wanted) {
    const match = /^after-statement-(\d+)$/.exec(point);
    const at = match === null ? NaN : Number(match[1]);
    if (at >= 1 && at <= count) cuts.add(at);
  }
  cuts.add(count);
  return [...cuts].sort((a, b) => a - b);
}

/**
 * Runs a script's statements; a failure names file:line. `whole`: the step's own script.
 * `stateNext`: the step's state is written right after it (see runEach).
 */
export async function runScript(s: StepState, scriptFile: string, script: SqlScript, whole = false, stateNext = false): Promise<void> {
  const { dialect } = s.ports;
  const statements = statementsOf(dialect, script);
  // refused before the run for a SQL migration; a script run by ctx.execFile is checked here,
  // before any of it runs
  const [control] = refusedTransactionControl(s.migration, scriptFile, statements, s.inTx);
  if (control !== undefined) {
    throw new MigrationError(
      { version: s.migration.version, name: s.migration.name, location: control.files[0] },
      `migration ${s.migration.id}: ${control.message}`,
      { fix: control.fix },
    );
  }
  const execBatch = s.conn.execBatch;
  if (whole && s.inTx && execBatch !== undefined) await runScriptBatch(s, scriptFile, statements, execBatch);
  else await runEach(s, scriptFile, statements, stateNext);
}

/**
 * One statement at a time; outside a transaction each one's progress is recorded. `last`: the
 * step's state is written right after this script (no verify query, no code in between), so the
 * last statement's progress is not: the state row counts the statements done, up to the one
 * running when a run stops (the count is the least that ran, and at most one more did), and that
 * stays so with the state written next. On MariaDB, `down --all` makes one commit a migration
 * fewer: the `running` mark, the statement, then the state with its log (issue 16).
 */
async function runEach(s: StepState, scriptFile: string, statements: readonly Statement[], last: boolean): Promise<void> {
  for (const [i, statement] of statements.entries()) {
    emitStatement(s, scriptFile, statement, i, statements.length);
    try {
      await s.conn.exec(statement.text);
    } catch (error) {
      throw failedAt(s, scriptFile, statement, i, statements.length, error, s.ports.dialect.errorPosition(error));
    }
    s.statementsDone++;
    if (!s.inTx && !s.settings.rehearsal && !(last && i === statements.length - 1)) {
      s.phase = "recording its progress";
      await s.ports.history.setState(s.conn, s.migration.version, "running", { statementsDone: s.statementsDone });
      s.phase = "running";
    }
    await checkpoint(s, `after-statement-${s.statementsDone}`);
  }
}

/**
 * A migration's script inside a transaction already open, where the connection takes many
 * statements in one call: sent whole (in parts only where a test asked to pause between
 * statements). The connection names the statement that failed.
 */
async function runScriptBatch(s: StepState, scriptFile: string, statements: readonly Statement[], execBatch: NonNullable<Connection["execBatch"]>): Promise<void> {
  let from = 0;
  for (const to of statementCuts(s.ports.faults.wanted(s.migration.version), statements.length)) {
    const part = statements.slice(from, to);
    part.forEach((statement, i) => emitStatement(s, scriptFile, statement, from + i, statements.length));
    try {
      await execBatch.call(
        s.conn,
        part.map((statement) => statement.text),
      );
    } catch (error) {
      if (!(error instanceof StatementFailure)) throw error;
      const failure = error.index === null ? error : new StatementFailure(from + error.index, error.position, error.cause);
      throw scriptFailure(s, scriptFile, statements, failure) ?? unlocatedScriptFailure(s, scriptFile, error);
    }
    s.statementsDone += part.length;
    if (part.length > 0) await checkpoint(s, `after-statement-${s.statementsDone}`);
    from = to;
  }
}

/** Verify queries must return a row whose first column is truthy. */
export async function runVerify(conn: Connection, dialect: Dialect, migration: MigrationFile, verify: SqlScript, inTx: boolean): Promise<void> {
  for (const statement of statementsOf(dialect, verify)) {
    const where = `${verify.file}:${statement.line}`;
    let rows: Record<string, unknown>[];
    try {
      rows = await conn.query(statement.text);
    } catch (error) {
      throw new SchemaError(`migration ${migration.id}: verify query at ${where} failed: ${errorText(error)}`, {
        cause: error,
        fix: "fix the query in the -- migrate:verify section and run `stratum up` again",
      });
    }
    const first = rows[0] === undefined ? undefined : Object.values(rows[0])[0];
    if (!truthy(first)) {
      throw new SchemaError(
        `migration ${migration.id}: verify query at ${where} returned ${rows.length === 0 ? "no rows" : JSON.stringify(String(first))}${inTx ? "; the migration was rolled back" : ""}`,
        { fix: "fix the migration so the check holds (or fix the check) and run `stratum up` again" },
      );
    }
  }
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value !== "" && value !== "0" && value.toLowerCase() !== "f" && value.toLowerCase() !== "false";
  if (typeof value === "bigint") return value !== 0n;
  return Boolean(value);
}
