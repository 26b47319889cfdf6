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

/** A table as described: its own object and the indexes created on it. */
interface DescribedTable {
  readonly table: TableObject;
  readonly indexes: readonly IndexObject[];
}

/**
 * What a dialect remembers of its last descriptions, so that describing a schema again reads only
 * what changed (verify describes the same shadow three times per migration). Everything the
 * pragmas say of a table comes from the CREATE text in sqlite_master — its own and its indexes'
 * — so the same text gives the same description: a table whose text is unchanged is not read
 * again, and a schema whose sqlite_master is unchanged gives back the very same snapshot object.
 * Only the last two descriptions are kept, and only when the caller alone changes the database
 * (DescribeSchemaOptions.remember): each read is then of one unchanging schema.
 */
export class DescriptionMemo {
  #tables = new Map<string, DescribedTable>();
  #older = new Map<string, DescribedTable>();
  #snapshots: { readonly key: string; readonly snapshot: SchemaSnapshot }[] = [];

  snapshot(key: string): SchemaSnapshot | undefined {
    return this.#snapshots.find((s) => s.key === key)?.snapshot;
  }

  table(key: string): DescribedTable | undefined {
    return this.#tables.get(key) ?? this.#older.get(key);
  }

  remember(key: string, snapshot: SchemaSnapshot, tables: Map<string, DescribedTable>): void {
    this.#snapshots = [{ key, snapshot }, ...this.#snapshots.slice(0, 1)];
    this.#older = this.#tables;
    this.#tables = tables;
  }
}

const rowKey = (o: MasterRow): string => `${o.type}\u0000${o.name}\u0000${o.tbl_name}\u0000${o.sql ?? ""}`;

export async function describeSchema(db: Queryable, options: DescribeSchemaOptions = {}, remembered?: DescriptionMemo): Promise<SchemaSnapshot> {
  const memo = options.remember === true ? remembered : undefined;
  const objects = await db.query<MasterRow>(
    "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name",
  );
  const exclude = options.exclude ?? [];
  const key = `${exclude.join("\u0000")}\u0001${objects.map(rowKey).join("\u0001")}`;
  const same = memo?.snapshot(key);
  if (same !== undefined) return same;
  const of = (type: string) => objects.filter((o) => o.type === type);
  const allIndexes = of("index");
  const described = new Map<string, DescribedTable>();
  const tables: TableObject[] = [];
  const indexes: IndexObject[] = [];
  for (const object of of("table")) {
    // an index is the table's when it names the table (SQLite names are case-insensitive)
    const own = allIndexes.filter((i) => i.tbl_name.toLowerCase() === object.name.toLowerCase());
    const tableKey = [object, ...own].map(rowKey).join("\u0001");
    const table = memo?.table(tableKey) ?? { table: await readTable(db, object), indexes: await readIndexes(db, object.name, allIndexes) };
    described.set(tableKey, table);
    tables.push(table.table);
    indexes.push(...table.indexes);
  }
  const snapshot = withoutTables(
    schemaSnapshot({
      tables,
      indexes,
      views: of("view").map((o) => ({ kind: "view", name: o.name, definition: flat(o.sql) })),
      triggers: of("trigger").map(trigger),
    }),
    exclude,
  );
  memo?.remember(key, snapshot, described);
  return snapshot;
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
