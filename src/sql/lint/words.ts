// A statement's significant tokens for the token-level lint readers (MySQL/MariaDB, SQLite):
// words upper-cased, names unquoted and lower-cased, with their parenthesis depth.

import { newToken, type Scan, type TokenKind } from "../token.js";

export interface Word {
  readonly kind: TokenKind;
  /** Upper-cased word, or the punctuation; "" for strings and quoted names. */
  readonly upper: string;
  /** Words and quoted identifiers: the name, unquoted and lower-cased. */
  readonly name: string;
  /** Parenthesis depth before the token. */
  readonly depth: number;
}

export function wordsOf(scan: Scan, sql: string): Word[] {
  const out: Word[] = [];
  const tok = newToken();
  let pos = 0;
  let depth = 0;
  while (pos < sql.length) {
    scan(sql, pos, tok);
    pos = tok.end;
    const text = sql.slice(tok.start, tok.end);
    switch (tok.kind) {
      case "space":
      case "line-comment":
      case "block-comment":
        break;
      case "word":
        out.push({ kind: "word", upper: text.toUpperCase(), name: text.toLowerCase(), depth });
        break;
      case "quoted":
        out.push({ kind: "quoted", upper: "", name: text.slice(1, -1).toLowerCase(), depth });
        break;
      case "punct":
        if (text === ")") depth = Math.max(0, depth - 1);
        out.push({ kind: "punct", upper: text, name: "", depth });
        if (text === "(") depth++;
        break;
      default:
        out.push({ kind: tok.kind, upper: "", name: "", depth });
    }
  }
  return out;
}

/** A possibly qualified name at `i`: the name (lower-cased, dotted) and the index after it. */
export function nameAt(words: readonly Word[], i: number): { name: string; next: number } {
  const parts: string[] = [];
  let k = i;
  while (k < words.length && (words[k]?.kind === "word" || words[k]?.kind === "quoted")) {
    parts.push(words[k]?.name ?? "");
    if (words[k + 1]?.upper === "." ) k += 2;
    else {
      k++;
      break;
    }
  }
  return { name: parts.join("."), next: k };
}

/** Skips the words in `skip` from `i` (e.g. `TABLE`, `IF EXISTS`). */
export function skipWords(words: readonly Word[], i: number, skip: readonly string[]): number {
  let k = i;
  while (k < words.length && words[k]?.kind === "word" && skip.includes(words[k]?.upper ?? "")) k++;
  return k;
}

/** The words from `i` cut at the commas at depth `depth` (the clauses of an ALTER TABLE). */
export function clausesFrom(words: readonly Word[], i: number): Word[][] {
  const out: Word[][] = [[]];
  const base = words[i]?.depth ?? 0;
  for (let k = i; k < words.length; k++) {
    const w = words[k] as Word;
    if (w.kind === "semicolon") break;
    if (w.upper === "," && w.depth === base) out.push([]);
    else out[out.length - 1]?.push(w);
  }
  return out.filter((c) => c.length > 0);
}

/** Whether a word with this upper-cased text appears at depth `depth` or lower. */
export function hasWord(words: readonly Word[], upper: string, depth = 0): boolean {
  return words.some((w) => w.kind === "word" && w.upper === upper && w.depth <= depth);
}

/** `KEY = VALUE` (or `KEY VALUE`) at top level: the value upper-cased, or null. */
export function optionValue(words: readonly Word[], key: string): string | null {
  const k = words.findIndex((w) => w.kind === "word" && w.upper === key);
  if (k === -1) return null;
  const next = words[k + 1]?.upper === "=" ? words[k + 2] : words[k + 1];
  return next?.upper ?? null;
}

const HEAD = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z_]+)/;

/** A statement's first word, upper-cased ("" when none): which readers a statement needs at all. */
export function headWord(text: string): string {
  return HEAD.exec(text)?.[1]?.toUpperCase() ?? "";
}
