import { describe, expect, it } from "vitest";
import type { Problem } from "../../../src/core/types.js";
import { migrationTemplate } from "../../../src/source/create.js";
import { hasSql, isUnfilledTemplate, parseSqlMigration, parseSqlPair } from "../../../src/source/sql-file.js";

/**
 * Issue 12, item 1 (parsing side): other tools' conventions accepted as they are — empty
 * migrations and empty downs, directives in a down file, dbmate's marker options — while the
 * unfilled `stratum create` template is still refused.
 */
const F = "001_x.sql";
const UP = "002_orders.up.sql";
const DOWN = "002_orders.down.sql";
const lines = (...parts: string[]): string => parts.join("\n");
const codes = (problems: readonly Problem[]): string[] => problems.map((p) => p.code);
const DEFAULTS = { dependsOn: [], irreversible: false, requires: [] };

describe("an empty migration is a warning, applied as a no-op", () => {
  it.each([
    ["a file holding only comments", F, "-- kept for the postgres version only\n"],
    ["dbmate's unfilled template", F, "-- migrate:up\n\n\n-- migrate:down\n\n"],
    ["an up section holding only comments", F, lines("-- migrate:up", "-- moved to 005", "-- migrate:down", "DROP TABLE IF EXISTS t;")],
    ["an empty file", F, ""],
  ])("%s", (_label, file, text) => {
    const result = parseSqlMigration(file, text);
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: "EMPTY_MIGRATION",
        severity: "warning",
        files: [file],
        message: `${file} holds no SQL; it will be recorded as applied without running anything.`,
      }),
    ]);
    expect(result.up).not.toBeNull();
    expect(hasSql(result.up!.text)).toBe(false);
  });

  it("an empty up file of a pair, with an empty down file: both are scripts holding no SQL", () => {
    const result = parseSqlPair(UP, "", DOWN, "");
    expect(result.problems.map((p) => [p.code, p.severity, p.files])).toEqual([["EMPTY_MIGRATION", "warning", [UP]]]);
    expect(result.up).toEqual({ file: UP, startLine: 1, text: "" });
    expect(result.down).toEqual({ file: DOWN, startLine: 1, text: "" });
  });

  it("golang-migrate's placeholder pair: comments in both files", () => {
    const result = parseSqlPair(UP, "-- nothing for sqlite\n", DOWN, "-- nothing to undo\n");
    expect(result.problems.map((p) => p.severity)).toEqual(["warning"]);
    expect(result.down).toEqual({ file: DOWN, startLine: 1, text: "-- nothing to undo\n" });
  });
});

