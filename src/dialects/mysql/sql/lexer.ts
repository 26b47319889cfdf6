// The MySQL/MariaDB lexer, as far as splitting and light analysis need it.

import { isDigit, isIdentCont, isIdentStart, isSpace, scanSpace, type Token } from "../../../sql/token.js";

/**
 * Reads the token starting at `pos` (which must be < sql.length) into `tok`. A word stops where
 * `delimiter` (a custom `DELIMITER`, or null for `;`) begins, so `END$$` is END then `$$`.
 */
export function scanMysqlToken(sql: string, pos: number, tok: Token, delimiter: string | null = null): void {
  const n = sql.length;
  const c = sql.charCodeAt(pos);
  tok.start = pos;
  tok.unterminated = false;

  if (isSpace(c)) {
    scanSpace(sql, pos, tok);
    return;
  }
  const next = pos + 1 < n ? sql.charCodeAt(pos + 1) : -1;
  // `#` always comments; `--` only when followed by whitespace, a control character or the end.
  if (c === 35 /* # */ || (c === 45 && next === 45 && (pos + 2 >= n || sql.charCodeAt(pos + 2) <= 32))) {
    const eol = sql.indexOf("\n", pos + 1);
    tok.kind = "line-comment";
    tok.end = eol === -1 ? n : eol;
    return;
  }
  if (c === 47 /* / */ && next === 42 /* * */) {
    const third = sql.charCodeAt(pos + 2);
    const executable = third === 33 /* ! */ || (third === 77 /* M */ && sql.charCodeAt(pos + 3) === 33);
    const close = sql.indexOf("*/", pos + 2);
    tok.kind = executable ? "exec-comment" : "block-comment";
    tok.end = close === -1 ? n : close + 2;
    tok.unterminated = close === -1;
    return;
  }
  if (c === 39 /* ' */ || c === 34 /* " */) {
    // Backslash escapes the next character; a doubled quote is a quote.
    let i = pos + 1;
    tok.kind = "string";
    while (i < n) {
      const d = sql.charCodeAt(i);
      if (d === 92) {
        i += 2;
      } else if (d === c) {
        if (sql.charCodeAt(i + 1) === c) {
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
    return;
  }
  if (c === 96 /* ` */) {
    let i = pos + 1;
    tok.kind = "quoted";
    for (;;) {
      const close = sql.indexOf("`", i);
      if (close === -1) {
        tok.end = n;
        tok.unterminated = true;
        return;
      }
      if (sql.charCodeAt(close + 1) === 96) {
        i = close + 2;
        continue;
      }
      tok.end = close + 1;
      return;
    }
  }
  if (isIdentCont(c)) {
    const d0 = delimiter === null ? -1 : delimiter.charCodeAt(0);
    let i = pos + 1;
    while (i < n) {
      const d = sql.charCodeAt(i);
      if (!isIdentCont(d) || (d === d0 && sql.startsWith(delimiter as string, i))) break;
      i++;
    }
    tok.kind = "word";
    tok.end = i;
    return;
  }
  if (c === 58 /* : */ && next === 61 /* = */) {
    tok.kind = "punct";
    tok.end = pos + 2;
    return;
  }
  tok.kind = c === 59 ? "semicolon" : "punct";
  tok.end = pos + 1;
}
