import { describe, expect, it } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import { split, transactionControlOn } from "../../support/sql-by-name.js";

/** [dialect, statement, the statement named in the refusal or null, what it breaks]. */
const cases: readonly [DialectName, string, string | null, ("transaction" | "session")?][] = [
  // PostgreSQL: every way to end or open a transaction
  ["postgres", "BEGIN", "BEGIN"],
  ["postgres", "begin work", "BEGIN"],
  ["postgres", "BEGIN ISOLATION LEVEL SERIALIZABLE", "BEGIN"],
  ["postgres", "START TRANSACTION READ WRITE", "START TRANSACTION"],
  ["postgres", "COMMIT", "COMMIT"],
  ["postgres", "commit work", "COMMIT"],
  ["postgres", "COMMIT AND CHAIN", "COMMIT AND CHAIN"],
  ["postgres", "COMMIT AND NO CHAIN", "COMMIT"],
  ["postgres", "END TRANSACTION", "END"],
  ["postgres", "ROLLBACK", "ROLLBACK"],
  ["postgres", "ROLLBACK AND CHAIN", "ROLLBACK AND CHAIN"],
  ["postgres", "ABORT", "ABORT"],
  ["postgres", "PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"],
  ["postgres", "/* note */ -- more\n COMMIT", "COMMIT"],
  // PostgreSQL: inside the transaction, or not transaction control
  ["postgres", "ROLLBACK TO SAVEPOINT s", null],
  ["postgres", "ROLLBACK WORK TO s", null],
  ["postgres", "SAVEPOINT s", null],
  ["postgres", "RELEASE SAVEPOINT s", null],
  ["postgres", "COMMIT PREPARED 'x'", null], // the non-transactional check refuses it
  ["postgres", "PREPARE q AS SELECT 1", null],
  ["postgres", "START something", null],
  ["postgres", "SELECT 'COMMIT'", null],
  ["postgres", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$", null],
  ["postgres", "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END", null],
  ["postgres", "DO $$ BEGIN PERFORM 1; END $$", null],
  ["postgres", "CREATE TABLE \"commit\" (id int)", null],
  ["postgres", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", null],
  // SQLite
  ["sqlite", "BEGIN", "BEGIN"],
  ["sqlite", "BEGIN IMMEDIATE TRANSACTION", "BEGIN"],
  ["sqlite", "begin exclusive", "BEGIN"],
  ["sqlite", "COMMIT TRANSACTION", "COMMIT"],
  ["sqlite", "END", "END"],
  ["sqlite", "ROLLBACK", "ROLLBACK"],
  ["sqlite", "ROLLBACK TRANSACTION", "ROLLBACK"],
  ["sqlite", "ROLLBACK TO s", null],
  ["sqlite", "ROLLBACK TRANSACTION TO SAVEPOINT s", null],
  ["sqlite", "SAVEPOINT s", null],
  ["sqlite", "RELEASE s", null],
  ["sqlite", "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET n = 1; END", null],
  ["sqlite", "INSERT INTO a VALUES ('BEGIN; COMMIT')", null],
  ["sqlite", "-- COMMIT\nSELECT 1", null],
  // MySQL/MariaDB: a migration's own transaction is allowed; autocommit off is not
  ["mysql", "START TRANSACTION", null],
  ["mysql", "COMMIT", null],
  ["mysql", "BEGIN NOT ATOMIC SELECT 1; END", null],
  ["mysql", "SET autocommit = 0", "SET autocommit = 0", "session"],
  ["mysql", "set AUTOCOMMIT=OFF", "SET autocommit = 0", "session"],
  ["mysql", "SET SESSION autocommit = 'off'", "SET autocommit = 0", "session"],
  ["mysql", "SET @@session.autocommit := 0", "SET autocommit = 0", "session"],
  ["mysql", "SET @@autocommit = FALSE", "SET autocommit = 0", "session"],
  ["mysql", "SET unique_checks = 0, autocommit = 0", "SET autocommit = 0", "session"],
  ["mysql", "/*!40101 SET autocommit = 0 */", "SET autocommit = 0", "session"],
  ["mysql", "SET autocommit = 1", null],
  ["mysql", "SET GLOBAL autocommit = 0", null],
  ["mysql", "SET @autocommit = 0", null],
  ["mysql", "SET @@global.autocommit = 0", null],
  ["mysql", "SELECT 'SET autocommit = 0'", null],
];

describe("transaction control in a migration's statements", () => {
  it.each(cases)("%s: %s", (dialect, statement, named, breaks = "transaction") => {
    const found = transactionControlOn(dialect, statement);
    if (named === null) expect(found).toBeNull();
    else expect(found).toEqual({ statement: named, breaks });
  });

  it("finds the COMMIT between two statements of a split script, and nothing in routine or trigger bodies", () => {
    const pg = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND\n$$;\nCREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n";
    const found = split("postgres", pg).filter((s) => transactionControlOn("postgres", s.text) !== null);
    expect(found.map((s) => s.line)).toEqual([7]);
    const lite = "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  UPDATE a SET n = 1;\nEND;\nEND TRANSACTION;\n";
    expect(split("sqlite", lite).filter((s) => transactionControlOn("sqlite", s.text) !== null).map((s) => s.line)).toEqual([5]);
  });
});
