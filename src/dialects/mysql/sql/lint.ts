// MySQL/MariaDB lint, from each statement's tokens: ALTER TABLE changes the server makes with
// ALGORITHM=COPY, index builds that block writes, and DDL (which commits on its own) mixed with
// data changes in one migration; plus the shared rules.

import { SHARED_RULE_IDS } from "../../../core/lint/rules.js";
import type { DialectLint, LintHit, LintRule, StatementLint } from "../../../core/lint/types.js";
import type { StatementFacts } from "../../../core/sql-facts.js";
import { commonTokenHits, narrowType, notNullWithoutDefault } from "../../../sql/lint/token-rules.js";
import { clausesFrom, hasWord, headWord, nameAt, optionValue, skipWords, type Word, wordsOf } from "../../../sql/lint/words.js";
import { scanMysql } from "./transaction-control.js";

const rule = (id: string, severity: LintRule["severity"], happens: string, fix: string): LintRule => ({ id, severity, happens, fix });

const RULES: readonly LintRule[] = [
  rule("alter-algorithm-copy", "error", "this ALTER TABLE needs ALGORITHM=COPY: the server copies the whole table and blocks writes to it until the copy ends", "make the change in steps the server does in place (add a new column, backfill, switch over), or run it with an online schema change tool (gh-ost, pt-online-schema-change); state ALGORITHM=INPLACE, LOCK=NONE to make the server refuse rather than copy"),
  rule("index-build-blocks-writes", "error", "this index build blocks writes to the table until it ends (FULLTEXT and SPATIAL indexes, LOCK=SHARED/EXCLUSIVE or ALGORITHM=COPY)", "build ordinary indexes with ALGORITHM=INPLACE, LOCK=NONE; build FULLTEXT/SPATIAL ones with an online schema change tool"),
  rule("ddl-mixed-with-dml", "warning", "MySQL commits each DDL statement on its own, so a failure in a migration that changes existing tables and data leaves it applied in part, with no rollback", "put the schema change and the data change in separate migrations"),
];

const DML = new Set(["INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD"]);
/** DDL that changes existing objects (creating new ones is the harmless, expand half). */
const DDL = new Set(["ALTER", "DROP", "RENAME", "TRUNCATE"]);
/** Statements (by first word) some rule reads. */
const READ = new Set(["ALTER", "CREATE", "DROP", "TRUNCATE", "DELETE", "UPDATE", "RENAME"]);

export function mysqlStatementLint(facts: StatementFacts): StatementLint {
  const first = headWord(facts.text);
  const dml = DML.has(first);
  if (!READ.has(first)) return { hits: [], dml };
  const words = wordsOf(scanMysql, facts.text);
  const head = words[0]?.upper ?? "";
  const autocommitDdl = DDL.has(head);
  if (head === "ALTER" && words[1]?.upper === "TABLE") return { hits: alterTable(words), dml, autocommitDdl };
  if (head === "CREATE" && hasWord(words.slice(0, 4), "INDEX")) return { hits: createIndex(words), dml, autocommitDdl };
  return { hits: commonTokenHits(words, head), dml, autocommitDdl };
}

function createIndex(words: readonly Word[]): LintHit[] {
  const on = words.findIndex((w) => w.upper === "ON" && w.depth === 0);
  const table = on === -1 ? "" : nameAt(words, on + 1).name;
  const special = words[1]?.upper === "FULLTEXT" || words[1]?.upper === "SPATIAL";
  return blocking(words, special) ? [{ rule: "index-build-blocks-writes", table, subject: `table ${table}` }] : [];
}

/** An index build that blocks writes: FULLTEXT/SPATIAL (unless LOCK=NONE is stated, which the server then refuses), LOCK=SHARED/EXCLUSIVE, ALGORITHM=COPY. */
function blocking(words: readonly Word[], special: boolean): boolean {
  const lock = optionValue(words, "LOCK");
  if (lock === "SHARED" || lock === "EXCLUSIVE" || optionValue(words, "ALGORITHM") === "COPY") return true;
  return special && lock !== "NONE";
}

