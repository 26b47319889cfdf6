// PostgreSQL's describeSchema following the changes of verify's shadow (followChanges,
// describe-follow.ts): an event trigger logs what each DDL command touches and a description reads
// only that again. What it gives back must be exactly what a fresh read gives after every kind of
// change — run by any session, in a DO block, in a function, outside a transaction — and where
// the trigger cannot be made (not superuser) or is disabled, the change markers serve instead.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { createDialect } from "../../src/dialects/create-dialect.js";
import type { Connection, Dialect } from "../../src/dialects/dialect.js";
import type { PostgresConnection } from "../../src/dialects/postgres/postgres-connection.js";
import { generatedSet, kindsSet } from "../support/schema-corpus.js";
import { DESCRIBE_STEPS } from "../support/postgres-describe-steps.js";
import { PG_URL, postgresTarget, type TestDb } from "../support/targets.js";

const HISTORY = ["stratum_migrations"];
const databases: TestDb[] = [];
afterAll(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

async function opened(url: string): Promise<{ dialect: Dialect; conn: Connection; close(): Promise<void> }> {
  const dialect = await createDialect({ url, cwd: process.cwd(), environment: {} });
  const conn = await dialect.connect();
  return {
    dialect,
    conn,
    close: async () => {
      await conn.close();
      await dialect.dispose();
    },
  };
}

const followed = (dialect: Dialect, conn: Connection) => dialect.describeSchema!(conn, { exclude: HISTORY, remember: true, followChanges: true });
const fresh = (dialect: Dialect, conn: Connection) => dialect.describeSchema!(conn, { exclude: HISTORY });

/** Whether the change log was made in the database `conn` is on. */
async function logged(conn: Connection): Promise<boolean> {
  const rows = await conn.query<{ n: string }>("select count(*)::text as n from pg_catalog.pg_event_trigger where evtname like 'stratum_verify_%'");
  return rows[0]?.n === "2";
}

/** Changes the log must scope, beyond DESCRIBE_STEPS: other sessions, DO blocks, functions, statements outside a transaction, cascades. */
const MORE_STEPS = [
  "create table p (id integer primary key, n integer)",
  "create index concurrently p_n on p (n)",
  "drop index concurrently p_n",
  // REINDEX CONCURRENTLY gives the index a new oid and raises no event (PostgreSQL 15): the drop after names the new one
  "create index p_n2 on p (n)",
  "reindex index concurrently p_n2",
  "drop index p_n2",
  "do $$ begin execute 'create table q (id integer references p (id), x integer default 4)'; end $$",
  "create function make_r() returns void language plpgsql as $$ begin create table r (id integer check (id > 0)); end $$",
  "select make_r()",
  "alter table p add constraint p_n_uq unique (n)",
  "alter table q add constraint q_x_fk foreign key (x) references p (n)",
  // the foreign key on q goes with p's unique constraint: q is read again from the dropped constraint's name
  "alter table p drop constraint p_n_uq cascade",
  "create table parted (id integer, at date) partition by range (at)",
  "create table parted_2025 (id integer, at date)",
  "alter table parted attach partition parted_2025 for values from ('2025-01-01') to ('2026-01-01')",
  "create index parted_at on parted (at)",
  "alter table parted detach partition parted_2025",
  "grant select on p to public",
  "comment on table p is 'p'",
  "comment on column p.n is 'n'",
  "alter table q add constraint q_x_ck check (x > 0)",
  "alter table q rename constraint q_x_ck to q_x_ck2",
  "set session_replication_role = replica",
  "alter table q alter column x set default 5",
  "reset session_replication_role",
  "create function q_touch() returns trigger language plpgsql as $$begin return new; end$$",
  "create trigger q_touch before insert on q for each row execute function q_touch()",
  "drop function q_touch() cascade",
  "create sequence q_seq owned by q.x",
  "alter table q alter column x set default nextval('q_seq')",
  "alter table q drop column x",
  "create schema other",
  "drop schema other",
  "alter table r rename to r2",
  "drop table q, r2, p",
];

it.concurrent("a followed description equals a fresh read after each change, by whichever session; an unchanged schema gives the same snapshot", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn, close } = await opened(db.url);
  const other = await opened(db.url);
  try {
    let previous = await followed(dialect, conn);
    expect(await logged(conn)).toBe(true);
    expect(previous).toEqual(await fresh(dialect, conn));
    const steps = [...DESCRIBE_STEPS, ...MORE_STEPS];
    for (const [i, statement] of steps.entries()) {
      // every other statement from another session: the log is the database's
      await (i % 2 === 0 ? conn : other.conn).exec(statement);
      const described = await followed(dialect, conn);
      expect(described, statement).toEqual(await fresh(dialect, conn));
      expect(await followed(dialect, conn), statement).toBe(described);
      previous = described;
    }
    // the log's schema is no part of any description
    expect(previous.schemas.map((s) => s.name)).not.toContain("_stratum_verify");
    // a migration that discards the session's temporary tables and prepared statements
    for (const statement of ["discard temp", "create table after_discard (id integer)", "discard all", "drop table after_discard"]) {
      await conn.exec(statement);
      expect(await followed(dialect, conn), statement).toEqual(await fresh(dialect, conn));
    }
    expect(await logged(conn)).toBe(true);
  } finally {
    await other.close();
    await close();
  }
});

