// MySQL/MariaDB statement splitting: the client's DELIMITER command, executable comments and
// stored-program bodies written without a DELIMITER change.

import type { Statement } from "../../../core/types.js";
import { scanMysqlToken } from "./lexer.js";
import { lineCounter } from "../../../sql/line-counter.js";
import type { SplitResult, Unterminated } from "../../../sql/split-result.js";
import { constructName, isSpace, keywordOf, newToken, type Token } from "../../../sql/token.js";

export interface MysqlSplitOptions {
  /** Honour `DELIMITER xx` lines as the mysql client does (default true). */
  readonly allowDelimiter?: boolean;
}

/**
 * Splits a MySQL/MariaDB script into statements. Semicolons inside strings, identifiers, comments,
 * executable comments (`/*! … *\/`, kept in the text) and BEGIN … END compound statements do not
 * split. `DELIMITER xx` lines change the delimiter; they are not statements, and statements are
 * returned without the delimiter.
 */
export function splitMysql(sql: string, options?: MysqlSplitOptions): Statement[] {
  return scanMysqlScript(sql, options).statements;
}

/** The splitter itself, also reporting a construct left open at the end. */
export function scanMysqlScript(sql: string, options?: MysqlSplitOptions): SplitResult {
  const allowDelimiter = options?.allowDelimiter ?? true;
  const statements: Statement[] = [];
  const lineOf = lineCounter(sql);
  const n = sql.length;
  const tok = newToken();

  let delimiter: string | null = null; // null: the default `;`
  let start = -1;
  let end = -1;
  let block = newBlockTracker();
  let lexical: Unterminated | null = null;

  const emit = (): void => {
    if (start >= 0) statements.push({ text: sql.slice(start, end), line: lineOf(start), offset: start });
    start = -1;
    block = newBlockTracker();
  };

  let pos = 0;
  while (pos < n) {
    if (delimiter !== null && sql.charCodeAt(pos) === delimiter.charCodeAt(0) && sql.startsWith(delimiter, pos)) {
      emit();
      pos += delimiter.length;
      continue;
    }
    scanMysqlToken(sql, pos, tok, delimiter);
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
        if (delimiter === null && block.stack.length === 0) {
          emit();
          continue;
        }
        break;
      case "word":
        if (start < 0 && allowDelimiter) {
          const argument = delimiterCommand(sql, tok);
          if (argument !== null) {
            delimiter = argument.delimiter === ";" ? null : argument.delimiter;
            pos = argument.end;
            continue;
          }
        }
        break;
      default:
        break;
    }
    if (start < 0) start = tok.start;
    end = tok.end;
    // With a custom delimiter the user marks statement ends; BEGIN … END need not be tracked.
    if (delimiter === null) trackBlocks(block, sql, tok);
  }
  if (start >= 0) {
    // An unterminated construct runs to the end of the input: drop the trailing whitespace.
    while (end > start && isSpace(sql.charCodeAt(end - 1))) end--;
    statements.push({ text: sql.slice(start, end), line: lineOf(start), offset: start });
  }
  let unterminated = lexical;
  if (unterminated === null && block.stack.length > 0) {
    unterminated = { kind: "BEGIN … END block", offset: block.outerOffset };
  }
  return { statements, unterminated };
}

/**
 * `DELIMITER xx` at the start of a statement: the new delimiter (quotes removed) and where the
 * command's line ends. Null when the word is not a DELIMITER command.
 */
function delimiterCommand(sql: string, tok: Token): { delimiter: string; end: number } | null {
  if (tok.end - tok.start !== 9 || sql.slice(tok.start, tok.end).toUpperCase() !== "DELIMITER") return null;
  const n = sql.length;
  let i = tok.end;
  const first = sql.charCodeAt(i);
  if (first !== 32 && first !== 9) return null;
  while (i < n && (sql.charCodeAt(i) === 32 || sql.charCodeAt(i) === 9)) i++;
  const eol = sql.indexOf("\n", i);
  const lineEnd = eol === -1 ? n : eol;
  const quote = sql[i];
  let value: string;
  if (quote === "'" || quote === '"' || quote === "`") {
    const close = sql.indexOf(quote, i + 1);
    value = close === -1 || close > lineEnd ? "" : sql.slice(i + 1, close);
  } else {
    let j = i;
    while (j < lineEnd && !isSpace(sql.charCodeAt(j))) j++;
    value = sql.slice(i, j);
  }
  if (value === "") return null;
  return { delimiter: value, end: lineEnd };
}

