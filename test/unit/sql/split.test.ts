import { describe, expect, test } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import { lineAt } from "../../../src/sql/line-counter.js";
import { split, unterminatedOf } from "../../support/sql-by-name.js";
import { splitMysql } from "../../../src/dialects/mysql/sql/split.js";
import { splitPostgres } from "../../../src/dialects/postgres/sql/split.js";
import { splitSqlite } from "../../../src/dialects/sqlite/sql/split.js";

describe("lineAt", () => {
  test.each([
    ["", 0, 1],
    ["abc", 2, 1],
    ["a\nb", 1, 1],
    ["a\nb", 2, 2],
    ["a\r\nb\r\nc", 6, 3],
    ["a\n\n\nb", 4, 4],
    ["a\nb", 99, 2],
    ["a\nb", -5, 1],
  ] as const)("lineAt(%j, %i) = %i", (text, offset, line) => {
    expect(lineAt(text, offset)).toBe(line);
  });
});

describe("each dialect's split is its splitter to the dialect's splitter", () => {
  const sql = "SELECT 1; SELECT $$;$$; SELECT [a;b]; SELECT 'x\\'; y';\nDELIMITER //\nSELECT 2//";
  test.each([
    ["sqlite", splitSqlite(sql)],
    ["postgres", splitPostgres(sql)],
    ["mysql", splitMysql(sql)],
  ] as const)("%s", (dialect, expected) => {
    expect(split(dialect, sql)).toEqual(expected);
  });

  test("the dialects really differ on this input", () => {
    const counts = (["sqlite", "postgres", "mysql"] as const).map((d) => split(d, sql).length);
    expect(new Set(counts).size).toBeGreaterThan(1);
  });
});

describe("MySQL DELIMITER", () => {
  const sql = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;";

  test("is honoured by default", () => {
    expect(split("mysql", sql).map((s) => s.text)).toEqual(["CREATE PROCEDURE p() BEGIN SELECT 1; END", "SELECT 2"]);
  });

  test("is plain SQL with allowDelimiter: false (the server then rejects it)", () => {
    expect(split("mysql", sql, { allowDelimiter: false }).map((s) => s.line)).toEqual([1, 2, 4]);
  });

  test.each([
    ["delimiter //\nSELECT 1 //\n", ["SELECT 1"]],
    ["DELIMITER ;;\nSELECT 1;SELECT 2;;\nDELIMITER ;\nSELECT 3;", ["SELECT 1;SELECT 2", "SELECT 3"]],
    ["DELIMITER 'GO'\nSELECT 1 GO SELECT 2 GO", ["SELECT 1", "SELECT 2"]],
    ["DELIMITER //  trailing words are ignored\nSELECT 1//", ["SELECT 1"]],
    ["DELIMITER\nSELECT 1;", ["DELIMITER\nSELECT 1"]],
    ["SELECT 1;\n  -- a comment first\n  DELIMITER $$\nSELECT 2$$", ["SELECT 1", "SELECT 2"]],
    ["DELIMITER $$\nSELECT 'a$$b', `c$$`, \"$$\" /* $$ */ -- $$\n$$", ["SELECT 'a$$b', `c$$`, \"$$\""]],
  ] as const)("%j", (input, texts) => {
    expect(split("mysql", input).map((s) => s.text)).toEqual(texts);
  });
});

describe("unterminatedConstruct", () => {
  const cases: readonly [DialectName, string, { kind: string; line: number } | null][] = [
    ["sqlite", "SELECT 1;\nSELECT 'open", { kind: "string literal", line: 2 }],
    ["sqlite", "SELECT 1;\n\nSELECT \"open", { kind: "quoted identifier", line: 3 }],
    ["sqlite", "SELECT [open", { kind: "quoted identifier", line: 1 }],
    ["sqlite", "SELECT 1; /* open", { kind: "block comment", line: 1 }],
    ["sqlite", "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\nSELECT 1;", { kind: "trigger body", line: 2 }],
    ["sqlite", "SELECT 1;", null],
    ["postgres", "SELECT 1;\nSELECT $x$ open", { kind: "dollar-quoted string", line: 2 }],
    ["postgres", "SELECT E'open\\'", { kind: "string literal", line: 1 }],
    ["postgres", "SELECT 1 /* a /* b */", { kind: "block comment", line: 1 }],
    ["postgres", "\nCREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1;", { kind: "BEGIN ATOMIC function body", line: 3 }],
    ["postgres", "SELECT (1;\nSELECT 2", { kind: "parenthesis", line: 1 }],
    ["postgres", "SELECT 1 -- no newline at the end", null],
    ["mysql", "SELECT 'open\\';", { kind: "string literal", line: 1 }],
    ["mysql", "SELECT `open", { kind: "quoted identifier", line: 1 }],
    ["mysql", "/*!40101 SET x = 1", { kind: "executable comment", line: 1 }],
    ["mysql", "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;", { kind: "BEGIN … END block", line: 2 }],
    ["mysql", "DELIMITER $$\nSELECT 1", null],
  ];
  test.each(cases)("%s: %j", (dialect, sql, expected) => {
    expect(unterminatedOf(dialect, sql)).toEqual(expected);
    // The rest of the input, from the statement that holds the construct, is one statement.
    if (expected !== null) {
      const statements = split(dialect, sql);
      const last = statements[statements.length - 1];
      expect(last).toBeDefined();
      expect(sql.slice(last?.offset).trimEnd()).toBe(last?.text);
    }
  });
});

describe("statement text and position", () => {
  test.each(["sqlite", "postgres", "mysql"] as const)("%s: leading comments are left out, trailing ones too", (dialect) => {
    const sql = "-- one\n/* two */ SELECT 1 /* after */ ; -- tail\n\n  # not a comment outside MySQL\n";
    const [first] = split(dialect, sql);
    expect(first).toEqual({ text: "SELECT 1", line: 2, offset: sql.indexOf("SELECT") });
  });

  test.each(["sqlite", "postgres", "mysql"] as const)("%s: empty input and only comments give nothing", (dialect) => {
    expect(split(dialect, "")).toEqual([]);
    expect(split(dialect, " \n\t;\r\n;; -- c\n/* d */")).toEqual([]);
  });
});
