import type { TransactionControl } from "../../../core/sql-facts.js";
import { endsTransaction as ends, rollsBackToSavepoint } from "../../../sql/transaction-words.js";

/**
 * The transaction control a SQLite statement is, from its first significant tokens (`head`):
 * `BEGIN [DEFERRED | IMMEDIATE | EXCLUSIVE] [TRANSACTION]`, `COMMIT`, `END`, `ROLLBACK` (not
 * `ROLLBACK TO`). Savepoints nest inside Stratum's transaction.
 */
export function sqliteTransactionControl(head: readonly string[]): TransactionControl | null {
  const first = head[0] ?? "";
  switch (first) {
    case "BEGIN":
    case "COMMIT":
    case "END":
      return ends(first);
    case "ROLLBACK":
      return rollsBackToSavepoint(head) ? null : ends("ROLLBACK");
    default:
      return null;
  }
}

/** Why SQLite cannot run this statement inside a transaction, or null. */
export function sqliteNonTransactionalReason(statement: string): string | null {
  return /^\s*vacuum\b/i.test(statement) ? "VACUUM cannot run inside a transaction" : null;
}
