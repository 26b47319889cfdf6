import type { Dialect, StatementFailure } from "../dialects/dialect.js";
import { MigrationError, restated, SchemaError, StratumError } from "../core/errors.js";
import type { PlanStep, Statement } from "../core/types.js";
import type { StepState } from "./step-state.js";

/** The first line of an error's message, at most 500 characters (a driver may echo a huge statement). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}… (${text.length - 500} more characters)` : text;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Whether a driver error means the session is gone (killed, terminated, cut), where a session can be lost. */
export function sessionLost(dialect: Dialect, error: unknown): boolean {
  return dialect.capabilities.sessionLoss && dialect.connectionLost!(error);
}

/** Whether a driver error means the migration's session is gone (killed, terminated, cut). */
export function lost(s: StepState, cause: unknown): boolean {
  return sessionLost(s.ports.dialect, cause);
}

/** A driver error's text; a lost session is named as such, so nobody goes fixing the SQL. */
export function causeText(s: StepState, cause: unknown): string {
  return lost(s, cause) ? `the connection to the database was lost (${errorText(cause)})` : errorText(cause);
}

/** What to do after the session was lost mid-migration. */
export function lostFix(s: StepState): string {
  const version = s.migration.version;
  return s.inTx
    ? "nothing of it was applied: its transaction ended with the connection; once the database is reachable, run `stratum up` again"
    : `it ran without a transaction, so what it did before the connection was lost stays: check the database, finish or undo it by hand, then run \`stratum resolve ${version} --applied\` or \`stratum resolve ${version} --rolled-back\`, and \`stratum up\``;
}

/** `free space on …, then run \`stratum up\` again` when the machine, not the SQL, failed. */
export function environmentFixOf(s: StepState, cause: unknown): string | null {
  const { dialect } = s.ports;
  const fix = dialect.capabilities.environmentFixes ? dialect.environmentFix!(cause) : null;
  return fix === null ? null : `${fix}, then run \`stratum ${s.direction}\` again`;
}

/** A statement's failure, naming file:line and which statement of how many. */
export function failedAt(s: StepState, scriptFile: string, statement: Statement, i: number, count: number, cause: unknown, position: number | null): MigrationError {
  const { migration } = s;
  const line = statement.line + (position === null ? 0 : lineOfOffset(statement.text, position));
  const where = `${scriptFile}:${line}`;
  return new MigrationError(
    {
      version: migration.version,
      name: migration.name,
      location: where,
      statement: statement.text,
      statementIndex: i + 1,
      statementCount: count,
    },
    `migration ${migration.id} failed at ${where} (statement ${i + 1} of ${count}): ${causeText(s, cause)}`,
    { cause, fix: lost(s, cause) ? lostFix(s) : (environmentFixOf(s, cause) ?? fixAndRunAgain(s.step, s.file, "the statement")) },
  );
}

/** The migration error a batch's failure stands for, when it names one of the script's statements. */
export function scriptFailure(s: StepState, scriptFile: string, statements: readonly Statement[], failure: StatementFailure): MigrationError | null {
  const statement = failure.index === null ? undefined : statements[failure.index];
  return statement === undefined ? null : failedAt(s, scriptFile, statement, failure.index as number, statements.length, failure.cause, failure.position);
}

/** A script batch's failure that names none of its statements. */
export function unlocatedScriptFailure(s: StepState, scriptFile: string, failure: StatementFailure): MigrationError {
  const { migration } = s;
  return new MigrationError(
    { version: migration.version, name: migration.name, location: scriptFile },
    `migration ${migration.id} failed in ${scriptFile}: ${causeText(s, failure.cause)}`,
    {
      cause: failure.cause,
      fix: lost(s, failure.cause)
        ? lostFix(s)
        : // a full disk ends SQLite's transaction before the replay can name the statement
          (environmentFixOf(s, failure.cause) ??
          `run \`stratum ${s.direction}\` again; if it fails again, run its statements by hand to find the cause`),
    },
  );
}

/** A failure that is no StratumError (a driver error outside a statement, while recording or committing). */
export function phaseFailure(s: StepState, caught: unknown): MigrationError {
  const { migration, direction, phase } = s;
  const { dialect } = s.ports;
  const commitRefused = dialect.capabilities.commitRefusal && dialect.commitRefused!(caught);
  const environment = environmentFixOf(s, caught);
  return new MigrationError(
    { version: migration.version, name: migration.name, location: s.file },
    `migration ${migration.id} failed while ${phase}: ${causeText(s, caught)}`,
    {
      cause: caught,
      fix:
        phase === "committing"
          ? commitRefused
            ? environment !== null
              ? `nothing of it was applied (it is still ${direction === "up" ? "pending" : "applied"}): ${environment}`
              : "nothing of it was applied: fix what the server refused at COMMIT (a deferred constraint, for example), then run `stratum up` again"
            : "it may or may not be applied: run `stratum status` to see"
          : lost(s, caught)
            ? lostFix(s)
            : "run `stratum status`, then `stratum up` again",
    },
  );
}