/** What encloses the current position of a compound statement. */
type Opener = "begin" | "case-statement" | "case-expression" | "if" | "loop" | "while" | "repeat" | "for";

/** Where the statement is in recognising a stored-program definition. */
type Head =
  | "start"
  | "maybe-label"
  | "after-label"
  | "begin"
  | "create"
  | "definer"
  | "definer-user"
  | "definer-at"
  | "definer-host"
  | "current-user"
  | "current-user-paren"
  | "done";

/** Where the statement is in `DECLARE … HANDLER FOR condition[, …] statement`. */
type Handler = "none" | "handler" | "condition" | "sqlstate" | "not" | "after-condition";

interface BlockTracker {
  head: Head;
  /** The statement is a stored program or a compound statement: BEGIN … END nesting is tracked. */
  program: boolean;
  readonly stack: Opener[];
  /** Offset of the outermost open block. */
  outerOffset: number;
  beginOffset: number;
  /** The next token starts a statement inside the body (where IF, LOOP, … open blocks). */
  statementStart: boolean;
  afterEnd: boolean;
  afterDot: boolean;
  handler: Handler;
  previous: string;
}

function newBlockTracker(): BlockTracker {
  return {
    head: "start",
    program: false,
    stack: [],
    outerOffset: -1,
    beginOffset: -1,
    statementStart: false,
    afterEnd: false,
    afterDot: false,
    handler: "none",
    previous: "",
  };
}

const END_SUFFIXES = new Set(["IF", "LOOP", "CASE", "WHILE", "REPEAT", "FOR"]);
const STATEMENT_OPENERS: ReadonlyMap<string, Opener> = new Map<string, Opener>([
  ["IF", "if"],
  ["LOOP", "loop"],
  ["WHILE", "while"],
  ["REPEAT", "repeat"],
  ["FOR", "for"],
]);
const PROGRAM_KINDS = new Set(["PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"]);

/** Feeds one significant token (of a `;`-delimited script) to the tracker. */
function trackBlocks(t: BlockTracker, sql: string, tok: Token): void {
  if (!t.program && t.head === "done") return; // an ordinary statement: nothing to track
  const isWord = tok.kind === "word";
  const word = isWord && !t.afterDot ? keywordOf(sql, tok) : "";
  const punct = tok.kind === "punct" ? sql.slice(tok.start, tok.end) : "";
  t.afterDot = punct === ".";
  if (!t.program) {
    // Until the statement is known to be a program, tokens belong to its head.
    if (!recogniseHead(t, tok, word, punct)) {
      t.previous = word;
      return;
    }
  }
  trackBody(t, tok, word, punct);
  t.previous = word;
}

/**
 * Advances the head recogniser. Returns true when the statement turned out to be a compound
 * statement that this very token opens (MariaDB `IF …` outside a program).
 */
