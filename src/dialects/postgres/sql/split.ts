// PostgreSQL: statement splitting (what psql does) and `?` placeholders.

import type { Statement } from "../../../core/types.js";
import { scanPostgresToken } from "./lexer.js";
import { lineCounter } from "../../../sql/line-counter.js";
import type { SplitResult, Unterminated } from "../../../sql/split-result.js";
import { constructName, isSpace, keywordOf, newToken, significantTokens } from "../../../sql/token.js";

/**
 * Splits a PostgreSQL script into statements. Semicolons inside strings, quoted identifiers,
 * dollar quotes, comments (nested), parentheses (`CREATE RULE … DO (…; …)`) and SQL-standard
 * function bodies (`BEGIN ATOMIC … END`) do not split.
 */
export function splitPostgres(sql: string): Statement[] {
  return scanPostgresScript(sql).statements;
}

/** The splitter itself, also reporting a construct left open at the end. */
export function scanPostgresScript(sql: string): SplitResult {
  const statements: Statement[] = [];
  const lineOf = lineCounter(sql);
  const n = sql.length;
  const tok = newToken();

  let start = -1; // first significant character of the current statement
  let end = -1; // just past its last significant character
  let parenDepth = 0;
  let outerParen = -1;
  let beginDepth = 0;
  let outerBegin = -1;
  // Whether the statement is CREATE [OR REPLACE] FUNCTION|PROCEDURE, decided on its first words.
  const head: string[] = ["", "", "", ""];
  let headCount = 0;
  let routine = false;
  let previous = ""; // keyword of the previous significant token, "." or "" for anything else
  let previousOffset = -1;
  let lexical: Unterminated | null = null;

  const reset = (): void => {
    start = -1;
    end = -1;
    parenDepth = 0;
    outerParen = -1;
    beginDepth = 0;
    outerBegin = -1;
    headCount = 0;
    routine = false;
    previous = "";
  };

  let pos = 0;
  while (pos < n) {
    scanPostgresToken(sql, pos, tok);
    pos = tok.end;
    if (tok.unterminated) lexical = { kind: constructName(tok.kind), offset: tok.start };
    switch (tok.kind) {
      case "space":
        continue;
      case "line-comment":
      case "block-comment":
        // Comments before and after a statement are not part of its text; an unterminated one
        // is, so that the database reports it.
        if (tok.unterminated) {
          if (start < 0) start = tok.start;
          end = tok.end;
        }
        continue;
      case "semicolon":
        if (parenDepth === 0 && beginDepth === 0) {
          if (start >= 0) {
            statements.push({ text: sql.slice(start, end), line: lineOf(start), offset: start });
          }
          reset();
          continue;
        }
        break;
      case "punct": {
        const c = sql.charCodeAt(tok.start);
        if (c === 40 /* ( */) {
          if (parenDepth++ === 0) outerParen = tok.start;
        } else if (c === 41 /* ) */ && parenDepth > 0) {
          parenDepth--;
        }
        break;
      }
      case "word": {
        // Keywords matter only in a statement's first words and in routine definitions.
        const word = headCount < 4 || routine ? keywordOf(sql, tok) : "";
        if (headCount < 4) {
          head[headCount++] = word;
          routine = isRoutineHead(head, headCount);
        }
        // After `.` or `AS` a keyword is a name (`t.end`, `AS begin`).
        if (routine && parenDepth === 0 && previous !== "." && previous !== "AS") {
          if (word === "ATOMIC" && previous === "BEGIN") {
            if (beginDepth++ === 0) outerBegin = previousOffset;
          } else if (word === "CASE") {
            if (beginDepth > 0) beginDepth++;
          } else if (word === "END") {
            if (beginDepth > 0) beginDepth--;
          }
        }
        if (start < 0) start = tok.start;
        end = tok.end;
        previous = word;
        previousOffset = tok.start;
        continue;
      }
      default:
        break;
    }
    if (start < 0) start = tok.start;
    end = tok.end;
    previous = tok.kind === "punct" && sql.charCodeAt(tok.start) === 46 ? "." : "";
  }
  if (start >= 0) {
    // An unterminated construct runs to the end of the input: drop the trailing whitespace.
    while (end > start && isSpace(sql.charCodeAt(end - 1))) end--;
    statements.push({ text: sql.slice(start, end), line: lineOf(start), offset: start });
  }
  let unterminated = lexical;
  if (unterminated === null && beginDepth > 0) unterminated = { kind: "BEGIN ATOMIC function body", offset: outerBegin };
  if (unterminated === null && parenDepth > 0) unterminated = { kind: "parenthesis", offset: outerParen };
  return { statements, unterminated };
}

/** CREATE [OR REPLACE] FUNCTION|PROCEDURE, from the statement's first words. */
function isRoutineHead(head: readonly string[], count: number): boolean {
  const isRoutine = (word: string | undefined): boolean => word === "FUNCTION" || word === "PROCEDURE";
  if (head[0] !== "CREATE" || count < 2) return false;
  if (isRoutine(head[1])) return true;
  return count >= 4 && head[1] === "OR" && head[2] === "REPLACE" && isRoutine(head[3]);
}

/**
 * Converts `?` placeholders to `$1`, `$2`, … outside strings, quoted identifiers, comments and
 * dollar quotes. The jsonb operators `?|` and `?&` are left alone, and `??` stands for a literal `?`.
 * `render` replaces the n-th placeholder (0-based) with other text instead, e.g. a quoted literal.
 */
export function postgresPlaceholders(sql: string, render: (index: number) => string = (index) => `$${index + 1}`): string {
  const n = sql.length;
  const tok = newToken();
  const parts: string[] = [];
  let copied = 0;
  let count = 0;
  let pos = 0;
  while (pos < n) {
    scanPostgresToken(sql, pos, tok);
    pos = tok.end;
    if (tok.kind !== "punct" || sql.charCodeAt(tok.start) !== 63 /* ? */) continue;
    const next = sql.charCodeAt(pos);
    if (next === 124 /* | */ || next === 38 /* & */) {
      pos++;
      continue;
    }
    parts.push(sql.slice(copied, tok.start));
    if (next === 63) {
      parts.push("?");
      pos++;
    } else {
      parts.push(render(count++));
    }
    copied = pos;
  }
  if (copied === 0) return sql;
  parts.push(sql.slice(copied));
  return parts.join("");
}

