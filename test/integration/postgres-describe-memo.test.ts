// PostgreSQL's describeSchema remembers its last two descriptions (verify describes the same shadow
// three times per migration) and reads again only the objects whose catalog rows changed: what it
// gives back must be exactly what a fresh read gives, after every kind of change, and an
// unchanged schema gives the very same snapshot object.
import { afterAll, expect, it } from "vitest";
import { createDialect } from "../../src/dialects/create-dialect.js";
import { diffSchemas, type SchemaSnapshot } from "../../src/core/schema/index.js";
import type { Connection, Dialect, Queryable } from "../../src/dialects/dialect.js";
import { DESCRIBE_STEPS as STEPS } from "../support/postgres-describe-steps.js";
import { postgresTarget, type TestDb } from "../support/targets.js";

const HISTORY = ["stratum_migrations"];
const databases: TestDb[] = [];
afterAll(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});


async function opened(db: TestDb): Promise<{ dialect: Dialect; conn: Connection }> {
  const dialect = await createDialect({ url: db.url, cwd: process.cwd(), environment: {} });
  return { dialect, conn: await dialect.connect() };
}

it.concurrent("a remembered description equals a fresh read after each change; an unchanged schema gives the same snapshot", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn } = await opened(db);
  const remembered = () => dialect.describeSchema!(conn, { exclude: HISTORY, remember: true });
  const fresh = () => dialect.describeSchema!(conn, { exclude: HISTORY });
  try {
    let previous = await remembered();
    expect(previous).toEqual(await fresh());
    for (const statement of STEPS) {
      await conn.exec(statement);
      const described = await remembered();
      expect(described, statement).toEqual(await fresh());
      // the excluded history table changes nothing described; every other statement changes something
      if (statement.includes("stratum_migrations")) expect(described, statement).toEqual(previous);
      else expect(described, statement).not.toEqual(previous);
      // nothing changed since: the same object, which verify compares without diffing
      expect(await remembered(), statement).toBe(described);
      previous = described;
    }
  } finally {
    await conn.close();
    await dialect.dispose();
  }
});

it.concurrent("an up, down and up again as verify runs them: each description equals a fresh read", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn } = await opened(db);
  // counts the queries each description sends: a remembered one reads only what changed
  let queries = 0;
  const counted: Queryable = { query: (sql, params, options) => (queries++, conn.query(sql, params, options)), exec: (sql) => conn.exec(sql) };
  const count = async (describe: () => Promise<SchemaSnapshot>): Promise<[SchemaSnapshot, number]> => {
    queries = 0;
    const snapshot = await describe();
    return [snapshot, queries];
  };
  const remembered = () => dialect.describeSchema!(counted, { exclude: HISTORY, remember: true });
  const fresh = () => dialect.describeSchema!(counted, { exclude: HISTORY });
  const migrations: [up: string, down: string][] = [
    ["create table t1 (id serial primary key, a text)", "drop table t1"],
    ["alter table t1 add column b integer default 3", "alter table t1 drop column b"],
    ["create index t1_a on t1 (a)", "drop index t1_a"],
    ["create view v1 as select id, a from t1", "drop view v1"],
    ["create or replace view v1 as select id, a || 'x' as a from t1", "create or replace view v1 as select id, a from t1"],
    ["create type e as enum ('x'); alter table t1 add column e e", "alter table t1 drop column e; drop type e"],
    ["alter table t1 rename column a to a1", "alter table t1 rename column a1 to a"],
  ];
  try {
    for (const [up, down] of migrations) {
      const before = await remembered();
      await conn.exec(up);
      const afterUp = await remembered();
      expect(afterUp, up).toEqual(await fresh());
      await conn.exec(down);
      const afterDown = await remembered();
      expect(afterDown, down).toEqual(await fresh());
      expect(afterDown, down).toEqual(before);
      await conn.exec(up);
      const [again, rememberedQueries] = await count(remembered);
      const [freshly, freshQueries] = await count(fresh);
      expect(again, up).toEqual(freshly);
      expect(again, up).toEqual(afterUp);
      // only what changed is read again (a rename is printed by other objects: everything is)
      if (!up.includes("rename")) expect(rememberedQueries, up).toBeLessThan(freshQueries);
    }
  } finally {
    await conn.close();
    await dialect.dispose();
  }
});

it.concurrent("inside a transaction that writes, a row written again is read again", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn } = await opened(db);
  const remembered = () => dialect.describeSchema!(conn, { exclude: HISTORY, remember: true });
  const fresh = () => dialect.describeSchema!(conn, { exclude: HISTORY });
  try {
    await remembered();
    await conn.begin();
    await conn.exec("create table t1 (id integer, a text)");
    expect(await remembered()).toEqual(await fresh());
    // the column's pg_attribute row is written again by the same transaction: the same xmin
    await conn.exec("alter table t1 alter column a set not null");
    const inside = await remembered();
    expect(inside).toEqual(await fresh());
    expect(inside.tables[0]?.columns[1]?.nullable).toBe(false);
    await conn.commit();
    expect(await remembered()).toEqual(await fresh());
  } finally {
    await conn.close();
    await dialect.dispose();
  }
});

it.concurrent("a down that leaves an object its statements do not name is seen: each remembered description, its reads sent together, equals a fresh read", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn } = await opened(db);
  // the real connection: the changed objects are read in one round trip (PostgresConnection.queryMany)
  const remembered = () => dialect.describeSchema!(conn, { exclude: HISTORY, remember: true });
  const fresh = () => dialect.describeSchema!(conn, { exclude: HISTORY });
  await conn.exec("create table untouched (id integer primary key, a text); create table t1 (id integer primary key, b integer)");
  // [up, down that leaves something behind, what diffSchemas names: kind and object]
  const leaky: [up: string, down: string, kind: string, name: string][] = [
    ["create index t1_b on t1 (b); create index untouched_a on untouched (a)", "drop index t1_b", "index", "public.untouched_a"],
    ["alter table t1 add column c integer; create sequence s1", "alter table t1 drop column c", "sequence", "public.s1"],
    ["create view v1 as select id from t1; create function f1() returns integer language sql as 'select 1'", "drop view v1", "function", "public.f1()"],
    ["alter table t1 add column d text; create type ty1 as enum ('a', 'b')", "alter table t1 drop column d", "type", "public.ty1"],
  ];
  try {
    for (const [up, down, kind, name] of leaky) {
      const before = await remembered();
      await conn.exec(up);
      const afterUp = await remembered();
      expect(afterUp, up).toEqual(await fresh());
      await conn.exec(down);
      const afterDown = await remembered();
      expect(afterDown, down).toEqual(await fresh());
      const left = diffSchemas(before, afterDown);
      expect(left, down).toEqual([expect.objectContaining({ change: "added", kind, name })]);
      // the next cycle starts from what this down left
      await conn.exec(up.split("; ")[0]!);
    }
  } finally {
    await conn.close();
    await dialect.dispose();
  }
});
