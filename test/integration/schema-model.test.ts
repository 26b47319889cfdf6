// The neutral schema model on real servers: the same schema built in two different orders gives
// the same snapshot, every kind of object is seen, and Stratum's history tables are left out.
import { afterEach, expect, it } from "vitest";
import { schemaObjects, type SchemaSnapshot } from "../../src/core/schema/index.js";
import { createDialect } from "../../src/dialects/create-dialect.js";
import { describeEachTarget } from "../support/each-target.js";
import type { TargetName, TestDb } from "../support/targets.js";

const HISTORY = ["stratum_migrations", "stratum_migrations_log"];

interface Script {
  /** Statements in one order; `reordered` the same schema built another way. */
  readonly first: readonly string[];
  readonly reordered: readonly string[];
  /** `kind name` of objects that must appear. */
  readonly expected: readonly string[];
  /** Objects the server makes on its own (a range type's constructors) that must not appear. */
  readonly serverMade?: RegExp;
}

const history = (table: string, serial: string) => [
  `create table ${HISTORY[0]} (version varchar(40) primary key, name varchar(200))`,
  `create table ${HISTORY[1]} (id ${serial}, ${table})`,
];

const PG_TYPES = [
  "create type app.mood as enum ('sad', 'ok', 'happy')",
  "create type app.pair as (a integer, b text)",
  "create domain app.positive as integer not null check (value > 0)",
  "create type app.floatrange as range (subtype = float8)",
];
const PG_TABLES = [
  `create table app.customers (id bigint generated always as identity primary key, email text collate "C" not null unique,
     mood app.mood default 'ok', total numeric(10, 2) generated always as (0) stored)`,
  `create table app.orders (id serial primary key, customer_id bigint not null constraint orders_customer_fk references app.customers (id) on delete cascade,
     amount app.positive, during tsrange, constraint orders_amount_check check (amount < 1000000),
     constraint orders_no_overlap exclude using gist (during with &&))`,
];
const PG_REST = [
  "create sequence app.invoice_numbers start 100 increment 5",
  "create index orders_recent_idx on app.orders (customer_id, lower(during)) where amount > 10",
  "create view app.big_orders as select id, amount from app.orders where amount > 100",
  "create materialized view app.order_totals as select customer_id, count(*) as n from app.orders group by customer_id",
  "create function app.add_one(x integer) returns integer language sql immutable as 'select x + 1'",
  "create function app.add_one(x text) returns text language sql immutable as $$select x || '1'$$",
  "create procedure app.reset_orders() language sql as $$delete from app.orders$$",
  "create function app.touch() returns trigger language plpgsql as $$begin return new; end$$",
  "create trigger orders_touch before insert or update on app.orders for each row execute function app.touch()",
];

