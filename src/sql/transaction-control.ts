// Transaction control by dialect name. A wrapper kept for callers that name the dialect: code
// holding a Dialect reads `transactionControl` from `scriptFacts(dialect.sql, script)`.

export type { TransactionControl } from "../core/sql-facts.js";
export { transactionControlOf } from "../dialects/sql-dialects.js";
