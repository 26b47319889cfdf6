// SQLite lint, from each statement's tokens: ALTER TABLE forms SQLite cannot do in place (the
// twelve-step table rebuild), DROP COLUMN on a column with a constraint or an index, and
// PRAGMA foreign_keys inside a transaction; plus the shared rules.

import { SHARED_RULE_IDS } from "../../../core/lint/rules.js";
import type { DialectLint, LintHit, LintRule, StatementLint } from "../../../core/lint/types.js";
import type { StatementFacts } from "../../../core/sql-facts.js";
import { commonTokenHits, notNullWithoutDefault } from "../../../sql/lint/token-rules.js";
import { clausesFrom, hasWord, headWord, nameAt, skipWords, type Word, wordsOf } from "../../../sql/lint/words.js";
import { scanSqliteToken } from "./lexer.js";

const rule = (id: string, severity: LintRule["severity"], happens: string, fix: string): LintRule => ({ id, severity, happens, fix });

const RULES: readonly LintRule[] = [
  rule("alter-needs-table-rebuild", "error", "SQLite cannot make this change with ALTER TABLE (it refuses the statement); it needs the twelve-step table rebuild, which copies every row under the write lock", "write the rebuild: CREATE TABLE new_t with the new definition, INSERT INTO new_t SELECT … FROM t, DROP TABLE t, ALTER TABLE new_t RENAME TO t, recreate indexes and triggers, with PRAGMA foreign_keys off around the migration"),
  rule("drop-column-with-constraints", "error", "SQLite refuses DROP COLUMN on a column that is part of a key, a UNIQUE or CHECK constraint, a foreign key or an index, so the migration fails", "drop the index or constraint first, or rebuild the table without the column (the twelve-step rebuild)"),
  rule("pragma-foreign-keys-in-transaction", "error", "PRAGMA foreign_keys does nothing inside a transaction, so foreign keys stay as they were while the migration runs", "declare -- stratum:transaction off and set the pragma before and after the statements, or leave foreign keys as they are"),
];

/** Column constraints that make DROP COLUMN fail (a CHECK on the column itself does not). */
const CONSTRAINING = new Set(["PRIMARY", "UNIQUE", "REFERENCES"]);

/** Statements (by first word) some rule reads. */
const READ = new Set(["ALTER", "CREATE", "DROP", "DELETE", "UPDATE", "PRAGMA"]);

export function sqliteStatementLint(facts: StatementFacts): StatementLint {
  if (!READ.has(headWord(facts.text))) return { hits: [] };
  const words = wordsOf(scanSqliteToken, facts.text);
  const head = words[0]?.upper ?? "";
  if (head === "PRAGMA" && nameAt(words, 1).name.split(".").at(-1) === "foreign_keys") {
    return { hits: [{ rule: "pragma-foreign-keys-in-transaction", inTransactionOnly: true }] };
  }
  if (head === "ALTER" && words[1]?.upper === "TABLE") return { hits: alterTable(words) };
  if (head === "CREATE") return { hits: [], constrains: constrained(words) };
  return { hits: commonTokenHits(words, head), dml: head === "INSERT" || head === "UPDATE" || head === "DELETE" };
}

function alterTable(words: readonly Word[]): LintHit[] {
  const { name: table, next } = nameAt(words, 2);
  const clause = clausesFrom(words, next)[0] ?? [];
  const first = clause[0]?.upper ?? "";
  const second = clause[1]?.upper ?? "";
  const rebuild: LintHit = { rule: "alter-needs-table-rebuild", table, subject: `table ${table}` };
  if (first === "RENAME") {
    if (second === "TO") return [{ rule: "rename-table", table, subject: `table ${table}` }];
    const column = nameAt(clause, skipWords(clause, 1, ["COLUMN"])).name;
    return [{ rule: "rename-column", table, subject: `column ${table}.${column}` }];
  }
  if (first === "DROP") {
    if (second === "CONSTRAINT") return [rebuild];
    const column = nameAt(clause, skipWords(clause, 1, ["COLUMN"])).name;
    return [
      { rule: "drop-column", table, subject: `column ${table}.${column}` },
      { rule: "drop-column-with-constraints", subject: `column ${table}.${column}`, ifConstrained: `${table}.${column}` },
    ];
  }
  if (first === "ADD") {
    if (second === "CONSTRAINT" || second === "PRIMARY" || second === "UNIQUE" || second === "FOREIGN" || second === "CHECK") return [rebuild];
    const column = nameAt(clause, skipWords(clause, 1, ["COLUMN"])).name;
    if (addNeedsRebuild(clause)) return [rebuild];
    if (notNullWithoutDefault(clause)) return [{ rule: "add-not-null-column-without-default", table, subject: `column ${table}.${column}` }];
    return [];
  }
  // ALTER COLUMN, MODIFY, … : not SQLite statements
  return [rebuild];
}

/** ADD COLUMN forms SQLite refuses: a key or UNIQUE column, a non-constant default, a stored generated column. */
function addNeedsRebuild(clause: readonly Word[]): boolean {
  const top = clause.filter((w) => w.depth === (clause[0]?.depth ?? 0));
  if (top.some((w) => w.upper === "PRIMARY" || w.upper === "UNIQUE" || w.upper === "STORED")) return true;
  const at = top.findIndex((w) => w.upper === "DEFAULT");
  if (at === -1) return false;
  const value = top[at + 1];
  return value?.upper === "(" || value?.upper === "CURRENT_TIME" || value?.upper === "CURRENT_DATE" || value?.upper === "CURRENT_TIMESTAMP";
}

/** The `table.column`s a CREATE TABLE or CREATE INDEX gives a constraint or an index. */
function constrained(words: readonly Word[]): string[] {
  if (hasWord(words.slice(0, 4), "INDEX")) {
    const on = words.findIndex((w) => w.upper === "ON" && w.depth === 0);
    if (on === -1) return [];
    const { name: table, next } = nameAt(words, on + 1);
    return words.slice(next).filter((w) => w.depth === 1 && (w.kind === "word" || w.kind === "quoted") && !["ASC", "DESC", "COLLATE"].includes(w.upper)).map((w) => `${table}.${w.name}`);
  }
  const tableAt = words.findIndex((w) => w.upper === "TABLE");
  if (tableAt === -1) return [];
  const { name: table, next } = nameAt(words, skipWords(words, tableAt + 1, ["IF", "NOT", "EXISTS"]));
  if (words[next]?.upper !== "(") return [];
  const out: string[] = [];
  for (const column of clausesFrom(words, next + 1)) {
    const head = column[0]?.upper ?? "";
    if (["PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT"].includes(head)) {
      const open = column.findIndex((w) => w.upper === "(");
      const inside = open === -1 ? [] : column.slice(open + 1).filter((w) => w.depth === (column[open]?.depth ?? 0) + 1 && (w.kind === "word" || w.kind === "quoted"));
      out.push(...inside.map((w) => `${table}.${w.name}`));
    } else if (column.some((w) => CONSTRAINING.has(w.upper))) {
      out.push(`${table}.${column[0]?.name ?? ""}`);
    }
  }
  return out;
}

export const sqliteLint: DialectLint = {
  rules: RULES,
  ruleIds: [...SHARED_RULE_IDS, ...RULES.map((r) => r.id)],
  statement: sqliteStatementLint,
};