function alterTable(words: readonly Word[]): LintHit[] {
  const start = skipWords(words, 2, ["ONLINE", "IGNORE", "IF", "EXISTS"]);
  const { name: table, next } = nameAt(words, start);
  const subject = `table ${table}`;
  const hits: LintHit[] = [];
  const algorithm = optionValue(words, "ALGORITHM");
  let copies = algorithm === "COPY";
  let droppedPrimary = false;
  let addedPrimary = false;
  for (const clause of clausesFrom(words, next)) {
    const first = clause[0]?.upper ?? "";
    const second = clause[1]?.upper ?? "";
    if (first === "DROP") {
      // dropping the primary key alone is a copy; dropping and adding one in the same ALTER is an online rebuild
      if (second === "PRIMARY") droppedPrimary = true;
      else if (!["INDEX", "KEY", "FOREIGN", "CONSTRAINT", "CHECK", "PARTITION"].includes(second)) {
        const column = nameAt(clause, skipWords(clause, 1, ["COLUMN", "IF", "EXISTS"])).name;
        hits.push({ rule: "drop-column", table, subject: `column ${table}.${column}` });
      }
    } else if (first === "ADD") {
      const added = addClause(clause, words, table, hits);
      if (added === "primary") addedPrimary = true;
      else copies ||= added === "copy";
    } else if (first === "MODIFY" || first === "CHANGE") {
      copies = true;
      const at = skipWords(clause, 1, ["COLUMN"]);
      const old = nameAt(clause, at);
      const typeAt = first === "CHANGE" ? nameAt(clause, old.next).next : old.next;
      if (first === "CHANGE" && nameAt(clause, old.next).name !== old.name) hits.push({ rule: "rename-column", table, subject: `column ${table}.${old.name}` });
      if (narrowType(clause, typeAt)) hits.push({ rule: "narrowing-type-change", table, subject: `column ${table}.${old.name}` });
    } else if (first === "RENAME") {
      if (second === "COLUMN") hits.push({ rule: "rename-column", table, subject: `column ${table}.${nameAt(clause, 2).name}` });
      else if (second !== "INDEX" && second !== "KEY") hits.push({ rule: "rename-table", table, subject });
    } else if (first === "ENGINE") {
      // the same engine (InnoDB) is an online rebuild in place, as FORCE is; another engine is a copy
      if (engineOf(clause) !== "INNODB") copies = true;
    } else if (first === "CONVERT" || hasWord(clause, "CHARACTER") || hasWord(clause, "CHARSET")) {
      copies = true;
    }
  }
  if (droppedPrimary && !addedPrimary) copies = true;
  // a stated in-place algorithm makes the server refuse what it cannot do in place, rather than copy
  if (copies && algorithm !== "INSTANT" && algorithm !== "INPLACE" && algorithm !== "NOCOPY") hits.push({ rule: "alter-algorithm-copy", table, subject });
  return hits;
}

/** The engine an `ENGINE [=] name` clause names, upper-case. */
function engineOf(clause: readonly Word[]): string {
  const at = clause[1]?.upper === "=" ? 2 : 1;
  const word = clause[at];
  return word === undefined ? "" : (word.upper || word.name).toUpperCase();
}

/**
 * An ADD clause: `copy` when it needs a table copy (a foreign key while foreign_key_checks is on,
 * which the server only adds with ALGORITHM=COPY), `primary` for a primary key (an online rebuild
 * in place), else null.
 */
function addClause(clause: readonly Word[], words: readonly Word[], table: string, hits: LintHit[]): "copy" | "primary" | null {
  const second = clause[1]?.upper ?? "";
  const kind = second === "CONSTRAINT" ? (clause[3]?.upper ?? "") : second;
  if (kind === "PRIMARY") return "primary";
  if (kind === "FOREIGN") return "copy";
  if (kind === "FULLTEXT" || kind === "SPATIAL") {
    hits.push({ rule: "index-build-blocks-writes", table, subject: `table ${table}` });
    return null;
  }
  if (["INDEX", "KEY", "UNIQUE", "CHECK", "PARTITION"].includes(kind)) {
    if (blocking(words, false)) hits.push({ rule: "index-build-blocks-writes", table, subject: `table ${table}` });
    return null;
  }
  const column = nameAt(clause, skipWords(clause, 1, ["COLUMN", "IF", "NOT", "EXISTS"])).name;
  if (notNullWithoutDefault(clause)) hits.push({ rule: "add-not-null-column-without-default", table, subject: `column ${table}.${column}` });
  return null;
}

export const mysqlLint: DialectLint = {
  rules: RULES,
  ruleIds: [...SHARED_RULE_IDS, ...RULES.map((r) => r.id)],
  statement: mysqlStatementLint,
  mixedDdlRule: "ddl-mixed-with-dml",
};
