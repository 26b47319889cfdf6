// SQLite's schema file: the CREATE text sqlite_master keeps for each object, in an order that
// reloads (tables, indexes, views with each after the views it reads, triggers), sorted by name
// within each kind so the same schema always gives the same file.

import type { DescribeSchemaOptions, Queryable } from "../dialect.js";

/** One object of sqlite_master, as the dump needs it. */
export interface MasterObject {
  readonly type: string;
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string;
}

const KIND_ORDER = ["table", "index", "view", "trigger"] as const;

export async function dumpSchema(db: Queryable, options: DescribeSchemaOptions = {}): Promise<string> {
  const rows = await db.query<MasterObject>(
    "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' and sql is not null",
  );
  // a virtual table's shadow tables (FTS5's docs_data, …) are made again by its CREATE VIRTUAL TABLE
  return schemaText(rows, [...(options.exclude ?? []), ...(await shadowTables(db))]);
}

async function shadowTables(db: Queryable): Promise<string[]> {
  try {
    return (await db.query<{ name: string }>("select name from pragma_table_list where type = 'shadow' and schema = 'main'")).map((r) => r.name);
  } catch {
    return []; // SQLite before 3.37 has no table_list: no shadow tables are told apart
  }
}

/** The file's statements from sqlite_master's rows (pure): each ends with `;` and a blank line. */
export function schemaText(rows: readonly MasterObject[], exclude: readonly string[]): string {
  const excluded = new Set(exclude.map((name) => name.toLowerCase()));
  const kept = rows.filter((row) => !excluded.has(row.tbl_name.toLowerCase()) && !excluded.has(row.name.toLowerCase()));
  const ordered: MasterObject[] = [];
  for (const kind of KIND_ORDER) {
    const ofKind = kept.filter((row) => row.type === kind).sort(byName);
    ordered.push(...(kind === "view" ? viewsInDependencyOrder(ofKind) : ofKind));
  }
  return ordered.map((row) => `${row.sql.trim()};\n`).join("\n");
}

function byName(a: MasterObject, b: MasterObject): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Views sorted by name, except that a view comes after every view its text names: each step
 * takes the first (by name) view whose dependencies are all placed.
 */
export function viewsInDependencyOrder(views: readonly MasterObject[]): MasterObject[] {
  const names = new Set(views.map((v) => v.name.toLowerCase()));
  const needs = new Map(views.map((v) => [v.name, [...identifiers(v.sql)].filter((id) => id !== v.name.toLowerCase() && names.has(id))]));
  const placed = new Set<string>();
  const ordered: MasterObject[] = [];
  let left = [...views];
  while (left.length > 0) {
    // a cycle cannot be created in SQLite; were there one, the rest goes by name
    const next = left.find((v) => (needs.get(v.name) ?? []).every((id) => placed.has(id))) ?? (left[0] as MasterObject);
    ordered.push(next);
    placed.add(next.name.toLowerCase());
    left = left.filter((v) => v !== next);
  }
  return ordered;
}

/** The identifiers a statement's text names, lower-cased, quoted ones unquoted (string literals and comments skipped). */
function identifiers(sql: string): Set<string> {
  const found = new Set<string>();
  const token = /'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\/|"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|\[([^\]]*)\]|([A-Za-z_][A-Za-z0-9_$]*)/g;
  for (const match of sql.matchAll(token)) {
    const name = match[1]?.replace(/""/g, '"') ?? match[2]?.replace(/``/g, "`") ?? match[3] ?? match[4];
    if (name !== undefined) found.add(name.toLowerCase());
  }
  return found;
}