const SCRIPTS: Record<TargetName, Script> = {
  postgres: {
    first: ["create extension pgcrypto", "create schema app", ...PG_TYPES, ...PG_TABLES, ...PG_REST, ...history("id2 int", "bigserial primary key")],
    reordered: [
      ...history("id2 int", "bigserial primary key"),
      "create schema app",
      ...[...PG_TYPES].reverse(),
      ...PG_TABLES,
      ...[...PG_REST].reverse().filter((s) => !s.startsWith("create trigger")),
      "create trigger orders_touch before update or insert on app.orders for each row execute function app.touch()",
      "create extension pgcrypto",
    ],
    expected: [
      "schema app", "schema public", "extension pgcrypto", "type app.mood", "type app.pair", "type app.positive", "type app.floatrange",
      "sequence app.invoice_numbers", "sequence app.orders_id_seq", "table app.customers", "table app.orders", "view app.big_orders",
      "materialized view app.order_totals", "index app.orders_recent_idx", "index app.customers_email_key",
      "function app.add_one(integer)", "function app.add_one(text)", "procedure app.reset_orders()", "function app.touch()",
      "trigger app.orders.orders_touch",
    ],
    serverMade: /floatrange\(|floatmultirange|gen_random_uuid|pgp_/,
  },
  mysql: {
    first: [
      "create table customers (id bigint auto_increment primary key, email varchar(100) collate utf8mb4_bin not null unique, updated timestamp not null default current_timestamp on update current_timestamp)",
      "create table orders (id int auto_increment primary key, customer_id bigint not null, amount int, doubled int as (amount * 2) stored, constraint orders_customer_fk foreign key (customer_id) references customers (id) on delete cascade, constraint orders_amount_check check (amount > 0))",
      "create index orders_amount_idx on orders (amount, customer_id)",
      "create view big_orders as select id, amount from orders where amount > 100",
      "create function add_one(x int) returns int deterministic return x + 1",
      "create procedure reset_orders() delete from orders",
      "create trigger orders_touch before insert on orders for each row set new.amount = coalesce(new.amount, 1)",
      "create event nightly on schedule every 1 day do delete from orders where amount is null",
      "create sequence invoice_numbers start with 100 increment by 5",
      ...history("id2 int", "bigint auto_increment primary key"),
    ],
    reordered: [
      ...history("id2 int", "bigint auto_increment primary key"),
      "create sequence invoice_numbers start with 100 increment by 5",
      "create procedure reset_orders() delete from orders",
      "create function add_one(x int) returns int deterministic return x + 1",
      "create table customers (id bigint auto_increment primary key, email varchar(100) collate utf8mb4_bin not null unique, updated timestamp not null default current_timestamp on update current_timestamp)",
      "create table orders (id int auto_increment primary key, customer_id bigint not null, amount int, doubled int as (amount * 2) stored)",
      "alter table orders add constraint orders_amount_check check (amount > 0)",
      "alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id) on delete cascade",
      "create index orders_amount_idx on orders (amount, customer_id)",
      "create event nightly on schedule every 1 day do delete from orders where amount is null",
      "create trigger orders_touch before insert on orders for each row set new.amount = coalesce(new.amount, 1)",
      "create view big_orders as select id, amount from orders where amount > 100",
    ],
    expected: [
      "sequence invoice_numbers", "table customers", "table orders", "view big_orders", "index orders.orders_amount_idx",
      "index customers.email", "function add_one(int(11))", "procedure reset_orders()", "trigger orders_touch", "event nightly",
    ],
  },
  sqlite: {
    first: [
      "create table customers (id integer primary key autoincrement, email text not null unique collate nocase)",
      "create table orders (id integer primary key, customer_id integer not null references customers (id) on delete cascade, amount integer check (amount > 0), doubled integer generated always as (amount * 2) stored)",
      "create index orders_amount_idx on orders (amount, customer_id) where amount > 10",
      "create view big_orders as select id, amount from orders where amount > 100",
      "create trigger orders_touch after insert on orders begin update orders set amount = 1 where id = new.id and amount is null; end",
      ...history("id2 int", "integer primary key"),
    ],
    reordered: [
      ...history("id2 int", "integer primary key"),
      "create table orders (id integer primary key, customer_id integer not null references customers (id) on delete cascade, amount integer check (amount > 0), doubled integer generated always as (amount * 2) stored)",
      "create view big_orders as select id, amount from orders where amount > 100",
      "create table customers (id integer primary key autoincrement, email text not null unique collate nocase)",
      "create trigger orders_touch after insert on orders begin update orders set amount = 1 where id = new.id and amount is null; end",
      "create index orders_amount_idx on orders (amount, customer_id) where amount > 10",
    ],
    expected: ["table customers", "table orders", "view big_orders", "index orders_amount_idx", "trigger orders_touch"],
  },
};

const databases: TestDb[] = [];
afterEach(async () => {
  for (const db of databases.splice(0)) await db.drop();
});

async function build(db: TestDb, statements: readonly string[]): Promise<SchemaSnapshot> {
  const dialect = await createDialect({ url: db.url, cwd: process.cwd(), environment: {} });
  const conn = await dialect.connect();
  try {
    for (const sql of statements) await conn.exec(sql);
    if (!dialect.describeSchema) throw new Error(`${dialect.name} cannot describe its schema`);
    return await dialect.describeSchema(conn, { exclude: HISTORY });
  } finally {
    await conn.close();
    await dialect.dispose();
  }
}

await describeEachTarget("the neutral schema model", (target) => {
  const script = SCRIPTS[target.name];

  it("gives identical snapshots for the same schema built in two orders, with every kind and without history tables", async () => {
    const one = await target.createDatabase();
    databases.push(one);
    const two = await target.createDatabase();
    databases.push(two);
    const first = await build(one, script.first);
    const second = await build(two, script.reordered);
    expect(second).toEqual(first);

    const seen = schemaObjects(first).map((o) => `${o.kind} ${o.name}`);
    for (const object of script.expected) expect(seen).toContain(object);
    expect(seen.filter((s) => /stratum_migrations/.test(s))).toEqual([]);
    if (script.serverMade) expect(seen.filter((s) => script.serverMade?.test(s))).toEqual([]);
    // Deterministic: a second read gives the same snapshot, in the same order.
    expect(JSON.stringify(await build(one, []))).toBe(JSON.stringify(first));
  });
});
