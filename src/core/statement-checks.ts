// What a migration's SQL shows before anything runs, read from its sections' facts: a construct
// left open at the end of a section, and statements that cannot run in the transaction the
// migration would run in. (Refused transaction control: transaction-control.ts.)

import type { ScriptFacts, StatementFacts } from "./sql-facts.js";
import type { MigrationFile, Problem, SqlScript } from "./types.js";

/** The section's unterminated string, comment or block, as a BAD_SECTION error; null when none is open. */
export function unterminatedProblem(migration: MigrationFile, section: SqlScript, facts: Pick<ScriptFacts, "unterminated">): Problem | null {
  const open = facts.unterminated;
  if (open === null) return null;
  const where = `${section.file}:${open.line}`;
  return {
    code: "BAD_SECTION",
    message: `unterminated ${open.kind} starting at ${where}`,
    files: [where],
    fix: "close it; everything after it would be read as one statement",
    severity: "error",
    versions: [migration.version],
  };
}

/**
 * Statements of a section (`file`, facts with lines in the file's numbering) that the server
 * refuses inside a transaction, for a migration that would run in one.
 */
export function nonTransactionalProblems(
  migration: MigrationFile,
  file: string,
  statements: readonly Pick<StatementFacts, "line" | "nonTransactionalReason">[],
): Problem[] {
  return statements.flatMap((statement): Problem[] => {
    const reason = statement.nonTransactionalReason;
    if (reason === null) return [];
    const where = `${file}:${statement.line}`;
    return [
      {
        code: "TRANSACTION_REQUIRED_OFF",
        message: `${where} cannot run inside a transaction (${reason})`,
        files: [where],
        fix: "add `-- stratum:transaction off` to the top of the file",
        severity: "error",
        versions: [migration.version],
      },
    ];
  });
}
