import type { TableUse, TransactionControl } from "../../../core/sql-facts.js";
import { analyseWith, type StatementReaders } from "../../../sql/analysis/analyse.js";
import type { SqlDialect } from "../../../sql/analysis/sql-dialect.js";
import { readTablesFromTokens } from "../../../sql/tables/token-read.js";
import { significantTokens } from "../../../sql/token.js";
import { HEAD_TOKENS } from "../../../sql/transaction-words.js";
import { scanSqliteToken } from "./lexer.js";
import { shellStatement } from "./exact-text.js";
import { sqliteLint } from "./lint.js";
import { scanSqliteScript, splitSqlite } from "./split.js";
import { sqliteNonTransactionalReason, sqliteTransactionControl } from "./transaction-control.js";

/** The tables one SQLite statement touches, from its tokens. */
export function sqliteTables(statement: string): TableUse {
  return readTablesFromTokens(scanSqliteToken, statement, { selectIntoCreates: false });
}

/** The transaction control one statement is, or null. */
export function sqliteTransactionControlOf(statement: string): TransactionControl | null {
  return sqliteTransactionControl(significantTokens(scanSqliteToken, statement, HEAD_TOKENS));
}

export { sqliteNonTransactionalReason };

const readers: StatementReaders = {
  // the statements a run executes: each as the sqlite3 shell would hand it to SQLite
  scan: (text) => {
    const scanned = scanSqliteScript(text);
    return { ...scanned, statements: scanned.statements.map((s) => shellStatement(text, s)) };
  },
  classify: (statement) => ({
    transactionControl: sqliteTransactionControlOf(statement),
    nonTransactionalReason: sqliteNonTransactionalReason(statement),
  }),
  tables: sqliteTables,
};

export const sqliteSql: SqlDialect = {
  split: (text) => splitSqlite(text),
  analyse: (text, firstLine) => analyseWith(readers, text, firstLine),
  lint: sqliteLint,
};
