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

/** A statement that must run outside a transaction: where (`file:line`) and why (the dialect's reason). */
export interface OutsideStatement {
  readonly location: string;
  readonly reason: string;
}

/**
 * What the statements of the script a step runs need: `any` (none must run outside a
 * transaction; also a script without statements), `outside` (every one must), `mixed` (some
 * must, the others are transactional: `inside` lists where those are).
 */
export type TransactionNeed =
  | { readonly kind: "any" }
  | { readonly kind: "outside"; readonly outside: readonly OutsideStatement[] }
  | { readonly kind: "mixed"; readonly outside: readonly OutsideStatement[]; readonly inside: readonly string[] };

/** The need of a script's statements (`file`, facts with lines in the file's numbering). */
export function transactionNeed(file: string, statements: readonly Pick<StatementFacts, "line" | "nonTransactionalReason">[]): TransactionNeed {
  const outside: OutsideStatement[] = [];
  const inside: string[] = [];
  for (const statement of statements) {
    const location = `${file}:${statement.line}`;
    if (statement.nonTransactionalReason === null) inside.push(location);
    else outside.push({ location, reason: statement.nonTransactionalReason });
  }
  if (outside.length === 0) return { kind: "any" };
  return inside.length === 0 ? { kind: "outside", outside } : { kind: "mixed", outside, inside };
}

/** The statement a reason names: `CREATE INDEX CONCURRENTLY` of "CREATE INDEX CONCURRENTLY cannot run inside a transaction block". */
export function statementKind(reason: string): string {
  return reason.replace(/\s+cannot run inside a transaction( block)?$/i, "");
}

/** How `plan`, `up` and `--json` say a migration runs outside a transaction automatically: `automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4`. */
export function automaticOutsideNote(first: OutsideStatement): string {
  return `automatic: ${statementKind(first.reason)} at ${first.location}`;
}

/**
 * A script that mixes statements that cannot run inside a transaction with transactional ones,
 * for a migration that declares nothing about transactions: refused, every statement of each
 * kind named, because Stratum can run it neither in one transaction nor safely without.
 */
export function mixedTransactionProblem(
  migration: MigrationFile,
  direction: "up" | "down",
  need: Extract<TransactionNeed, { kind: "mixed" }>,
): Problem {
  const outside = need.outside.map((s) => `${statementKind(s.reason)} at ${s.location}`).join(", ");
  const down = direction === "down";
  const subject = down ? `the down of migration ${migration.id}` : `migration ${migration.id}`;
  // the down's own declaration: a directive in its own file, or its section marker's option
  const off = !down
    ? "add `-- stratum:transaction off` to the top of the file"
    : migration.files.length > 1
      ? `add \`-- stratum:transaction off\` to the top of ${migration.files[1]}`
      : "write the down's marker as `-- migrate:down transaction:false`";
  return {
    code: "TRANSACTION_MIXED",
    message: `${subject} mixes statements that cannot run inside a transaction (${outside}) with statements that can (${need.inside.join(", ")}), so it cannot run in one transaction, and Stratum runs it outside one only when told to`,
    files: [...need.outside.map((s) => s.location), ...need.inside],
    fix: `split it: move the statements that cannot run in a transaction to a migration of their own (which then runs outside a transaction automatically); or ${off} to run all of ${down ? "the down" : "it"} without a transaction, knowingly (a failure halfway leaves it applied in part)`,
    severity: "error",
    versions: [migration.version],
  };
}

/**
 * Statements of a section (`file`, facts with lines in the file's numbering) that the server
 * refuses inside a transaction, for a migration that declares it runs in one
 * (`-- stratum:transaction on`).
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
        message: `${where} cannot run inside a transaction (${reason}), and migration ${migration.id} declares it runs in one (\`-- stratum:transaction on\`)`,
        files: [where],
        fix: "remove `-- stratum:transaction on` (a migration whose statements all cannot run in a transaction runs outside one automatically), or write `-- stratum:transaction off`",
        severity: "error",
        versions: [migration.version],
      },
    ];
  });
}
