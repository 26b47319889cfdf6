// A section whose file marks its statements (goose StatementBegin/End, drizzle breakpoints): the
// analysis and the run take those statements as given, never the dialect's splitter's cut.
import { describe, expect, it } from "vitest";
import type { SqlScript } from "../../../../src/core/types.js";
import { scriptFacts } from "../../../../src/sql/analysis/index.js";
import { sqlOf } from "../../../support/sql-by-name.js";

describe("scriptFacts honours SqlScript.statements", () => {
  // MySQL without DELIMITER would cut this body at its first `;`; the file marks it as one statement.
  const body = "CREATE PROCEDURE p()\nBEGIN\n  INSERT INTO audit VALUES (1);\n  INSERT INTO audit VALUES (2);\nEND";
  const text = `-- +goose StatementBegin\n${body};\n-- +goose StatementEnd\nCREATE INDEX i ON t (a);\n`;

  it("the marked texts are the statements, with their lines and offsets", () => {
    const script: SqlScript = {
      file: "00001_p.sql",
      text,
      startLine: 3,
      statements: [
        { text: body, line: 4, offset: 25 },
        { text: "-- nothing here", line: 10, offset: 140 },
        { text: "CREATE INDEX i ON t (a)", line: 10, offset: 170 },
      ],
    };
    const facts = scriptFacts(sqlOf("mysql"), script);
    expect(facts.statements.map((s) => [s.text, s.line, s.offset])).toEqual([
      [body, 4, 25],
      ["CREATE INDEX i ON t (a)", 10, 170],
    ]);
    expect(facts.unterminated).toBeNull();
    expect(facts.statements[0]?.tables.writes).toEqual(["audit"]);
    expect(facts.tables.creates).toEqual([]);
  });

  it("without marks the dialect splits the text as before", () => {
    const facts = scriptFacts(sqlOf("sqlite"), { file: "1_a.sql", text: "SELECT 1;\nSELECT 2;\n", startLine: 5 });
    expect(facts.statements.map((s) => [s.text, s.line])).toEqual([
      ["SELECT 1", 5],
      ["SELECT 2", 6],
    ]);
  });

  it("a marked statement's transaction facts come from what it holds", () => {
    const statement = "CREATE INDEX CONCURRENTLY i ON t (a)";
    const facts = scriptFacts(sqlOf("postgres"), { file: "1.sql", text: statement, startLine: 1, statements: [{ text: statement, line: 7, offset: 0 }] });
    expect(facts.statements).toHaveLength(1);
    expect(facts.statements[0]?.nonTransactionalReason).not.toBeNull();
    const commit = scriptFacts(sqlOf("postgres"), { file: "1.sql", text: "COMMIT", startLine: 1, statements: [{ text: "COMMIT", line: 1, offset: 0 }] });
    expect(commit.statements[0]?.transactionControl?.statement).toBe("COMMIT");
  });
});
