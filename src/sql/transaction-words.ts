// Readings of a statement's first words (as `significantTokens` gives them) that the dialects'
// transaction-control classifiers share.

import type { TransactionControl } from "../core/sql-facts.js";

/** How many significant tokens a transaction-control decision needs at most (MySQL's SET reads further). */
export const HEAD_TOKENS = 6;

/** `ROLLBACK [WORK | TRANSACTION] TO …`: back to a savepoint, the transaction goes on. */
export function rollsBackToSavepoint(words: readonly string[]): boolean {
  const i = words[1] === "WORK" || words[1] === "TRANSACTION" ? 2 : 1;
  return words[i] === "TO";
}

/** `… AND CHAIN` (not `AND NO CHAIN`). */
export function chained(words: readonly string[]): boolean {
  const and = words.indexOf("AND");
  return and !== -1 && words[and + 1] === "CHAIN";
}

/** A statement that ends (or opens) the transaction, named `statement`. */
export function endsTransaction(statement: string): TransactionControl {
  return { statement, breaks: "transaction" };
}
