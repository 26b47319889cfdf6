// Which tables a script touches, by dialect name. A wrapper kept for callers that name the
// dialect: code holding a Dialect reads `scriptFacts(dialect.sql, script).tables`.

import { mergeTableUses, type TableUse } from "../core/sql-facts.js";
import type { DialectName } from "../core/types.js";
import { sqlDialectOf, tokenTablesOf } from "../dialects/sql-dialects.js";
import { postgresSql } from "../dialects/postgres/sql/postgres-sql.js";

/** Table names (lower-cased, unquoted, `schema.table` when qualified), each list in order of first appearance. */
export type TablesTouched = TableUse;

/** Which tables a script creates, alters (CREATE INDEX ON t included), drops, writes and reads: the token read. */
export function tablesTouched(dialect: DialectName, sql: string): TablesTouched {
  const read = tokenTablesOf(dialect);
  return mergeTableUses(sqlDialectOf(dialect).split(sql).map((statement) => read(statement.text)));
}

/**
 * `tablesTouched` on PostgreSQL over its own parse tree (libpg-query, loaded on first use). A
 * statement the parser rejects is read from its tokens instead. Names come in parse-tree order,
 * which may differ from the token read's order of appearance.
 */
export async function tablesTouchedPostgres(sql: string): Promise<TablesTouched> {
  await postgresSql.load?.();
  return postgresSql.analyse(sql).tables;
}
