// Transaction control a migration must not do: the refusal, as a problem before anything runs
// (SQL files) or as an error before the statement runs (a code migration's ctx.sql, ctx.execFile).

import type { SqlAnalyser, StatementFacts, TransactionControl } from "./sql-facts.js";
import type { MigrationFile, Problem, SqlScript } from "./types.js";

/** Whether `control` is refused in a migration that does (or does not) run in Stratum's transaction. */
export function refused(control: TransactionControl | null, inTransaction: boolean): control is TransactionControl {
  return control !== null && (control.breaks === "session" || inTransaction);
}

/** What is wrong with `control` at `where` (`file:line`, or null when the caller names the place), and what to do. */
export function transactionControlRefusal(
  control: TransactionControl,
  where: string | null,
  kind: MigrationFile["kind"],
): { readonly message: string; readonly fix: string } {
  const at = where === null ? "" : `${where}: `;
  if (control.breaks === "session") {
    return {
      message: `${at}${control.statement} would keep Stratum's state and log rows from committing (each statement commits on its own here, and Stratum records its progress after each)`,
      fix: `remove it; to make several statements atomic, wrap them in START TRANSACTION … COMMIT`,
    };
  }
  const off = kind === "code" ? "set `transaction: false` in the migration (`-- stratum:transaction off` in a SQL file)" : "add `-- stratum:transaction off` to the top of the file";
  const opens = control.statement.startsWith("BEGIN") || control.statement.startsWith("START");
  const what = opens ? "would open a transaction inside the one" : "would end the transaction";
  return {
    message: `${at}${control.statement} ${what} Stratum runs this migration in (the migration and its history row commit together)`,
    fix: `remove it (Stratum begins and commits the transaction itself), or ${off} to run it outside a transaction and manage transactions yourself`,
  };
}

/** Refused transaction control among a section's statements (facts with lines in the file's numbering). */
export function refusedTransactionControl(
  migration: MigrationFile,
  file: string,
  statements: readonly Pick<StatementFacts, "line" | "transactionControl">[],
  inTransaction: boolean,
): Problem[] {
  return statements.flatMap((statement): Problem[] => {
    const control = statement.transactionControl;
    if (!refused(control, inTransaction)) return [];
    const where = `${file}:${statement.line}`;
    const { message, fix } = transactionControlRefusal(control, where, migration.kind);
    return [{ code: "TRANSACTION_CONTROL", message, files: [where], fix, severity: "error", versions: [migration.version] }];
  });
}

/** The sections of a migration that run in a transaction when it does: up, its verify queries, down. */
export function sectionsOf(migration: MigrationFile): SqlScript[] {
  return [migration.up, migration.verify, migration.down].filter((s): s is SqlScript => s !== null);
}

/**
 * A code migration's `ctx.sql(text)`: throws before the text runs when a statement of it is
 * refused transaction control. (`ctx.client` is the raw driver and is not checked; a rehearsal
 * still finds what it committed.)
 */
export function refuseAtRunTime(dialect: { readonly sql: SqlAnalyser }, text: string, inTransaction: boolean, kind: MigrationFile["kind"]): void {
  for (const statement of dialect.sql.analyse(text).statements) {
    const control = statement.transactionControl;
    if (!refused(control, inTransaction)) continue;
    const { message, fix } = transactionControlRefusal(control, null, kind);
    throw new Error(`${message}; ${fix}`);
  }
}
