import { describe, expect, it } from "vitest";
import { schemaText, type MasterObject } from "../../../src/dialects/sqlite/dump-schema.js";

const row = (type: string, name: string, sql: string, table = name): MasterObject => ({ type, name, tbl_name: table, sql });

describe("SQLite's schema file text", () => {
  const rows = [
    row("trigger", "b_trigger", "CREATE TRIGGER b_trigger AFTER INSERT ON t BEGIN SELECT 1; END", "t"),
    row("view", "a_view", 'CREATE VIEW a_view AS SELECT * FROM "m_view" WHERE x = \'z_view\''),
    row("index", "t_idx", "CREATE INDEX t_idx ON t (x)", "t"),
    row("view", "m_view", "CREATE VIEW m_view AS SELECT * FROM [z_view] -- a_view"),
    row("table", "t", "CREATE TABLE t (x INTEGER)"),
    row("view", "z_view", "CREATE VIEW z_view AS SELECT x FROM t"),
    row("table", "stratum_migrations", "CREATE TABLE stratum_migrations (version TEXT)"),
    row("index", "history_idx", "CREATE INDEX history_idx ON stratum_migrations (version)", "stratum_migrations"),
    row("table", "a", "CREATE TABLE a (y INTEGER)\n"),
  ];

  it("orders tables, indexes, views (each after the views it reads), triggers, each sorted by name", () => {
    const names = [...schemaText(rows, ["STRATUM_MIGRATIONS"]).matchAll(/^CREATE (?:TABLE|INDEX|VIEW|TRIGGER) (\w+)/gm)].map((m) => m[1]);
    // a string literal and a comment naming a view are no dependency; quoted names are
    expect(names).toEqual(["a", "t", "t_idx", "z_view", "m_view", "a_view", "b_trigger"]);
  });

  it("leaves out the excluded tables with their indexes, ends each statement with ; and a blank line between", () => {
    const text = schemaText(rows, ["stratum_migrations"]);
    expect(text).not.toContain("stratum_migrations");
    expect(text).not.toContain("history_idx");
    expect(text.startsWith("CREATE TABLE a (y INTEGER);\n\nCREATE TABLE t (x INTEGER);\n\n")).toBe(true);
    expect(text.endsWith("END;\n")).toBe(true);
  });

  it("is the same whatever order sqlite_master lists the objects in", () => {
    expect(schemaText([...rows].reverse(), [])).toBe(schemaText(rows, []));
  });
});
