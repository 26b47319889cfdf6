// Transaction control in a migration's own SQL: statements that would end (or try to nest) the
// transaction Stratum runs a migration in, or keep Stratum's own bookkeeping from committing.
// Read from a statement's first words with the dialect's lexer, so words in strings, comments,
// function bodies (`$$…$$`) and trigger or compound-statement bodies never count: those start
// with CREATE (or MariaDB's `BEGIN NOT ATOMIC`), not with the transaction keyword.

import type { DialectName } from "../core/types.js";
import { scanMysqlToken } from "./lexer-mysql.js";
import { scanPostgresToken } from "./lexer-postgres.js";
import { scanSqliteToken } from "./lexer-sqlite.js";
import { significantTokens, type Scan } from "./token.js";

export interface TransactionControl {
  /** The statement as a user names it: `COMMIT`, `START TRANSACTION`, `SET autocommit = 0`. */
  readonly statement: string;
  /**
   * `transaction`: it ends, or tries to open, a transaction, which matters where Stratum runs
   * the migration in a transaction of its own. `session`: it stops Stratum's state and log rows
   * from committing on their own, which matters wherever the migration runs.
   */
  readonly breaks: "transaction" | "session";
}

const SCANNERS: Record<DialectName, Scan> = {
  sqlite: scanSqliteToken,
  postgres: scanPostgresToken,
  mysql: (sql, pos, tok) => scanMysqlToken(sql, pos, tok),
};

/** How many significant tokens a decision needs at most (MySQL's SET reads its whole list). */
const HEAD_TOKENS = 6;
const SET_TOKENS = 512;

/**
 * The transaction control a statement (one statement, as the splitter returns it) is, or null.
 *
 * - PostgreSQL: `BEGIN`, `START TRANSACTION`, `COMMIT` / `END` (also `AND CHAIN`), `ROLLBACK` /
 *   `ABORT` (not `ROLLBACK TO SAVEPOINT`), `PREPARE TRANSACTION`. `COMMIT PREPARED` and
 *   `ROLLBACK PREPARED` are left to the non-transactional check (the server refuses them in a
 *   transaction block). `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` stay inside the transaction.
 * - SQLite: `BEGIN [DEFERRED | IMMEDIATE | EXCLUSIVE] [TRANSACTION]`, `COMMIT`, `END`,
 *   `ROLLBACK` (not `ROLLBACK TO`). Savepoints nest inside Stratum's transaction.
 * - MySQL/MariaDB: migrations run without a Stratum transaction (DDL commits implicitly), so a
 *   migration's own `START TRANSACTION … COMMIT` is allowed; `SET autocommit = 0` (session) is
 *   not: Stratum's progress and state rows would stop committing.
 */
export function transactionControlOf(dialect: DialectName, statement: string): TransactionControl | null {
  const scanner = SCANNERS[dialect];
  if (scanner === undefined) throw new Error(`no SQL lexer for the dialect ${dialect}`);
  const words = significantTokens(scanner, statement, HEAD_TOKENS);
  const at = (i: number): string => words[i] ?? "";
  const ends = (name: string): TransactionControl => ({ statement: name, breaks: "transaction" });
  switch (dialect) {
    case "postgres":
      switch (at(0)) {
        case "BEGIN":
          return ends("BEGIN");
        case "START":
          return at(1) === "TRANSACTION" ? ends("START TRANSACTION") : null;
        case "COMMIT":
        case "END":
          if (at(1) === "PREPARED") return null;
          return ends(chained(words) ? `${at(0)} AND CHAIN` : at(0));
        case "ROLLBACK":
        case "ABORT":
          if (at(1) === "PREPARED" || rollsBackToSavepoint(words)) return null;
          return ends(chained(words) ? `${at(0)} AND CHAIN` : at(0));
        case "PREPARE":
          return at(1) === "TRANSACTION" ? ends("PREPARE TRANSACTION") : null;
        default:
          return null;
      }
    case "sqlite":
      switch (at(0)) {
        case "BEGIN":
        case "COMMIT":
        case "END":
          return ends(at(0));
        case "ROLLBACK":
          return rollsBackToSavepoint(words) ? null : ends("ROLLBACK");
        default:
          return null;
      }
    case "mysql":
      return at(0) === "SET" ? mysqlAutocommitOff(significantTokens(scanner, statement, SET_TOKENS)) : null;
    default:
      return null;
  }
}

/** `ROLLBACK [WORK | TRANSACTION] TO …`: back to a savepoint, the transaction goes on. */
function rollsBackToSavepoint(words: readonly string[]): boolean {
  const i = words[1] === "WORK" || words[1] === "TRANSACTION" ? 2 : 1;
  return words[i] === "TO";
}

/** `… AND CHAIN` (not `AND NO CHAIN`). */
function chained(words: readonly string[]): boolean {
  const and = words.indexOf("AND");
  return and !== -1 && words[and + 1] === "CHAIN";
}

/**
 * `SET [SESSION | LOCAL] autocommit = 0 | OFF | FALSE` (also `@@autocommit`, `@@session.autocommit`,
 * among other assignments). `SET GLOBAL …` changes new sessions only, and `@autocommit` is a user
 * variable: neither counts.
 */
function mysqlAutocommitOff(words: readonly string[]): TransactionControl | null {
  for (let i = words.indexOf("AUTOCOMMIT"); i !== -1; i = words.indexOf("AUTOCOMMIT", i + 1)) {
    let before = i - 1;
    if (words[before] === ".") before--; // @@session.autocommit
    const scope = words[before] ?? "";
    const userVariable = scope === "@" && words[before - 1] !== "@";
    if (userVariable || scope === "GLOBAL" || scope === "PERSIST" || scope === "PERSIST_ONLY") continue;
    const operator = words[i + 1];
    if (operator !== "=" && operator !== ":=") continue;
    const value = (words[i + 2] ?? "").replace(/^'(.*)'$/, "$1");
    if (value === "0" || value === "OFF" || value === "FALSE") return { statement: "SET autocommit = 0", breaks: "session" };
  }
  return null;
}
