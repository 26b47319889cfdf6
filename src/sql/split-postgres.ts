// PostgreSQL: statement splitting (what psql does), `?` placeholders, and which statements
// PostgreSQL refuses inside a transaction block.

import type { Statement } from "../core/types.js";
import { scanPostgresToken } from "./lexer-postgres.js";
import { lineCounter } from "./line-counter.js";
import type { SplitResult, Unterminated } from "./split-result.js";
import { constructName, isSpace, keywordOf, newToken, significantTokens } from "./token.js";

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

/** How many significant tokens of a statement `postgresNonTransactionalReason` looks at. */
const REASON_TOKENS = 256;

/** The first words `postgresNonTransactionalReason` can refuse a statement for. */
const DECIDING_FIRST_WORDS: ReadonlySet<string> = new Set(["VACUUM", "CREATE", "DROP", "REINDEX", "CLUSTER", "ALTER", "DISCARD", "COMMIT", "ROLLBACK"]);

/**
 * Why PostgreSQL refuses to run this statement inside a transaction block, or null when it may.
 * Leading comments are ignored; keywords are matched case-insensitively.
 */
export function postgresNonTransactionalReason(statement: string): string | null {
  // Most statements are decided by their first words; read further only where a later one counts.
  const head = significantTokens(scanPostgresToken, statement, 6);
  if (!DECIDING_FIRST_WORDS.has(head[0] ?? "")) return null;
  const readAll = head[1] === "SUBSCRIPTION" || head[1] === "(" || (head[0] === "ALTER" && head[1] === "TABLE" && /detach/i.test(statement));
  const words = readAll ? significantTokens(scanPostgresToken, statement, REASON_TOKENS) : head;
  const at = (i: number): string => words[i] ?? "";
  const refused = (what: string): string => `${what} cannot run inside a transaction block`;
  const indexOfWord = (word: string, from: number): number => words.indexOf(word, from);

  switch (at(0)) {
    case "VACUUM":
      return refused("VACUUM");
    case "CREATE": {
      const i = at(1) === "UNIQUE" ? 2 : 1;
      if (at(i) === "INDEX" && at(i + 1) === "CONCURRENTLY") return refused("CREATE INDEX CONCURRENTLY");
      if (at(1) === "DATABASE") return refused("CREATE DATABASE");
      if (at(1) === "TABLESPACE") return refused("CREATE TABLESPACE");
      if (at(1) === "SUBSCRIPTION") {
        // Only when it creates a replication slot (create_slot defaults to true; connect = false implies false).
        return optionIsFalse(words, "CREATE_SLOT") || optionIsFalse(words, "CONNECT")
          ? null
          : refused("CREATE SUBSCRIPTION ... WITH (create_slot = true)");
      }
      return null;
    }
    case "DROP":
      if (at(1) === "INDEX" && at(2) === "CONCURRENTLY") return refused("DROP INDEX CONCURRENTLY");
      if (at(1) === "DATABASE") return refused("DROP DATABASE");
      if (at(1) === "TABLESPACE") return refused("DROP TABLESPACE");
      if (at(1) === "SUBSCRIPTION") return refused("DROP SUBSCRIPTION"); // of a subscription with a replication slot
      return null;
    case "REINDEX": {
      let i = 1;
      let concurrently = false;
      if (at(1) === "(") {
        const close = indexOfWord(")", 2);
        const options = close === -1 ? words.slice(2) : words.slice(2, close);
        const k = options.indexOf("CONCURRENTLY");
        if (k !== -1) concurrently = !isFalse(options[k + 1] ?? "");
        i = close === -1 ? words.length : close + 1;
      }
      const kind = at(i);
      if (at(i + 1) === "CONCURRENTLY") concurrently = true;
      if (concurrently) return refused("REINDEX CONCURRENTLY");
      if (kind === "SCHEMA" || kind === "DATABASE" || kind === "SYSTEM") return refused(`REINDEX ${kind}`);
      return null;
    }
    case "CLUSTER": {
      // CLUSTER with no table reclusters every table, one transaction each.
      let i = 1;
      if (at(1) === "(") {
        const close = indexOfWord(")", 2);
        i = close === -1 ? words.length : close + 1;
      } else if (at(1) === "VERBOSE") {
        i = 2;
      }
      return i >= words.length ? refused("CLUSTER without a table name") : null;
    }
    case "ALTER":
      if (at(1) === "SYSTEM") return refused("ALTER SYSTEM");
      if (at(1) === "DATABASE" && at(3) === "SET" && at(4) === "TABLESPACE") {
        return refused("ALTER DATABASE SET TABLESPACE");
      }
      if (at(1) === "TABLE") {
        const detach = indexOfWord("DETACH", 2);
        if (detach !== -1 && at(detach + 1) === "PARTITION" && indexOfWord("CONCURRENTLY", detach + 2) !== -1) {
          return refused("ALTER TABLE ... DETACH CONCURRENTLY");
        }
        return null;
      }
      if (at(1) === "SUBSCRIPTION") {
        if (at(3) === "REFRESH" && at(4) === "PUBLICATION") return refused("ALTER SUBSCRIPTION ... REFRESH");
        if ((at(3) === "SET" || at(3) === "ADD" || at(3) === "DROP") && at(4) === "PUBLICATION") {
          return optionIsFalse(words, "REFRESH")
            ? null
            : refused("ALTER SUBSCRIPTION with refresh");
        }
      }
      return null;
    case "DISCARD":
      return at(1) === "ALL" ? refused("DISCARD ALL") : null;
    case "COMMIT":
    case "ROLLBACK":
      return at(1) === "PREPARED" ? refused(`${at(0)} PREPARED`) : null;
    default:
      return null;
  }
}

/** `name = false` (or off, 0) among the tokens. */
function optionIsFalse(words: readonly string[], name: string): boolean {
  for (let i = words.indexOf(name); i !== -1; i = words.indexOf(name, i + 1)) {
    const value = words[i + 1] === "=" ? words[i + 2] : words[i + 1];
    if (value !== undefined && isFalse(value)) return true;
  }
  return false;
}

function isFalse(value: string): boolean {
  return ["FALSE", "OFF", "0", "'FALSE'", "'OFF'", "'0'", "'F'", "'N'", "'NO'", "NO"].includes(value);
}
