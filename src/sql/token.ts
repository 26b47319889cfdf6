// The token record the SQL lexers fill in. One mutable record is reused for a whole scan so that
// lexing a 50 MB script allocates nothing per token.

export type TokenKind =
  /** A run of whitespace. */
  | "space"
  /** `-- …` (and MySQL `# …`) up to, not including, the end of the line. */
  | "line-comment"
  /** `/* … *\/`. */
  | "block-comment"
  /** MySQL `/*! … *\/` and `/*M! … *\/`: SQL the server runs, so it is part of a statement. */
  | "exec-comment"
  /** A string literal: `'…'`, PostgreSQL `E'…'`, MySQL `"…"`. */
  | "string"
  /** A quoted identifier: `"…"`, `` `…` ``, SQLite `[…]`. */
  | "quoted"
  /** A PostgreSQL dollar-quoted string `$tag$…$tag$`. */
  | "dollar"
  /** A keyword, identifier or number. */
  | "word"
  /** A PostgreSQL positional parameter `$1`. */
  | "param"
  | "semicolon"
  /** Any other character (MySQL `:=` is one token). */
  | "punct";

export interface Token {
  kind: TokenKind;
  /** 0-based offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** The construct runs to the end of the input without being closed. */
  unterminated: boolean;
}

export function newToken(): Token {
  return { kind: "space", start: 0, end: 0, unterminated: false };
}

/** SQL whitespace: space, tab, line feed, carriage return, form feed, vertical tab. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Letters, underscore and anything outside ASCII start an identifier. */
export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Letters, digits, underscore, `$` and anything outside ASCII continue an identifier (all three dialects). */
export function isIdentCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}

/** Fills `tok` with the run of whitespace starting at `pos` (which must be whitespace). */
export function scanSpace(sql: string, pos: number, tok: Token): void {
  let i = pos + 1;
  while (i < sql.length && isSpace(sql.charCodeAt(i))) i++;
  tok.kind = "space";
  tok.end = i;
}

/** Human names of unterminated constructs, used as "unterminated <name> starting at line N". */
export function constructName(kind: TokenKind): string {
  switch (kind) {
    case "string":
      return "string literal";
    case "quoted":
      return "quoted identifier";
    case "dollar":
      return "dollar-quoted string";
    case "block-comment":
      return "block comment";
    case "exec-comment":
      return "executable comment";
    default:
      return kind;
  }
}

/** Upper-cased text of a word token when it is short enough to be a keyword, else "". */
export function keywordOf(sql: string, tok: Token): string {
  const length = tok.end - tok.start;
  return length <= 16 ? sql.slice(tok.start, tok.end).toUpperCase() : "";
}

/** Finds `close` from `from`; returns the offset after it, or -1. */
export function indexAfter(sql: string, close: string, from: number): number {
  const i = sql.indexOf(close, from);
  return i === -1 ? -1 : i + close.length;
}

/** A dialect's lexer: reads the token starting at `pos` into `tok`. */
export type Scan = (sql: string, pos: number, tok: Token) => void;

/**
 * The first `limit` significant tokens of a statement, for reading what kind of statement it is:
 * words upper-cased, short strings as their upper-cased text (longer ones as `'`), quoted
 * identifiers as `"`, dollar quotes as `$$`, anything else as its text. Comments and semicolons
 * are skipped; a MySQL executable comment (`/*!40101 … *\/`) is read inside.
 */
export function significantTokens(scan: Scan, sql: string, limit: number): string[] {
  const out: string[] = [];
  const tok = newToken();
  const n = sql.length;
  let pos = 0;
  while (pos < n && out.length < limit) {
    scan(sql, pos, tok);
    pos = tok.end;
    switch (tok.kind) {
      case "space":
      case "line-comment":
      case "block-comment":
      case "semicolon":
        break;
      case "exec-comment": {
        const body = sql.slice(tok.start, tok.end).replace(/^\/\*M?!\d*/, "").replace(/\*\/$/, "");
        out.push(...significantTokens(scan, body, limit - out.length));
        break;
      }
      case "word":
        out.push(keywordOf(sql, tok) || "?word");
        break;
      case "string":
        out.push(tok.end - tok.start <= 16 ? sql.slice(tok.start, tok.end).toUpperCase() : "'");
        break;
      case "quoted":
        out.push('"');
        break;
      case "dollar":
        out.push("$$");
        break;
      default:
        out.push(sql.slice(tok.start, tok.end));
    }
  }
  return out;
}
