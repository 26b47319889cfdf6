// The statement text SQLite runs: each statement as the sqlite3 shell hands it to SQLite.

import { describe, expect, it } from "vitest";
import { endsInLineComment, shellStatement } from "../../../src/dialects/sqlite/sql/exact-text.js";
import { sqliteSql } from "../../../src/dialects/sqlite/sql/sqlite-sql.js";
import { splitSqlite } from "../../../src/dialects/sqlite/sql/split.js";

const run = (script: string) => sqliteSql.analyse(script, 1).statements.map((s) => s.text);

describe("the SQLite statements a run executes", () => {
  it.each([
    ["what lies before the `;` is kept", "CREATE INDEX i ON t (a) -- why\n;\nSELECT 1;", ["CREATE INDEX i ON t (a) -- why\n", "SELECT 1"]],
    ["CRLF line endings become LF, as the shell reads lines", "CREATE TABLE b (\r\n  y INTEGER\r\n);\r\n", ["CREATE TABLE b (\n  y INTEGER\n)"]],
    ["several on one line", "CREATE TABLE c (z); CREATE INDEX c_z ON c (z) ;", ["CREATE TABLE c (z)", "CREATE INDEX c_z ON c (z) "]],
    ["a last statement without `;` runs to the end, less the final line ending", "SELECT 1;\nCREATE INDEX i ON t (a) -- last\n\n", ["SELECT 1", "CREATE INDEX i ON t (a) -- last\n"]],
    ["a trigger keeps its body and what follows END", "CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END /* t */;", ["CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END /* t */"]],
  ])("%s", (_name, script, texts) => {
    expect(run(script)).toEqual(texts);
  });

  it("keeps lines, offsets and the splitter's own texts as they were", () => {
    const script = "-- head\nCREATE INDEX i ON t (a) -- why\n;\n";
    const [split] = splitSqlite(script);
    expect(split).toEqual({ text: "CREATE INDEX i ON t (a)", line: 2, offset: 8 });
    expect(shellStatement(script, split!)).toEqual({ text: "CREATE INDEX i ON t (a) -- why\n", line: 2, offset: 8 });
    const [analysed] = sqliteSql.analyse(script, 1).statements;
    expect([analysed?.line, analysed?.offset]).toEqual([2, 8]);
  });

  it.each([
    ["SELECT 1 -- c", true],
    ["SELECT '--' AS x", false],
    ["SELECT 1 -- c\n", false],
    ["SELECT 1 /* -- */", false],
    ["SELECT 1", false],
  ])("endsInLineComment(%j) = %s", (text, expected) => {
    expect(endsInLineComment(text)).toBe(expected);
  });
});
