// SQLite's schema file reloads into an empty database to the same snapshot, objects SQLite makes
// itself (autoindexes, sqlite_sequence, a virtual table's shadow tables) included by their maker.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Connection } from "../../src/dialects/dialect.js";
import { sqliteDialect } from "../../src/dialects/sqlite/sqlite-dialect.js";

const dir = mkdtempSync(join(tmpdir(), "stratum-sqlite-dump-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dialect = (name: string) => sqliteDialect({ filename: join(dir, name), displayUrl: `sqlite:${name}` });

async function withDb<T>(name: string, work: (conn: Connection, d: ReturnType<typeof dialect>) => Promise<T>): Promise<T> {
  const d = dialect(name);
  const conn = await d.connect();
  try {
    return await work(conn, d);
  } finally {
    await conn.close();
    await d.dispose();
  }
}

describe("SQLite dumpSchema", () => {
  it("reloads every kind of object to an identical snapshot, and dumps again to the same text", async () => {
    const statements = [
      "CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT, a_id INTEGER REFERENCES a (id), v TEXT COLLATE NOCASE UNIQUE, g INTEGER GENERATED ALWAYS AS (id * 2) STORED) STRICT",
      "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x' CHECK (length(name) > 0)) WITHOUT ROWID",
      "ALTER TABLE a ADD COLUMN note TEXT",
      "CREATE VIRTUAL TABLE docs USING fts5(title, body)",
      "CREATE INDEX b_v_partial ON b (v) WHERE v IS NOT NULL",
      "CREATE VIEW v2 AS SELECT id FROM b",
      "CREATE VIEW v1 AS SELECT id FROM v2",
      "CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN INSERT INTO b (a_id) VALUES (NEW.id); END",
      "CREATE TABLE stratum_migrations (version TEXT PRIMARY KEY)",
      "CREATE INDEX stratum_migrations_idx ON stratum_migrations (version)",
    ];
    const exclude = ["stratum_migrations"];
    const [text, before] = await withDb("one.db", async (conn, d) => {
      for (const sql of statements) await conn.exec(sql);
      return [await d.dumpSchema!(conn, { exclude }), await d.describeSchema!(conn, { exclude })] as const;
    });
    expect(text).not.toContain("stratum_migrations");
    expect(text).not.toContain("docs_data");
    expect(text.indexOf("CREATE VIEW v2")).toBeLessThan(text.indexOf("CREATE VIEW v1"));
    const [again, after] = await withDb("two.db", async (conn, d) => {
      for (const statement of d.sql.split(text)) await conn.exec(statement.text);
      return [await d.dumpSchema!(conn, { exclude }), await d.describeSchema!(conn, { exclude })] as const;
    });
    expect(after).toEqual(before);
    expect(again).toBe(text);
  });
});
