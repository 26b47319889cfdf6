import { describe, expect, it } from "vitest";
import type { Problem, Requirement } from "../../../src/core/types.js";
import { isProblem } from "../../../src/source/problem.js";
import { hasSql, parseRequirement, parseSqlMigration, parseSqlPair } from "../../../src/source/sql-file.js";

const F = "001_x.sql";
const lines = (...parts: string[]): string => parts.join("\n");
const codes = (problems: readonly Problem[]): string[] => problems.map((p) => p.code);

/** The file line a line of a section's text came from. */
function lineOf(script: { text: string; startLine: number }, needle: string): number {
  const index = script.text.split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in section`);
  return script.startLine + index;
}

describe("parseSqlMigration: sections", () => {
  it("splits up, down and verify and keeps file line numbers", () => {
    const text = lines(
      "-- header comment", // 1
      "-- stratum:description users", // 2
      "", // 3
      "-- migrate:up", // 4
      "CREATE TABLE users (", // 5
      "  id int", // 6
      ");", // 7
      "CREATE INDEX users_id ON users (id);", // 8
      "", // 9
      "-- migrate:down", // 10
      "DROP TABLE users;", // 11
      "-- migrate:verify", // 12
      "SELECT count(*) = 0 FROM users;", // 13
      "",
    );
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([]);
    expect(result.up).toEqual({
      file: F,
      startLine: 5,
      text: "CREATE TABLE users (\n  id int\n);\nCREATE INDEX users_id ON users (id);\n",
    });
    expect(result.down).toEqual({ file: F, startLine: 11, text: "DROP TABLE users;" });
    expect(result.verify).toEqual({ file: F, startLine: 13, text: "SELECT count(*) = 0 FROM users;\n" });
    expect(lineOf(result.up!, "CREATE INDEX")).toBe(8);
    expect(lineOf(result.down!, "DROP TABLE")).toBe(11);
    expect(lineOf(result.verify!, "SELECT")).toBe(13);
    expect(result.options).toEqual({ description: "users", dependsOn: [], irreversible: false, requires: [] });
  });

  it.each([
    ["lower case", "-- migrate:up"],
    ["upper case", "-- MIGRATE:UP"],
    ["no space after --", "--migrate:up"],
    ["spaces everywhere", "  --   migrate :  Up   "],
    ["tab", "\t--\tmigrate:up"],
    ["trailing text (ignored)", "-- migrate:up creates the users table"],
    ["trailing punctuation", "-- migrate:up -- the table"],
  ])("recognises a marker written in %s", (_label, marker) => {
    const result = parseSqlMigration(F, lines("-- migrate:down", "DROP TABLE t;", marker, "CREATE TABLE t (a int);"));
    expect(result.problems).toEqual([]);
    expect(result.up).toEqual({ file: F, startLine: 4, text: "CREATE TABLE t (a int);" });
    expect(result.down?.text).toBe("DROP TABLE t;");
  });

  it("keeps line numbers with CRLF line endings and a BOM", () => {
    const text = "\uFEFF-- migrate:up\r\nCREATE TABLE a (x int);\r\n\r\nCREATE TABLE b (x int);\r\n-- migrate:down\r\nDROP TABLE b;\r\n";
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([]);
    expect(result.up?.startLine).toBe(2);
    expect(lineOf(result.up!, "TABLE b")).toBe(4);
    expect(result.up?.text).not.toContain("\r");
    expect(result.down).toEqual({ file: F, startLine: 6, text: "DROP TABLE b;\n" });
  });

  it("treats a file without markers as all up, starting at line 1", () => {
    const text = lines("-- stratum:transaction off", "-- a comment", "CREATE INDEX CONCURRENTLY i ON t (a);", "");
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([]);
    expect(result.up).toEqual({ file: F, startLine: 1, text });
    expect(result.down).toBeNull();
    expect(result.verify).toBeNull();
    expect(result.options.transaction).toBe(false);
  });

  it("reads the text before a verify marker as up when there is no up marker", () => {
    const result = parseSqlMigration(F, lines("CREATE TABLE t (a int);", "-- migrate:verify", "SELECT 1;"));
    expect(result.problems).toEqual([]);
    expect(result.up).toEqual({ file: F, startLine: 1, text: "CREATE TABLE t (a int);" });
    expect(result.verify).toEqual({ file: F, startLine: 3, text: "SELECT 1;" });
  });

  it("accepts comments and a block comment before the first marker", () => {
    const text = lines("/* a long", "   explanation */", "-- another", "", "-- migrate:up", "SELECT 1;");
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([]);
    expect(result.up?.startLine).toBe(6);
  });

  it.each([
    ["only comments", "-- migrate:down\n-- nothing to undo\n"],
    ["only blank lines", "-- migrate:down\n\n\n"],
    ["only a block comment", "-- migrate:down\n/* no\nway */\n"],
    ["nothing at all", "-- migrate:down"],
  ])("treats a down section with %s as an explicit no-op rollback", (_label, down) => {
    const result = parseSqlMigration(F, `-- migrate:up\nSELECT 1;\n${down}`);
    expect(result.problems).toEqual([]);
    expect(result.down).toEqual({ file: F, startLine: 4, text: down.slice("-- migrate:down\n".length) });
    expect(hasSql(result.down!.text)).toBe(false);
  });

  it("drops an empty verify section", () => {
    const result = parseSqlMigration(F, "-- migrate:up\nSELECT 1;\n-- migrate:verify\n-- later\n");
    expect(result.verify).toBeNull();
    expect(result.problems).toEqual([]);
  });
});

describe("parseSqlMigration: bad sections", () => {
  it.each([
    [
      "duplicate up marker",
      lines("-- migrate:up", "SELECT 1;", "-- migrate:down", "SELECT 2;", "-- migrate:up", "SELECT 3;"),
      "BAD_SECTION",
      [`${F}:1`, `${F}:5`],
      /appears twice .* at 001_x\.sql:1 and 001_x\.sql:5/,
    ],
    [
      "duplicate down marker",
      lines("-- migrate:up", "SELECT 1;", "-- migrate:down", "SELECT 2;", "-- Migrate:Down", "SELECT 3;"),
      "BAD_SECTION",
      [`${F}:3`, `${F}:5`],
      /appears twice/,
    ],
    [
      "SQL before the first marker",
      lines("-- comment", "CREATE TABLE t (a int);", "-- migrate:up", "SELECT 1;"),
      "BAD_SECTION",
      [`${F}:2`],
      /before the first "-- migrate:" marker/,
    ],
    [
      "SQL after a block comment before the first marker",
      lines("/* c */ SELECT 1;", "-- migrate:up", "SELECT 1;"),
      "BAD_SECTION",
      [`${F}:1`],
      /before the first/,
    ],
    [
      "unknown marker",
      lines("-- migrate:up", "SELECT 1;", "-- migrate:upgrade", "SELECT 2;"),
      "BAD_SECTION",
      [`${F}:3`],
      /unknown section marker "-- migrate:upgrade"/,
    ],
    [
      "down without up, after a verify section",
      lines("CREATE TABLE t (a int);", "-- migrate:verify", "SELECT 1;", "-- migrate:down", "DROP TABLE t;"),
      "BAD_SECTION",
      [`${F}:4`],
      /has a "-- migrate:down" section but no "-- migrate:up" marker/,
    ],
    [
      "down without up",
      lines("CREATE TABLE t (a int);", "-- migrate:down", "DROP TABLE t;"),
      "BAD_SECTION",
      [`${F}:2`],
      /no "-- migrate:up" marker/,
    ],
  ])("%s", (_label, text, code, files, message) => {
    const result = parseSqlMigration(F, text);
    expect(codes(result.problems)).toEqual([code]);
    expect(result.problems[0]?.files).toEqual(files);
    expect(result.problems[0]?.message).toMatch(message);
    expect(result.problems[0]?.fix).not.toBe("");
    expect(result.problems[0]?.severity).toBe("error");
  });

  it("keeps the first of two up sections", () => {
    const result = parseSqlMigration(F, lines("-- migrate:up", "SELECT 1;", "-- migrate:up", "SELECT 3;"));
    expect(result.up?.text).toBe("SELECT 1;");
  });

  it("reports an unknown option on a marker line instead of ignoring it", () => {
    const result = parseSqlMigration(F, lines("-- migrate:up lock:none", "CREATE INDEX CONCURRENTLY i ON t (a);"));
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.files).toEqual([`${F}:1`]);
    expect(result.problems[0]?.message).toBe(`"lock:none" is not an option a section marker takes, at ${F}:1.`);
    expect(result.problems[0]?.fix).toContain('"transaction:false"');
    expect(result.up?.startLine).toBe(2);
  });

  it.each([
    ["empty file", ""],
    ["only comments", "-- nothing here\n/* or here */\n"],
    ["empty up section", lines("-- migrate:up", "-- TODO", "", "-- migrate:down", "DROP TABLE t;")],
    ["up marker at the end", lines("-- migrate:down", "DROP TABLE t;", "-- migrate:up")],
  ])("warns about an empty up, which is applied as a no-op: %s", (_label, text) => {
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([
      {
        code: "EMPTY_MIGRATION",
        severity: "warning",
        files: [F],
        message: `${F} holds no SQL; it will be recorded as applied without running anything.`,
        fix: 'Nothing to do if it is a placeholder; otherwise write its SQL under "-- migrate:up".',
      },
    ]);
    expect(result.up).not.toBeNull();
    expect(hasSql(result.up!.text)).toBe(false);
  });

  it("counts MySQL executable comments as SQL", () => {
    const result = parseSqlMigration(F, "/*!40101 SET NAMES utf8 */;\n");
    expect(result.problems).toEqual([]);
  });
});

describe("parseSqlMigration: directives", () => {
  const withHeader = (...header: string[]): string => lines(...header, "-- migrate:up", "SELECT 1;");

  it.each([
    ["depends, spaces", ["-- stratum:depends 003 005"], { dependsOn: ["003", "005"] }],
    ["depends-on, commas", ["-- stratum:depends-on 003, 005,007"], { dependsOn: ["003", "005", "007"] }],
    ["depends on a full id", ["-- stratum:depends 003_create_users"], { dependsOn: ["003_create_users"] }],
    ["several depends lines, deduplicated", ["-- stratum:depends 1", "-- stratum:depends 2 1"], { dependsOn: ["1", "2"] }],
    ["depends_on spelling", ["-- stratum:depends_on 4"], { dependsOn: ["4"] }],
    ["transaction off", ["-- stratum:transaction off"], { transaction: false }],
    ["transaction on", ["-- stratum:transaction ON"], { transaction: true }],
    ["transaction false", ["-- stratum:transaction false"], { transaction: false }],
    ["same transaction twice", ["-- stratum:transaction off", "-- stratum:transaction off"], { transaction: false }],
    ["irreversible", ["-- stratum:irreversible"], { irreversible: true }],
    ["irreversible true", ["-- stratum:irreversible true"], { irreversible: true }],
    ["description", ["-- stratum:description Adds the users table."], { description: "Adds the users table." }],
    ["description on two lines", ["-- stratum:description Adds the", "-- stratum:description users table."], { description: "Adds the users table." }],
    ["tables", ["-- stratum:tables users, orders", "-- stratum:tables public.items users"], { tables: ["users", "orders", "public.items"] }],
    ["case-insensitive name, loose spacing", ["--STRATUM:Depends   9"], { dependsOn: ["9"] }],
    ["among ordinary comments", ["-- Written by Ann", "-- stratum:depends 2", "--", "-- more words"], { dependsOn: ["2"] }],
  ])("%s", (_label, header, expected) => {
    const result = parseSqlMigration(F, withHeader(...header));
    expect(result.problems).toEqual([]);
    expect(result.options).toEqual({ dependsOn: [], irreversible: false, requires: [], ...expected });
  });

  it("parses requirements with their source line", () => {
    const result = parseSqlMigration(
      F,
      withHeader("-- stratum:requires postgres>=13", "-- stratum:requires mysql >= 8.0.32, mariadb<11 sqlite=3.45.1", "-- stratum:requires postgresql > 12.4"),
    );
    expect(result.problems).toEqual([]);
    expect(result.options.requires).toEqual<Requirement[]>([
      { dialect: "postgres", op: ">=", version: "13", source: `${F}:1` },
      { dialect: "mysql", op: ">=", version: "8.0.32", source: `${F}:2` },
      { dialect: "mariadb", op: "<", version: "11", source: `${F}:2` },
      { dialect: "sqlite", op: "=", version: "3.45.1", source: `${F}:2` },
      { dialect: "postgres", op: ">", version: "12.4", source: `${F}:3` },
    ]);
  });

  it("reads directives from the header of a file without markers", () => {
    const result = parseSqlMigration(F, lines("-- stratum:depends 1", "-- stratum:irreversible", "DELETE FROM t;"));
    expect(result.problems).toEqual([]);
    expect(result.options).toMatchObject({ dependsOn: ["1"], irreversible: true });
  });

  it.each([
    ["unknown directive", "-- stratum:depend 003", /unknown directive "-- stratum:depend"/, /stratum:depends, stratum:depends-on, stratum:transaction, stratum:irreversible, stratum:requires, stratum:description, stratum:tables/],
    ["empty directive name", "-- stratum:", /unknown directive/, /stratum:depends/],
    ["depends without versions", "-- stratum:depends", /names no migration/, /stratum:depends 003 005/],
    ["depends on a non-version", "-- stratum:depends users", /"users" .* is not a version/, /stratum:depends 003 005/],
    ["depends on a bad id", "-- stratum:depends 003_Users", /"003_Users"/, /stratum:depends/],
    ["transaction with a bad value", "-- stratum:transaction maybe", /"maybe" is not a valid value/, /transaction off" or/],
    ["transaction without value", "-- stratum:transaction", /"" is not a valid value/, /transaction off/],
    ["irreversible with a value", "-- stratum:irreversible because", /takes no value/, /irreversible" alone/],
    ["requires without value", "-- stratum:requires", /names no requirement/, /postgres>=13/],
    ["requires an unknown database", "-- stratum:requires oracle>=19", /unknown database "oracle"/, /dialects: postgres, mysql, mariadb, sqlite/],
    ["requires a bad version", "-- stratum:requires postgres>=thirteen", /"thirteen" is not a version number/, /operators: >=, >, <=, <, =/],
    ["requires a bad operator", "-- stratum:requires postgres=>13", /"postgres=>13" is not a valid requirement/, /operators/],
    ["requires with no operator but a version", "-- stratum:requires postgres 13", /"13" is not a valid requirement/, /postgres>=13/],
    ["empty description", "-- stratum:description", /is empty/, /description <text>/],
    ["tables without names", "-- stratum:tables", /names no table/, /users, orders/],
    ["tables with a bad name", "-- stratum:tables users; drop", /"users;" .* is not a table name/, /users, orders/],
  ])("%s", (_label, directive, message, fix) => {
    const result = parseSqlMigration(F, withHeader("-- header", directive));
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    const [problem] = result.problems;
    expect(problem?.files).toEqual([`${F}:2`]);
    expect(problem?.message).toMatch(message);
    expect(problem?.message).toContain(`${F}:2`);
    expect(problem?.fix).toMatch(fix);
  });

  it("reports contradicting transaction directives", () => {
    const result = parseSqlMigration(F, withHeader("-- stratum:transaction off", "-- stratum:transaction on"));
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.message).toMatch(/contradicts line 1/);
    expect(result.problems[0]?.files).toEqual([`${F}:2`]);
  });

  it.each([
    ["inside the up section", lines("-- migrate:up", "-- stratum:transaction off", "SELECT 1;"), 2],
    ["inside the down section", lines("-- migrate:up", "SELECT 1;", "-- migrate:down", "-- stratum:irreversible"), 4],
    ["after SQL in a file without markers", lines("SELECT 1;", "-- stratum:depends 1"), 2],
  ])("reports a directive %s instead of ignoring it", (_label, text, line) => {
    const result = parseSqlMigration(F, text);
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.files).toEqual([`${F}:${line}`]);
    expect(result.problems[0]?.message).toMatch(/not in the header/);
    expect(result.options).toEqual({ dependsOn: [], irreversible: false, requires: [] });
  });

  it("collects every problem at once", () => {
    const result = parseSqlMigration(
      F,
      lines("-- stratum:nope", "-- stratum:transaction sometimes", "-- migrate:up", "-- migrate:up", "-- migrate:oops"),
    );
    expect(codes(result.problems).sort()).toEqual(["BAD_DIRECTIVE", "BAD_DIRECTIVE", "BAD_SECTION", "BAD_SECTION", "EMPTY_MIGRATION"]);
  });

  it("warns when an irreversible migration has down SQL", () => {
    const result = parseSqlMigration(F, lines("-- stratum:irreversible", "-- migrate:up", "SELECT 1;", "-- migrate:down", "SELECT 2;"));
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ code: "BAD_DIRECTIVE", severity: "warning", files: [`${F}:4`] });
  });
});

describe("parseSqlPair", () => {
  const UP = "002_orders.up.sql";
  const DOWN = "002_orders.down.sql";

  it("reads up with header directives and verify, and down from its own file", () => {
    const upText = lines("-- stratum:depends 001", "CREATE TABLE orders (id int);", "", "-- migrate:verify", "SELECT 1;");
    const downText = lines("-- undo", "DROP TABLE orders;", "");
    const result = parseSqlPair(UP, upText, DOWN, downText);
    expect(result.problems).toEqual([]);
    expect(result.up).toEqual({ file: UP, startLine: 1, text: "-- stratum:depends 001\nCREATE TABLE orders (id int);\n" });
    expect(result.verify).toEqual({ file: UP, startLine: 5, text: "SELECT 1;" });
    expect(result.down).toEqual({ file: DOWN, startLine: 1, text: downText });
    expect(lineOf(result.down!, "DROP")).toBe(2);
    expect(result.options.dependsOn).toEqual(["001"]);
  });

  it("accepts redundant up and down markers", () => {
    const result = parseSqlPair(UP, "-- stratum:depends 1\n-- migrate:up\nSELECT 1;", DOWN, "-- migrate:down\nSELECT 2;");
    expect(result.problems).toEqual([]);
    expect(result.up).toEqual({ file: UP, startLine: 3, text: "SELECT 1;" });
    expect(result.down).toEqual({ file: DOWN, startLine: 2, text: "SELECT 2;" });
    expect(result.options.dependsOn).toEqual(["1"]);
  });

  it("has no down without a down file", () => {
    const result = parseSqlPair(UP, "SELECT 1;", null, null);
    expect(result.problems).toEqual([]);
    expect(result.down).toBeNull();
  });

  it("treats an empty down file as an explicit no-op rollback", () => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, "-- nothing\n");
    expect(result.problems).toEqual([]);
    expect(result.down).toEqual({ file: DOWN, startLine: 1, text: "-- nothing\n" });
  });

  it.each([
    ["a down section in the up file", "SELECT 1;\n-- migrate:down\nSELECT 2;", "SELECT 2;", "BAD_SECTION", `${UP}:2`, /Move the down SQL into 002_orders\.down\.sql/],
    ["an up section in the down file", "SELECT 1;", "-- migrate:up\nSELECT 2;", "BAD_SECTION", `${DOWN}:1`, /Move the up SQL into 002_orders\.up\.sql/],
    ["a verify section in the down file", "SELECT 1;", "SELECT 2;\n-- migrate:verify\nSELECT 3;", "BAD_SECTION", `${DOWN}:2`, /Move the verify section into 002_orders\.up\.sql/],
    ["a dependency in the down file", "SELECT 1;", "-- stratum:depends 1\nSELECT 2;", "BAD_DIRECTIVE", `${DOWN}:1`, /header at the top of 002_orders\.up\.sql/],
    ["SQL before a down marker in the down file", "SELECT 1;", "SELECT 0;\n-- migrate:down\nSELECT 2;", "BAD_SECTION", `${DOWN}:1`, /below "-- migrate:down"/],
    ["a bad directive in the up file", "-- stratum:transaction never\nSELECT 1;", "SELECT 2;", "BAD_DIRECTIVE", `${UP}:1`, /transaction off/],
  ])("reports %s", (_label, upText, downText, code, file, fix) => {
    const result = parseSqlPair(UP, upText, DOWN, downText);
    expect(codes(result.problems)).toEqual([code]);
    expect(result.problems[0]?.files).toEqual([file]);
    expect(result.problems[0]?.fix).toMatch(fix);
  });

  it("names the down file to create when a lone up file has a down section", () => {
    const result = parseSqlPair(UP, "SELECT 1;\n-- migrate:down\nSELECT 2;", null, null);
    expect(result.problems[0]?.fix).toContain(DOWN);
  });

  it("warns about an up file without SQL", () => {
    const result = parseSqlPair(UP, "-- stratum:depends 1\n", DOWN, "SELECT 2;");
    expect(codes(result.problems)).toEqual(["EMPTY_MIGRATION"]);
    expect(result.problems[0]?.files).toEqual([UP]);
    expect(result.problems[0]?.severity).toBe("warning");
    expect(result.up).toEqual({ file: UP, startLine: 1, text: "-- stratum:depends 1\n" });
  });
});

describe("parseRequirement", () => {
  it.each([
    ["postgres>=13", { dialect: "postgres", op: ">=", version: "13" }],
    ["  MySQL >= 8.0 ", { dialect: "mysql", op: ">=", version: "8.0" }],
    ["mariadb<=10.11", { dialect: "mariadb", op: "<=", version: "10.11" }],
    ["sqlite>3.35.0", { dialect: "sqlite", op: ">", version: "3.35.0" }],
    ["postgresql=16", { dialect: "postgres", op: "=", version: "16" }],
    ["sqlite", { dialect: "sqlite", op: ">=", version: "0" }],
  ])("%j", (text, expected) => {
    expect(parseRequirement(text, "x.ts")).toEqual({ ...expected, source: "x.ts" });
  });

  it.each(["oracle>=19", "postgres>=", "postgres>=1.x", ">=13", "postgres ~ 13", ""])("rejects %j", (text) => {
    const result = parseRequirement(text, "x.ts");
    expect(isProblem(result)).toBe(true);
    expect(result).toMatchObject({ code: "BAD_DIRECTIVE", files: ["x.ts"] });
  });
});

describe("hasSql", () => {
  it.each([
    ["", false],
    ["  \n\t\n", false],
    ["-- c\n-- d", false],
    ["/* a\n b */ -- c", false],
    ["/* a */ SELECT 1", true],
    ["SELECT 1 -- c", true],
    ["/*+ hint */", true],
  ])("%j → %s", (text, expected) => {
    expect(hasSql(text)).toBe(expected);
  });
});
