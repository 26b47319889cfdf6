// Migration corpora for round-trip checks (issue 13): per dialect, a set with one migration per
// object kind, variants of it whose down forgets or wrongly drops an object (with the change the
// schema diff must report), a deterministic generated set of n migrations using every kind, and an
// irreversible migration. Pure data plus a writer; the bench bundles this file (bench/schema-set.mjs).

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom, type Random } from "./seeded-random.js";

export type CorpusDialect = "sqlite" | "postgres" | "mysql";

export interface CorpusMigration {
  /** The version: `0001`. */
  readonly version: string;
  /** The file name: `0001_index.sql`. */
  readonly file: string;
  readonly up: string;
  /** Null: irreversible (no `-- migrate:down` section). */
  readonly down: string | null;
}

/** A change the schema diff must report: `added function public.f(integer)`. */
export interface ExpectedChange {
  readonly change: "added" | "removed" | "changed";
  readonly kind: string;
  readonly name: string;
}

export interface BrokenVariant {
  /** `index: down forgets it`. */
  readonly label: string;
  readonly kind: string;
  readonly how: "forgets" | "drops the wrong object";
  /** The migrations to apply first (correct ones), then `migration`, whose down is broken. */
  readonly migrations: readonly CorpusMigration[];
  readonly migration: CorpusMigration;
  /** Each must appear in the SchemaError's message. */
  readonly expected: readonly ExpectedChange[];
}

/** The sentence `describeChange` writes for an added or removed object, or the start of a changed one. */
export const expectedText = (e: ExpectedChange): string => `${e.change} ${e.kind} ${e.name}`;

const pad = (n: number): string => String(n).padStart(4, "0");

function migration(index: number, slug: string, up: string, down: string | null): CorpusMigration {
  return { version: pad(index), file: `${pad(index)}_${slug}.sql`, up: up.trim(), down: down === null ? null : down.trim() };
}

/** The file's text in Stratum's SQL format. */
export function migrationFile(m: CorpusMigration): string {
  return m.down === null ? `-- migrate:up\n${m.up}\n` : `-- migrate:up\n${m.up}\n\n-- migrate:down\n${m.down}\n`;
}

