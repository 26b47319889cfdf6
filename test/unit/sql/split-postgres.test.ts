import { describe, expect, test } from "vitest";
import { postgresNonTransactionalReason } from "../../../src/dialects/postgres/sql/non-transactional.js";
import { postgresPlaceholders } from "../../../src/dialects/postgres/sql/split.js";
import { NON_TRANSACTIONAL_CASES } from "./non-transactional-cases.js";

describe("postgresPlaceholders", () => {
  test.each([
    ["SELECT ?", "SELECT $1"],
    ["SELECT * FROM t WHERE a = ? AND b IN (?, ?)", "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)"],
    ["SELECT 1", "SELECT 1"],
    ["SELECT '?', E'\\'?', $$?$$, $q$ ? $q$, \"a?\" FROM t WHERE x=?", "SELECT '?', E'\\'?', $$?$$, $q$ ? $q$, \"a?\" FROM t WHERE x=$1"],
    ["SELECT ? -- why?\n, ? /* or ? /* nested ? */ ? */", "SELECT $1 -- why?\n, $2 /* or ? /* nested ? */ ? */"],
    ["SELECT data ?| array['a'], data ?& array['b'], ?", "SELECT data ?| array['a'], data ?& array['b'], $1"],
    ["SELECT data ?? 'key', ?", "SELECT data ? 'key', $1"],
    ["SELECT ???", "SELECT ?$1"],
    ["SELECT x$y? FROM t", "SELECT x$y$1 FROM t"],
    ["SELECT $1, ?", "SELECT $1, $1"],
    ["SELECT 'unterminated ?", "SELECT 'unterminated ?"],
    ["SELECT ?::int, ?=?", "SELECT $1::int, $2=$3"],
  ])("%j", (input, output) => {
    expect(postgresPlaceholders(input)).toBe(output);
  });
});

describe("postgresNonTransactionalReason", () => {
  test.each([
    ["ALTER TYPE e ADD VALUE 'b'", 11, "ALTER TYPE ... ADD VALUE cannot run inside a transaction block"],
    ["alter type public.mood add value if not exists 'meh' before 'ok'", 10, "ALTER TYPE ... ADD VALUE cannot run inside a transaction block"],
    ["ALTER TYPE e ADD VALUE 'b'", 12, null],
    ["ALTER TYPE e ADD VALUE 'b'", undefined, null],
    ["ALTER TYPE e RENAME VALUE 'a' TO 'b'", 11, null],
    ["ALTER TYPE c ADD ATTRIBUTE x int", 11, null],
    ["ALTER TYPE e OWNER TO postgres", 9, null],
  ] as const)("%j on PostgreSQL %s (before 12, ALTER TYPE … ADD VALUE cannot run in a transaction)", (sql, major, reason) => {
    expect(postgresNonTransactionalReason(sql, undefined, major)).toBe(reason);
  });

  test.each(NON_TRANSACTIONAL_CASES.map((c) => [c.sql, c.refused] as const))("%j", (sql, refused) => {
    expect(postgresNonTransactionalReason(sql)).toBe(
      refused === null ? null : `${refused} cannot run inside a transaction block`,
    );
  });
});
