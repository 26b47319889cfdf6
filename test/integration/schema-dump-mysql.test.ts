// The MySQL/MariaDB schema file: composed from SHOW CREATE, canonical (the same schema gives the
// same bytes whatever the creation order), split by the dialect's own splitter into exactly the
// statements written, and reloading into an empty database to an identical snapshot.

import { afterAll, expect, it } from "vitest";
import { createDialect } from "../../src/dialects/create-dialect.js";
import type { Dialect } from "../../src/dialects/dialect.js";
import { canonicalTable, dumpStatements } from "../../src/dialects/mysql/dump-schema.js";
import type { SchemaSnapshot } from "../../src/core/schema/index.js";
import { schemaObjects } from "../../src/core/schema/index.js";
import { eachTarget } from "../support/each-target.js";
import { mysqlTarget, type TestDb } from "../support/targets.js";

const HISTORY = ["stratum_migrations", "stratum_log"];

const TABLES = {
  customers: `create table customers (
    id bigint unsigned auto_increment primary key,
    email varchar(190) collate utf8mb4_bin not null,
    name varchar(100) not null default 'anon',
    status enum('new','active','gone') not null default 'new',
    flags set('a','b','c') default 'a,b',
    bio text,
    created datetime(3) not null default current_timestamp(3),
    updated timestamp not null default current_timestamp on update current_timestamp,
    score decimal(10,2) default 0.00 comment 'the score; with a semicolon',
    full_name varchar(300) as (concat(name, ' <', email, '>')) virtual,
    email_lower varchar(190) as (lower(email)) stored,
    unique key customers_email_uq (email),
    fulltext key customers_bio_ft (bio),
    key customers_name_prefix (name(10), status)
  ) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci comment='people'`,
  orders: `create table orders (
    id int auto_increment primary key,
    customer_id bigint unsigned not null,
    parent_id int null,
    amount int not null check (amount > 0),
    note varchar(50) character set latin1 collate latin1_swedish_ci,
    constraint orders_customer_fk foreign key (customer_id) references customers (id) on delete cascade on update restrict,
    constraint orders_parent_fk foreign key (parent_id) references orders (id) on delete set null,
    constraint orders_amount_cap check (amount < 1000000)
  )`,
  places: "create table places (id int primary key, pos point not null, label varchar(20), spatial index places_pos_sp (pos))",
  metrics: `create table metrics (id int not null, at date not null, primary key (id, at))
    partition by range (year(at)) (partition p2025 values less than (2026), partition pmax values less than maxvalue)`,
  history: "create table stratum_migrations (version bigint primary key, name varchar(100), applied_at datetime default current_timestamp)",
  historyLog: "create table stratum_log (id int auto_increment primary key, version bigint)",
};

const INDEXES = [
  "create index orders_amount_idx on orders (amount desc, customer_id)",
  "create unique index places_label_uq on places (label(8))",
  "create index orders_note_idx on orders (note) comment 'by note' ignored",
  "create index stratum_log_version on stratum_log (version)",
];

// Views named so that name order is not dependency order: a_big reads m_active reads z_active.
const VIEWS = [
  "create view z_active as select id, email from customers where status = 'active'",
  "create view m_active as select o.id, o.amount, a.email, add_one(o.amount) as next_amount from orders o join z_active a on a.id = o.customer_id",
  "create view a_big as select * from m_active where amount > 100",
];

const ROUTINES = [
  "create function add_one(x int) returns int deterministic return x + 1",
  `create function order_total(c bigint unsigned) returns int reads sql data
   begin
     declare t int;
     select coalesce(sum(amount), 0) into t from orders where customer_id = c; -- a comment; with a semicolon
     return t;
   end`,
  `create procedure reset_orders(in below int) modifies sql data
   begin
     delete from orders where amount < below;
     if below > 10 then
       select 'done; really' as message;
     end if;
   end`,
];

const TRIGGERS = [
  "create trigger orders_bi before insert on orders for each row begin if new.amount is null then set new.amount = 1; end if; end",
  "create trigger orders_au after update on orders for each row set @last_order = new.id",
  // Two triggers on one table, timing and event: the firing order (b before a) is kept.
  "create trigger places_b before insert on places for each row set new.label = coalesce(new.label, 'b')",
  "create trigger places_a before insert on places for each row follows places_b set new.label = concat(new.label, 'a')",
  "create trigger stratum_log_bi before insert on stratum_log for each row set new.version = coalesce(new.version, 0)",
];

const EVENTS = [
  "create event nightly on schedule every 1 day comment 'sweep' do delete from orders where amount is null",
  "create event hourly_off on schedule every '1:30' hour_minute on completion preserve disable do begin update orders set note = 'x' where id = 0; end",
];

const OTHER = [
  "create sequence invoice_numbers start with 100 increment by 5",
  // The server writes the default as nextval(`<database>`.`invoice_numbers`).
  "create table invoices (id int primary key, number bigint not null default nextval(invoice_numbers))",
];

