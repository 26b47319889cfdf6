// Property: a script generated from safe pieces splits back into exactly the statements it was
// built from, with their lines. Seeded, so every run checks the same scripts.

import { describe, expect, test } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import { lineAt } from "../../../src/sql/line-counter.js";
import { split, unterminatedOf } from "../../support/sql-by-name.js";
import { seededRandom } from "../../support/seeded-random.js";
import { generateScripts } from "./generate-scripts.js";

const SCRIPTS = 3500;
const SEEDS: Record<DialectName, number> = { sqlite: 11, postgres: 22, mysql: 33 };

describe.each(["sqlite", "postgres", "mysql"] as const)("%s", (dialect) => {
  test(`${SCRIPTS} generated scripts split back into their statements`, () => {
    const scripts = generateScripts(dialect, SEEDS[dialect], SCRIPTS);
    let statements = 0;
    for (const script of scripts) {
      const pieces = split(dialect, script.sql);
      const actual = pieces.map(({ text, line }) => ({ text, line }));
      if (JSON.stringify(actual) !== JSON.stringify(script.expected)) {
        // Show the failing script whole.
        expect({ sql: script.sql, statements: actual }).toEqual({ sql: script.sql, statements: script.expected });
      }
      for (const statement of pieces) {
        expect(script.sql.slice(statement.offset, statement.offset + statement.text.length)).toBe(statement.text);
        expect(lineAt(script.sql, statement.offset)).toBe(statement.line);
      }
      expect(unterminatedOf(dialect, script.sql)).toBeNull();
      statements += pieces.length;
    }
    expect(statements).toBeGreaterThan(SCRIPTS);
  });

  test("CRLF line endings give the same statements and lines", () => {
    for (const script of generateScripts(dialect, SEEDS[dialect] + 1, 500)) {
      const crlf = script.sql.replace(/\r?\n/g, "\r\n");
      const actual = split(dialect, crlf).map(({ text, line }) => ({ text: text.replace(/\r\n/g, "\n"), line }));
      const expected = script.expected.map(({ text, line }) => ({ text: text.replace(/\r\n/g, "\n"), line }));
      expect(actual).toEqual(expected);
    }
  });
});

describe("any input at all", () => {
  const ALPHABET = ["'", '"', "`", "[", "]", "$", "$$", "$a$", ";", "--", "-", "/*", "*/", "*", "/", "#", "\\", "\n", "\r\n", " ", "E'", "a", "BEGIN", "END", "CASE", "IF", "CREATE", "TRIGGER", "FUNCTION", "PROCEDURE", "ATOMIC", "DELIMITER ", "//", "(", ")", "/*!", "1", "."];

  test.each(["sqlite", "postgres", "mysql"] as const)("%s: 3000 random inputs split without throwing into well-formed statements", (dialect) => {
    const rng = seededRandom(99);
    for (let k = 0; k < 3000; k++) {
      const length = Math.floor(rng() * 60);
      const sql = Array.from({ length }, () => ALPHABET[Math.floor(rng() * ALPHABET.length)]).join("");
      const statements = split(dialect, sql);
      let previousEnd = 0;
      for (const s of statements) {
        expect(s.text.length).toBeGreaterThan(0);
        expect(s.text).toBe(s.text.trim());
        expect(s.offset).toBeGreaterThanOrEqual(previousEnd);
        expect(sql.slice(s.offset, s.offset + s.text.length)).toBe(s.text);
        expect(s.line).toBe(lineAt(sql, s.offset));
        previousEnd = s.offset + s.text.length;
      }
      const open = unterminatedOf(dialect, sql);
      if (open !== null) expect(open.line).toBeGreaterThanOrEqual(1);
    }
  });
});
