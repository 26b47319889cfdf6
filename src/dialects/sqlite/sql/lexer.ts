// The SQLite lexer (after sqlite3GetToken), as far as splitting and light analysis need it.

import { isDigit, isIdentCont, isIdentStart, isSpace, scanSpace, type Token } from "../../../sql/token.js";

/** Reads the token starting at `pos` (which must be < sql.length) into `tok`. */
export function scanSqliteToken(sql: string, pos: number, tok: Token): void {
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
    const eol = sql.indexOf("\n", pos + 2);
    tok.kind = "line-comment";
    tok.end = eol === -1 ? n : eol;
    return;
  }
  if (c === 47 /* / */ && next === 42 /* * */) {
    const close = sql.indexOf("*/", pos + 2);
    tok.kind = "block-comment";
    tok.end = close === -1 ? n : close + 2;
    tok.unterminated = close === -1;
    return;
  }
  if (c === 39 /* ' */ || c === 34 /* " */ || c === 96 /* ` */) {
    const q = sql[pos] as string;
    tok.kind = c === 39 ? "string" : "quoted";
    let i = pos + 1;
    for (;;) {
      const close = sql.indexOf(q, i);
      if (close === -1) {
        tok.end = n;
        tok.unterminated = true;
        return;
      }
      if (sql.charCodeAt(close + 1) === c) {
        i = close + 2;
        continue;
      }
      tok.end = close + 1;
      return;
    }
  }
  if (c === 91 /* [ */) {
    const close = sql.indexOf("]", pos + 1);
    tok.kind = "quoted";
    tok.end = close === -1 ? n : close + 1;
    tok.unterminated = close === -1;
    return;
  }
  if (isIdentCont(c)) {
    let i = pos + 1;
    while (i < n && isIdentCont(sql.charCodeAt(i))) i++;
    tok.kind = "word";
    tok.end = i;
    return;
  }
  tok.kind = c === 59 ? "semicolon" : "punct";
  tok.end = pos + 1;
}
