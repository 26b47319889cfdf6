// Inputs that break naive splitters: huge counts, deep nesting, huge literals, unterminated
// constructs. Each must split quickly, without a stack overflow, and without throwing.

import { describe, expect, test } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import { splitStatements, unterminatedConstruct } from "../../../src/sql/split.js";
import { postgresPlaceholders } from "../../../src/sql/split-postgres.js";

const DIALECTS: readonly DialectName[] = ["sqlite", "postgres", "mysql"];
/** "Well under a second" on the 2-core CI machine, with room for a slow moment. */
const BUDGET_MS = 1000;

function timed<T>(fn: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = fn();
  return { result, ms: performance.now() - started };
}

const MB20 = 20 * 1024 * 1024;

interface Case {
  readonly name: string;
  readonly sql: () => string;
  readonly dialects?: readonly DialectName[];
  readonly check: (statements: ReturnType<typeof splitStatements>, sql: string, dialect: DialectName) => void;
}

const CASES: readonly Case[] = [
  {
    name: "a million semicolons",
    sql: () => ";".repeat(1_000_000),
    check: (statements) => expect(statements).toEqual([]),
  },
  {
    name: "a million semicolons between two statements",
    sql: () => `SELECT 1${";\n".repeat(1_000_000)}SELECT 2`,
    check: (statements) => {
      expect(statements.map((s) => s.text)).toEqual(["SELECT 1", "SELECT 2"]);
      expect(statements[1]?.line).toBe(1_000_001);
    },
  },
  {
    name: "200 000 statements",
    sql: () => "SELECT 1;\n".repeat(200_000),
    check: (statements) => {
      expect(statements).toHaveLength(200_000);
      expect(statements[199_999]).toEqual({ text: "SELECT 1", line: 200_000, offset: 199_999 * 10 });
    },
  },
  {
    name: "a million semicolons inside one string",
    sql: () => `SELECT '${";".repeat(1_000_000)}'; SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text.length)).toEqual([1_000_009, 8]),
  },
  {
    name: "100 000 nested parentheses",
    sql: () => `SELECT ${"(".repeat(100_000)}1${")".repeat(100_000)}; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "100 000 unclosed parentheses",
    sql: () => `SELECT ${"(".repeat(100_000)}1; SELECT 2`,
    // psql waits for the closing parenthesis; the others split at the semicolon.
    check: (statements, _sql, dialect) => expect(statements).toHaveLength(dialect === "postgres" ? 1 : 2),
  },
  {
    name: "a 20 MB string literal",
    sql: () => `SELECT '${"x;".repeat(MB20 / 2)}';\nSELECT 2`,
    check: (statements) => {
      expect(statements).toHaveLength(2);
      expect(statements[0]?.text.length).toBe(MB20 + 9);
      expect(statements[1]).toMatchObject({ text: "SELECT 2", line: 2 });
    },
  },
  {
    name: "a 20 MB E'' string full of escapes",
    dialects: ["postgres"],
    sql: () => `SELECT E'${"\\';".repeat(MB20 / 3)}'; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "a 20 MB backslash-escaped MySQL string",
    dialects: ["mysql"],
    sql: () => `SELECT '${"\\';".repeat(MB20 / 3)}'; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "a 20 MB dollar-quoted body with lone dollars",
    dialects: ["postgres"],
    sql: () => `SELECT $body$${"$;".repeat(MB20 / 2)}$body$; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "100 000 nested block comments",
    dialects: ["postgres"],
    sql: () => `SELECT 1 ${"/*".repeat(100_000)};${"*/".repeat(100_000)}; SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text)).toEqual(["SELECT 1", "SELECT 2"]),
  },
  {
    name: "a 20 MB comment",
    sql: () => `SELECT 1; /*${" ;".repeat(MB20 / 2)}*/ SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text)).toEqual(["SELECT 1", "SELECT 2"]),
  },
  {
    name: "a 20 MB identifier",
    sql: () => `SELECT ${"a".repeat(MB20)}; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "an unterminated quote at the start of 20 MB",
    sql: () => `SELECT 1;\nSELECT '${"x;\n".repeat(MB20 / 3)}`,
    check: (statements, sql, dialect) => {
      expect(statements).toHaveLength(2);
      expect(statements[1]?.line).toBe(2);
      expect(unterminatedConstruct(dialect, sql)).toEqual({ kind: "string literal", line: 2 });
    },
  },
  {
    name: "100 000 nested CASE … END in a trigger body",
    dialects: ["sqlite"],
    sql: () =>
      `CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT ${"CASE WHEN 1 THEN ".repeat(100_000)}1${" END".repeat(100_000)}; END; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
  {
    name: "100 000 nested BEGIN … END blocks in a procedure",
    dialects: ["mysql"],
    sql: () => `CREATE PROCEDURE p() ${"BEGIN SELECT 1; ".repeat(100_000)}${"END; ".repeat(100_000)}SELECT 2`,
    check: (statements) => expect(statements.map((s) => s.text.slice(0, 26))).toEqual(["CREATE PROCEDURE p() BEGIN", "SELECT 2"]),
  },
  {
    name: "100 000 CASE … END in a BEGIN ATOMIC body",
    dialects: ["postgres"],
    sql: () =>
      `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT ${"CASE WHEN true THEN ".repeat(100_000)}1${" END".repeat(100_000)}; END; SELECT 2`,
    check: (statements) => expect(statements).toHaveLength(2),
  },
];

describe.each(DIALECTS)("%s", (dialect) => {
  test.each(CASES.filter((c) => !c.dialects || c.dialects.includes(dialect)).map((c) => [c.name, c] as const))(
    "%s",
    (_name, c) => {
      const sql = c.sql();
      const { result, ms } = timed(() => splitStatements(dialect, sql));
      c.check(result, sql, dialect);
      expect(ms).toBeLessThan(BUDGET_MS);
    },
  );
});

describe("postgresPlaceholders on large inputs", () => {
  test("a million placeholders", () => {
    const sql = `SELECT ${"?, ".repeat(999_999)}?`;
    const { result, ms } = timed(() => postgresPlaceholders(sql));
    expect(result.endsWith("$999999, $1000000")).toBe(true);
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  test("a 20 MB string with question marks is left alone", () => {
    const sql = `SELECT '${"?".repeat(MB20)}', ?`;
    const { result, ms } = timed(() => postgresPlaceholders(sql));
    expect(result.length).toBe(sql.length + 1);
    expect(result.endsWith("', $1")).toBe(true);
    expect(ms).toBeLessThan(BUDGET_MS);
  });
});