const FIRST = [
  ...OTHER,
  TABLES.customers,
  TABLES.orders,
  TABLES.places,
  TABLES.metrics,
  TABLES.history,
  TABLES.historyLog,
  ...INDEXES,
  ...ROUTINES,
  ...VIEWS,
  ...TRIGGERS,
  ...EVENTS,
];

// The same objects in another order: history first, routines before tables, the events and
// triggers early, indexes and checks added afterwards, some data so the counters move.
const REORDERED = [
  TABLES.historyLog,
  TABLES.history,
  TABLES.metrics,
  ...[...ROUTINES].reverse(),
  TABLES.places,
  "create table customers_tmp (x int)",
  TABLES.customers,
  `create table orders (
    id int auto_increment primary key,
    customer_id bigint unsigned not null,
    parent_id int null,
    amount int not null check (amount > 0),
    note varchar(50) character set latin1 collate latin1_swedish_ci
  )`,
  "alter table orders add constraint orders_amount_cap check (amount < 1000000)",
  "alter table orders add constraint orders_parent_fk foreign key (parent_id) references orders (id) on delete set null",
  "alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id) on delete cascade on update restrict",
  "drop table customers_tmp",
  ...[...EVENTS].reverse(),
  ...[...INDEXES].reverse(),
  "create trigger places_a before insert on places for each row set new.label = concat(new.label, 'a')",
  "create trigger places_b before insert on places for each row precedes places_a set new.label = coalesce(new.label, 'b')",
  "create trigger stratum_log_bi before insert on stratum_log for each row set new.version = coalesce(new.version, 0)",
  TRIGGERS[1] as string,
  TRIGGERS[0] as string,
  ...OTHER,
  ...VIEWS,
  "insert into customers (email) values ('a@example.com'), ('b@example.com')",
  "insert into orders (customer_id, amount) values (1, 5), (2, 7)",
  "insert into stratum_log (version) values (1)",
];