it.concurrent("the generated set and every kind's migration, up, down and up again: each followed description equals a fresh read", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn, close } = await opened(db.url);
  try {
    for (const set of [kindsSet("postgres"), generatedSet("postgres", 120, 7)]) {
      await conn.exec("drop schema if exists public cascade; create schema public");
      for (const migration of set) {
        const before = await followed(dialect, conn);
        await conn.exec(migration.up);
        const afterUp = await followed(dialect, conn);
        expect(afterUp, migration.file).toEqual(await fresh(dialect, conn));
        if (migration.down === null) continue;
        await conn.exec(migration.down);
        const afterDown = await followed(dialect, conn);
        expect(afterDown, `${migration.file} down`).toEqual(await fresh(dialect, conn));
        expect(afterDown, `${migration.file} down`).toEqual(before);
        await conn.exec(migration.up);
        const again = await followed(dialect, conn);
        expect(again, `${migration.file} again`).toEqual(await fresh(dialect, conn));
        expect(again, `${migration.file} again`).toEqual(afterUp);
      }
    }
    expect(await logged(conn)).toBe(true);
  } finally {
    await close();
  }
}, 240_000);

it.concurrent("without the right to make an event trigger (not superuser), the change markers serve: nothing is made, each description equals a fresh read", async () => {
  const suffix = randomBytes(3).toString("hex");
  const role = `stratum_nosu_${suffix}`;
  const database = `stratum_nosu_db_${suffix}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create role ${role} login createdb`);
  await admin.query(`create database ${database} owner ${role}`);
  const url = new URL(PG_URL);
  url.username = role;
  url.pathname = `/${database}`;
  const { dialect, conn, close } = await opened(url.toString());
  try {
    await conn.exec("create table t (id integer primary key, a text)");
    expect(await followed(dialect, conn)).toEqual(await fresh(dialect, conn));
    expect(await logged(conn)).toBe(false);
    const schemas = await conn.query<{ n: string }>("select count(*)::text as n from pg_namespace where nspname = '_stratum_verify'");
    expect(schemas[0]?.n).toBe("0");
    for (const statement of ["create index t_a on t (a)", "alter table t add column b integer default 1", "drop index t_a", "alter table t rename column a to a2"]) {
      await conn.exec(statement);
      expect(await followed(dialect, conn), statement).toEqual(await fresh(dialect, conn));
    }
  } finally {
    await close();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  }
});

it.concurrent("an event trigger disabled or dropped by a migration: the change markers serve from then on", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn, close } = await opened(db.url);
  try {
    await conn.exec("create table t (id integer primary key, a text)");
    expect(await followed(dialect, conn)).toEqual(await fresh(dialect, conn));
    expect(await logged(conn)).toBe(true);
    // ALTER EVENT TRIGGER raises no event: the next description sees the trigger disabled
    await conn.exec("alter event trigger stratum_verify_ddl disable");
    for (const statement of ["create index t_a on t (a)", "alter table t add column b integer default 1", "drop event trigger stratum_verify_drop", "drop index t_a"]) {
      await conn.exec(statement);
      expect(await followed(dialect, conn), statement).toEqual(await fresh(dialect, conn));
    }
  } finally {
    await close();
  }
});

it.concurrent("a change to one table reads that table and what belongs to it, not every table", async () => {
  const db = await (await postgresTarget()).createDatabase();
  databases.push(db);
  const { dialect, conn, close } = await opened(db.url);
  try {
    for (let i = 1; i <= 30; i++) await conn.exec(`create table t${i} (id integer primary key, a text); create index t${i}_a on t${i} (a)`);
    await followed(dialect, conn);
    // the statements each description sends, with the rows each gave
    const sent: { sql: string; rows: unknown[] }[] = [];
    const pgConn = conn as unknown as PostgresConnection;
    const queryMany = pgConn.queryMany.bind(pgConn);
    pgConn.queryMany = async <R,>(reads: Parameters<PostgresConnection["queryMany"]>[0], around?: Parameters<PostgresConnection["queryMany"]>[1]): Promise<R[][]> => {
      const rows = await queryMany<R>(reads, around);
      reads.forEach((read, i) => sent.push({ sql: read.sql, rows: rows[i] ?? [] }));
      return rows;
    };
    await conn.exec("create index t7_id_a on t7 (id, a)");
    const described = await followed(dialect, conn);
    expect(sent.some((q) => q.sql.includes("_stratum_verify.changes"))).toBe(true);
    const columns = sent.filter((q) => q.sql.includes("relpersistence")).flatMap((q) => q.rows as { table_name: string }[]);
    expect(new Set(columns.map((r) => r.table_name))).toEqual(new Set(["public.t7"]));
    const indexes = sent.filter((q) => q.sql.includes("pg_get_indexdef(i.oid)")).flatMap((q) => q.rows as { name: string }[]);
    expect(indexes.map((r) => r.name).sort()).toEqual(["public.t7_a", "public.t7_id_a", "public.t7_pkey"]);
    expect(described).toEqual(await fresh(dialect, conn));
  } finally {
    await close();
  }
});
