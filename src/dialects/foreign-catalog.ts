// What a reader of another tool's history table needs to know about a dialect without naming it
// (src/adopt/ names no dialect): how to quote, how to find a table's columns, and what a table's
// `schema` qualifier means here.

import type { Queryable } from "./dialect.js";
import { quoteMysqlIdentifier } from "./mysql/mysql-dialect.js";
import { quotePostgresIdentifier } from "./postgres/identifier.js";
import { quoteIdentifier as quoteSqliteIdentifier } from "./sqlite/sqlite-dialect.js";

export type ForeignDialect = "postgres" | "mysql" | "sqlite";

/** Every dialect, for tools that support them all. */
export const EVERY_DIALECT: readonly ForeignDialect[] = ["postgres", "mysql", "sqlite"];
/** Only PostgreSQL (node-pg-migrate). */
export const POSTGRES_ONLY: readonly ForeignDialect[] = ["postgres"];

export interface CatalogTable {
  readonly schema?: string | undefined;
  readonly name: string;
}

export interface ForeignCatalog {
  /**
   * What a table's `schema` names here: a schema inside the database (PostgreSQL), another
   * database on the server (MySQL), or an attached database file (SQLite).
   */
  readonly namespace: "schema" | "database" | "file";
  quote(name: string): string;
  /** The table, quoted and qualified by its schema when it has one. */
  qualified(table: CatalogTable): string;
  /** The table's column names, lower-case; null when the table does not exist. */
  columnsOf(db: Queryable, table: CatalogTable): Promise<string[] | null>;
  /** SQLite: the main database's file (null in memory). Elsewhere null. */
  mainFile(db: Queryable): Promise<string | null>;
  /** SQLite: the names of the attached databases (`main` included). Elsewhere empty. */
  attached(db: Queryable): Promise<string[]>;
}

function namesOf(rows: readonly Record<string, unknown>[]): string[] | null {
  return rows.length === 0 ? null : rows.map((r) => String(r["name"]).toLowerCase());
}

const postgresCatalog: ForeignCatalog = {
  namespace: "schema",
  quote: quotePostgresIdentifier,
  qualified: (t) => (t.schema === undefined ? quotePostgresIdentifier(t.name) : `${quotePostgresIdentifier(t.schema)}.${quotePostgresIdentifier(t.name)}`),
  async columnsOf(db, t) {
    const rows = await db.query(
      "select column_name as name from information_schema.columns where table_schema = coalesce(?, current_schema()) and table_name = ? order by ordinal_position",
      [t.schema ?? null, t.name],
    );
    return namesOf(rows);
  },
  mainFile: async () => null,
  attached: async () => [],
};

const mysqlCatalog: ForeignCatalog = {
  namespace: "database",
  quote: quoteMysqlIdentifier,
  qualified: (t) => (t.schema === undefined ? quoteMysqlIdentifier(t.name) : `${quoteMysqlIdentifier(t.schema)}.${quoteMysqlIdentifier(t.name)}`),
  async columnsOf(db, t) {
    const rows = await db.query(
      "select column_name as name from information_schema.columns where table_schema = coalesce(?, database()) and table_name = ? order by ordinal_position",
      [t.schema ?? null, t.name],
    );
    return namesOf(rows);
  },
  mainFile: async () => null,
  attached: async () => [],
};

const sqliteCatalog: ForeignCatalog = {
  namespace: "file",
  quote: quoteSqliteIdentifier,
  qualified: (t) => (t.schema === undefined ? quoteSqliteIdentifier(t.name) : `${quoteSqliteIdentifier(t.schema)}.${quoteSqliteIdentifier(t.name)}`),
  async columnsOf(db, t) {
    const rows = await db.query("select name from pragma_table_info(?, ?)", [t.name, t.schema ?? "main"]);
    return namesOf(rows);
  },
  async mainFile(db) {
    const rows = await db.query<{ name: string; file: string | null }>("select name, file from pragma_database_list");
    const file = rows.find((r) => r.name === "main")?.file;
    return file === undefined || file === null || file === "" ? null : file;
  },
  async attached(db) {
    const rows = await db.query<{ name: string }>("select name from pragma_database_list");
    return rows.map((r) => r.name);
  },
};

export function foreignCatalog(dialect: ForeignDialect): ForeignCatalog {
  switch (dialect) {
    case "postgres":
      return postgresCatalog;
    case "mysql":
      return mysqlCatalog;
    case "sqlite":
      return sqliteCatalog;
  }
}