const databases: TestDb[] = [];
afterAll(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

interface Opened {
  dialect: Dialect;
  run<T>(body: (conn: Awaited<ReturnType<Dialect["connect"]>>) => Promise<T>): Promise<T>;
}

async function open(db: TestDb): Promise<Opened> {
  const dialect = await createDialect({ url: db.url, cwd: process.cwd(), environment: {} });
  return {
    dialect,
    async run(body) {
      const conn = await dialect.connect();
      try {
        return await body(conn);
      } finally {
        await conn.close();
      }
    },
  };
}

async function build(target: Awaited<ReturnType<typeof mysqlTarget>>, statements: readonly string[]) {
  const db = await target.createDatabase();
  databases.push(db);
  const opened = await open(db);
  await opened.run(async (conn) => {
    for (const sql of statements) await conn.exec(sql);
  });
  const dump = (exclude = HISTORY) => opened.run((conn) => opened.dialect.dumpSchema!(conn, { exclude }));
  const describe = () => opened.run((conn): Promise<SchemaSnapshot> => opened.dialect.describeSchema!(conn, { exclude: HISTORY }));
  return { db, opened, dump, describe, dispose: () => opened.dialect.dispose() };
}

// MySQL 8 prints what MariaDB does not: version comments, functional keys, no display widths.
it("makes a MySQL 8 SHOW CREATE TABLE canonical: no counter, no version comments, keys and constraints by name", () => {
  const mysql8 = [
    "CREATE TABLE `t` (",
    "  `id` int NOT NULL AUTO_INCREMENT,",
    "  `a` varchar(10) COLLATE utf8mb4_bin DEFAULT NULL /*!80023 INVISIBLE */,",
    "  `b` decimal(5,2) DEFAULT NULL,",
    "  PRIMARY KEY (`id`),",
    "  UNIQUE KEY `z_uq` (`a`,`b`),",
    "  KEY `m_fn` ((lower(`a`))),",
    "  KEY `a_idx` (`b`) /*!80000 INVISIBLE */,",
    "  CONSTRAINT `t_fk` FOREIGN KEY (`id`) REFERENCES `u` (`id`) ON DELETE CASCADE,",
    "  CONSTRAINT `t_chk` CHECK ((`b` > 0)) /*!80016 NOT ENFORCED */",
    ") ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
    "/*!50100 PARTITION BY HASH (`id`)",
    "PARTITIONS 4 */",
  ].join("\n");
  expect(canonicalTable(mysql8)).toBe(
    [
      "CREATE TABLE `t` (",
      "  `id` int NOT NULL AUTO_INCREMENT,",
      "  `a` varchar(10) COLLATE utf8mb4_bin DEFAULT NULL INVISIBLE,",
      "  `b` decimal(5,2) DEFAULT NULL,",
      "  PRIMARY KEY (`id`),",
      "  KEY `a_idx` (`b`) INVISIBLE,",
      "  KEY `m_fn` ((lower(`a`))),",
      "  UNIQUE KEY `z_uq` (`a`,`b`),",
      "  CONSTRAINT `t_chk` CHECK ((`b` > 0)) NOT ENFORCED,",
      "  CONSTRAINT `t_fk` FOREIGN KEY (`id`) REFERENCES `u` (`id`) ON DELETE CASCADE",
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
      "PARTITION BY HASH (`id`)",
      "PARTITIONS 4",
    ].join("\n"),
  );
});

eachTarget([await mysqlTarget()], "the MySQL/MariaDB schema file", (target) => {
  it.concurrent("reloads, statement by statement with the dialect's splitter, to an identical snapshot and identical text", async () => {
    const source = await build(target, FIRST);
    const empty = await build(target, []);
    try {
      const file = await source.dump();
      const written = await source.opened.run((conn) => dumpStatements(conn, { exclude: HISTORY }));
      const statements = source.opened.dialect.sql.split(file).map((s) => s.text);
      // The splitter gives back exactly the statements written, with or without DELIMITER support.
      expect(statements).toEqual(written);
      expect(source.opened.dialect.sql.split(file, { allowDelimiter: false }).map((s) => s.text)).toEqual(written);
      expect(written.filter((s) => /^CREATE (FUNCTION|PROCEDURE|TRIGGER|EVENT)\b/i.test(s))).toHaveLength(9);
      expect(file).not.toMatch(/AUTO_INCREMENT=\d|DEFINER\s*=|\/\*!|stratum_|delimiter/i);

      await empty.opened.run(async (conn) => {
        for (const sql of statements) await conn.exec(sql);
      });
      const before = await source.describe();
      const after = await empty.describe();
      expect(after).toEqual(before);
      expect(await empty.dump()).toBe(file);

      const seen = schemaObjects(before).map((o) => `${o.kind} ${o.name}`);
      for (const object of [
        "sequence invoice_numbers", "table invoices", "table customers", "table metrics", "table orders", "table places", "view a_big", "view m_active",
        "view z_active", "index customers.customers_bio_ft", "index places.places_pos_sp", "index places.places_label_uq",
        "function add_one(int(11))", "function order_total(bigint(20) unsigned)", "procedure reset_orders(int(11))",
        "trigger orders_bi", "trigger places_a", "event nightly", "event hourly_off",
      ]) {
        expect(seen).toContain(object);
      }
      const orders = before.tables.find((table) => table.name === "orders");
      expect(orders?.constraints).toEqual([
        { name: "PRIMARY", type: "primary", definition: "PRIMARY KEY (`id`)" },
        { name: "amount", type: "check", definition: "CHECK (`amount` > 0)" },
        { name: "orders_amount_cap", type: "check", definition: "CHECK (`amount` < 1000000)" },
        { name: "orders_customer_fk", type: "foreign", definition: "FOREIGN KEY (`customer_id`) REFERENCES customers(`id`) ON UPDATE RESTRICT ON DELETE CASCADE" },
        { name: "orders_parent_fk", type: "foreign", definition: "FOREIGN KEY (`parent_id`) REFERENCES orders(`id`) ON UPDATE RESTRICT ON DELETE SET NULL" },
      ]);
      expect(before.tables.find((table) => table.name === "invoices")?.columns[1]?.default).toBe("nextval(`invoice_numbers`)");
      expect(orders?.columns.find((column) => column.name === "note")?.collation).toBe("latin1_swedish_ci");
      const customers = before.tables.find((table) => table.name === "customers");
      expect(customers?.constraints.map((c) => `${c.type} ${c.definition}`)).toContain("unique UNIQUE (`email`)");
      expect(customers?.definition).toBe('ENGINE=InnoDB COLLATE=utf8mb4_unicode_ci COMMENT="people"');
      expect(customers?.columns.find((column) => column.name === "updated")?.onUpdate).toMatch(/current_timestamp/i);
      expect(customers?.columns.find((column) => column.name === "full_name")?.generated).toMatch(/ virtual$/);
      expect(customers?.columns.find((column) => column.name === "email_lower")?.generated).toMatch(/ stored$/);
      expect(before.indexes.find((index) => index.name === "orders.orders_note_idx")?.definition).toBe("COMMENT 'by note' IGNORED");
      // The firing order of places_b then places_a survives the reload.
      const order = await empty.opened.run((conn) =>
        conn.query("select trigger_name as name from information_schema.triggers where trigger_schema = database() and event_object_table = 'places' order by action_order"),
      );
      expect(order.map((r) => r["name"])).toEqual(["places_b", "places_a"]);
    } finally {
      await source.dispose();
      await empty.dispose();
    }
  });

  it.concurrent("is byte-identical for the same objects created in different orders, and leaves excluded tables out", async () => {
    const one = await build(target, FIRST);
    const two = await build(target, REORDERED);
    try {
      const first = await one.dump();
      expect(await two.dump()).toBe(first);
      expect(await two.describe()).toEqual(await one.describe());
      expect(first).not.toMatch(/stratum_migrations|stratum_log/);
      const withHistory = await one.dump([]);
      expect(withHistory).toMatch(/CREATE TABLE `stratum_migrations`/);
      expect(withHistory).toMatch(/CREATE TABLE `stratum_log`/);
      expect(withHistory).toMatch(/TRIGGER `?stratum_log_bi/i);
    } finally {
      await one.dispose();
      await two.dispose();
    }
  });
});
