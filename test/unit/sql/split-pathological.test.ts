// Inputs that break naive splitters: huge counts, deep nesting, huge literals, unterminated
// constructs. Each must split without a stack overflow, without throwing, and without a
// super-linear step (test/support/growth.ts says how that is judged).

import { describe, expect, test } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import { split, unterminatedOf } from "../../support/sql-by-name.js";
import { postgresPlaceholders } from "../../../src/dialects/postgres/sql/split.js";
import { measureGrowth } from "../../support/growth.js";

const DIALECTS: readonly DialectName[] = ["sqlite", "postgres", "mysql"];
/** "Well under a second" on a quiet 2-core machine; beyond it, the growth ratio decides. */
const BUDGET_MS = 1000;

/** A repeat count at a scale: 1 is the case's full size, 0.1 a tenth of it. */
function times(count: number, scale: number): number {
  return Math.round(count * scale);
}

const MB20 = 20 * 1024 * 1024;

interface Case {
  readonly name: string;
  readonly sql: (s) => string;
  readonly dialects?: readonly DialectName[];
  readonly check: (statements: ReturnType<typeof split>, sql: string, dialect: DialectName) => void;
}

const CASES: readonly Case[] = [
  {
    name: "a million semicolons",
    sql: (s) => ";".repeat(times(1_000_000, s)),
    check: (statements) => expect(statements).toEqual([]),
  },
  {
    name: "a million semicolons between two statements",
    sql: (s) => `SELECT 1${";\n".repeat(times(1_000_000, s))}SELECT 2`,
    check: (statements) => {
      expect(statements.map((s) => s.text)).toEqual(["SELECT 1", "SELECT 2"]);
      expect(statements[1]?.line).toBe(1_000_001);
    },
  },
  {
    name: "200 000 statements",
    sql: (s) => "SELECT 1;\n".repeat(times(200_000, s)),
    check: (statements) => {
      expect(statements).toHaveLength(200_000);
      expect(statements[199_999]).toEqual({ text: "SELECT 1", line: 200_000, offset: 199_999 * 10 });
    },
  },
  {
    name: "a million semicolons inside one string",
    sql: (s) => `SELECT '${";".repeat(times(1_000_000, s))}'; SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text.length)).toEqual([1_000_009, 8]),
  },
  {
    name: "100 000 nested parentheses",
    sql: (s) => `SELECT ${"(".repeat(times(100_000, s))}1${")".repeat(times(100_000, s))}; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "100 000 unclosed parentheses",
    sql: (s) => `SELECT ${"(".repeat(times(100_000, s))}1; SELECT 2`,
    // psql waits for the closing parenthesis; the others split at the semicolon.
    check: (statements, _sql, dialect) => expect(statements).toHaveLength(dialect === "postgres" ? 1 : 2),
  },
  {
    name: "a 20 MB string literal",
    sql: (s) => `SELECT '${"x;".repeat(times(MB20 / 2, s))}';\nSELECT 2`,
    check: (statements) => {
      expect(statements).toHaveLength(2);
      expect(statements[0]?.text.length).toBe(MB20 + 9);
      expect(statements[1]).toMatchObject({ text: "SELECT 2", line: 2 });
    },
  },
  {
    name: "a 20 MB E'' string full of escapes",
    dialects: ["postgres"],
    sql: (s) => `SELECT E'${"\\';".repeat(times(MB20 / 3, s))}'; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "a 20 MB backslash-escaped MySQL string",
    dialects: ["mysql"],
    sql: (s) => `SELECT '${"\\';".repeat(times(MB20 / 3, s))}'; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "a 20 MB dollar-quoted body with lone dollars",
    dialects: ["postgres"],
    sql: (s) => `SELECT $body$${"$;".repeat(times(MB20 / 2, s))}$body$; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "100 000 nested block comments",
    dialects: ["postgres"],
    sql: (s) => `SELECT 1 ${"/*".repeat(times(100_000, s))};${"*/".repeat(times(100_000, s))}; SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text)).toEqual(["SELECT 1", "SELECT 2"]),
  },
  {
    name: "a 20 MB comment",
    sql: (s) => `SELECT 1; /*${" ;".repeat(times(MB20 / 2, s))}*/ SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text)).toEqual(["SELECT 1", "SELECT 2"]),
  },
  {
    name: "a 20 MB identifier",
    sql: (s) => `SELECT ${"a".repeat(times(MB20, s))}; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "an unterminated quote at the start of 20 MB",
    sql: (s) => `SELECT 1;\nSELECT '${"x;\n".repeat(times(MB20 / 3, s))}`,
    check: (statements, sql, dialect) => {
      expect(statements).toHaveLength(2);
      expect(statements[1]?.line).toBe(2);
      expect(unterminatedOf(dialect, sql)).toEqual({ kind: "string literal", line: 2 });
    },
  },
  {
    name: "100 000 nested CASE … END in a trigger body",
    dialects: ["sqlite"],
    sql: (s) =>
      `CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT ${"CASE WHEN 1 THEN ".repeat(times(100_000, s))}1${" END".repeat(times(100_000, s))}; END; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "100 000 nested BEGIN … END blocks in a procedure",
    dialects: ["mysql"],
    sql: (s) => `CREATE PROCEDURE p() ${"BEGIN SELECT 1; ".repeat(times(100_000, s))}${"END; ".repeat(times(100_000, s))}SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text.slice(0, 26))).toEqual(["CREATE PROCEDURE p() BEGIN", "SELECT 2"]),
  },
  {
    name: "100 000 CASE … END in a BEGIN ATOMIC body",
    dialects: ["postgres"],
    sql: (s) =>
      `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT ${"CASE WHEN true THEN ".repeat(times(100_000, s))}1${" END".repeat(times(100_000, s))}; END; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
];

describe.each(DIALECTS)("%s", (dialect) => {
  test.each(CASES.filter((c) => !c.dialects || c.dialects.includes(dialect)).map((c) => [c.name, c] as const))(
    "%s",
    (_name, c) => {
      const sql = c.sql(1);
      c.check(split(dialect, sql), sql, dialect);
      const growth = measureGrowth(c.sql, (input) => split(dialect, input), BUDGET_MS);
      expect(growth.ok, growth.report).toBe(true);
    },
  );
});

describe("postgresPlaceholders on large inputs", () => {
  test("a million placeholders", () => {
    const sql = (scale: number): string => `SELECT ${"?, ".repeat(times(999_999, scale))}?`;
    expect(postgresPlaceholders(sql(1)).endsWith("$999999, $1000000")).toBe(true);
    const growth = measureGrowth(sql, postgresPlaceholders, BUDGET_MS);
    expect(growth.ok, growth.report).toBe(true);
  });

  test("a 20 MB string with question marks is left alone", () => {
    const sql = (scale: number): string => `SELECT '${"?".repeat(times(MB20, scale))}', ?`;
    const result = postgresPlaceholders(sql(1));
    expect(result.length).toBe(sql(1).length + 1);
    expect(result.endsWith("', $1")).toBe(true);
    const growth = measureGrowth(sql, postgresPlaceholders, BUDGET_MS);
    expect(growth.ok, growth.report).toBe(true);
  });
});
