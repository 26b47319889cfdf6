import type { TransactionControl } from "../../../core/sql-facts.js";
import { chained, endsTransaction as ends, rollsBackToSavepoint } from "../../../sql/transaction-words.js";

/**
 * The transaction control a PostgreSQL statement is, from its first significant tokens (`head`):
 * `BEGIN`, `START TRANSACTION`, `COMMIT` / `END` (also `AND CHAIN`), `ROLLBACK` / `ABORT` (not
 * `ROLLBACK TO SAVEPOINT`), `PREPARE TRANSACTION`. `COMMIT PREPARED` and `ROLLBACK PREPARED` are
 * left to the non-transactional check (the server refuses them in a transaction block).
 * `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` stay inside the transaction.
 */
export function postgresTransactionControl(head: readonly string[]): TransactionControl | null {
  const at = (i: number): string => head[i] ?? "";
  switch (at(0)) {
    case "BEGIN":
      return ends("BEGIN");
    case "START":
      return at(1) === "TRANSACTION" ? ends("START TRANSACTION") : null;
    case "COMMIT":
    case "END":
      if (at(1) === "PREPARED") return null;
      return ends(chained(head) ? `${at(0)} AND CHAIN` : at(0));
    case "ROLLBACK":
    case "ABORT":
      if (at(1) === "PREPARED" || rollsBackToSavepoint(head)) return null;
      return ends(chained(head) ? `${at(0)} AND CHAIN` : at(0));
    case "PREPARE":
      return at(1) === "TRANSACTION" ? ends("PREPARE TRANSACTION") : null;
    default:
      return null;
  }
}
