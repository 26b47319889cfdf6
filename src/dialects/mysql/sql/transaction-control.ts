import type { TransactionControl } from "../../../core/sql-facts.js";
import { significantTokens, type Scan } from "../../../sql/token.js";
import { scanMysqlToken } from "./lexer.js";

/** MySQL's lexer with the default delimiter, as the readers of one statement use it. */
export const scanMysql: Scan = (sql, pos, tok) => scanMysqlToken(sql, pos, tok);

/** How many significant tokens of a SET statement are read (its whole assignment list, in practice). */
const SET_TOKENS = 512;

/**
 * The transaction control a MySQL/MariaDB statement is, given its first significant tokens
 * (`head`). Migrations run without a Stratum transaction (DDL commits implicitly), so a
 * migration's own `START TRANSACTION … COMMIT` is allowed; `SET autocommit = 0` (session) is
 * not: Stratum's progress and state rows would stop committing.
 */
export function mysqlTransactionControl(statement: string, head: readonly string[]): TransactionControl | null {
  return head[0] === "SET" ? autocommitOff(significantTokens(scanMysql, statement, SET_TOKENS)) : null;
}

/**
 * `SET [SESSION | LOCAL] autocommit = 0 | OFF | FALSE` (also `@@autocommit`, `@@session.autocommit`,
 * among other assignments). `SET GLOBAL …` changes new sessions only, and `@autocommit` is a user
 * variable: neither counts.
 */
function autocommitOff(words: readonly string[]): TransactionControl | null {
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
