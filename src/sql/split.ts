// Statement splitting for every dialect.

import type { DialectName, Statement } from "../core/types.js";
import { scanMysqlScript, splitMysql } from "./split-mysql.js";
import { scanPostgresScript, splitPostgres } from "./split-postgres.js";
import type { SplitResult } from "./split-result.js";
import { scanSqliteScript, splitSqlite } from "./split-sqlite.js";

export interface SplitStatementsOptions {
  /** MySQL: honour `DELIMITER` lines (default true). Ignored by the other dialects. */
  readonly allowDelimiter?: boolean;
}

/** Splits a script into statements with the lexer of `dialect`. */
export function splitStatements(dialect: DialectName, sql: string, options?: SplitStatementsOptions): Statement[] {
  switch (dialect) {
    case "sqlite":
      return splitSqlite(sql);
    case "postgres":
      return splitPostgres(sql);
    case "mysql":
      return splitMysql(sql, options);
    default:
      throw new Error(`no SQL lexer for the dialect ${dialect}`);
  }
}

/**
 * The construct a script ends inside of, e.g. `{ kind: "dollar-quoted string", line: 12 }`, so a
 * caller can say "unterminated dollar-quoted string starting at line 12"; null when none is open.
 * Kinds: string literal, quoted identifier, dollar-quoted string, block comment, executable
 * comment, trigger body, BEGIN ATOMIC function body, BEGIN … END block, parenthesis.
 */
export function unterminatedConstruct(
  dialect: DialectName,
  sql: string,
  options?: SplitStatementsOptions,
): { kind: string; line: number } | null {
  const result = scan(dialect, sql, options);
  const open = result.unterminated;
  return open === null ? null : { kind: open.kind, line: lineAt(sql, open.offset) };
}

/** 1-based line of a 0-based offset in `text` (lines end at `\n`; `\r\n` counts once). */
export function lineAt(text: string, offset: number): number {
  const limit = Math.min(Math.max(offset, 0), text.length);
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < limit; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function scan(dialect: DialectName, sql: string, options?: SplitStatementsOptions): SplitResult {
  switch (dialect) {
    case "sqlite":
      return scanSqliteScript(sql);
    case "postgres":
      return scanPostgresScript(sql);
    case "mysql":
      return scanMysqlScript(sql, options);
    default:
      throw new Error(`no SQL lexer for the dialect ${dialect}`);
  }
}