/** The error a step's failure is reported as; `dirty` when what ran outside a transaction stays. */
export function stepError(s: StepState, caught: unknown, dirty: boolean, statementCount: () => number | null): StratumError | MigrationError {
  if (dirty && (caught instanceof MigrationError || caught instanceof SchemaError)) {
    const gone = lost(s, caught.cause);
    return leftDirty(
      caught,
      s.step,
      s.file,
      s.statementsDone,
      s.code === null ? statementCount() : null,
      // leftDirty says what to undo; what is left is to run again once the server is back
      gone ? "once the database is reachable, run `stratum up` again" : caught.fix,
      gone,
    );
  }
  return caught instanceof StratumError ? caught : phaseFailure(s, caught);
}

/** Where a step's rollback is written: `the down section of 001_a.sql`, `001_a.down.sql`, `the down() of 001_a.ts`. */
function downPart(step: PlanStep, file: string): string {
  if (step.migration.kind === "code") return `the down() of ${file}`;
  return step.migration.files.length > 1 ? file : `the down section of ${file}`;
}

/**
 * The fix of a failure rolled back with its transaction: fix `what` and run the same command
 * again. A down section is part of the migration's checksum, so an edited one needs `repair` first.
 */
export function fixAndRunAgain(step: PlanStep, file: string, what: string): string {
  if (step.direction === "up") return `fix ${what} and run \`stratum up\` again`;
  return `fix ${downPart(step, file)}, run \`stratum repair\` (the edit changes its checksum), then run \`stratum down\` again`;
}

const statements = (n: number) => (n === 1 ? "statement" : "statements");
const firstN = (n: number) => (n === 1 ? "first statement" : `first ${n} statements`);

/** What ran of a step left dirty: `2 of its 5 statements ran and were not undone`. */
function countedOf(step: PlanStep, done: number, total: number | null): string {
  const down = step.direction === "down" ? "down " : "";
  if (total === null) return "what it did before failing was not undone";
  if (done >= total) return total === 1 ? `its one ${down}statement ran and was not undone` : `all ${total} of its ${down}statements ran and were not undone`;
  return `${done} of its ${total} ${down}${statements(total)} ran${done > 0 ? " and were not undone" : ""}`;
}

/**
 * A failure outside a transaction (MySQL/MariaDB, `transaction off`): what ran stays and the state
 * row is `failed` (dirty), counting the statements done, and `up`/`down` refuse until `resolve`.
 * The error says so on its second line (the log keeps the first), and its fix is the way out.
 */
function leftDirty<E extends MigrationError | SchemaError>(
  error: E,
  step: PlanStep,
  file: string,
  done: number,
  total: number | null,
  then: string | undefined,
  lostSession: boolean,
): E {
  const { id, version } = step.migration;
  const counted = countedOf(step, done, total);
  const resolve = (outcome: "applied" | "rolled-back") => `\`stratum resolve ${version} --${outcome}\``;
  if (step.direction === "up") {
    const undo = total === null || done >= total ? "what it did" : `what its ${firstN(done)} did`;
    const next = then ?? "run `stratum up` again";
    // `resolve --applied` records the file's checksum as it is then: edit the file first
    const fix =
      done === 0 && total !== null
        ? `run ${resolve("rolled-back")} (nothing of it ran), then ${next}`
        : `undo ${undo} and run ${resolve("rolled-back")}, then ${next}; or, ` +
          (total !== null && done >= total
            ? `to keep what it did instead, edit ${file} to match it`
            : `to complete the migration by hand instead, do the rest of it, edit ${file} to match what was done,`) +
          ` and run ${resolve("applied")} (it records the file as it is then)`;
    const state = done === 0 && total !== null ? "is recorded as failed (dirty)" : "is left partly applied (dirty)";
    return restated(error, `${id} ${state}: ${counted}, as it ran outside a transaction`, fix);
  }
  const redo = total === null || done >= total ? "what it undid" : `what its ${firstN(done)} undid`;
  const redone = done === 0 && total !== null ? "" : `redo ${redo}, `;
  const fix = lostSession
    ? // nothing to fix in the down part: the connection went
      `finish the rollback by hand and run ${resolve("rolled-back")}, or ${redone}run ${resolve("applied")} ` +
      "and, once the database is reachable, run `stratum down` again"
    : `finish the rollback by hand and run ${resolve("rolled-back")}, or fix ${downPart(step, file)}, ` +
      `${redone}run ${resolve("applied")} (it records the edited file) and run \`stratum down\` again`;
  const state = done === 0 && total !== null ? "is recorded as failed (dirty)" : "is left partly rolled back (dirty)";
  return restated(error, `${id} ${state}: ${counted}, as it ran outside a transaction`, fix);
}
