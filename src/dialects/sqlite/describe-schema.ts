// SQLite's schema as the neutral model: sqlite_master plus the table, index and foreign-key
// pragmas, and the CHECK constraints read from the CREATE TABLE text. That text is part of each
// object, so what the pragmas do not show (collations, generated expressions) still changes the
// snapshot.

import {
  schemaSnapshot,
  withoutTables,
  type ColumnDefinition,
  type ConstraintDefinition,
  type IndexObject,
  type SchemaSnapshot,
  type TableObject,
  type TriggerObject,
} from "../../core/schema/model.js";
import type { DescribeSchemaOptions, Queryable } from "../dialect.js";
import { checkConstraints } from "./check-constraints.js";

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

const flat = (sql: string | null): string => (sql ?? "").replace(/\s+/g, " ").trim();

export async function describeSchema(db: Queryable, options: DescribeSchemaOptions = {}): Promise<SchemaSnapshot> {
  const objects = await db.query<MasterRow>(
    "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name",
  );
  const of = (type: string) => objects.filter((o) => o.type === type);
  const tables: TableObject[] = [];
  const indexes: IndexObject[] = [];
  for (const object of of("table")) {
    tables.push(await readTable(db, object));
    indexes.push(...(await readIndexes(db, object.name, of("index"))));
  }
  const snapshot = schemaSnapshot({
    tables,
    indexes,
    views: of("view").map((o) => ({ kind: "view", name: o.name, definition: flat(o.sql) })),
    triggers: of("trigger").map(trigger),
  });
  return withoutTables(snapshot, options.exclude ?? []);
}

async function readTable(db: Queryable, object: MasterRow): Promise<TableObject> {
  const columns = await db.query<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number }>(
    "select name, type, \"notnull\", dflt_value, pk, hidden from pragma_table_xinfo(?) order by cid",
    [object.name],
  );
  const autoincrement = /\bautoincrement\b/i.test(object.sql ?? "");
  const definitions: ColumnDefinition[] = columns
    .filter((c) => c.hidden !== 1)
    .map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.notnull === 0,
      default: c.dflt_value,
      // The expression itself is only in the table's CREATE text (the table's definition).
      generated: c.hidden === 2 ? "virtual" : c.hidden === 3 ? "stored" : null,
      identity: autoincrement && c.pk === 1 ? "autoincrement" : null,
      collation: null,
      onUpdate: null,
    }));
  const constraints: ConstraintDefinition[] = [];
  const primary = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  if (primary.length > 0) constraints.push({ name: "primary key", type: "primary", definition: `PRIMARY KEY (${primary.join(", ")})` });
  constraints.push(...(await readForeignKeys(db, object.name)));
  const uniques = await db.query<{ name: string }>("select name from pragma_index_list(?) where origin = 'u'", [object.name]);
  for (const unique of uniques) {
    const cols = await indexColumns(db, unique.name);
    constraints.push({ name: `unique (${cols.join(", ")})`, type: "unique", definition: `UNIQUE (${cols.join(", ")})` });
  }
  constraints.push(...checkConstraints(object.sql));
  return { kind: "table", name: object.name, columns: definitions, constraints, definition: flat(object.sql) };
}

async function readForeignKeys(db: Queryable, table: string): Promise<ConstraintDefinition[]> {
  const rows = await db.query<{ id: number; seq: number; table: string; from: string; to: string | null; on_update: string; on_delete: string }>(
    "select id, seq, \"table\", \"from\", \"to\", on_update, on_delete from pragma_foreign_key_list(?) order by id, seq",
    [table],
  );
  const byId = new Map<number, typeof rows>();
  for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  return [...byId.values()].map((keys) => {
    const first = keys[0] as (typeof rows)[number];
    const from = keys.map((k) => k.from).join(", ");
    const to = keys.every((k) => k.to !== null) ? `(${keys.map((k) => k.to).join(", ")})` : "";
    return {
      name: `foreign key (${from})`,
      type: "foreign",
      definition: `FOREIGN KEY (${from}) REFERENCES ${first.table}${to} ON UPDATE ${first.on_update} ON DELETE ${first.on_delete}`,
    };
  });
}

async function indexColumns(db: Queryable, index: string): Promise<string[]> {
  const rows = await db.query<{ name: string | null; cid: number; desc: number }>(
    "select name, cid, \"desc\" from pragma_index_xinfo(?) where key = 1 order by seqno",
    [index],
  );
  return rows.map((r) => `${r.name ?? (r.cid === -1 ? "rowid" : "(expression)")}${r.desc ? " DESC" : ""}`);
}

async function readIndexes(db: Queryable, table: string, all: readonly MasterRow[]): Promise<IndexObject[]> {
  const list = await db.query<{ name: string; unique: number; partial: number }>(
    "select name, \"unique\", partial from pragma_index_list(?) where origin = 'c'",
    [table],
  );
  const indexes: IndexObject[] = [];
  for (const index of list) {
    const sql = all.find((o) => o.name === index.name)?.sql ?? null;
    const predicate = index.partial ? (/\bwhere\b([\s\S]*)$/i.exec(flat(sql))?.[1]?.trim() ?? null) : null;
    indexes.push({
      kind: "index",
      name: index.name,
      table,
      unique: index.unique === 1,
      method: null,
      columns: await indexColumns(db, index.name),
      predicate,
      definition: flat(sql),
    });
  }
  return indexes;
}

const TRIGGER_HEAD = /^create\s+(?:temp\w*\s+)?trigger\s+(?:if\s+not\s+exists\s+)?(?:"[^"]*"|`[^`]*`|\[[^\]]*\]|\S+)\s+(before|after|instead\s+of)?\s*(delete|insert|update)\b/i;

function trigger(object: MasterRow): TriggerObject {
  const definition = flat(object.sql);
  const head = TRIGGER_HEAD.exec(definition);
  return {
    kind: "trigger",
    name: object.name,
    table: object.tbl_name,
    timing: (head?.[1] ?? "before").replace(/\s+/g, " ").toUpperCase(),
    events: head?.[2] ? [head[2].toUpperCase()] : [],
    definition,
  };
}