describe("the unfilled stratum create template is still an error", () => {
  const template = migrationTemplate("sql", "add users");

  it("is refused with one sentence saying so", () => {
    const result = parseSqlMigration(F, template);
    expect(result.problems).toEqual([
      {
        code: "EMPTY_MIGRATION",
        severity: "error",
        files: [F],
        message: `${F} is the unfilled "stratum create" template: its up section holds only the placeholder comment.`,
        fix: 'Write the SQL under "-- migrate:up", or delete the file.',
      },
    ]);
  });

  it.each([
    ["as written", template],
    ["with CRLF line endings", template.replace(/\n/g, "\r\n")],
    ["with a BOM", `\uFEFF${template}`],
    ["reindented, with trailing spaces and extra blank lines", template.replace(/^-- The SQL/m, "   --   The   SQL").replace(/\n/g, "  \n\n")],
    ["with another title", migrationTemplate("sql", "something else entirely")],
    ["with a directive added to the header", `-- stratum:depends 001\n${template}`],
    ["with the down section written", template.replace("-- migrate:down\n", "-- migrate:down\nDROP TABLE users;\n")],
    ["with the down and verify sections deleted", template.slice(0, template.indexOf("-- migrate:down"))],
  ])("is recognised %s", (_label, text) => {
    expect(isUnfilledTemplate(text)).toBe(true);
    const result = parseSqlMigration(F, text);
    expect(result.problems.filter((p) => p.code === "EMPTY_MIGRATION").map((p) => p.severity)).toEqual(["error"]);
  });

  it.each([
    ["filled in", template.replace("-- The SQL that applies the change.\n", "CREATE TABLE users (id int);\n")],
    ["filled in below the placeholder", template.replace("-- The SQL that applies the change.\n", "$&CREATE TABLE users (id int);\n")],
    ["emptied on purpose (placeholder comment replaced)", template.replace("-- The SQL that applies the change.", "-- nothing: moved to 007")],
    ["dbmate's template", "-- migrate:up\n\n\n-- migrate:down\n\n"],
    ["a file without markers", "-- The SQL that applies the change.\n"],
    ["the TypeScript template", migrationTemplate("ts", "add users")],
  ])("is not recognised when %s", (_label, text) => {
    expect(isUnfilledTemplate(text)).toBe(false);
  });

  it("a filled up with the down placeholder left as it is has no down (the rollback was never written)", () => {
    const filled = template.replace("-- The SQL that applies the change.\n", "CREATE TABLE users (id int);\n");
    const result = parseSqlMigration(F, filled);
    expect(result.problems).toEqual([]);
    expect(result.down).toBeNull();
    expect(result.verify).toBeNull();
  });

  it("a filled up whose down placeholder was replaced by a comment has a no-op down", () => {
    const filled = template
      .replace("-- The SQL that applies the change.\n", "CREATE TABLE users (id int);\n")
      .replace(/-- The SQL that reverts it[^]*?section and add the\n-- irreversible directive to the header\.\n/, "-- nothing to undo\n");
    const result = parseSqlMigration(F, filled);
    expect(result.problems).toEqual([]);
    expect(result.down).not.toBeNull();
    expect(result.down!.text).toContain("-- nothing to undo");
  });
});

describe("an existing but empty down is an explicit no-op rollback", () => {
  it.each([
    ["a down section of comments", lines("-- migrate:up", "CREATE TABLE t (a int);", "-- migrate:down", "-- nothing to undo"), { file: F, startLine: 4, text: "-- nothing to undo" }],
    ["an empty down section at the end", lines("-- migrate:up", "CREATE TABLE t (a int);", "-- migrate:down"), { file: F, startLine: 4, text: "" }],
  ])("%s", (_label, text, down) => {
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([]);
    expect(result.down).toEqual(down);
  });

  it("no down at all stays null (irreversible)", () => {
    expect(parseSqlMigration(F, "CREATE TABLE t (a int);").down).toBeNull();
    expect(parseSqlPair(UP, "CREATE TABLE t (a int);", null, null).down).toBeNull();
  });

  it("an irreversible migration with an empty down section gets no warning about down SQL", () => {
    const result = parseSqlMigration(F, lines("-- stratum:irreversible", "-- migrate:up", "SELECT 1;", "-- migrate:down", "-- none"));
    expect(result.problems).toEqual([]);
    expect(result.options.irreversible).toBe(true);
  });

  it("an unclosed block comment in an empty down file is still an error", () => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, "\n/* DROP TABLE t;\n");
    expect(result.problems.map((p) => [p.code, p.files])).toEqual([["BAD_SECTION", [`${DOWN}:2`]]]);
  });
});

