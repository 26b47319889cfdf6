// SQLite's describeSchema remembers its last two descriptions (verify describes the same shadow
// three times per migration): what it gives back must be exactly what a fresh read gives, after
// every kind of change, and an unchanged schema gives the very same snapshot object.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createDialect } from "../../src/dialects/create-dialect.js";
import type { Connection, Dialect } from "../../src/dialects/dialect.js";

const dir = mkdtempSync(join(tmpdir(), "stratum-describe-memo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = (file: string) => createDialect({ url: `sqlite:${join(dir, file)}`, cwd: dir, environment: {} });

async function described(dialect: Dialect, conn?: Connection) {
  const own = conn ?? (await dialect.connect());
  try {
    return await dialect.describeSchema!(own, { exclude: ["stratum_migrations"], remember: true });
  } finally {
    if (conn === undefined) await own.close();
  }
}

it("a remembered description equals a fresh read after each change; an unchanged schema gives the same snapshot", async () => {
  const dialect = await open("memo.db");
  const conn = await dialect.connect();
  try {
    const steps = [
      "create table t1 (id integer primary key, a text, b integer references t2)",
      "create table t2 (id integer primary key, name text unique)",
      "create index t1_a on T1 (a)",
      "alter table t1 add column c text default 'x' not null",
      "create unique index t1_b on t1 (b) where b > 0",
      "create table stratum_migrations (version text primary key)",
      "create view v1 as select id, a from t1",
      "create trigger t1_touch after update on t1 begin update t2 set name = name; end",
      "drop index t1_a",
      "alter table t1 drop column c",
      "drop table t2",
    ];
    let previous = await described(dialect, conn);
    for (const statement of steps) {
      await conn.exec(statement);
      const remembered = await described(dialect, conn);
      const fresh = await open("memo.db");
      try {
        expect(remembered, statement).toEqual(await described(fresh));
      } finally {
        await fresh.dispose();
      }
      // the excluded history table changes nothing described; every other statement changes something
      if (statement.includes("stratum_migrations")) expect(remembered, statement).toEqual(previous);
      else expect(remembered, statement).not.toEqual(previous);
      // nothing changed since: the same object, which verify compares without diffing
      expect(await described(dialect, conn)).toBe(remembered);
      previous = remembered;
    }
    // back to a schema described before: the same content as that earlier description
    await conn.exec("create table t2 (id integer primary key, name text unique)");
    const again = await described(dialect, conn);
    const fresh = await open("memo.db");
    try {
      expect(again).toEqual(await described(fresh));
    } finally {
      await fresh.dispose();
    }
    expect(again.tables.map((t) => t.name).sort()).toEqual(["t1", "t2"]);
  } finally {
    await conn.close();
    await dialect.dispose();
  }
});
