// Each dialect's SQL module by name, for tests that run one case over every dialect. The product
// holds a Dialect and uses `dialect.sql`; only tests list the dialects' SQL modules by name.

import { mergeTableUses, type OpenConstruct, type TableUse, type TransactionControl } from "../../src/core/sql-facts.js";
import { migrationTableUse, migrationTableUses } from "../../src/core/table-use.js";
import type { MigrationFile, Statement } from "../../src/core/types.js";
import { mysqlSql, mysqlTables, mysqlTransactionControlOf } from "../../src/dialects/mysql/sql/mysql-sql.js";
import { postgresSql, postgresTokenTables, postgresTransactionControlOf } from "../../src/dialects/postgres/sql/postgres-sql.js";
import { sqliteSql, sqliteTables, sqliteTransactionControlOf } from "../../src/dialects/sqlite/sql/sqlite-sql.js";
import { scriptFacts } from "../../src/sql/analysis/cache.js";
import type { SplitOptions, SqlDialect } from "../../src/sql/analysis/sql-dialect.js";

export type SqlName = "sqlite" | "postgres" | "mysql";

interface SqlModule {
  readonly sql: SqlDialect;
  /** One statement's tables from its tokens (PostgreSQL too). */
  readonly tokenTables: (statement: string) => TableUse;
  readonly transactionControl: (statement: string) => TransactionControl | null;
}

const MODULES: Readonly<Record<SqlName, SqlModule>> = {
  sqlite: { sql: sqliteSql, tokenTables: sqliteTables, transactionControl: sqliteTransactionControlOf },
  postgres: { sql: postgresSql, tokenTables: postgresTokenTables, transactionControl: postgresTransactionControlOf },
  mysql: { sql: mysqlSql, tokenTables: mysqlTables, transactionControl: mysqlTransactionControlOf },
};

function moduleOf(name: string): SqlModule {
  const module = MODULES[name as SqlName];
  if (module === undefined) throw new Error(`no SQL module for ${name}`);
  return module;
}

/** The SqlDialect of the dialect named `name`. */
export function sqlOf(name: string): SqlDialect {
  return moduleOf(name).sql;
}

/** `sqlOf(name).split(text, options)`. */
export function split(name: string, text: string, options?: SplitOptions): Statement[] {
  return sqlOf(name).split(text, options);
}

/** The construct `text` ends inside of, as the analysis reports it; null when none is open. */
export function unterminatedOf(name: string, text: string): OpenConstruct | null {
  return sqlOf(name).analyse(text).unterminated;
}

/** The transaction control one statement is on the dialect named `name`, or null. */
export function transactionControlOn(name: string, statement: string): TransactionControl | null {
  return moduleOf(name).transactionControl(statement);
}

/** Every statement's tables read from its tokens (PostgreSQL too, even with its parser loaded). */
export function tokenTablesOf(name: string, text: string): TableUse {
  const { sql, tokenTables } = moduleOf(name);
  return mergeTableUses(sql.split(text).map((s) => tokenTables(s.text)));
}

/** A script's tables on PostgreSQL from its parse tree (the parser loaded first). */
export async function parsedTables(text: string): Promise<TableUse> {
  await postgresSql.load?.();
  return postgresSql.analyse(text).tables;
}

/** A migration's tables as `migrationTableUse` gives them, its `up` read from its tokens. */
export function tokenTableUse(migration: MigrationFile, name: string): TableUse {
  const up = migration.kind === "code" || migration.up === null ? null : migration.up;
  return migrationTableUse(migration, up === null ? null : { statements: [], unterminated: null, tables: tokenTablesOf(name, up.text) });
}

/** `tokenTableUse` of every migration, keyed by version. */
export function tokenTableUses(migrations: readonly MigrationFile[], name: string): Map<string, TableUse> {
  return new Map(migrations.map((m) => [m.version, tokenTableUse(m, name)]));
}

/** A migration's tables on PostgreSQL, its `up` read from the parse tree (the parser loaded first). */
export async function parsedTableUse(migration: MigrationFile): Promise<TableUse> {
  await postgresSql.load?.();
  return migrationTableUse(migration, migration.kind === "code" || migration.up === null ? null : postgresSql.analyse(migration.up.text));
}

/** Every migration's tables as the engine reads them: the dialect loaded, each section's cached facts. */
export async function analysedTableUses(migrations: readonly MigrationFile[], name: string): Promise<Map<string, TableUse>> {
  const sql = sqlOf(name);
  await sql.load?.();
  return migrationTableUses(migrations, (script) => scriptFacts(sql, script));
}
