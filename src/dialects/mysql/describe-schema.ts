// The current database's schema as plain, sorted data: two snapshots compare with deep equality
// (e.g. before `up` and after `up` + `down`, to verify a rollback).

import type { Queryable } from "../dialect.js";

export interface ColumnSnapshot {
  readonly name: string;
  /** The full type as the server prints it, e.g. `varchar(255)`, `int(11) unsigned`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default as SQL text, or null when there is none. */
  readonly default: string | null;
  /** `auto_increment`, `on update current_timestamp()`, …, or "". */
  readonly extra: string;
}

export interface IndexSnapshot {
  readonly name: string;
  readonly unique: boolean;
  /** Column names (or expressions) in index order, with a prefix length as `name(10)`. */
  readonly columns: readonly string[];
}

export interface TableSnapshot {
  readonly name: string;
  readonly kind: "table" | "view";
  /** In ordinal order (the order is part of the schema). */
  readonly columns: readonly ColumnSnapshot[];
  /** Sorted by name. */
  readonly indexes: readonly IndexSnapshot[];
}

export interface SchemaSnapshot {
  /** Sorted by name. */
  readonly tables: readonly TableSnapshot[];
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return value === null || value === undefined ? "" : String(value);
}

function byName<T extends { readonly name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Reads tables, views, columns and indexes of `database()` through information_schema. */
export async function describeSchema(conn: Queryable): Promise<SchemaSnapshot> {
  const versionRows = await conn.query("select version() as v");
  const mariadb = /mariadb/i.test(text(versionRows[0]?.["v"]));

  const tables = await conn.query(
    "select table_name as name, table_type as type from information_schema.tables where table_schema = database()",
  );
  const columns = await conn.query(
    `select table_name as tbl, column_name as name, column_type as type, is_nullable as nullable,
            column_default as dflt, extra as extra
       from information_schema.columns where table_schema = database()
      order by table_name, ordinal_position`,
  );
  const indexes = await conn.query(
    `select table_name as tbl, index_name as name, non_unique as non_unique, column_name as col,
            sub_part as sub_part, seq_in_index as seq
       from information_schema.statistics where table_schema = database()
      order by table_name, index_name, seq_in_index`,
  );

  const columnsByTable = new Map<string, ColumnSnapshot[]>();
  for (const row of columns) {
    const raw = row["dflt"];
    // MariaDB writes a missing default as the bare word NULL (literals are quoted there).
    const dflt = raw === null || raw === undefined || (mariadb && text(raw) === "NULL") ? null : text(raw);
    const list = columnsByTable.get(text(row["tbl"])) ?? [];
    list.push({
      name: text(row["name"]),
      type: text(row["type"]),
      nullable: text(row["nullable"]) === "YES",
      default: dflt,
      extra: text(row["extra"]),
    });
    columnsByTable.set(text(row["tbl"]), list);
  }

  const indexesByTable = new Map<string, Map<string, { unique: boolean; columns: string[] }>>();
  for (const row of indexes) {
    const table = text(row["tbl"]);
    const perTable = indexesByTable.get(table) ?? new Map<string, { unique: boolean; columns: string[] }>();
    const name = text(row["name"]);
    const index = perTable.get(name) ?? { unique: Number(row["non_unique"]) === 0, columns: [] };
    const subPart = row["sub_part"];
    const column = row["col"] === null || row["col"] === undefined ? "(expression)" : text(row["col"]);
    index.columns.push(subPart === null || subPart === undefined ? column : `${column}(${text(subPart)})`);
    perTable.set(name, index);
    indexesByTable.set(table, perTable);
  }

  const snapshot: TableSnapshot[] = tables.map((row) => {
    const name = text(row["name"]);
    const indexList: IndexSnapshot[] = [...(indexesByTable.get(name) ?? new Map()).entries()]
      .map(([indexName, index]) => ({ name: indexName, unique: index.unique, columns: index.columns }))
      .sort(byName);
    return {
      name,
      kind: text(row["type"]) === "VIEW" ? "view" : "table",
      columns: columnsByTable.get(name) ?? [],
      indexes: indexList,
    };
  });
  return { tables: snapshot.sort(byName) };
}
