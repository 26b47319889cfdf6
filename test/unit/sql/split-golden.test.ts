// Golden files: test/fixtures/split/<dialect>/<case>.sql split into <case>.json ([{ text, line }]).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import { lineAt } from "../../../src/sql/line-counter.js";
import { split, unterminatedOf } from "../../support/sql-by-name.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/split");
const DIALECTS: readonly DialectName[] = ["sqlite", "postgres", "mysql"];

/** The construct each `unterminated-*` case leaves open, and the line it opens on. */
const UNTERMINATED: Record<string, { kind: string; line: number }> = {
  "sqlite/unterminated-string": { kind: "string literal", line: 2 },
  "sqlite/unterminated-trigger": { kind: "trigger body", line: 2 },
  "postgres/unterminated-dollar": { kind: "dollar-quoted string", line: 2 },
  "postgres/unterminated-string": { kind: "string literal", line: 2 },
  "mysql/unterminated-string": { kind: "string literal", line: 2 },
};

function cases(dialect: DialectName): string[] {
  return readdirSync(join(FIXTURES, dialect))
    .filter((file) => file.endsWith(".sql"))
    .map((file) => file.slice(0, -".sql".length))
    .sort();
}

describe.each(DIALECTS)("%s golden files", (dialect) => {
  const names = cases(dialect);

  test("has at least 12 cases", () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  test.each(names)("%s", (name) => {
    const sql = readFileSync(join(FIXTURES, dialect, `${name}.sql`), "utf8");
    const expected: unknown = JSON.parse(readFileSync(join(FIXTURES, dialect, `${name}.json`), "utf8"));
    const statements = split(dialect, sql);
    expect(statements.map(({ text, line }) => ({ text, line }))).toEqual(expected);
    for (const statement of statements) {
      // offset points at the text, and line agrees with offset.
      expect(sql.slice(statement.offset, statement.offset + statement.text.length)).toBe(statement.text);
      expect(lineAt(sql, statement.offset)).toBe(statement.line);
      expect(statement.text).toBe(statement.text.trim());
    }
    expect(unterminatedOf(dialect, sql)).toEqual(UNTERMINATED[`${dialect}/${name}`] ?? null);
  });
});
