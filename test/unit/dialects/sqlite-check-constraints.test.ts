// SQLite's CHECK constraints read from the CREATE TABLE text (no pragma lists them): column and
// table constraints, named or not, past strings, quoted names and comments.
import { describe, expect, it } from "vitest";
import { checkConstraints } from "../../../src/dialects/sqlite/check-constraints.js";

const names = (sql: string) => checkConstraints(sql).map((c) => [c.name, c.definition]);

describe("checkConstraints (SQLite)", () => {
  it("finds column and table constraints in the order written, named by expression or by CONSTRAINT name", () => {
    const sql = `CREATE TABLE t (
      id INTEGER PRIMARY KEY,
      qty INTEGER CHECK (qty >= 0),
      code TEXT CONSTRAINT code_set CHECK (length(code) > 0),
      CHECK   (qty <
        (1000 * (2 + 1))),
      CONSTRAINT "odd name" CHECK (qty <> 7)
    )`;
    expect(names(sql)).toEqual([
      ["check (qty >= 0)", "CHECK (qty >= 0)"],
      ["code_set", "CHECK (length(code) > 0)"],
      ["check (qty < (1000 * (2 + 1)))", "CHECK (qty < (1000 * (2 + 1)))"],
      ["odd name", "CHECK (qty <> 7)"],
    ]);
    expect(checkConstraints(sql).every((c) => c.type === "check")).toBe(true);
  });

  it("ignores the word in strings, quoted names, longer words and comments; keeps a parenthesis inside a string", () => {
    const sql = `CREATE TABLE t (
      "check" TEXT DEFAULT 'check (x)', -- check (in a comment)
      checked INTEGER, /* CHECK (nor here) */ [check] INTEGER,
      note TEXT CHECK (note <> ')' AND note <> 'it''s')
    )`;
    expect(names(sql)).toEqual([["check (note <> ')' AND note <> 'it''s')", "CHECK (note <> ')' AND note <> 'it''s')"]]);
  });

  it("keeps two unnamed constraints with the same expression apart; nothing for no text or no constraint", () => {
    expect(names("CREATE TABLE t (a INTEGER CHECK (a > 0), CHECK (a > 0))").map(([n]) => n)).toEqual(["check (a > 0)", "check (a > 0) #2"]);
    expect(checkConstraints(null)).toEqual([]);
    expect(checkConstraints("CREATE TABLE t (a INTEGER)")).toEqual([]);
  });
});
