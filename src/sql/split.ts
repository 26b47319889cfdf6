// Statement splitting by dialect name. A wrapper kept for callers that name the dialect: code
// holding a Dialect uses `dialect.sql.split` and `scriptFacts(dialect.sql, script)`.

import type { DialectName, Statement } from "../core/types.js";
import { scriptScanOf, sqlDialectOf } from "../dialects/sql-dialects.js";
import type { SplitOptions } from "./analysis/sql-dialect.js";

import { lineAt } from "./line-counter.js";

export { lineAt };

export type SplitStatementsOptions = SplitOptions;

/** Splits a script into statements with the lexer of `dialect`. */
export function splitStatements(dialect: DialectName, sql: string, options?: SplitStatementsOptions): Statement[] {
  return sqlDialectOf(dialect).split(sql, options);
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
  const open = scriptScanOf(dialect)(sql, options).unterminated;
  return open === null ? null : { kind: open.kind, line: lineAt(sql, open.offset) };
}
