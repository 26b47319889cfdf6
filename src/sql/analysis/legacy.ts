// Table uses by dialect name, as api.ts and the tests call them today. Wrappers over the analysis:
// once callers hold a Dialect they use `migrationTableUses(migrations, (s) => scriptFacts(dialect.sql, s))`
// after `await dialect.sql.load?.()`, and these go.

import { mergeTableUses, type TableUse } from "../../core/sql-facts.js";
import { migrationTableUse, migrationTableUses } from "../../core/table-use.js";
import type { DialectName, MigrationFile } from "../../core/types.js";
import { sqlDialectOf, tokenTablesOf } from "../../dialects/sql-dialects.js";
import { postgresSql } from "../../dialects/postgres/sql/postgres-sql.js";
import { scriptFacts } from "./cache.js";

/**
 * What a migration touches, from a static read of its `up` SQL's tokens (synchronous; PostgreSQL
 * too). Code migrations cannot be read: the tables they declare (`options.tables`) count as altered.
 */
export function tableUseOf(migration: MigrationFile, dialect: DialectName): TableUse {
  if (migration.kind === "code" || migration.up === null) return migrationTableUse(migration, null);
  const read = tokenTablesOf(dialect);
  const tables = mergeTableUses(sqlDialectOf(dialect).split(migration.up.text).map((s) => read(s.text)));
  return migrationTableUse(migration, { statements: [], unterminated: null, tables });
}

/** `tableUseOf` for every migration, keyed by version (the input of `findConflicts`). */
export function tableUsesOf(migrations: readonly MigrationFile[], dialect: DialectName): Map<string, TableUse> {
  const uses = new Map<string, TableUse>();
  for (const m of migrations) uses.set(m.version, tableUseOf(m, dialect));
  return uses;
}

/**
 * `tableUseOf` for PostgreSQL over the server's own parser (libpg-query, loaded on first use);
 * statements it rejects are read by the lexer. Code migrations: their declared tables.
 */
export async function tableUseOfPostgres(migration: MigrationFile): Promise<TableUse> {
  await postgresSql.load?.();
  if (migration.kind === "code" || migration.up === null) return migrationTableUse(migration, null);
  return migrationTableUse(migration, postgresSql.analyse(migration.up.text));
}

/**
 * Every migration's use, keyed by version, read the best way the dialect allows (PostgreSQL's
 * parser, the lexer elsewhere), from each section's facts: analysed once per run.
 */
export async function readTableUses(migrations: readonly MigrationFile[], dialect: DialectName): Promise<Map<string, TableUse>> {
  const sql = sqlDialectOf(dialect);
  await sql.load?.();
  return migrationTableUses(migrations, (script) => scriptFacts(sql, script));
}
