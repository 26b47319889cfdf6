// The shared rules read from tokens, for the dialects without a parse tree (MySQL/MariaDB,
// SQLite): DROP, TRUNCATE, DELETE/UPDATE without WHERE, RENAME TABLE. Each dialect reads its own
// ALTER TABLE and adds its own rules.

import type { LintHit } from "../../core/lint/types.js";
import { nameAt, skipWords, type Word } from "./words.js";

/** The hits of a statement that is not an ALTER TABLE, from its first words. */
export function commonTokenHits(words: readonly Word[], head: string): LintHit[] {
  const second = words[1]?.upper ?? "";
  switch (head) {
    case "DROP":
      if (second === "TABLE" || (second === "TEMPORARY" && words[2]?.upper === "TABLE")) return dropTables(words, skipWords(words, 1, ["TEMPORARY", "TABLE", "IF", "EXISTS"]));
      if (second === "DATABASE") return [{ rule: "drop-database", subject: `database ${nameAt(words, skipWords(words, 2, ["IF", "EXISTS"])).name}` }];
      if (second === "SCHEMA") return [{ rule: "drop-schema", subject: `schema ${nameAt(words, skipWords(words, 2, ["IF", "EXISTS"])).name}` }];
      return [];
    case "TRUNCATE": {
      const table = nameAt(words, skipWords(words, 1, ["TABLE"])).name;
      return [{ rule: "truncate", table, subject: `table ${table}` }];
    }
    case "DELETE": {
      if (words.some((w) => w.upper === "WHERE" && w.depth === 0)) return [];
      const table = nameAt(words, skipWords(words, 1, ["LOW_PRIORITY", "QUICK", "IGNORE", "FROM"])).name;
      return [{ rule: "delete-without-where", table, subject: `table ${table}` }];
    }
    case "UPDATE": {
      if (words.some((w) => w.upper === "WHERE" && w.depth === 0)) return [];
      const table = nameAt(words, skipWords(words, 1, ["LOW_PRIORITY", "IGNORE", "OR", "ROLLBACK", "ABORT", "REPLACE", "FAIL"])).name;
      return [{ rule: "update-without-where", table, subject: `table ${table}` }];
    }
    case "RENAME": {
      const table = nameAt(words, skipWords(words, 1, ["TABLE"])).name;
      return [{ rule: "rename-table", table, subject: `table ${table}` }];
    }
    default:
      return [];
  }
}

function dropTables(words: readonly Word[], from: number): LintHit[] {
  const hits: LintHit[] = [];
  let k = from;
  while (k < words.length) {
    const { name, next } = nameAt(words, k);
    if (name === "") break;
    hits.push({ rule: "drop-table", table: name, subject: `table ${name}` });
    if (words[next]?.upper !== ",") break;
    k = next + 1;
  }
  return hits;
}

/** Column types with a length or a small range: a change to one may truncate or refuse values. */
const NARROW = new Set(["TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "CHAR", "VARCHAR", "DECIMAL", "NUMERIC", "FLOAT", "BIT", "TINYTEXT", "ENUM", "SET", "BINARY", "VARBINARY"]);

/** Whether a column definition's type (the word at `i`) is one a change may narrow to. */
export function narrowType(words: readonly Word[], i: number): boolean {
  return NARROW.has(words[i]?.upper ?? "") || words[i + 1]?.upper === "(";
}

/** `ADD [COLUMN] name type … NOT NULL` without DEFAULT (nor AUTO_INCREMENT, GENERATED, AS). */
export function notNullWithoutDefault(clause: readonly Word[]): boolean {
  const top = clause.filter((w) => w.depth === clause[0]?.depth);
  const notNull = top.some((w, k) => w.upper === "NOT" && top[k + 1]?.upper === "NULL");
  const fills = top.some((w) => ["DEFAULT", "AUTO_INCREMENT", "GENERATED", "AS", "AUTOINCREMENT"].includes(w.upper));
  return notNull && !fills;
}
