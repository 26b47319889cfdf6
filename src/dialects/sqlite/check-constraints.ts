// SQLite's CHECK constraints, which no pragma lists: read from the table's CREATE text (the text
// sqlite_master keeps), outside strings, quoted names and comments. Each is `CHECK (<expr>)`,
// named by its CONSTRAINT name when it has one, else by its expression: `check (qty >= 0)`.

import type { ConstraintDefinition } from "../../core/schema/model.js";

interface Word {
  /** Lower-case for bare words; the name itself, unquoted, for quoted ones. */
  readonly text: string;
  readonly quoted: boolean;
  readonly start: number;
  readonly end: number;
}

const QUOTES: Readonly<Record<string, string>> = { "'": "'", '"': '"', "`": "`", "[": "]" };

/** The words, quoted names and punctuation of `sql`, strings and comments left out. */
function words(sql: string): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (QUOTES[c] !== undefined) {
      const close = QUOTES[c] as string;
      let j = i + 1;
      // a doubled closing quote is part of the text
      while (j < sql.length && !(sql[j] === close && sql[j + 1] !== close)) j += sql[j] === close ? 2 : 1;
      if (c !== "'") out.push({ text: sql.slice(i + 1, j).replaceAll(close + close, close), quoted: true, start: i, end: j + 1 });
      i = j + 1;
    } else if (/[\w$]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\w$]/.test(sql[j] as string)) j++;
      out.push({ text: sql.slice(i, j).toLowerCase(), quoted: false, start: i, end: j });
      i = j;
    } else {
      out.push({ text: c, quoted: false, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

const flat = (text: string): string => text.replace(/\s+/g, " ").trim();

/** The CHECK constraints of a table, column and table constraints alike, in the order written. */
export function checkConstraints(createTable: string | null): ConstraintDefinition[] {
  if (createTable === null) return [];
  const list = words(createTable);
  const found: ConstraintDefinition[] = [];
  const seen = new Map<string, number>();
  for (let k = 0; k < list.length; k++) {
    const word = list[k] as Word;
    if (word.quoted || word.text !== "check" || list[k + 1]?.text !== "(" || list[k + 1]?.quoted) continue;
    // the balanced parentheses after CHECK
    let depth = 0;
    let end = k + 1;
    for (; end < list.length; end++) {
      const t = list[end] as Word;
      if (t.quoted) continue;
      if (t.text === "(") depth++;
      else if (t.text === ")" && --depth === 0) break;
    }
    if (end >= list.length) break;
    const expression = flat(createTable.slice((list[k + 1] as Word).start + 1, (list[end] as Word).start));
    const named = k >= 2 && !(list[k - 2] as Word).quoted && (list[k - 2] as Word).text === "constraint" ? (list[k - 1] as Word) : null;
    const base = named === null ? `check (${expression})` : named.quoted ? named.text : createTable.slice(named.start, named.end);
    // two unnamed checks with the same expression stay two
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    found.push({ name: count === 1 ? base : `${base} #${count}`, type: "check", definition: `CHECK (${expression})` });
    k = end;
  }
  return found;
}
