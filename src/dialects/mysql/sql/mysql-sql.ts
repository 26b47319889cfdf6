import type { TableUse, TransactionControl } from "../../../core/sql-facts.js";
import { analyseWith, type StatementReaders } from "../../../sql/analysis/analyse.js";
import type { SqlDialect } from "../../../sql/analysis/sql-dialect.js";
import { readTablesFromTokens } from "../../../sql/tables/token-read.js";
import { significantTokens } from "../../../sql/token.js";
import { HEAD_TOKENS } from "../../../sql/transaction-words.js";
import { mysqlLint } from "./lint.js";
import { scanMysqlScript, splitMysql } from "./split.js";
import { mysqlTransactionControl, scanMysql } from "./transaction-control.js";

/** The tables one MySQL/MariaDB statement touches, from its tokens. */
export function mysqlTables(statement: string): TableUse {
  return readTablesFromTokens(scanMysql, statement, { selectIntoCreates: false });
}

/** The transaction control one statement is, or null. */
export function mysqlTransactionControlOf(statement: string): TransactionControl | null {
  return mysqlTransactionControl(statement, significantTokens(scanMysql, statement, HEAD_TOKENS));
}

const readers: StatementReaders = {
  scan: (text) => scanMysqlScript(text),
  classify: (statement) => ({
    transactionControl: mysqlTransactionControlOf(statement),
    nonTransactionalReason: null,
  }),
  tables: mysqlTables,
};

export const mysqlSql: SqlDialect = {
  split: (text, options) => splitMysql(text, options),
  analyse: (text, firstLine) => analyseWith(readers, text, firstLine),
  lint: mysqlLint,
};