describe("directives in a .down.sql file", () => {
  it.each([
    ["transaction off", "-- stratum:transaction off", false],
    ["transaction on", "-- stratum:transaction ON", true],
    ["transaction false", "-- stratum:transaction false", false],
  ])("%s applies to the rollback", (_label, directive, expected) => {
    const result = parseSqlPair(UP, "CREATE INDEX i ON t (a);", DOWN, lines("-- undo", directive, "DROP INDEX CONCURRENTLY i;"));
    expect(result.problems).toEqual([]);
    expect(result.options).toEqual({ ...DEFAULTS, downTransaction: expected });
    expect(result.down).toEqual({ file: DOWN, startLine: 1, text: lines("-- undo", directive, "DROP INDEX CONCURRENTLY i;") });
  });

  it("the up file's transaction directive and the down file's are separate", () => {
    const result = parseSqlPair(UP, "-- stratum:transaction off\nCREATE INDEX CONCURRENTLY i ON t (a);", DOWN, "-- stratum:transaction on\nDROP INDEX i;");
    expect(result.problems).toEqual([]);
    expect(result.options).toEqual({ ...DEFAULTS, transaction: false, downTransaction: true });
  });

  it("an empty down file may carry its transaction directive", () => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, "-- stratum:transaction off\n");
    expect(result.problems).toEqual([]);
    expect(result.options.downTransaction).toBe(false);
    expect(result.down).not.toBeNull();
  });

  it.each([
    ["depends", "-- stratum:depends 001", "dependencies belong to the migration, declare them in 002_orders.up.sql"],
    ["depends-on", "-- stratum:depends-on 001", "dependencies belong to the migration, declare them in 002_orders.up.sql"],
    ["depends_on", "-- stratum:depends_on 001", "dependencies belong to the migration, declare them in 002_orders.up.sql"],
    ["requires", "-- stratum:requires postgres>=13", "server requirements belong to the migration, declare them in 002_orders.up.sql"],
    ["tables", "-- stratum:tables orders", "the tables a migration touches are declared once for it, in 002_orders.up.sql"],
    ["description", "-- stratum:description drops orders", "the description belongs to the migration, write it in 002_orders.up.sql"],
  ])("%s is refused, saying why, at file:line", (_label, directive, why) => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, lines("-- undo", directive, "DROP TABLE orders;"));
    const name = directive.slice("-- stratum:".length).split(" ")[0];
    expect(result.problems).toEqual([
      {
        code: "BAD_DIRECTIVE",
        severity: "error",
        files: [`${DOWN}:2`],
        message: `"-- stratum:${name}" at ${DOWN}:2 cannot be in a down file: ${why}.`,
        fix: `Move the line to the header at the top of ${UP}.`,
      },
    ]);
    expect(result.options).toEqual(DEFAULTS);
  });

  it("irreversible is refused: a down file is the rollback", () => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, "-- stratum:irreversible\n");
    expect(result.problems).toEqual([
      {
        code: "BAD_DIRECTIVE",
        severity: "error",
        files: [`${DOWN}:1`],
        message: `"-- stratum:irreversible" at ${DOWN}:1 cannot be in a down file: a down file is the rollback, so the migration cannot be irreversible.`,
        fix: `Remove the line; to make the migration irreversible, delete ${DOWN} and write "-- stratum:irreversible" in the header of ${UP}.`,
      },
    ]);
    expect(result.options.irreversible).toBe(false);
  });

  it.each([
    ["an unknown directive", "-- stratum:nope", /unknown directive "-- stratum:nope"/, 1],
    ["a bad transaction value", "-- stratum:transaction sometimes", /"sometimes" is not a valid value/, 1],
    ["contradicting transaction directives", "-- stratum:transaction off\n-- stratum:transaction on", /contradicts line 1/, 2],
    ["a directive below the SQL", "DROP TABLE t;\n-- stratum:transaction off", /not in the header/, 2],
  ])("%s is reported at file:line", (_label, text, message, line) => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, text);
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.files).toEqual([`${DOWN}:${line}`]);
    expect(result.problems[0]?.message).toMatch(message);
  });
});

