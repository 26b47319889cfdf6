// The current database's schema as the neutral model, read from information_schema and the
// server's SHOW CREATE texts. Names are the bare names (the database is the schema); the
// database's own name and DEFINER clauses are taken out of every text, so two databases built by
// the same migrations, by any user, give equal snapshots. A table's definition is its options
// (engine, collation, comment, row format, partitioning); an index's is its comment and whether it
// is ignored (MariaDB) or invisible (MySQL 8). Not seen: column comments (the model has no place
// for them) and the firing order of triggers sharing a table, timing and event.

import {
  schemaSnapshot,
  withoutTables,
  type ColumnDefinition,
  type ConstraintDefinition,
  type IndexObject,
  type SchemaSnapshot,
  type SequenceObject,
  type TableObject,
} from "../../core/schema/model.js";
import type { DescribeSchemaOptions, Queryable } from "../dialect.js";

export function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return value === null || value === undefined ? "" : String(value);
}

const orNull = (value: unknown): string | null => (value === null || value === undefined ? null : text(value));

const sqlString = (value: string): string => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;

export const quoteName = (name: string): string => `\`${name.replaceAll("`", "``")}\``;

export interface Context {
  readonly conn: Queryable;
  readonly database: string;
  readonly mariadb: boolean;
}

/** A server-printed text without the current database's qualifier (`nextval(\`db\`.\`s\`)`, a view's tables). */
export const withoutDatabase = (ctx: Context, sql: string): string => sql.replaceAll(`${quoteName(ctx.database)}.`, "");