/** Writes the migrations into `dir` (created when missing), one file each; returns `dir`. */
export function writeMigrations(migrations: readonly CorpusMigration[], dir = mkdtempSync(join(tmpdir(), "stratum-corpus-"))): string {
  mkdirSync(dir, { recursive: true });
  for (const m of migrations) writeFileSync(join(dir, m.file), migrationFile(m));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The kinds set: 0001 builds a base holding one object of each kind (the "wrong" downs drop those),
// then one migration per kind.

interface KindCase {
  readonly kind: string;
  readonly up: string;
  readonly down: string;
  /** The down without the statement that removes the object (or restores it). */
  readonly forget: string;
  readonly forgotten: readonly ExpectedChange[];
  /** A down that drops an object that existed before the migration instead of the new one. */
  readonly wrong?: string;
  readonly wronged?: readonly ExpectedChange[];
}

interface KindSet {
  readonly base: { readonly up: string; readonly down: string };
  readonly cases: readonly KindCase[];
}

const added = (kind: string, name: string): ExpectedChange => ({ change: "added", kind, name });
const removed = (kind: string, name: string): ExpectedChange => ({ change: "removed", kind, name });
const changed = (kind: string, name: string): ExpectedChange => ({ change: "changed", kind, name });

const POSTGRES: KindSet = {
  base: {
    up: `
CREATE TABLE owners (id integer PRIMARY KEY);
CREATE TABLE items (id integer PRIMARY KEY, label text, qty integer DEFAULT 0, sku text, owner_id integer, during tsrange);
CREATE INDEX items_label_idx ON items (label);
ALTER TABLE items ADD CONSTRAINT items_label_key UNIQUE (label);
ALTER TABLE items ADD CONSTRAINT items_qty_check CHECK (qty >= 0);
CREATE TABLE notes (id integer PRIMARY KEY, owner_id integer CONSTRAINT notes_owner_fk REFERENCES owners (id));
CREATE VIEW item_labels AS SELECT id, label FROM items;
CREATE MATERIALIZED VIEW item_counts AS SELECT count(*) AS n FROM items;
CREATE SEQUENCE base_seq;
CREATE FUNCTION base_fn(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';
CREATE PROCEDURE base_proc(x integer) LANGUAGE plpgsql AS $$BEGIN PERFORM x; END$$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TYPE base_mood AS ENUM ('sad', 'happy');
CREATE DOMAIN base_positive AS integer CHECK (VALUE > 0);
CREATE SCHEMA base_schema;`,
    down: `
DROP SCHEMA base_schema;
DROP DOMAIN base_positive;
DROP TYPE base_mood;
DROP TRIGGER items_touch ON items;
DROP FUNCTION touch();
DROP PROCEDURE base_proc(integer);
DROP FUNCTION base_fn(integer);
DROP SEQUENCE base_seq;
DROP MATERIALIZED VIEW item_counts;
DROP VIEW item_labels;
DROP TABLE notes;
DROP TABLE items;
DROP TABLE owners;`,
  },
  cases: [
    {
      kind: "column",
      up: "ALTER TABLE items ADD COLUMN note text;",
      down: "ALTER TABLE items DROP COLUMN note;",
      forget: "SELECT 1;",
      forgotten: [added("column", "public.items.note")],
      wrong: "ALTER TABLE items DROP COLUMN sku;",
      wronged: [removed("column", "public.items.sku"), added("column", "public.items.note")],
    },
    {
      kind: "column default",
      up: "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5;",
      down: "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 0;",
      forget: "SELECT 1;",
      forgotten: [changed("column", "public.items.qty: default 0 → 5")],
      wrong: "ALTER TABLE items ALTER COLUMN qty DROP DEFAULT;",
      wronged: [changed("column", "public.items.qty: default 0 → none")],
    },
    {
      kind: "index",
      up: "CREATE INDEX items_sku_idx ON items (sku);",
      down: "DROP INDEX items_sku_idx;",
      forget: "SELECT 1;",
      forgotten: [added("index", "public.items_sku_idx")],
      wrong: "DROP INDEX items_label_idx;",
      wronged: [removed("index", "public.items_label_idx"), added("index", "public.items_sku_idx")],
    },
    {
      kind: "unique constraint",
      up: "ALTER TABLE items ADD CONSTRAINT items_sku_key UNIQUE (sku);",
      down: "ALTER TABLE items DROP CONSTRAINT items_sku_key;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "public.items.items_sku_key")],
      wrong: "ALTER TABLE items DROP CONSTRAINT items_label_key;",
      wronged: [removed("constraint", "public.items.items_label_key"), added("constraint", "public.items.items_sku_key")],
    },
    {
      kind: "foreign key",
      up: "ALTER TABLE items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id);",
      down: "ALTER TABLE items DROP CONSTRAINT items_owner_fk;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "public.items.items_owner_fk")],
      wrong: "ALTER TABLE notes DROP CONSTRAINT notes_owner_fk;",
      wronged: [removed("constraint", "public.notes.notes_owner_fk"), added("constraint", "public.items.items_owner_fk")],
    },
    {
      kind: "check constraint",
      up: "ALTER TABLE items ADD CONSTRAINT items_sku_check CHECK (length(sku) > 0);",
      down: "ALTER TABLE items DROP CONSTRAINT items_sku_check;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "public.items.items_sku_check")],
      wrong: "ALTER TABLE items DROP CONSTRAINT items_qty_check;",
      wronged: [removed("constraint", "public.items.items_qty_check")],
    },
    {
      kind: "exclusion constraint",
      up: "ALTER TABLE items ADD CONSTRAINT items_during_excl EXCLUDE USING gist (during WITH &&);",
      down: "ALTER TABLE items DROP CONSTRAINT items_during_excl;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "public.items.items_during_excl")],
    },
    {
      kind: "identity column",
      up: "ALTER TABLE owners ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;",
      down: "ALTER TABLE owners ALTER COLUMN id DROP IDENTITY;",
      forget: "SELECT 1;",
      forgotten: [changed("column", "public.owners.id: identity none → by default")],
    },
    {
      kind: "generated column",
      up: "ALTER TABLE items ADD COLUMN double_qty integer GENERATED ALWAYS AS (qty * 2) STORED;",
      down: "ALTER TABLE items DROP COLUMN double_qty;",
      forget: "SELECT 1;",
      forgotten: [added("column", "public.items.double_qty")],
    },
    {
      kind: "view",
      up: "CREATE VIEW item_skus AS SELECT id, sku FROM items;",
      down: "DROP VIEW item_skus;",
      forget: "SELECT 1;",
      forgotten: [added("view", "public.item_skus")],
      wrong: "DROP VIEW item_labels;",
      wronged: [removed("view", "public.item_labels"), added("view", "public.item_skus")],
    },
    {
      kind: "view body",
      up: "CREATE OR REPLACE VIEW item_labels AS SELECT id, label FROM items WHERE id > 0;",
      down: "CREATE OR REPLACE VIEW item_labels AS SELECT id, label FROM items;",
      forget: "SELECT 1;",
      forgotten: [changed("view", "public.item_labels: definition")],
    },
    {
      kind: "materialized view",
      up: "CREATE MATERIALIZED VIEW item_totals AS SELECT sum(qty) AS total FROM items;",
      down: "DROP MATERIALIZED VIEW item_totals;",
      forget: "SELECT 1;",
      forgotten: [added("materialized view", "public.item_totals")],
      wrong: "DROP MATERIALIZED VIEW item_counts;",
      wronged: [removed("materialized view", "public.item_counts"), added("materialized view", "public.item_totals")],
    },
    {
      kind: "sequence",
      up: "CREATE SEQUENCE invoice_numbers START 100 INCREMENT 5;",
      down: "DROP SEQUENCE invoice_numbers;",
      forget: "SELECT 1;",
      forgotten: [added("sequence", "public.invoice_numbers")],
      wrong: "DROP SEQUENCE base_seq;",
      wronged: [removed("sequence", "public.base_seq"), added("sequence", "public.invoice_numbers")],
    },
    {
      kind: "function",
      up: "CREATE FUNCTION add_tax(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$SELECT amount * 1.2$$;",
      down: "DROP FUNCTION add_tax(numeric);",
      forget: "SELECT 1;",
      forgotten: [added("function", "public.add_tax(numeric)")],
      wrong: "DROP FUNCTION base_fn(integer);",
      wronged: [removed("function", "public.base_fn(integer)"), added("function", "public.add_tax(numeric)")],
    },
    {
      kind: "function body",
      up: "CREATE OR REPLACE FUNCTION base_fn(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x + 1';",
      down: "CREATE OR REPLACE FUNCTION base_fn(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';",
      forget: "SELECT 1;",
      forgotten: [changed("function", "public.base_fn(integer): definition")],
    },
    {
      kind: "procedure",
      up: "CREATE PROCEDURE archive_items(days integer) LANGUAGE plpgsql AS $$BEGIN DELETE FROM items WHERE id < days; END$$;",
      down: "DROP PROCEDURE archive_items(integer);",
      forget: "SELECT 1;",
      forgotten: [added("procedure", "public.archive_items(integer)")],
      wrong: "DROP PROCEDURE base_proc(integer);",
      wronged: [removed("procedure", "public.base_proc(integer)"), added("procedure", "public.archive_items(integer)")],
    },
    {
      kind: "trigger",
      up: "CREATE TRIGGER items_touch_update BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();",
      down: "DROP TRIGGER items_touch_update ON items;",
      forget: "SELECT 1;",
      forgotten: [added("trigger", "public.items.items_touch_update")],
      wrong: "DROP TRIGGER items_touch ON items;",
      wronged: [removed("trigger", "public.items.items_touch"), added("trigger", "public.items.items_touch_update")],
    },
    {
      kind: "enum type",
      up: "CREATE TYPE item_state AS ENUM ('new', 'sold');",
      down: "DROP TYPE item_state;",
      forget: "SELECT 1;",
      forgotten: [added("type", "public.item_state")],
      wrong: "DROP TYPE base_mood;",
      wronged: [removed("type", "public.base_mood"), added("type", "public.item_state")],
    },
    {
      kind: "enum value",
      up: "ALTER TYPE base_mood RENAME VALUE 'sad' TO 'blue';",
      down: "ALTER TYPE base_mood RENAME VALUE 'blue' TO 'sad';",
      forget: "SELECT 1;",
      forgotten: [changed("type", "public.base_mood: values")],
    },
    {
      kind: "composite type",
      up: "CREATE TYPE money_amount AS (amount numeric, currency text);",
      down: "DROP TYPE money_amount;",
      forget: "SELECT 1;",
      forgotten: [added("type", "public.money_amount")],
    },
    {
      kind: "domain",
      up: "CREATE DOMAIN sku_text AS text CHECK (VALUE <> '');",
      down: "DROP DOMAIN sku_text;",
      forget: "SELECT 1;",
      forgotten: [added("type", "public.sku_text")],
      wrong: "DROP DOMAIN base_positive;",
      wronged: [removed("type", "public.base_positive"), added("type", "public.sku_text")],
    },
    {
      kind: "schema",
      up: "CREATE SCHEMA audit;\nCREATE TABLE audit.log (id integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());",
      down: "DROP TABLE audit.log;\nDROP SCHEMA audit;",
      forget: "DROP TABLE audit.log;",
      forgotten: [added("schema", "audit")],
      wrong: "DROP TABLE audit.log;\nDROP SCHEMA audit;\nDROP SCHEMA base_schema;",
      wronged: [removed("schema", "base_schema")],
    },
    {
      kind: "table in a schema",
      up: "CREATE TABLE base_schema.events (id integer PRIMARY KEY, name text NOT NULL);",
      down: "DROP TABLE base_schema.events;",
      forget: "SELECT 1;",
      forgotten: [added("table", "base_schema.events")],
      wrong: "DROP TABLE base_schema.events;\nDROP TABLE notes;",
      wronged: [removed("table", "public.notes")],
    },
  ],
};

const MYSQL: KindSet = {
  base: {
    up: `
CREATE TABLE owners (id int PRIMARY KEY);
CREATE TABLE items (id int PRIMARY KEY, label varchar(50), qty int DEFAULT 0, sku varchar(50), owner_id int,
  status ENUM('new', 'done') NOT NULL DEFAULT 'new', changed_at timestamp NULL DEFAULT NULL);
CREATE INDEX items_label_idx ON items (label);
ALTER TABLE items ADD CONSTRAINT items_label_key UNIQUE (label);
ALTER TABLE items ADD CONSTRAINT items_qty_check CHECK (qty >= 0);
CREATE TABLE notes (id int PRIMARY KEY, owner_id int, CONSTRAINT notes_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id));
CREATE VIEW item_labels AS SELECT id, label FROM items;
CREATE SEQUENCE base_seq;
CREATE FUNCTION base_fn(x int) RETURNS int DETERMINISTIC RETURN x;
CREATE PROCEDURE base_proc() SELECT 1;
CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW SET NEW.qty = COALESCE(NEW.qty, 0);
CREATE EVENT base_event ON SCHEDULE EVERY 1 DAY DO DELETE FROM items WHERE id < 0;`,
    down: `
DROP EVENT base_event;
DROP TRIGGER items_touch;
DROP PROCEDURE base_proc;
DROP FUNCTION base_fn;
DROP SEQUENCE base_seq;
DROP VIEW item_labels;
DROP TABLE notes;
DROP TABLE items;
DROP TABLE owners;`,
  },
  cases: [
    {
      kind: "column",
      up: "ALTER TABLE items ADD COLUMN note text;",
      down: "ALTER TABLE items DROP COLUMN note;",
      forget: "SELECT 1;",
      forgotten: [added("column", "items.note")],
      wrong: "ALTER TABLE items DROP COLUMN sku;",
      wronged: [removed("column", "items.sku"), added("column", "items.note")],
    },
    {
      kind: "column default",
      up: "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5;",
      down: "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 0;",
      forget: "SELECT 1;",
      forgotten: [changed("column", "items.qty: default 0 → 5")],
      wrong: "ALTER TABLE items ALTER COLUMN qty DROP DEFAULT;",
      wronged: [changed("column", "items.qty: default 0 → none")],
    },
    {
      kind: "index",
      up: "CREATE INDEX items_sku_idx ON items (sku);",
      down: "DROP INDEX items_sku_idx ON items;",
      forget: "SELECT 1;",
      forgotten: [added("index", "items.items_sku_idx")],
      wrong: "DROP INDEX items_label_idx ON items;",
      wronged: [removed("index", "items.items_label_idx"), added("index", "items.items_sku_idx")],
    },
    {
      kind: "unique constraint",
      up: "ALTER TABLE items ADD CONSTRAINT items_sku_key UNIQUE (sku);",
      down: "ALTER TABLE items DROP INDEX items_sku_key;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "items.items_sku_key")],
      wrong: "ALTER TABLE items DROP INDEX items_label_key;",
      wronged: [removed("constraint", "items.items_label_key"), added("constraint", "items.items_sku_key")],
    },
    {
      kind: "foreign key",
      up: "ALTER TABLE items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id);",
      // The server created an index for the key; dropping the key leaves it.
      down: "ALTER TABLE items DROP FOREIGN KEY items_owner_fk;\nALTER TABLE items DROP INDEX items_owner_fk;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "items.items_owner_fk")],
      wrong: "ALTER TABLE notes DROP FOREIGN KEY notes_owner_fk;",
      wronged: [removed("constraint", "notes.notes_owner_fk"), added("constraint", "items.items_owner_fk")],
    },
    {
      kind: "check constraint",
      up: "ALTER TABLE items ADD CONSTRAINT items_sku_check CHECK (char_length(sku) > 0);",
      down: "ALTER TABLE items DROP CONSTRAINT items_sku_check;",
      forget: "SELECT 1;",
      forgotten: [added("constraint", "items.items_sku_check")],
      wrong: "ALTER TABLE items DROP CONSTRAINT items_qty_check;",
      wronged: [removed("constraint", "items.items_qty_check"), added("constraint", "items.items_sku_check")],
    },
    {
      kind: "generated column",
      up: "ALTER TABLE items ADD COLUMN double_qty int GENERATED ALWAYS AS (qty * 2) VIRTUAL;",
      down: "ALTER TABLE items DROP COLUMN double_qty;",
      forget: "SELECT 1;",
      forgotten: [added("column", "items.double_qty")],
    },
    {
      kind: "on update",
      up: "ALTER TABLE items MODIFY changed_at timestamp NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP;",
      down: "ALTER TABLE items MODIFY changed_at timestamp NULL DEFAULT NULL;",
      forget: "SELECT 1;",
      forgotten: [changed("column", "items.changed_at: onUpdate")],
    },
    {
      kind: "enum",
      up: "ALTER TABLE items MODIFY status ENUM('new', 'done', 'lost') NOT NULL DEFAULT 'new';",
      down: "ALTER TABLE items MODIFY status ENUM('new', 'done') NOT NULL DEFAULT 'new';",
      forget: "SELECT 1;",
      forgotten: [changed("column", "items.status: type")],
    },
    {
      kind: "view",
      up: "CREATE VIEW item_skus AS SELECT id, sku FROM items;",
      down: "DROP VIEW item_skus;",
      forget: "SELECT 1;",
      forgotten: [added("view", "item_skus")],
      wrong: "DROP VIEW item_labels;",
      wronged: [removed("view", "item_labels"), added("view", "item_skus")],
    },
    {
      kind: "view body",
      up: "CREATE OR REPLACE VIEW item_labels AS SELECT id, label FROM items WHERE id > 0;",
      down: "CREATE OR REPLACE VIEW item_labels AS SELECT id, label FROM items;",
      forget: "SELECT 1;",
      forgotten: [changed("view", "item_labels: definition")],
    },
    {
      kind: "sequence",
      up: "CREATE SEQUENCE invoice_numbers START WITH 100 INCREMENT BY 5;",
      down: "DROP SEQUENCE invoice_numbers;",
      forget: "SELECT 1;",
      forgotten: [added("sequence", "invoice_numbers")],
      wrong: "DROP SEQUENCE base_seq;",
      wronged: [removed("sequence", "base_seq"), added("sequence", "invoice_numbers")],
    },
    {
      kind: "function",
      up: "CREATE FUNCTION add_tax(amount decimal(10,2)) RETURNS decimal(10,2) DETERMINISTIC RETURN amount * 1.2;",
      down: "DROP FUNCTION add_tax;",
      forget: "SELECT 1;",
      forgotten: [added("function", "add_tax(decimal(10,2))")],
      wrong: "DROP FUNCTION base_fn;",
      wronged: [removed("function", "base_fn(int(11))"), added("function", "add_tax(decimal(10,2))")],
    },
    {
      kind: "procedure",
      up: "CREATE PROCEDURE archive_items(IN days int)\nBEGIN\n  DELETE FROM items WHERE id < days;\nEND;",
      down: "DROP PROCEDURE archive_items;",
      forget: "SELECT 1;",
      forgotten: [added("procedure", "archive_items(int(11))")],
      wrong: "DROP PROCEDURE base_proc;",
      wronged: [removed("procedure", "base_proc()"), added("procedure", "archive_items(int(11))")],
    },
    {
      kind: "trigger",
      up: "CREATE TRIGGER items_touch_update BEFORE UPDATE ON items FOR EACH ROW SET NEW.qty = COALESCE(NEW.qty, 0);",
      down: "DROP TRIGGER items_touch_update;",
      forget: "SELECT 1;",
      forgotten: [added("trigger", "items_touch_update")],
      wrong: "DROP TRIGGER items_touch;",
      wronged: [removed("trigger", "items_touch"), added("trigger", "items_touch_update")],
    },
    {
      kind: "event",
      up: "CREATE EVENT purge_items ON SCHEDULE EVERY 1 HOUR DO DELETE FROM items WHERE qty < 0;",
      down: "DROP EVENT purge_items;",
      forget: "SELECT 1;",
      forgotten: [added("event", "purge_items")],
      wrong: "DROP EVENT base_event;",
      wronged: [removed("event", "base_event"), added("event", "purge_items")],
    },
  ],
};

/** SQLite rebuilds `accounts` (no view or trigger reads it) to change its constraints; the text after RENAME is `CREATE TABLE "accounts" (…)`. */
const accountsColumns = (balanceDefault: number, extra: string) =>
  `(id INTEGER PRIMARY KEY, code TEXT, owner_id INTEGER, balance INTEGER DEFAULT ${balanceDefault}, CHECK (balance > -1000)${extra})`;
const ACCOUNTS = `CREATE TABLE "accounts" ${accountsColumns(0, "")}`;
/** `accounts` as each rebuild leaves it: the rebuilds are cumulative (each migration stays applied). */
const ACCOUNTS_STATES = [
  accountsColumns(0, ""),
  accountsColumns(5, ""),
  accountsColumns(5, ", UNIQUE (code)"),
  accountsColumns(5, ", UNIQUE (code), FOREIGN KEY (owner_id) REFERENCES owners (id)"),
  accountsColumns(5, ", UNIQUE (code), FOREIGN KEY (owner_id) REFERENCES owners (id), CHECK (length(code) > 0)"),
];
const rebuildAccounts = (columns: string) => `CREATE TABLE accounts_new ${columns};
INSERT INTO accounts_new (id, code, owner_id, balance) SELECT id, code, owner_id, balance FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;`;
const accountsStep = (state: number) => ({ up: rebuildAccounts(ACCOUNTS_STATES[state] as string), down: rebuildAccounts(ACCOUNTS_STATES[state - 1] as string) });

const SQLITE: KindSet = {
  base: {
    up: `
CREATE TABLE owners (id INTEGER PRIMARY KEY);
CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT, qty INTEGER DEFAULT 0, sku TEXT);
CREATE INDEX items_label_idx ON items (label);
${ACCOUNTS};
CREATE VIEW item_labels AS SELECT id, label FROM items;
CREATE TRIGGER items_touch AFTER INSERT ON items BEGIN UPDATE items SET qty = 0 WHERE qty IS NULL; END;`,
    down: `
DROP TRIGGER items_touch;
DROP VIEW item_labels;
DROP TABLE accounts;
DROP INDEX items_label_idx;
DROP TABLE items;
DROP TABLE owners;`,
  },
  cases: [
    {
      kind: "column",
      up: "ALTER TABLE items ADD COLUMN note TEXT;",
      down: "ALTER TABLE items DROP COLUMN note;",
      forget: "SELECT 1;",
      forgotten: [added("column", "items.note")],
      wrong: "ALTER TABLE items DROP COLUMN sku;",
      wronged: [removed("column", "items.sku"), added("column", "items.note")],
    },
    {
      kind: "column default",
      ...accountsStep(1),
      forget: "SELECT 1;",
      forgotten: [changed("column", "accounts.balance: default 0 → 5")],
    },
    {
      kind: "index",
      up: "CREATE INDEX items_sku_idx ON items (sku);",
      down: "DROP INDEX items_sku_idx;",
      forget: "SELECT 1;",
      forgotten: [added("index", "items_sku_idx")],
      wrong: "DROP INDEX items_label_idx;",
      wronged: [removed("index", "items_label_idx"), added("index", "items_sku_idx")],
    },
    {
      kind: "unique constraint",
      ...accountsStep(2),
      forget: "SELECT 1;",
      forgotten: [added("constraint", "accounts.unique (code)")],
    },
    {
      kind: "foreign key",
      ...accountsStep(3),
      forget: "SELECT 1;",
      forgotten: [added("constraint", "accounts.foreign key (owner_id)")],
    },
    {
      kind: "check constraint",
      ...accountsStep(4),
      forget: "SELECT 1;",
      forgotten: [changed("table", "accounts: definition")],
      wrong: rebuildAccounts((ACCOUNTS_STATES[3] as string).replace(", CHECK (balance > -1000)", "")),
      wronged: [changed("table", "accounts: definition")],
    },
    {
      kind: "generated column",
      up: "ALTER TABLE items ADD COLUMN double_qty INTEGER GENERATED ALWAYS AS (qty * 2) VIRTUAL;",
      down: "ALTER TABLE items DROP COLUMN double_qty;",
      forget: "SELECT 1;",
      forgotten: [added("column", "items.double_qty")],
    },
    {
      kind: "view",
      up: "CREATE VIEW item_skus AS SELECT id, sku FROM items;",
      down: "DROP VIEW item_skus;",
      forget: "SELECT 1;",
      forgotten: [added("view", "item_skus")],
      wrong: "DROP VIEW item_labels;",
      wronged: [removed("view", "item_labels"), added("view", "item_skus")],
    },
    {
      kind: "view body",
      up: "DROP VIEW item_labels;\nCREATE VIEW item_labels AS SELECT id, label FROM items WHERE id > 0;",
      down: "DROP VIEW item_labels;\nCREATE VIEW item_labels AS SELECT id, label FROM items;",
      forget: "SELECT 1;",
      forgotten: [changed("view", "item_labels: definition")],
    },
    {
      kind: "trigger",
      up: "CREATE TRIGGER items_touch_update AFTER UPDATE ON items BEGIN UPDATE items SET qty = 0 WHERE qty IS NULL; END;",
      down: "DROP TRIGGER items_touch_update;",
      forget: "SELECT 1;",
      forgotten: [added("trigger", "items_touch_update")],
      wrong: "DROP TRIGGER items_touch;",
      wronged: [removed("trigger", "items_touch"), added("trigger", "items_touch_update")],
    },
  ],
};

const KIND_SETS: Record<CorpusDialect, KindSet> = { postgres: POSTGRES, mysql: MYSQL, sqlite: SQLITE };

const slug = (kind: string): string => kind.replace(/[^a-z0-9]+/g, "_");

/** 0001 the base, then one migration per object kind of the dialect, each with a correct down. */
export function kindsSet(dialect: CorpusDialect): CorpusMigration[] {
  const set = KIND_SETS[dialect];
  return [migration(1, "base", set.base.up, set.base.down), ...set.cases.map((c, i) => migration(i + 2, slug(c.kind), c.up, c.down))];
}

/** The object kinds `kindsSet(dialect)` has a migration for, in order. */
export const corpusKinds = (dialect: CorpusDialect): string[] => KIND_SETS[dialect].cases.map((c) => c.kind);

/** For each kind, its migration with a down that forgets the object and, where it makes sense, one that drops an older object. */
export function brokenVariants(dialect: CorpusDialect): BrokenVariant[] {
  const set = KIND_SETS[dialect];
  const good = kindsSet(dialect);
  return set.cases.flatMap((c, i) => {
    const before = good.slice(0, i + 1);
    const index = i + 2;
    const variants: BrokenVariant[] = [];
    if (c.forgotten.length > 0) {
      variants.push({
        label: `${c.kind}: down forgets it`,
        kind: c.kind,
        how: "forgets",
        migrations: before,
        migration: migration(index, slug(c.kind), c.up, c.forget),
        expected: c.forgotten,
      });
    }
    if (c.wrong !== undefined && c.wronged !== undefined) {
      variants.push({
        label: `${c.kind}: down drops an object that existed before`,
        kind: c.kind,
        how: "drops the wrong object",
        migrations: before,
        migration: migration(index, slug(c.kind), c.up, c.wrong),
        expected: c.wronged,
      });
    }
    return variants;
  });
}

/** A migration without a down section: applied, never verified. */
export function irreversibleMigration(dialect: CorpusDialect, index = 1): CorpusMigration {
  const up = {
    postgres: "CREATE TABLE ledger (id integer PRIMARY KEY, amount numeric NOT NULL);",
    mysql: "CREATE TABLE ledger (id int PRIMARY KEY, amount decimal(12,2) NOT NULL);",
    sqlite: "CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount NUMERIC NOT NULL);",
  }[dialect];
  return migration(index, "irreversible_ledger", up, null);
}


// ---------------------------------------------------------------------------------------------
// The generated set: n migrations, the same for the same seed, that together create every object
// kind of the dialect. Tables come first and keep coming (one step in four); the other steps build
// on what exists: columns, defaults, constraints, indexes, views on tables and on views, routines,
// triggers, sequences, types. Every step's down undoes exactly that step.

interface GenColumn {
  readonly name: string;
  readonly sort: "int" | "text";
  /** The current default (integer columns), for the default step's down. */
  readonly dflt: string | null;
}

interface GenTable {
  /** Qualified where the dialect has schemas: `s12.t12` on PostgreSQL. */
  readonly name: string;
  readonly columns: GenColumn[];
}

interface GenState {
  readonly tables: GenTable[];
  readonly views: { readonly name: string }[];
}

type Step = (i: number, state: GenState, rand: Random) => { slug: string; up: string; down: string } | null;

const pick = <T>(rand: Random, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

interface DialectTypes {
  readonly int: string;
  readonly text: readonly string[];
  readonly extraInt: readonly string[];
}

const TYPES: Record<CorpusDialect, DialectTypes> = {
  postgres: { int: "integer", text: ["text", "varchar(40)", "character varying(80)"], extraInt: ["bigint", "smallint", "numeric(12,2)"] },
  mysql: { int: "int", text: ["varchar(40)", "varchar(120)"], extraInt: ["bigint", "smallint", "decimal(12,2)"] },
  sqlite: { int: "INTEGER", text: ["TEXT", "VARCHAR(40)"], extraInt: ["REAL", "NUMERIC"] },
};

const textType = (dialect: CorpusDialect, rand: Random): string => pick(rand, TYPES[dialect].text);

function tableStep(dialect: CorpusDialect, variant: "plain" | "identity" | "exclusion" | "schema"): Step {
  return (i, state, rand) => {
    const schema = variant === "schema" ? `s${i}` : null;
    const name = schema === null ? `t${i}` : `${schema}.t${i}`;
    const t = TYPES[dialect];
    const idType =
      dialect === "postgres" && variant === "identity" ? "integer GENERATED BY DEFAULT AS IDENTITY"
      : dialect === "mysql" && rand() < 0.3 ? "int AUTO_INCREMENT"
      : t.int;
    const defs = [`id ${idType} PRIMARY KEY`];
    const columns: GenColumn[] = [];
    const count = 2 + Math.floor(rand() * 4);
    for (let c = 1; c <= count; c++) {
      const col = `c${c}`;
      if (rand() < 0.5) {
        const dflt = rand() < 0.5 ? String(Math.floor(rand() * 100)) : null;
        defs.push(`${col} ${t.int}${rand() < 0.3 ? " NOT NULL" : ""}${dflt === null ? "" : ` DEFAULT ${dflt}`}`);
        columns.push({ name: col, sort: "int", dflt });
      } else {
        defs.push(`${col} ${textType(dialect, rand)}${rand() < 0.2 ? " NOT NULL" : ""}`);
        columns.push({ name: col, sort: "text", dflt: null });
      }
    }
    defs.push(`amount ${pick(rand, t.extraInt)}`);
    const constraints: string[] = [];
    const firstText = columns.find((c) => c.sort === "text");
    if (firstText !== undefined && rand() < 0.5) constraints.push(`CONSTRAINT t${i}_${firstText.name}_uq UNIQUE (${firstText.name})`);
    const firstInt = columns.find((c) => c.sort === "int");
    if (firstInt !== undefined && rand() < 0.5) constraints.push(`CONSTRAINT t${i}_${firstInt.name}_ck CHECK (${firstInt.name} >= -1000000)`);
    const parent = state.tables.length > 0 && rand() < 0.5 ? pick(rand, state.tables) : undefined;
    if (parent !== undefined) {
      defs.push(`parent_id ${t.int}`);
      constraints.push(`CONSTRAINT t${i}_parent_fk FOREIGN KEY (parent_id) REFERENCES ${parent.name} (id)${rand() < 0.5 ? " ON DELETE CASCADE" : ""}`);
      columns.push({ name: "parent_id", sort: "int", dflt: null });
    }
    if (variant === "exclusion") {
      defs.push("during tsrange");
      constraints.push(`CONSTRAINT t${i}_during_excl EXCLUDE USING gist (during WITH &&)`);
    }
    defs.push(...constraints);
    state.tables.push({ name, columns });
    const create = `CREATE TABLE ${name} (\n  ${defs.join(",\n  ")}\n);`;
    return schema === null
      ? { slug: `create_t${i}`, up: create, down: `DROP TABLE ${name};` }
      : { slug: `schema_s${i}`, up: `CREATE SCHEMA ${schema};\n${create}`, down: `DROP TABLE ${name};\nDROP SCHEMA ${schema};` };
  };
}

const someTable = (state: GenState, rand: Random): GenTable | undefined => (state.tables.length === 0 ? undefined : pick(rand, state.tables));

function columnStep(dialect: CorpusDialect): Step {
  return (i, state, rand) => {
    const table = someTable(state, rand);
    if (table === undefined) return null;
    const isInt = rand() < 0.5;
    const col = `a${i}`;
    const type = isInt ? TYPES[dialect].int : textType(dialect, rand);
    table.columns.push({ name: col, sort: isInt ? "int" : "text", dflt: null });
    return { slug: `add_${col}`, up: `ALTER TABLE ${table.name} ADD COLUMN ${col} ${type};`, down: `ALTER TABLE ${table.name} DROP COLUMN ${col};` };
  };
}

function defaultStep(dialect: CorpusDialect): Step {
  return (i, state, rand) => {
    if (dialect === "sqlite") return null;
    const table = someTable(state, rand);
    const index = table?.columns.findIndex((c) => c.sort === "int" && c.name !== "parent_id") ?? -1;
    if (table === undefined || index < 0) return null;
    const col = table.columns[index] as GenColumn;
    const value = String(i);
    table.columns[index] = { ...col, dflt: value };
    const alter = `ALTER TABLE ${table.name} ALTER COLUMN ${col.name}`;
    return { slug: `default_${bareTable(table)}_${col.name}`, up: `${alter} SET DEFAULT ${value};`, down: col.dflt === null ? `${alter} DROP DEFAULT;` : `${alter} SET DEFAULT ${col.dflt};` };
  };
}

const bareTable = (table: GenTable): string => table.name.slice(table.name.lastIndexOf(".") + 1);

function indexStep(dialect: CorpusDialect): Step {
  return (i, state, rand) => {
    const table = someTable(state, rand);
    if (table === undefined) return null;
    const col = pick(rand, table.columns);
    const name = `ix${i}`;
    const unique = rand() < 0.2 && col.sort === "text" ? "UNIQUE " : "";
    let target = col.name;
    let where = "";
    if (dialect !== "mysql" && rand() < 0.3) where = ` WHERE ${col.name} IS NOT NULL`;
    if (dialect === "postgres" && col.sort === "text" && rand() < 0.3) target = `lower(${col.name})`;
    if (dialect !== "mysql" && rand() < 0.2) target = `${col.name} DESC`;
    const schema = dialect === "postgres" && table.name.includes(".") ? `${table.name.slice(0, table.name.indexOf("."))}.` : "";
    return {
      slug: `index_${name}`,
      up: `CREATE ${unique}INDEX ${name} ON ${table.name} (${target})${where};`,
      down: dialect === "mysql" ? `DROP INDEX ${name} ON ${table.name};` : `DROP INDEX ${schema}${name};`,
    };
  };
}

function constraintStep(dialect: CorpusDialect, type: "unique" | "check" | "foreign"): Step {
  return (i, state, rand) => {
    if (dialect === "sqlite") return null;
    const table = someTable(state, rand);
    if (table === undefined) return null;
    const name = `k${i}`;
    const drop = (what: string) => `ALTER TABLE ${table.name} DROP ${what};`;
    if (type === "unique") {
      const col = table.columns.find((c) => c.sort === "text") ?? table.columns[0];
      if (col === undefined) return null;
      return {
        slug: `unique_${name}`,
        up: `ALTER TABLE ${table.name} ADD CONSTRAINT ${name} UNIQUE (${col.name}, id);`,
        down: drop(dialect === "mysql" ? `INDEX ${name}` : `CONSTRAINT ${name}`),
      };
    }
    if (type === "check") {
      const col = table.columns.find((c) => c.sort === "int");
      if (col === undefined) return null;
      return { slug: `check_${name}`, up: `ALTER TABLE ${table.name} ADD CONSTRAINT ${name} CHECK (${col.name} <> -${i});`, down: drop(`CONSTRAINT ${name}`) };
    }
    const parent = pick(rand, state.tables);
    const col = `r${i}`;
    table.columns.push({ name: col, sort: "int", dflt: null });
    const t = TYPES[dialect].int;
    return {
      slug: `foreign_${name}`,
      up: `ALTER TABLE ${table.name} ADD COLUMN ${col} ${t};\nALTER TABLE ${table.name} ADD CONSTRAINT ${name} FOREIGN KEY (${col}) REFERENCES ${parent.name} (id);`,
      down:
        dialect === "mysql"
          ? `ALTER TABLE ${table.name} DROP FOREIGN KEY ${name};\nALTER TABLE ${table.name} DROP COLUMN ${col};`
          : `ALTER TABLE ${table.name} DROP CONSTRAINT ${name};\nALTER TABLE ${table.name} DROP COLUMN ${col};`,
    };
  };
}

function viewStep(on: "table" | "view", materialized = false): Step {
  return (i, state, rand) => {
    const name = materialized ? `mv${i}` : `v${i}`;
    let select: string;
    if (on === "view" && state.views.length > 0) {
      const view = pick(rand, state.views);
      select = `SELECT id, val FROM ${view.name} WHERE id > ${i % 10}`;
    } else {
      const table = someTable(state, rand);
      if (table === undefined) return null;
      const col = pick(rand, table.columns);
      select = `SELECT id, ${col.name} AS val FROM ${table.name}`;
    }
    if (!materialized) state.views.push({ name });
    const kind = materialized ? "MATERIALIZED VIEW" : "VIEW";
    return { slug: `view_${name}`, up: `CREATE ${kind} ${name} AS ${select};`, down: `DROP ${kind} ${name};` };
  };
}

function functionStep(dialect: CorpusDialect): Step {
  return (i, _state, rand) => {
    if (dialect === "sqlite") return null;
    const name = `fn${i}`;
    if (dialect === "mysql") {
      return { slug: `function_${name}`, up: `CREATE FUNCTION ${name}(x int) RETURNS int DETERMINISTIC RETURN x + ${i};`, down: `DROP FUNCTION ${name};` };
    }
    const body =
      rand() < 0.5
        ? `LANGUAGE sql IMMUTABLE AS $$SELECT x + ${i}$$`
        : `LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN x * ${i};\nEND\n$$`;
    return { slug: `function_${name}`, up: `CREATE FUNCTION ${name}(x integer) RETURNS integer ${body};`, down: `DROP FUNCTION ${name}(integer);` };
  };
}

function procedureStep(dialect: CorpusDialect): Step {
  return (i, state, rand) => {
    if (dialect === "sqlite") return null;
    const table = someTable(state, rand);
    if (table === undefined) return null;
    const name = `pr${i}`;
    if (dialect === "mysql") {
      return {
        slug: `procedure_${name}`,
        up: `CREATE PROCEDURE ${name}(IN lim int)\nBEGIN\n  DELETE FROM ${table.name} WHERE id < lim;\n  SELECT COUNT(*) FROM ${table.name};\nEND;`,
        down: `DROP PROCEDURE ${name};`,
      };
    }
    return {
      slug: `procedure_${name}`,
      up: `CREATE PROCEDURE ${name}(lim integer) LANGUAGE plpgsql AS $$\nBEGIN\n  DELETE FROM ${table.name} WHERE id < lim;\nEND\n$$;`,
      down: `DROP PROCEDURE ${name}(integer);`,
    };
  };
}

function triggerStep(dialect: CorpusDialect): Step {
  return (i, state, rand) => {
    const table = someTable(state, rand);
    if (table === undefined) return null;
    const name = `tg${i}`;
    const timing = pick(rand, ["BEFORE", "AFTER"]);
    const event = pick(rand, ["INSERT", "UPDATE", "DELETE"]);
    if (dialect === "postgres") {
      return {
        slug: `trigger_${name}`,
        up: `CREATE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN ${event === "DELETE" ? "OLD" : "NEW"};\nEND\n$$;\nCREATE TRIGGER ${name} ${timing} ${event} ON ${table.name} FOR EACH ROW EXECUTE FUNCTION ${name}_fn();`,
        down: `DROP TRIGGER ${name} ON ${table.name};\nDROP FUNCTION ${name}_fn();`,
      };
    }
    if (dialect === "mysql") {
      const row = event === "DELETE" ? "OLD" : "NEW";
      return {
        slug: `trigger_${name}`,
        up: `CREATE TRIGGER ${name} ${timing} ${event} ON ${table.name} FOR EACH ROW SET @last_${name} = ${row}.id;`,
        down: `DROP TRIGGER ${name};`,
      };
    }
    return {
      slug: `trigger_${name}`,
      up: `CREATE TRIGGER ${name} ${timing} ${event} ON ${table.name} BEGIN SELECT ${i}; END;`,
      down: `DROP TRIGGER ${name};`,
    };
  };
}

function sequenceStep(dialect: CorpusDialect): Step {
  return (i, _state, rand) => {
    if (dialect === "sqlite") return null;
    const name = `sq${i}`;
    const start = 1 + Math.floor(rand() * 1000);
    const by = 1 + Math.floor(rand() * 10);
    const options = dialect === "mysql" ? `START WITH ${start} INCREMENT BY ${by}` : `START ${start} INCREMENT ${by}${rand() < 0.3 ? " CYCLE MAXVALUE 100000" : ""}`;
    return { slug: `sequence_${name}`, up: `CREATE SEQUENCE ${name} ${options};`, down: `DROP SEQUENCE ${name};` };
  };
}

function typeStep(dialect: CorpusDialect, type: "enum" | "domain" | "composite"): Step {
  return (i, state, rand) => {
    if (dialect === "sqlite") return null;
    const labels = ["draft", "open", "closed", "archived", "lost"].slice(0, 2 + Math.floor(rand() * 3));
    if (dialect === "mysql") {
      if (type !== "enum") return null;
      const table = someTable(state, rand);
      if (table === undefined) return null;
      const col = `e${i}`;
      table.columns.push({ name: col, sort: "text", dflt: null });
      return {
        slug: `enum_${col}`,
        up: `ALTER TABLE ${table.name} ADD COLUMN ${col} ENUM(${labels.map((l) => `'${l}'`).join(", ")}) NOT NULL DEFAULT '${labels[0]}';`,
        down: `ALTER TABLE ${table.name} DROP COLUMN ${col};`,
      };
    }
    const name = `ty${i}`;
    const body =
      type === "enum" ? `AS ENUM (${labels.map((l) => `'${l}'`).join(", ")})`
      : type === "composite" ? `AS (amount numeric(12,2), label text, n integer)`
      : `AS integer CHECK (VALUE > ${-i})`;
    const create = type === "domain" ? `CREATE DOMAIN ${name} ${body};` : `CREATE TYPE ${name} ${body};`;
    const drop = type === "domain" ? `DROP DOMAIN ${name};` : `DROP TYPE ${name};`;
    // An enum is also used: a table with a column of that type.
    if (type === "enum") {
      return {
        slug: `enum_${name}`,
        up: `${create}\nCREATE TABLE t${i} (id integer PRIMARY KEY, state ${name} NOT NULL DEFAULT '${labels[0]}');`,
        down: `DROP TABLE t${i};\n${drop}`,
      };
    }
    return { slug: `${type}_${name}`, up: create, down: drop };
  };
}

function generatedColumnStep(dialect: CorpusDialect): Step {
  return (i, state, rand) => {
    const table = someTable(state, rand);
    if (table === undefined) return null;
    const col = `g${i}`;
    const type = TYPES[dialect].int;
    const expression = `id * ${i % 7 + 2}`;
    const storage = dialect === "postgres" ? "STORED" : "VIRTUAL";
    table.columns.push({ name: col, sort: "int", dflt: null });
    return {
      slug: `generated_${col}`,
      up: `ALTER TABLE ${table.name} ADD COLUMN ${col} ${type} GENERATED ALWAYS AS (${expression}) ${storage};`,
      down: `ALTER TABLE ${table.name} DROP COLUMN ${col};`,
    };
  };
}

function mysqlOnlyStep(kind: "event" | "on update"): Step {
  return (i, state, rand) => {
    const table = someTable(state, rand);
    if (table === undefined) return null;
    if (kind === "event") {
      return {
        slug: `event_ev${i}`,
        up: `CREATE EVENT ev${i} ON SCHEDULE EVERY ${1 + (i % 12)} HOUR DO DELETE FROM ${table.name} WHERE id < 0;`,
        down: `DROP EVENT ev${i};`,
      };
    }
    return {
      slug: `on_update_u${i}`,
      up: `ALTER TABLE ${table.name} ADD COLUMN u${i} timestamp NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP;`,
      down: `ALTER TABLE ${table.name} DROP COLUMN u${i};`,
    };
  };
}

/** The steps in rotation: a table every fourth step, every other kind in turn. */
function rotation(dialect: CorpusDialect): Step[] {
  const table = tableStep(dialect, "plain");
  const others: Step[] = [
    columnStep(dialect),
    indexStep(dialect),
    viewStep("table"),
    defaultStep(dialect),
    constraintStep(dialect, "unique"),
    constraintStep(dialect, "check"),
    constraintStep(dialect, "foreign"),
    viewStep("view"),
    functionStep(dialect),
    triggerStep(dialect),
    sequenceStep(dialect),
    typeStep(dialect, "enum"),
    generatedColumnStep(dialect),
    procedureStep(dialect),
    indexStep(dialect),
  ];
  if (dialect === "postgres") {
    others.push(
      viewStep("table", true),
      typeStep(dialect, "domain"),
      typeStep(dialect, "composite"),
      tableStep(dialect, "identity"),
      tableStep(dialect, "exclusion"),
      tableStep(dialect, "schema"),
    );
  }
  if (dialect === "mysql") others.push(mysqlOnlyStep("event"), mysqlOnlyStep("on update"));
  const steps: Step[] = [];
  others.forEach((step, k) => {
    if (k % 3 === 0) steps.push(table);
    steps.push(step);
  });
  return steps;
}

/** `n` migrations (seeded, deterministic) that together use every object kind of the dialect, each with a correct down. */
export function generatedSet(dialect: CorpusDialect, n = 300, seed = 13): CorpusMigration[] {
  const rand = seededRandom(seed);
  const state: GenState = { tables: [], views: [] };
  const steps = rotation(dialect);
  const out: CorpusMigration[] = [];
  let turn = 0;
  while (out.length < n) {
    const i = out.length + 1;
    const step = out.length < 3 ? tableStep(dialect, "plain") : (steps[turn++ % steps.length] as Step);
    const made = step(i, state, rand);
    if (made !== null) out.push(migration(i, made.slug, made.up, made.down));
  }
  return out;
}