describe("dbmate's marker options", () => {
  it.each([
    ["up transaction:false", lines("-- migrate:up transaction:false", "CREATE INDEX CONCURRENTLY i ON t (a);", "-- migrate:down", "DROP INDEX i;"), { transaction: false }],
    ["up transaction:true", lines("-- migrate:up transaction:true", "SELECT 1;"), { transaction: true }],
    ["down transaction:false", lines("-- migrate:up", "SELECT 1;", "-- migrate:down transaction:false", "DROP INDEX CONCURRENTLY i;"), { downTransaction: false }],
    ["both, any case, with a comment after", lines("-- migrate:up Transaction:FALSE  builds the index", "SELECT 1;", "--migrate:down   transaction:false", "SELECT 2;"), { transaction: false, downTransaction: false }],
    ["header off, down marker true", lines("-- stratum:transaction off", "-- migrate:up", "SELECT 1;", "-- migrate:down transaction:true", "SELECT 2;"), { transaction: false, downTransaction: true }],
    ["header and up marker agreeing", lines("-- stratum:transaction off", "-- migrate:up transaction:false", "SELECT 1;"), { transaction: false }],
  ])("%s", (_label, text, expected) => {
    const result = parseSqlMigration(F, text);
    expect(result.problems).toEqual([]);
    expect(result.options).toEqual({ ...DEFAULTS, ...expected });
  });

  it("are read from the files of a pair", () => {
    const result = parseSqlPair(UP, "-- migrate:up transaction:false\nSELECT 1;", DOWN, "-- migrate:down transaction:false\nSELECT 2;");
    expect(result.problems).toEqual([]);
    expect(result.options).toEqual({ ...DEFAULTS, transaction: false, downTransaction: false });
    expect(result.up).toEqual({ file: UP, startLine: 2, text: "SELECT 1;" });
    expect(result.down).toEqual({ file: DOWN, startLine: 2, text: "SELECT 2;" });
  });

  it("a header directive contradicting the up marker is an error naming both lines", () => {
    const result = parseSqlMigration(F, lines("-- stratum:transaction on", "", "-- migrate:up transaction:false", "SELECT 1;"));
    expect(result.problems).toEqual([
      {
        code: "BAD_DIRECTIVE",
        severity: "error",
        files: [`${F}:1`, `${F}:3`],
        message: `"-- stratum:transaction on" at ${F}:1 contradicts "transaction:false" on the marker at ${F}:3.`,
        fix: "Keep one of the two, with the setting you mean.",
      },
    ]);
  });

  it("a down file's header directive contradicting its marker is an error naming both lines", () => {
    const result = parseSqlPair(UP, "SELECT 1;", DOWN, "-- stratum:transaction off\n-- migrate:down transaction:true\nSELECT 2;");
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.files).toEqual([`${DOWN}:1`, `${DOWN}:2`]);
    expect(result.problems[0]?.message).toBe(`"-- stratum:transaction off" at ${DOWN}:1 contradicts "transaction:true" on the marker at ${DOWN}:2.`);
  });

  it.each([
    ["an unknown option", lines("-- migrate:up", "SELECT 1;", "-- migrate:down lock:none", "SELECT 2;"), 3, `"lock:none" is not an option a section marker takes, at ${F}:3.`],
    ["a bad transaction value", lines("-- migrate:up transaction:off", "SELECT 1;"), 1, `"transaction:off" is not an option a section marker takes, at ${F}:1.`],
    ["an option on verify", lines("-- migrate:up", "SELECT 1;", "-- migrate:verify transaction:false", "SELECT 1;"), 3, `the verify section takes no options ("transaction:false"), at ${F}:3.`],
    ["two contradicting options", lines("-- migrate:up transaction:false transaction:true", "SELECT 1;"), 1, `"transaction:true" contradicts the other transaction option on the same marker, at ${F}:1.`],
  ])("%s is a BAD_DIRECTIVE at file:line", (_label, text, line, message) => {
    const result = parseSqlMigration(F, text);
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.files).toEqual([`${F}:${line}`]);
    expect(result.problems[0]?.message).toBe(message);
    expect(result.problems[0]?.fix).toContain('"transaction:false"');
  });

  it("a transaction directive inside a down section points to the marker option", () => {
    const result = parseSqlMigration(F, lines("-- migrate:up", "SELECT 1;", "-- migrate:down", "-- stratum:transaction off", "SELECT 2;"));
    expect(codes(result.problems)).toEqual(["BAD_DIRECTIVE"]);
    expect(result.problems[0]?.files).toEqual([`${F}:4`]);
    expect(result.problems[0]?.fix).toContain('"-- migrate:down transaction:false"');
    expect(result.options).toEqual(DEFAULTS);
  });
});
