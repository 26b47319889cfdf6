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
  // an index is the table's when it names the table (SQLite names are case-insensitive)
  const indexesOf = new Map<string, MasterRow[]>();
  for (const index of of("index")) {
    const table = index.tbl_name.toLowerCase();
    indexesOf.set(table, [...(indexesOf.get(table) ?? []), index]);
  }
  const keyed = of("table").map((object) => ({ object, key: [object, ...(indexesOf.get(object.name.toLowerCase()) ?? [])].map(rowKey).join("\u0001") }));
  // the tables the memo does not hold are read together: a few statements for any number of tables
  const read = await readTables(
    db,
    keyed.filter((t) => memo?.table(t.key) === undefined).map((t) => t.object),
    indexesOf,
  );
  const described = new Map<string, DescribedTable>();
  const tables: TableObject[] = [];
  const indexes: IndexObject[] = [];
  for (const { object, key: tableKey } of keyed) {
    const table = memo?.table(tableKey) ?? (read.get(object.name) as DescribedTable);
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

interface ColumnRow {
  readonly tbl: string;
  readonly name: string;
  readonly type: string;
  readonly notnull: number;
  readonly dflt_value: string | null;
  readonly pk: number;
  readonly hidden: number;
}
interface ForeignKeyRow {
  readonly tbl: string;
  readonly id: number;
  readonly seq: number;
  readonly table: string;
  readonly from: string;
  readonly to: string | null;
  readonly on_update: string;
  readonly on_delete: string;
}
interface IndexListRow {
  readonly tbl: string;
  readonly name: string;
  readonly unique: number;
  readonly partial: number;
  readonly origin: string;
}
interface IndexColumnRow {
  readonly idx: string;
  readonly name: string | null;
  readonly cid: number;
  readonly desc: number;
}

/**
 * Each pragma read once for all `tables` (a JSON list of their names, joined to the table-valued
 * pragmas), in the order the pragmas give for one table: four statements however many tables,
 * where a table at a time took five or more each (1,000 tables: ~5,000 statements).
 */
const TABLES_COLUMNS = `select t.value as tbl, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
  from json_each(?) t join pragma_table_xinfo(t.value) p order by t.key, p.cid`;
const TABLES_FOREIGN_KEYS = `select t.value as tbl, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete
  from json_each(?) t join pragma_foreign_key_list(t.value) f order by t.key, f.id, f.seq`;
const TABLES_INDEXES = `select t.value as tbl, l.name, l."unique", l.partial, l.origin
  from json_each(?) t join pragma_index_list(t.value) l order by t.key, l.seq`;
const TABLES_INDEX_COLUMNS = `select l.name as idx, x.name, x.cid, x."desc"
  from json_each(?) t join pragma_index_list(t.value) l join pragma_index_xinfo(l.name) x
 where x.key = 1 order by t.key, l.seq, x.seqno`;

/** Rows grouped by a key, each group in the rows' order. */
function grouped<R>(rows: readonly R[], key: (row: R) => string): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [row]);
    else group.push(row);
  }
  return groups;
}

/** `tables` with their constraints and indexes, by table name. */
async function readTables(db: Queryable, tables: readonly MasterRow[], indexesOf: ReadonlyMap<string, readonly MasterRow[]>): Promise<Map<string, DescribedTable>> {
  const described = new Map<string, DescribedTable>();
  if (tables.length === 0) return described;
  const names = JSON.stringify(tables.map((t) => t.name));
  const columns = grouped(await db.query<ColumnRow>(TABLES_COLUMNS, [names]), (r) => r.tbl);
  const foreignKeys = grouped(await db.query<ForeignKeyRow>(TABLES_FOREIGN_KEYS, [names]), (r) => r.tbl);
  const indexLists = grouped(await db.query<IndexListRow>(TABLES_INDEXES, [names]), (r) => r.tbl);
  const indexColumns = grouped(await db.query<IndexColumnRow>(TABLES_INDEX_COLUMNS, [names]), (r) => r.idx);
  const columnsOf = (index: string): string[] =>
    (indexColumns.get(index) ?? []).map((r) => `${r.name ?? (r.cid === -1 ? "rowid" : "(expression)")}${r.desc ? " DESC" : ""}`);
  for (const object of tables) {
    const list = indexLists.get(object.name) ?? [];
    described.set(object.name, {
      table: tableOf(object, columns.get(object.name) ?? [], foreignKeys.get(object.name) ?? [], list.filter((i) => i.origin === "u"), columnsOf),
      indexes: indexesOfTable(object.name, list.filter((i) => i.origin === "c"), indexesOf.get(object.name.toLowerCase()) ?? [], columnsOf),
    });
  }
  return described;
}

function tableOf(
  object: MasterRow,
  columns: readonly ColumnRow[],
  foreignKeys: readonly ForeignKeyRow[],
  uniques: readonly IndexListRow[],
  columnsOf: (index: string) => string[],
): TableObject {
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
  constraints.push(...foreignKeysOf(foreignKeys));
  for (const unique of uniques) {
    const cols = columnsOf(unique.name);
    constraints.push({ name: `unique (${cols.join(", ")})`, type: "unique", definition: `UNIQUE (${cols.join(", ")})` });
  }
  constraints.push(...checkConstraints(object.sql));
  return { kind: "table", name: object.name, columns: definitions, constraints, definition: flat(object.sql) };
}

function foreignKeysOf(rows: readonly ForeignKeyRow[]): ConstraintDefinition[] {
  return [...grouped(rows, (r) => String(r.id)).values()].map((keys) => {
    const first = keys[0] as ForeignKeyRow;
    const from = keys.map((k) => k.from).join(", ");
    const to = keys.every((k) => k.to !== null) ? `(${keys.map((k) => k.to).join(", ")})` : "";
    return {
      name: `foreign key (${from})`,
      type: "foreign",
      definition: `FOREIGN KEY (${from}) REFERENCES ${first.table}${to} ON UPDATE ${first.on_update} ON DELETE ${first.on_delete}`,
    };
  });
}

function indexesOfTable(table: string, list: readonly IndexListRow[], own: readonly MasterRow[], columnsOf: (index: string) => string[]): IndexObject[] {
  return list.map((index) => {
    const sql = own.find((o) => o.name === index.name)?.sql ?? null;
    const predicate = index.partial ? (/\bwhere\b([\s\S]*)$/i.exec(flat(sql))?.[1]?.trim() ?? null) : null;
    return {
      kind: "index",
      name: index.name,
      table,
      unique: index.unique === 1,
      method: null,
      columns: columnsOf(index.name),
      predicate,
      definition: flat(sql),
    };
  });
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
