// Lints SQL migration text with a dialect's analysis, as `stratum lint` does, without a database.

import { lintMigrations } from "../../../src/core/lint/lint.js";
import type { LintResult } from "../../../src/core/lint/types.js";
import type { MigrationFile } from "../../../src/core/types.js";
import { mysqlSql } from "../../../src/dialects/mysql/sql/mysql-sql.js";
import { postgresSql } from "../../../src/dialects/postgres/sql/postgres-sql.js";
import { sqliteSql } from "../../../src/dialects/sqlite/sql/sqlite-sql.js";
import type { SqlDialect } from "../../../src/sql/analysis/sql-dialect.js";
import { scriptFacts } from "../../../src/sql/analysis/cache.js";
import { parseSqlMigration } from "../../../src/source/sql-file.js";

export type DialectKey = "pg" | "my" | "lite";
export const DIALECTS: Readonly<Record<DialectKey, SqlDialect>> = { pg: postgresSql, my: mysqlSql, lite: sqliteSql };

export async function loadAll(): Promise<void> {
  await postgresSql.load?.();
}

/** A migration file from text (`001_x.sql`). */
export function migrationOf(text: string, version = "001", name = "x"): MigrationFile {
  const file = `${version}_${name}.sql`;
  const parsed = parseSqlMigration(file, text);
  if (parsed.problems.some((p) => p.severity === "error")) throw new Error(parsed.problems.map((p) => p.message).join("; "));
  return { version, name, id: `${version}_${name}`, kind: "sql", files: [file], path: `/m/${file}`, checksum: "", up: parsed.up, down: parsed.down, verify: parsed.verify, options: parsed.options };
}

/** Lints migration texts in order (all pending). */
export function lintTexts(dialect: DialectKey, texts: readonly string[], settings = { lockTimeoutConfigured: false, transactions: true }): LintResult {
  const sql = DIALECTS[dialect];
  const inputs = texts.map((text, i) => {
    const migration = migrationOf(text, String(i + 1).padStart(3, "0"));
    return {
      migration,
      up: migration.up === null ? null : scriptFacts(sql, migration.up),
      down: migration.down === null ? null : scriptFacts(sql, migration.down),
      pending: true,
    };
  });
  return lintMigrations(inputs, sql.lint!, settings);
}
