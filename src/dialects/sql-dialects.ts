// Each dialect's SQL by name, for the callers that still name a dialect instead of holding one
// (the wrappers in src/sql/split.ts, tables-touched.ts, transaction-control.ts and
// src/sql/analysis/legacy.ts). A caller holding a Dialect uses `dialect.sql`.

import type { TableUse, TransactionControl } from "../core/sql-facts.js";
import type { DialectName } from "../core/types.js";
import type { SplitOptions, SqlDialect } from "../sql/analysis/sql-dialect.js";
import type { SplitResult } from "../sql/split-result.js";
import { mysqlSql, mysqlTables, mysqlTransactionControlOf } from "./mysql/sql/mysql-sql.js";
import { scanMysqlScript } from "./mysql/sql/split.js";
import { postgresSql, postgresTokenTables, postgresTransactionControlOf } from "./postgres/sql/postgres-sql.js";
import { scanPostgresScript } from "./postgres/sql/split.js";
import { sqliteSql, sqliteTables, sqliteTransactionControlOf } from "./sqlite/sql/sqlite-sql.js";
import { scanSqliteScript } from "./sqlite/sql/split.js";

/** The entry for `name`; a name no dialect has is a programming error. */
function known<T>(table: Readonly<Record<string, T>>, name: DialectName): T {
  const entry = table[name];
  if (entry === undefined) throw new Error(`no SQL lexer for the dialect ${name}`);
  return entry;
}

const SQL: Readonly<Record<DialectName, SqlDialect>> = { sqlite: sqliteSql, postgres: postgresSql, mysql: mysqlSql };

/** The SQL of the dialect named `name` (the same object its Dialect's `sql` is). */
export function sqlDialectOf(name: DialectName): SqlDialect {
  return known(SQL, name);
}

const TOKEN_TABLES: Readonly<Record<DialectName, (statement: string) => TableUse>> = {
  sqlite: sqliteTables,
  postgres: postgresTokenTables,
  mysql: mysqlTables,
};

/** The tables one statement touches, read from its tokens (on PostgreSQL too). */
export function tokenTablesOf(name: DialectName): (statement: string) => TableUse {
  return known(TOKEN_TABLES, name);
}

const TRANSACTION_CONTROL: Readonly<Record<DialectName, (statement: string) => TransactionControl | null>> = {
  sqlite: sqliteTransactionControlOf,
  postgres: postgresTransactionControlOf,
  mysql: mysqlTransactionControlOf,
};

/** The transaction control one statement is, on the dialect named `name`, or null. */
export function transactionControlOf(name: DialectName, statement: string): TransactionControl | null {
  return known(TRANSACTION_CONTROL, name)(statement);
}

const SCRIPT_SCANS: Readonly<Record<DialectName, (text: string, options?: SplitOptions) => SplitResult>> = {
  sqlite: (text) => scanSqliteScript(text),
  postgres: (text) => scanPostgresScript(text),
  mysql: scanMysqlScript,
};

/** The splitter of the dialect named `name`, with the construct a script ends inside of. */
export function scriptScanOf(name: DialectName): (text: string, options?: SplitOptions) => SplitResult {
  return known(SCRIPT_SCANS, name);
}
