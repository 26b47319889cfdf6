// The PostgreSQL lexer: what the server's scan.l treats as one token, as far as splitting and
// light analysis need it. Linear time, no regular expressions, no recursion.

import { isDigit, isIdentCont, isIdentStart, isSpace, scanSpace, type Token } from "../../../sql/token.js";

/** Reads the token starting at `pos` (which must be < sql.length) into `tok`. */
export function scanPostgresToken(sql: string, pos: number, tok: Token): void {
  const n = sql.length;
  const c = sql.charCodeAt(pos);
  tok.start = pos;
  tok.unterminated = false;

  if (isSpace(c)) {
    scanSpace(sql, pos, tok);
    return;
  }
  const next = pos + 1 < n ? sql.charCodeAt(pos + 1) : -1;

  if (c === 45 /* - */ && next === 45) {
    let i = pos + 2;
    while (i < n) {
      const d = sql.charCodeAt(i);
      if (d === 10 || d === 13) break;
      i++;
    }
    tok.kind = "line-comment";
    tok.end = i;
    return;
  }
  if (c === 47 /* / */ && next === 42 /* * */) {
    // Comments nest in PostgreSQL.
    let depth = 1;
    let i = pos + 2;
    while (i < n) {
      const d = sql.charCodeAt(i);
      if (d === 42 && sql.charCodeAt(i + 1) === 47) {
        i += 2;
        if (--depth === 0) break;
      } else if (d === 47 && sql.charCodeAt(i + 1) === 42) {
        depth++;
        i += 2;
      } else {
        i++;
      }
    }
    tok.kind = "block-comment";
    tok.end = Math.min(i, n);
    tok.unterminated = depth > 0;
    return;
  }
  if (c === 39 /* ' */) {
    scanQuoted(sql, pos, 39, "string", tok);
    return;
  }
  if (c === 34 /* " */) {
    scanQuoted(sql, pos, 34, "quoted", tok);
    return;
  }
  if ((c === 69 || c === 101) /* E e */ && next === 39) {
    scanEscapeString(sql, pos, tok);
    return;
  }
  if (c === 36 /* $ */) {
    if (isDigit(next)) {
      let i = pos + 2;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      tok.kind = "param";
      tok.end = i;
      return;
    }
    const delimiterEnd = dollarDelimiterEnd(sql, pos);
    if (delimiterEnd !== -1) {
      const delimiter = sql.slice(pos, delimiterEnd);
      const close = sql.indexOf(delimiter, delimiterEnd);
      tok.kind = "dollar";
      if (close === -1) {
        tok.end = n;
        tok.unterminated = true;
      } else {
        tok.end = close + delimiter.length;
      }
      return;
    }
    tok.kind = "punct";
    tok.end = pos + 1;
    return;
  }
  if (isDigit(c)) {
    // A number: `$` does not continue it (`1$$…$$` is a number then a dollar quote).
    let i = pos + 1;
    while (i < n) {
      const d = sql.charCodeAt(i);
      if (!(isIdentStart(d) || isDigit(d))) break;
      i++;
    }
    tok.kind = "word";
    tok.end = i;
    return;
  }
  if (isIdentStart(c)) {
    let i = pos + 1;
    while (i < n && isIdentCont(sql.charCodeAt(i))) i++;
    tok.kind = "word";
    tok.end = i;
    return;
  }
  tok.kind = c === 59 ? "semicolon" : "punct";
  tok.end = pos + 1;
}

/** `$tag$` or `$$` at `pos`: returns the offset after the closing `$` of the delimiter, or -1. */
function dollarDelimiterEnd(sql: string, pos: number): number {
  const n = sql.length;
  let i = pos + 1;
  if (i < n && isIdentStart(sql.charCodeAt(i))) {
    i++;
    while (i < n) {
      const d = sql.charCodeAt(i);
      if (!(isIdentStart(d) || isDigit(d))) break;
      i++;
    }
  }
  return i < n && sql.charCodeAt(i) === 36 ? i + 1 : -1;
}

/** `'…'` or `"…"` where a doubled quote stands for itself. */
function scanQuoted(sql: string, pos: number, quote: number, kind: "string" | "quoted", tok: Token): void {
  const q = quote === 39 ? "'" : '"';
  let i = pos + 1;
  for (;;) {
    const close = sql.indexOf(q, i);
    if (close === -1) {
      tok.kind = kind;
      tok.end = sql.length;
      tok.unterminated = true;
      return;
    }
    if (sql.charCodeAt(close + 1) === quote) {
      i = close + 2;
      continue;
    }
    tok.kind = kind;
    tok.end = close + 1;
    return;
  }
}

/** `E'…'`: backslash escapes any character, and `''` is a quote. */
function scanEscapeString(sql: string, pos: number, tok: Token): void {
  const n = sql.length;
  let i = pos + 2;
  tok.kind = "string";
  while (i < n) {
    const d = sql.charCodeAt(i);
    if (d === 92 /* \ */) {
      i += 2;
    } else if (d === 39) {
      if (sql.charCodeAt(i + 1) === 39) {
        i += 2;
      } else {
        tok.end = i + 1;
        return;
      }
    } else {
      i++;
    }
  }
  tok.end = n;
  tok.unterminated = true;
}