function recogniseHead(t: BlockTracker, tok: Token, word: string, punct: string): boolean {
  const isName = tok.kind === "word" || tok.kind === "quoted" || tok.kind === "string";
  switch (t.head) {
    case "start":
    case "after-label":
      if (word === "BEGIN") {
        t.head = "begin";
        t.beginOffset = tok.start;
      } else if (word === "CREATE" && t.head === "start") {
        t.head = "create";
      } else if (word === "CASE" || STATEMENT_OPENERS.has(word)) {
        // MariaDB runs IF, CASE, LOOP, WHILE, REPEAT and FOR outside stored programs.
        t.program = true;
        t.head = "done";
        t.statementStart = true;
        return true;
      } else {
        t.head = tok.kind === "word" && t.head === "start" ? "maybe-label" : "done";
      }
      return false;
    case "maybe-label":
      t.head = punct === ":" ? "after-label" : "done";
      return false;
    case "begin":
      // `BEGIN NOT ATOMIC` (MariaDB) is a compound statement; `BEGIN;` and `BEGIN WORK` are transactions.
      if (word === "NOT") {
        t.program = true;
        t.stack.push("begin");
        t.outerOffset = t.beginOffset;
      }
      t.head = "done";
      return false;
    case "create":
      if (PROGRAM_KINDS.has(word)) {
        t.program = true;
        t.head = "done";
      } else if (word === "DEFINER") {
        t.head = "definer";
      } else if (word !== "OR" && word !== "REPLACE" && word !== "AGGREGATE") {
        t.head = "done";
      }
      return false;
    case "definer":
      t.head = punct === "=" ? "definer-user" : "done";
      return false;
    case "definer-user":
      if (word === "CURRENT_USER" || word === "CURRENT_ROLE") t.head = "current-user";
      else t.head = isName ? "definer-at" : "done";
      return false;
    case "definer-at":
      if (punct === "@") {
        t.head = "definer-host";
        return false;
      }
      t.head = "create";
      return recogniseHead(t, tok, word, punct);
    case "definer-host":
      t.head = isName ? "create" : "done";
      return false;
    case "current-user":
      if (punct === "(") {
        t.head = "current-user-paren";
        return false;
      }
      t.head = "create";
      return recogniseHead(t, tok, word, punct);
    case "current-user-paren":
      t.head = punct === ")" ? "create" : "done";
      return false;
    case "done":
      return false;
  }
}

function trackBody(t: BlockTracker, tok: Token, word: string, punct: string): void {
  if (t.handler !== "none" && trackHandler(t, tok, word, punct)) return;
  if (tok.kind === "word") {
    if (t.afterEnd) {
      t.afterEnd = false;
      if (END_SUFFIXES.has(word)) {
        t.statementStart = false;
        return;
      }
    }
    const top = t.stack[t.stack.length - 1];
    switch (word) {
      case "BEGIN":
        open(t, "begin", tok);
        t.statementStart = true;
        return;
      case "CASE":
        open(t, t.statementStart ? "case-statement" : "case-expression", tok);
        t.statementStart = false;
        return;
      case "END":
        t.stack.pop();
        t.afterEnd = true;
        t.statementStart = false;
        return;
      case "THEN":
      case "ELSE":
        t.statementStart = top !== "case-expression";
        return;
      case "DO":
      case "ATOMIC":
        t.statementStart = true;
        return;
      case "ROW":
        // FOR EACH ROW: a trigger's body follows.
        t.statementStart = t.stack.length === 0 && t.previous === "EACH";
        return;
      case "HANDLER":
        if (t.previous === "CONTINUE" || t.previous === "EXIT" || t.previous === "UNDO") t.handler = "handler";
        t.statementStart = false;
        return;
      default: {
        const opener = t.statementStart ? STATEMENT_OPENERS.get(word) : undefined;
        if (opener !== undefined) {
          open(t, opener, tok);
          t.statementStart = opener === "loop" || opener === "repeat";
        } else {
          t.statementStart = false;
        }
        return;
      }
    }
  }
  t.afterEnd = false;
  // A label (`name:`) or an inner statement's end starts a statement.
  t.statementStart = punct === ":" || tok.kind === "semicolon";
}

function open(t: BlockTracker, opener: Opener, tok: Token): void {
  if (t.stack.length === 0) t.outerOffset = tok.start;
  t.stack.push(opener);
}

/**
 * `HANDLER FOR SQLSTATE [VALUE] 'x' | NOT FOUND | SQLWARNING | SQLEXCEPTION | code | name, …`:
 * consumes the condition list; the token after it starts the handler's statement. Returns
 * whether the token was consumed.
 */
function trackHandler(t: BlockTracker, tok: Token, word: string, punct: string): boolean {
  switch (t.handler) {
    case "handler":
      t.handler = word === "FOR" ? "condition" : "none";
      return true;
    case "condition":
      if (word === "SQLSTATE") t.handler = "sqlstate";
      else if (word === "NOT") t.handler = "not";
      else t.handler = "after-condition";
      return true;
    case "sqlstate":
      if (word !== "VALUE") t.handler = "after-condition";
      return true;
    case "not":
      t.handler = "after-condition";
      return true;
    case "after-condition":
      if (punct === ",") {
        t.handler = "condition";
        return true;
      }
      t.handler = "none";
      t.statementStart = true;
      return false;
    case "none":
      return false;
  }
}
