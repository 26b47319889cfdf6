// SQLite statement splitting.

import type { Statement } from "../../../core/types.js";
import { scanSqliteToken } from "./lexer.js";
import { lineCounter } from "../../../sql/line-counter.js";
import type { SplitResult, Unterminated } from "../../../sql/split-result.js";
import { constructName, isSpace, keywordOf, newToken } from "../../../sql/token.js";

/**
 * Splits a SQLite script into statements. Semicolons inside strings, quoted identifiers
 * (`"…"`, `` `…` ``, `[…]`), comments and `CREATE TRIGGER … BEGIN … END` bodies do not split;
 * `CASE … END` inside a trigger body does not end the body.
 */
export function splitSqlite(sql: string): Statement[] {
  return scanSqliteScript(sql).statements;
}

/** Where the statement is in recognising `[EXPLAIN [QUERY PLAN]] CREATE [TEMP] TRIGGER`. */
type TriggerState = "head" | "create" | "trigger" | "body" | "after-body" | "none";

/** The splitter itself, also reporting a construct left open at the end. */
export function scanSqliteScript(sql: string): SplitResult {
  const statements: Statement[] = [];
  const lineOf = lineCounter(sql);
  const n = sql.length;
  const tok = newToken();

  let start = -1;
  let end = -1;
  let state: TriggerState = "head";
  let caseDepth = 0;
  let triggerBegin = -1;
  let afterDot = false;
  let lexical: Unterminated | null = null;

  let pos = 0;
  while (pos < n) {
    scanSqliteToken(sql, pos, tok);
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
        // Inside a trigger, only the `;` after the body's END ends the statement.
        if (state !== "trigger" && state !== "body") {
          if (start >= 0) statements.push({ text: sql.slice(start, end), line: lineOf(start), offset: start });
          start = -1;
          state = "head";
          caseDepth = 0;
          afterDot = false;
          continue;
        }
        break;
      case "word": {
        const word = afterDot || state === "none" || state === "after-body" ? "" : keywordOf(sql, tok);
        if (start < 0) start = tok.start;
        end = tok.end;
        afterDot = false;
        switch (state) {
          case "head":
            if (word === "CREATE") state = "create";
            else if (word !== "EXPLAIN" && word !== "QUERY" && word !== "PLAN") state = "none";
            break;
          case "create":
            if (word === "TRIGGER") state = "trigger";
            else if (word !== "TEMP" && word !== "TEMPORARY") state = "none";
            break;
          case "trigger":
            if (word === "BEGIN") {
              state = "body";
              triggerBegin = tok.start;
            }
            break;
          case "body":
            if (word === "CASE") caseDepth++;
            else if (word === "END") {
              if (caseDepth > 0) caseDepth--;
              else state = "after-body";
            }
            break;
          default:
            break;
        }
        continue;
      }
      default:
        break;
    }
    if (start < 0) start = tok.start;
    end = tok.end;
    afterDot = tok.kind === "punct" && sql.charCodeAt(tok.start) === 46; // `.`: `new.end` is a column
    if (state === "head" || state === "create") state = "none";
  }
  if (start >= 0) {
    // An unterminated construct runs to the end of the input: drop the trailing whitespace.
    while (end > start && isSpace(sql.charCodeAt(end - 1))) end--;
    statements.push({ text: sql.slice(start, end), line: lineOf(start), offset: start });
  }
  let unterminated = lexical;
  if (unterminated === null && (state === "trigger" || state === "body")) {
    unterminated = { kind: "trigger body", offset: state === "body" ? triggerBegin : start };
  }
  return { statements, unterminated };
}
