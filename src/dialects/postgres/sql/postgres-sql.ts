import type { TableUse, TransactionControl } from "../../../core/sql-facts.js";
import { analyseWith, type StatementReaders } from "../../../sql/analysis/analyse.js";
import type { SqlDialect } from "../../../sql/analysis/sql-dialect.js";
import { readTablesFromTokens } from "../../../sql/tables/token-read.js";
import { significantTokens } from "../../../sql/token.js";
import { HEAD_TOKENS } from "../../../sql/transaction-words.js";
import { scanPostgresToken } from "./lexer.js";
import { postgresNonTransactionalReason } from "./non-transactional.js";
import { postgresLint } from "./lint.js";
import { loadParser, tablesFromParseTree } from "./parse-tree-tables.js";
import { scanPostgresScript, splitPostgres } from "./split.js";
import { postgresTransactionControl } from "./transaction-control.js";

/** The tables one PostgreSQL statement touches, from its tokens (the parser's fallback). */
export function postgresTokenTables(statement: string): TableUse {
  return readTablesFromTokens(scanPostgresToken, statement, { selectIntoCreates: true });
}

/** The tables one statement touches: from its parse tree once the parser is loaded, else from its tokens. */
export function postgresTables(statement: string): TableUse {
  return tablesFromParseTree(statement) ?? postgresTokenTables(statement);
}

/** The transaction control one statement is, or null. */
export function postgresTransactionControlOf(statement: string): TransactionControl | null {
  return postgresTransactionControl(significantTokens(scanPostgresToken, statement, HEAD_TOKENS));
}

export { postgresNonTransactionalReason };

const readers: StatementReaders = {
  scan: scanPostgresScript,
  classify: (statement) => {
    const head = significantTokens(scanPostgresToken, statement, HEAD_TOKENS);
    return { transactionControl: postgresTransactionControl(head), nonTransactionalReason: postgresNonTransactionalReason(statement, head) };
  },
  tables: postgresTables,
};

export const postgresSql: SqlDialect = {
  split: (text) => splitPostgres(text),
  analyse: (text, firstLine) => analyseWith(readers, text, firstLine),
  load: loadParser,
  lint: postgresLint,
};