/** A server-printed text without the database qualifier and the DEFINER clause. */
export function portable(ctx: Context, sql: string): string {
  return withoutDatabase(ctx, sql)
    .replace(/\s+DEFINER\s*=\s*(`[^`]*`|'[^']*'|\S+)@(`[^`]*`|'[^']*'|\S+)/i, "")
    .trim();
}

/** Reads tables, views, indexes, constraints, routines, triggers, events and sequences of `database()`. */
export async function describeSchema(conn: Queryable, options: DescribeSchemaOptions = {}): Promise<SchemaSnapshot> {
  const ctx = await contextOf(conn);
  const relations = await conn.query(
    `select table_name as name, table_type as type, table_collation as collation, engine as engine,
            table_comment as comment, create_options as options
       from information_schema.tables where table_schema = database()`,
  );
  const ofType = (type: string) => relations.filter((r) => text(r["type"]) === type).map((r) => text(r["name"]));
  const tables = relations.filter((r) => isTableType(r["type"])).map((r) => text(r["name"]));
  const collations = new Map(relations.map((r) => [text(r["name"]), orNull(r["collation"])]));
  const snapshot = schemaSnapshot({
    tables: (await readTables(ctx, tables, collations)).map((table) => ({ ...table, definition: tableOptions(relations, table.name) })),
    views: await Promise.all(ofType("VIEW").map(async (name) => ({ kind: "view" as const, name, definition: await viewDefinition(ctx, name) }))),
    sequences: await readSequences(ctx, ofType("SEQUENCE")),
    indexes: await readIndexes(ctx),
    routines: await readRoutines(ctx),
    triggers: await readTriggers(ctx),
    events: await readEvents(ctx),
  });
  return withoutTables(snapshot, options.exclude ?? []);
}

export async function contextOf(conn: Queryable): Promise<Context> {
  const [scope] = await conn.query("select database() as db, version() as v");
  return { conn, database: text(scope?.["db"]), mariadb: /mariadb/i.test(text(scope?.["v"])) };
}

/**
 * A table's options beyond its columns and constraints (engine, default collation, comment,
 * row format, partitioning), as one text; the AUTO_INCREMENT counter is not part of the schema.
 */
/** A table in information_schema.tables: `BASE TABLE`, or MariaDB's `SYSTEM VERSIONED` (a table WITH SYSTEM VERSIONING). */
export function isTableType(type: unknown): boolean {
  return type === "BASE TABLE" || type === "SYSTEM VERSIONED";
}

function tableOptions(relations: readonly Record<string, unknown>[], name: string): string {
  const row = relations.find((r) => text(r["name"]) === name) ?? {};
  const options = text(row["options"]).split(/\s+/).filter((o) => o !== "" && !/^auto_increment=/i.test(o)).sort();
  const parts = [`ENGINE=${text(row["engine"])}`, `COLLATE=${text(row["collation"])}`, ...options];
  if (text(row["comment"]) !== "") parts.push(`COMMENT=${JSON.stringify(text(row["comment"]))}`);
  if (text(row["type"]) === "SYSTEM VERSIONED") parts.push("WITH SYSTEM VERSIONING");
  return parts.join(" ");
}

const CREATE_COLUMN: Record<string, string> = {
  VIEW: "Create View",
  FUNCTION: "Create Function",
  PROCEDURE: "Create Procedure",
  TRIGGER: "SQL Original Statement",
  EVENT: "Create Event",
};

export async function showCreate(ctx: Context, kind: keyof typeof CREATE_COLUMN, name: string): Promise<string> {
  const [row] = await ctx.conn.query(`show create ${kind.toLowerCase()} ${quoteName(name)}`);
  return portable(ctx, text(row?.[CREATE_COLUMN[kind] as string]));
}

/** SHOW CREATE VIEW, or the stored text when the view no longer resolves (a table it reads was dropped). */
export async function viewDefinition(ctx: Context, name: string): Promise<string> {
  try {
    return await showCreate(ctx, "VIEW", name);
  } catch {
    const [row] = await ctx.conn.query(
      "select view_definition as body from information_schema.views where table_schema = database() and table_name = ?",
      [name],
    );
    return portable(ctx, text(row?.["body"]));
  }
}

async function readTables(ctx: Context, names: readonly string[], collations: Map<string, string | null>): Promise<TableObject[]> {
  const columns = await ctx.conn.query(
    `select table_name as tbl, column_name as name, column_type as type, is_nullable as nullable, column_default as dflt,
            extra as extra, generation_expression as expr, collation_name as collation
       from information_schema.columns where table_schema = database()
      order by table_name, ordinal_position`,
  );
  const constraints = await readConstraints(ctx);
  const tables = new Map<string, { columns: ColumnDefinition[] }>(names.map((name) => [name, { columns: [] }]));
  for (const row of columns) {
    const table = tables.get(text(row["tbl"]));
    if (table === undefined) continue;
    const extra = text(row["extra"]).toLowerCase();
    // MySQL 8 also writes DEFAULT_GENERATED for an expression default: not a generated column.
    const kind = /\b(virtual|stored|persistent) generated\b/.exec(extra)?.[1];
    const generated = kind === undefined ? null : `${text(row["expr"])} ${kind === "virtual" ? "virtual" : "stored"}`;
    const raw = row["dflt"];
    // MariaDB writes a missing default as the bare word NULL (literals are quoted there).
    const dflt = raw === null || raw === undefined || (ctx.mariadb && text(raw) === "NULL") || generated !== null ? null : withoutDatabase(ctx, text(raw));
    const collation = orNull(row["collation"]);
    table.columns.push({
      name: text(row["name"]),
      type: text(row["type"]),
      nullable: text(row["nullable"]) === "YES",
      default: dflt,
      generated,
      identity: /auto_increment/.test(extra) ? "auto_increment" : null,
      collation: collation !== null && collation !== collations.get(text(row["tbl"])) ? collation : null,
      onUpdate: /on update (.+)$/.exec(extra)?.[1]?.trim() ?? null,
    });
  }
  return [...tables].map(([name, table]) => ({
    kind: "table",
    name,
    columns: table.columns,
    constraints: constraints.get(name) ?? [],
    definition: null,
  }));
}

type Row = Record<string, unknown>;

/** Rows grouped by a key. */
function groupBy(rows: readonly Row[], key: (row: Row) => string): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/**
 * Each catalog is read once and joined here: correlated subqueries over information_schema make
 * the server rebuild it per row (minutes on a few hundred tables). Primary, unique and foreign
 * keys come from key_column_usage alone (MariaDB opens every table for each of these catalogs);
 * checks from check_constraints, placed by table_constraints where it has no table (MySQL 8).
 */
async function readConstraints(ctx: Context): Promise<Map<string, ConstraintDefinition[]>> {
  const usage = await ctx.conn.query(
    `select table_name as tbl, constraint_name as name, column_name as col, referenced_table_name as ref_table,
            referenced_column_name as ref_col
       from information_schema.key_column_usage where constraint_schema = database()
      order by table_name, constraint_name, ordinal_position`,
  );
  const hasForeign = usage.some((row) => row["ref_table"] !== null && row["ref_table"] !== undefined);
  const rules = hasForeign
    ? await ctx.conn.query(
        `select table_name as tbl, constraint_name as name, update_rule as on_update, delete_rule as on_delete
           from information_schema.referential_constraints where constraint_schema = database()`,
      )
    : [];
  const checks = await ctx.conn.query(
    ctx.mariadb
      ? `select table_name as tbl, constraint_name as name, check_clause as clause
           from information_schema.check_constraints where constraint_schema = database()`
      : `select k.table_name as tbl, c.constraint_name as name, c.check_clause as clause
           from information_schema.check_constraints c join information_schema.table_constraints k
             on k.constraint_schema = c.constraint_schema and k.constraint_name = c.constraint_name and k.constraint_type = 'CHECK'
          where c.constraint_schema = database()`,
  );
  const key = (row: Row) => `${text(row["tbl"])}\u0000${text(row["name"])}`;
  const rulesOf = new Map(rules.map((row) => [key(row), row]));
  const byTable = new Map<string, ConstraintDefinition[]>();
  const add = (table: string, constraint: ConstraintDefinition) => {
    const list = byTable.get(table) ?? [];
    list.push(constraint);
    byTable.set(table, list);
  };
  for (const parts of groupBy(usage, key).values()) {
    const first = parts[0] as Row;
    const cols = parts.map((part) => quoteName(text(part["col"]))).join(", ");
    const name = text(first["name"]);
    if (first["ref_table"] !== null && first["ref_table"] !== undefined) {
      const refs = parts.map((part) => quoteName(text(part["ref_col"]))).join(", ");
      const rule = rulesOf.get(key(first));
      const on = rule === undefined ? "" : ` ON UPDATE ${text(rule["on_update"])} ON DELETE ${text(rule["on_delete"])}`;
      add(text(first["tbl"]), { name, type: "foreign", definition: `FOREIGN KEY (${cols}) REFERENCES ${text(first["ref_table"])}(${refs})${on}` });
    } else if (name === "PRIMARY") {
      add(text(first["tbl"]), { name, type: "primary", definition: `PRIMARY KEY (${cols})` });
    } else {
      add(text(first["tbl"]), { name, type: "unique", definition: `UNIQUE (${cols})` });
    }
  }
  for (const row of checks) add(text(row["tbl"]), { name: text(row["name"]), type: "check", definition: `CHECK (${text(row["clause"])})` });
  return byTable;
}

/** The visibility column information_schema.statistics has here: IGNORED (MariaDB 10.6+), IS_VISIBLE (MySQL 8), or none. */
async function visibilityColumn(ctx: Context): Promise<string | null> {
  const rows = await ctx.conn.query(
    `select upper(column_name) as name from information_schema.columns
      where table_schema = 'information_schema' and upper(table_name) = 'STATISTICS' and upper(column_name) in ('IGNORED', 'IS_VISIBLE')`,
  );
  const found = rows.map((r) => text(r["name"]));
  return found.includes("IGNORED") ? "ignored" : found.includes("IS_VISIBLE") ? "is_visible" : null;
}

/**
 * Indexes with their columns in order (`name(10)` for a prefix, `(expr)` for a functional part).
 * An index's comment and its being ignored (MariaDB) or invisible (MySQL 8) are its definition.
 */
async function readIndexes(ctx: Context): Promise<IndexObject[]> {
  const visibility = await visibilityColumn(ctx);
  const hidden = visibility === "ignored" ? ", ignored = 'YES' as hidden" : visibility === "is_visible" ? ", is_visible = 'NO' as hidden" : "";
  const rows = await ctx.conn.query(
    `select table_name as tbl, index_name as name, non_unique as non_unique, column_name as col,
            sub_part as sub_part, index_type as method, collation as ord, index_comment as comment
            ${ctx.mariadb ? "" : ", expression as expr"} ${hidden}
       from information_schema.statistics where table_schema = database()
      order by table_name, index_name, seq_in_index`,
  );
  const indexes = new Map<string, IndexObject & { columns: string[] }>();
  for (const row of rows) {
    const name = `${text(row["tbl"])}.${text(row["name"])}`;
    const extras = [
      ...(text(row["comment"]) === "" ? [] : [`COMMENT ${sqlString(text(row["comment"]))}`]),
      ...(Number(row["hidden"] ?? 0) === 1 ? [ctx.mariadb ? "IGNORED" : "INVISIBLE"] : []),
    ];
    const index = indexes.get(name) ?? {
      kind: "index", name, table: text(row["tbl"]), unique: Number(row["non_unique"]) === 0,
      method: orNull(row["method"]), columns: [], predicate: null, definition: extras.length === 0 ? null : extras.join(" "),
    };
    const column = row["col"] === null || row["col"] === undefined ? `(${text(row["expr"]) || "expression"})` : text(row["col"]);
    const subPart = row["sub_part"];
    index.columns.push(`${subPart === null || subPart === undefined ? column : `${column}(${text(subPart)})`}${text(row["ord"]) === "D" ? " DESC" : ""}`);
    indexes.set(name, index);
  }
  return [...indexes.values()];
}

async function readRoutines(ctx: Context): Promise<SchemaSnapshot["routines"]> {
  const rows = await ctx.conn.query(
    `select routine_name as name, routine_type as type, dtd_identifier as returns
       from information_schema.routines where routine_schema = database() and routine_type in ('FUNCTION', 'PROCEDURE')`,
  );
  const parameters = await ctx.conn.query(
    `select specific_name as name, routine_type as type, dtd_identifier as dtd from information_schema.parameters
      where specific_schema = database() and ordinal_position > 0 order by specific_name, ordinal_position`,
  );
  const argsOf = groupBy(parameters, (row) => `${text(row["type"])}\u0000${text(row["name"])}`);
  return Promise.all(
    rows.map(async (row) => {
      const kind = text(row["type"]) === "PROCEDURE" ? "procedure" : "function";
      const args = (argsOf.get(`${text(row["type"])}\u0000${text(row["name"])}`) ?? []).map((p) => text(p["dtd"])).join(", ");
      return {
        kind,
        name: `${text(row["name"])}(${args})`,
        returns: kind === "function" ? orNull(row["returns"]) : null,
        language: "SQL",
        definition: await showCreate(ctx, kind === "procedure" ? "PROCEDURE" : "FUNCTION", text(row["name"])),
      } as const;
    }),
  );
}

async function readTriggers(ctx: Context): Promise<SchemaSnapshot["triggers"]> {
  const rows = await ctx.conn.query(
    `select trigger_name as name, event_object_table as tbl, action_timing as timing, event_manipulation as event
       from information_schema.triggers where trigger_schema = database()`,
  );
  return Promise.all(
    rows.map(async (row) => ({
      kind: "trigger" as const,
      name: text(row["name"]),
      table: text(row["tbl"]),
      timing: text(row["timing"]),
      events: [text(row["event"])],
      definition: withoutTriggerOrder(await showCreate(ctx, "TRIGGER", text(row["name"]))),
    })),
  );
}

/**
 * A trigger's text without `FOLLOWS x` / `PRECEDES x`: the order among triggers of one table,
 * timing and event is the order they are created in, which a schema file reproduces.
 */
export function withoutTriggerOrder(sql: string): string {
  return sql.replace(/(\bFOR\s+EACH\s+ROW)\s+(?:FOLLOWS|PRECEDES)\s+(?:`(?:[^`]|``)*`|\w+)/i, "$1");
}

/** The columns of information_schema.events an event's definition is built from. */
export const EVENT_COLUMNS = `event_name as name, event_type as type, execute_at as at, interval_value as every,
  interval_field as field, ends as ends, status as status, on_completion as completion, event_comment as comment,
  event_definition as body`;

/**
 * An event as the clauses of CREATE EVENT after its name. Built from the columns rather than
 * SHOW CREATE EVENT: a recurring event's STARTS defaults to its creation time, which would make
 * two creations of the same event differ.
 */
export function eventDefinition(ctx: Context, row: Record<string, unknown>): string {
  const every = text(row["every"]);
  const schedule = text(row["type"]) === "ONE TIME"
    ? `AT ${sqlString(text(row["at"]))}`
    : `EVERY ${/^\d+$|^'.*'$/.test(every) ? every : sqlString(every)} ${text(row["field"])}${row["ends"] ? ` ENDS ${sqlString(text(row["ends"]))}` : ""}`;
  const status = text(row["status"]);
  const state = status === "ENABLED" ? "ENABLE" : status === "DISABLED" ? "DISABLE" : "DISABLE ON SLAVE";
  const comment = text(row["comment"]) === "" ? "" : ` COMMENT ${sqlString(text(row["comment"]))}`;
  return `ON SCHEDULE ${schedule} ON COMPLETION ${text(row["completion"])} ${state}${comment} DO ${portable(ctx, text(row["body"]))}`;
}

async function readEvents(ctx: Context): Promise<SchemaSnapshot["events"]> {
  const rows = await ctx.conn.query(`select ${EVENT_COLUMNS} from information_schema.events where event_schema = database()`);
  return rows.map((row) => ({ kind: "event" as const, name: text(row["name"]), definition: eventDefinition(ctx, row) }));
}

async function readSequences(ctx: Context, names: readonly string[]): Promise<SequenceObject[]> {
  // MariaDB's sequences are tables of one row holding their settings.
  return Promise.all(
    names.map(async (name) => {
      const [row] = await ctx.conn.query(
        `select start_value as start, increment as inc, minimum_value as min, maximum_value as max, cycle_option as cycle from ${quoteName(name)}`,
      );
      return {
        kind: "sequence" as const,
        name,
        type: "bigint",
        start: text(row?.["start"]),
        increment: text(row?.["inc"]),
        min: text(row?.["min"]),
        max: text(row?.["max"]),
        cycle: Number(row?.["cycle"]) === 1,
        ownedBy: null,
      };
    }),
  );
}
