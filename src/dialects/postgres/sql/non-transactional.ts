// Which statements PostgreSQL refuses inside a transaction block.

import { scanPostgresToken } from "./lexer.js";
import { significantTokens } from "../../../sql/token.js";
import { HEAD_TOKENS } from "../../../sql/transaction-words.js";

/** How many significant tokens of a statement `postgresNonTransactionalReason` looks at. */
const REASON_TOKENS = 256;

/** The first words `postgresNonTransactionalReason` can refuse a statement for. */
const DECIDING_FIRST_WORDS: ReadonlySet<string> = new Set(["VACUUM", "CREATE", "DROP", "REINDEX", "CLUSTER", "ALTER", "DISCARD", "COMMIT", "ROLLBACK"]);

/** The first PostgreSQL major version that runs `ALTER TYPE … ADD VALUE` inside a transaction block. */
const ADD_VALUE_IN_TRANSACTION_SINCE = 12;

/**
 * Why PostgreSQL refuses to run this statement inside a transaction block, or null when it may.
 * Leading comments are ignored; keywords are matched case-insensitively. `serverMajor`: the
 * server's major version where it is known; only `ALTER TYPE … ADD VALUE` depends on it
 * (refused before 12), and an unknown version is taken as 12 or later.
 */
export function postgresNonTransactionalReason(
  statement: string,
  head = significantTokens(scanPostgresToken, statement, HEAD_TOKENS),
  serverMajor?: number,
): string | null {
  // Most statements are decided by their first words (`head`, shared with the transaction-control
  // read); read further only where a later one counts.
  if (!DECIDING_FIRST_WORDS.has(head[0] ?? "")) return null;
  const addValueMatters = serverMajor !== undefined && serverMajor < ADD_VALUE_IN_TRANSACTION_SINCE && head[0] === "ALTER" && head[1] === "TYPE";
  const readAll = addValueMatters || head[1] === "SUBSCRIPTION" || head[1] === "(" || (head[0] === "ALTER" && head[1] === "TABLE" && /detach/i.test(statement));
  const words = readAll ? significantTokens(scanPostgresToken, statement, REASON_TOKENS) : head;
  const at = (i: number): string => words[i] ?? "";
  const refused = (what: string): string => `${what} cannot run inside a transaction block`;
  const indexOfWord = (word: string, from: number): number => words.indexOf(word, from);

  switch (at(0)) {
    case "VACUUM":
      return refused("VACUUM");
    case "CREATE": {
      const i = at(1) === "UNIQUE" ? 2 : 1;
      if (at(i) === "INDEX" && at(i + 1) === "CONCURRENTLY") return refused("CREATE INDEX CONCURRENTLY");
      if (at(1) === "DATABASE") return refused("CREATE DATABASE");
      if (at(1) === "TABLESPACE") return refused("CREATE TABLESPACE");
      if (at(1) === "SUBSCRIPTION") {
        // Only when it creates a replication slot (create_slot defaults to true; connect = false implies false).
        return optionIsFalse(words, "CREATE_SLOT") || optionIsFalse(words, "CONNECT")
          ? null
          : refused("CREATE SUBSCRIPTION ... WITH (create_slot = true)");
      }
      return null;
    }
    case "DROP":
      if (at(1) === "INDEX" && at(2) === "CONCURRENTLY") return refused("DROP INDEX CONCURRENTLY");
      if (at(1) === "DATABASE") return refused("DROP DATABASE");
      if (at(1) === "TABLESPACE") return refused("DROP TABLESPACE");
      if (at(1) === "SUBSCRIPTION") return refused("DROP SUBSCRIPTION"); // of a subscription with a replication slot
      return null;
    case "REINDEX": {
      let i = 1;
      let concurrently = false;
      if (at(1) === "(") {
        const close = indexOfWord(")", 2);
        const options = close === -1 ? words.slice(2) : words.slice(2, close);
        const k = options.indexOf("CONCURRENTLY");
        if (k !== -1) concurrently = !isFalse(options[k + 1] ?? "");
        i = close === -1 ? words.length : close + 1;
      }
      const kind = at(i);
      if (at(i + 1) === "CONCURRENTLY") concurrently = true;
      if (concurrently) return refused("REINDEX CONCURRENTLY");
      if (kind === "SCHEMA" || kind === "DATABASE" || kind === "SYSTEM") return refused(`REINDEX ${kind}`);
      return null;
    }
    case "CLUSTER": {
      // CLUSTER with no table reclusters every table, one transaction each.
      let i = 1;
      if (at(1) === "(") {
        const close = indexOfWord(")", 2);
        i = close === -1 ? words.length : close + 1;
      } else if (at(1) === "VERBOSE") {
        i = 2;
      }
      return i >= words.length ? refused("CLUSTER without a table name") : null;
    }
    case "ALTER":
      if (at(1) === "SYSTEM") return refused("ALTER SYSTEM");
      if (addValueMatters) {
        const add = indexOfWord("ADD", 3);
        if (add !== -1 && at(add + 1) === "VALUE") return refused("ALTER TYPE ... ADD VALUE");
      }
      if (at(1) === "DATABASE" && at(3) === "SET" && at(4) === "TABLESPACE") {
        return refused("ALTER DATABASE SET TABLESPACE");
      }
      if (at(1) === "TABLE") {
        const detach = indexOfWord("DETACH", 2);
        if (detach !== -1 && at(detach + 1) === "PARTITION" && indexOfWord("CONCURRENTLY", detach + 2) !== -1) {
          return refused("ALTER TABLE ... DETACH CONCURRENTLY");
        }
        return null;
      }
      if (at(1) === "SUBSCRIPTION") {
        if (at(3) === "REFRESH" && at(4) === "PUBLICATION") return refused("ALTER SUBSCRIPTION ... REFRESH");
        if ((at(3) === "SET" || at(3) === "ADD" || at(3) === "DROP") && at(4) === "PUBLICATION") {
          return optionIsFalse(words, "REFRESH")
            ? null
            : refused("ALTER SUBSCRIPTION with refresh");
        }
      }
      return null;
    case "DISCARD":
      return at(1) === "ALL" ? refused("DISCARD ALL") : null;
    case "COMMIT":
    case "ROLLBACK":
      return at(1) === "PREPARED" ? refused(`${at(0)} PREPARED`) : null;
    default:
      return null;
  }
}

/** `name = false` (or off, 0) among the tokens. */
function optionIsFalse(words: readonly string[], name: string): boolean {
  for (let i = words.indexOf(name); i !== -1; i = words.indexOf(name, i + 1)) {
    const value = words[i + 1] === "=" ? words[i + 2] : words[i + 1];
    if (value !== undefined && isFalse(value)) return true;
  }
  return false;
}

function isFalse(value: string): boolean {
  return ["FALSE", "OFF", "0", "'FALSE'", "'OFF'", "'0'", "'F'", "'N'", "'NO'", "NO"].includes(value);
}
