// A plain, sorted picture of one PostgreSQL schema: for tests and schema comparisons.

import type { Queryable } from "../dialect.js";
import { PostgresConnection } from "./postgres-connection.js";

export interface SchemaColumn {
  readonly name: string;
  /** As PostgreSQL prints it, e.g. `character varying(20)`, `timestamp with time zone`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default expression, or null. */
  readonly default: string | null;
}

export interface SchemaTable {
  readonly name: string;
  /** In column order. */
  readonly columns: readonly SchemaColumn[];
}

export interface SchemaIndex {
  readonly name: string;
  readonly table: string;
  /** `CREATE [UNIQUE] INDEX … USING …`, as pg_get_indexdef prints it. */
  readonly definition: string;
}

export interface SchemaConstraint {
  readonly name: string;
  readonly table: string;
  /** `PRIMARY KEY (id)`, `FOREIGN KEY (…) REFERENCES …`, `CHECK (…)`, … */
  readonly definition: string;
}

export interface SchemaSnapshot {
  readonly schema: string;
  /** Tables (plain and partitioned), sorted by name. */
  readonly tables: readonly SchemaTable[];
  /** Sorted by table, then name. */
  readonly indexes: readonly SchemaIndex[];
  /** Sorted by table, then name. */
  readonly constraints: readonly SchemaConstraint[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Lists the tables, columns, indexes and constraints of a schema: `options.schema`, else the
 * connection's configured schema, else current_schema(). Names inside the schema are printed
 * unqualified (the search_path is pointed at it while reading, then put back), so snapshots of
 * two schemas or databases compare equal when their structure is the same.
 */
export async function describeSchema(conn: Queryable, options: { readonly schema?: string } = {}): Promise<SchemaSnapshot> {
  const configured = options.schema ?? (conn instanceof PostgresConnection ? conn.schema : undefined);
  const [scope] = await conn.query<{ schema: string | null; search_path: string }>(
    "select coalesce(?::text, current_schema()) as schema, current_setting('search_path') as search_path",
    [configured ?? null],
  );
  const schema = scope?.schema ?? "public";
  await conn.query("select set_config('search_path', ?, false)", [quote(schema)]);
  try {
    return await readSchema(conn, schema);
  } finally {
    await conn.query("select set_config('search_path', ?, false)", [scope?.search_path ?? ""]);
  }
}

async function readSchema(conn: Queryable, schema: string): Promise<SchemaSnapshot> {

  const columns = await conn.query<{ table_name: string; name: string | null; type: string | null; nullable: boolean | null; default: string | null }>(
    `select c.relname as table_name, a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
            not a.attnotnull as nullable, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as "default"
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname = ? and c.relkind in ('r', 'p')
      order by c.relname, a.attnum`,
    [schema],
  );
  const tables = new Map<string, SchemaColumn[]>();
  for (const row of columns) {
    const list = tables.get(row.table_name) ?? [];
    if (row.name !== null) {
      list.push({ name: row.name, type: row.type ?? "", nullable: row.nullable !== false, default: row.default });
    }
    tables.set(row.table_name, list);
  }

  const indexes = await conn.query<{ name: string; table: string; definition: string }>(
    `select i.relname as name, t.relname as "table",
            replace(replace(pg_catalog.pg_get_indexdef(i.oid),
              ' ON ONLY ' || quote_ident(n.nspname) || '.', ' ON ONLY '),
              ' ON ' || quote_ident(n.nspname) || '.', ' ON ') as definition
       from pg_catalog.pg_index x
       join pg_catalog.pg_class i on i.oid = x.indexrelid
       join pg_catalog.pg_class t on t.oid = x.indrelid
       join pg_catalog.pg_namespace n on n.oid = i.relnamespace
      where n.nspname = ?`,
    [schema],
  );

  const constraints = await conn.query<{ name: string; table: string; definition: string }>(
    `select k.conname as name, t.relname as "table", pg_catalog.pg_get_constraintdef(k.oid) as definition
       from pg_catalog.pg_constraint k
       join pg_catalog.pg_class t on t.oid = k.conrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      where n.nspname = ? and t.relkind in ('r', 'p')`,
    [schema],
  );

  const byTableThenName = (a: { table: string; name: string }, b: { table: string; name: string }) =>
    byText(a.table, b.table) || byText(a.name, b.name);

  return {
    schema,
    tables: [...tables.entries()].sort(([a], [b]) => byText(a, b)).map(([name, cols]) => ({ name, columns: cols })),
    indexes: indexes.map((row) => ({ name: row.name, table: row.table, definition: row.definition })).sort(byTableThenName),
    constraints: constraints.map((row) => ({ name: row.name, table: row.table, definition: row.definition })).sort(byTableThenName),
  };
}
