// The current database's schema as the neutral model, read from information_schema and the
// server's SHOW CREATE texts. Names are the bare names (the database is the schema); the
// database's own name and DEFINER clauses are taken out of every text, so two databases built by
// the same migrations, by any user, give equal snapshots.

import {
  schemaSnapshot,
  withoutTables,
  type ColumnDefinition,
  type ConstraintDefinition,
  type ConstraintType,
  type IndexObject,
  type SchemaSnapshot,
  type SequenceObject,
  type TableObject,
} from "../../core/schema/model.js";
import type { DescribeSchemaOptions, Queryable } from "../dialect.js";

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return value === null || value === undefined ? "" : String(value);
}

const orNull = (value: unknown): string | null => (value === null || value === undefined ? null : text(value));

const quoteName = (name: string): string => `\`${name.replaceAll("`", "``")}\``;

interface Context {
  readonly conn: Queryable;
  readonly database: string;
  readonly mariadb: boolean;
}

/** A server-printed text without the database qualifier and the DEFINER clause. */
function portable(ctx: Context, sql: string): string {
  return sql
    .replaceAll(`${quoteName(ctx.database)}.`, "")
    .replace(/\s+DEFINER\s*=\s*(`[^`]*`|'[^']*'|\S+)@(`[^`]*`|'[^']*'|\S+)/i, "")
    .trim();
}

/** Reads tables, views, indexes, constraints, routines, triggers, events and sequences of `database()`. */
export async function describeSchema(conn: Queryable, options: DescribeSchemaOptions = {}): Promise<SchemaSnapshot> {
  const [scope] = await conn.query("select database() as db, version() as v");
  const ctx: Context = { conn, database: text(scope?.["db"]), mariadb: /mariadb/i.test(text(scope?.["v"])) };
  const relations = await conn.query(
    "select table_name as name, table_type as type, table_collation as collation from information_schema.tables where table_schema = database()",
  );
  const ofType = (type: string) => relations.filter((r) => text(r["type"]) === type).map((r) => text(r["name"]));
  const collations = new Map(relations.map((r) => [text(r["name"]), orNull(r["collation"])]));
  const snapshot = schemaSnapshot({
    tables: await readTables(ctx, ofType("BASE TABLE"), collations),
    views: await Promise.all(ofType("VIEW").map(async (name) => ({ kind: "view" as const, name, definition: await viewDefinition(ctx, name) }))),
    sequences: await readSequences(ctx, ofType("SEQUENCE")),
    indexes: await readIndexes(ctx),
    routines: await readRoutines(ctx),
    triggers: await readTriggers(ctx),
    events: await readEvents(ctx),
  });
  return withoutTables(snapshot, options.exclude ?? []);
}

const CREATE_COLUMN: Record<string, string> = {
  VIEW: "Create View",
  FUNCTION: "Create Function",
  PROCEDURE: "Create Procedure",
  TRIGGER: "SQL Original Statement",
  EVENT: "Create Event",
};

async function showCreate(ctx: Context, kind: keyof typeof CREATE_COLUMN, name: string): Promise<string> {
  const [row] = await ctx.conn.query(`show create ${kind.toLowerCase()} ${quoteName(name)}`);
  return portable(ctx, text(row?.[CREATE_COLUMN[kind] as string]));
}

/** SHOW CREATE VIEW, or the stored text when the view no longer resolves (a table it reads was dropped). */
async function viewDefinition(ctx: Context, name: string): Promise<string> {
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
    const dflt = raw === null || raw === undefined || (ctx.mariadb && text(raw) === "NULL") || generated !== null ? null : text(raw);
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

/**
 * Read with one query per information_schema table, joined here: correlated subqueries over
 * information_schema run once per constraint, slowly, and crash MariaDB 10.11 on a few hundred
 * tables (a temporary table for the schema fails to be created, then to be dropped).
 */
async function readConstraints(ctx: Context): Promise<Map<string, ConstraintDefinition[]>> {
  const key = (tbl: unknown, name: unknown) => `${text(tbl)}\u0000${text(name)}`;
  const rows = await ctx.conn.query(
    "select table_name as tbl, constraint_name as name, constraint_type as type from information_schema.table_constraints where constraint_schema = database()",
  );
  const usage = await ctx.conn.query(
    `select table_name as tbl, constraint_name as name, column_name as col, referenced_table_name as rtbl, referenced_column_name as rcol
       from information_schema.key_column_usage where constraint_schema = database() order by table_name, constraint_name, ordinal_position`,
  );
  const columns = new Map<string, { cols: string[]; rtbl: string | null; rcols: string[] }>();
  for (const u of usage) {
    const entry = columns.get(key(u["tbl"], u["name"])) ?? { cols: [], rtbl: null, rcols: [] };
    entry.cols.push(`\`${text(u["col"])}\``);
    if (u["rtbl"] !== null && u["rtbl"] !== undefined) {
      entry.rtbl = text(u["rtbl"]);
      entry.rcols.push(`\`${text(u["rcol"])}\``);
    }
    columns.set(key(u["tbl"], u["name"]), entry);
  }
  const rules = new Map<string, string>();
  const referential = await ctx.conn.query(
    "select table_name as tbl, constraint_name as name, update_rule as upd, delete_rule as del from information_schema.referential_constraints where constraint_schema = database()",
  );
  for (const r of referential) rules.set(key(r["tbl"], r["name"]), ` ON UPDATE ${text(r["upd"])} ON DELETE ${text(r["del"])}`);
  // MySQL's check constraint names are unique in the schema; MariaDB's within their table
  const checks = new Map<string, string>();
  const checkRows = await ctx.conn.query(
    `select ${ctx.mariadb ? "table_name" : "''"} as tbl, constraint_name as name, check_clause as clause from information_schema.check_constraints where constraint_schema = database()`,
  );
  for (const c of checkRows) if (!checks.has(key(c["tbl"], c["name"]))) checks.set(key(c["tbl"], c["name"]), text(c["clause"]));
  const types: Record<string, ConstraintType> = { "PRIMARY KEY": "primary", UNIQUE: "unique", "FOREIGN KEY": "foreign", CHECK: "check" };
  const byTable = new Map<string, ConstraintDefinition[]>();
  for (const row of rows) {
    const type = types[text(row["type"])];
    if (type === undefined) continue;
    const entry = columns.get(key(row["tbl"], row["name"]));
    const cols = entry?.cols.join(", ") ?? "";
    const refs = entry?.rtbl == null ? "" : `${entry.rtbl}(${entry.rcols.join(", ")})`;
    const definition =
      type === "check" ? `CHECK (${checks.get(key(ctx.mariadb ? row["tbl"] : "", row["name"])) ?? ""})`
      : type === "foreign" ? `FOREIGN KEY (${cols}) REFERENCES ${refs}${rules.get(key(row["tbl"], row["name"])) ?? ""}`
      : `${type === "primary" ? "PRIMARY KEY" : "UNIQUE"} (${cols})`;
    const list = byTable.get(text(row["tbl"])) ?? [];
    list.push({ name: text(row["name"]), type, definition });
    byTable.set(text(row["tbl"]), list);
  }
  return byTable;
}

async function readIndexes(ctx: Context): Promise<IndexObject[]> {
  const rows = await ctx.conn.query(
    `select table_name as tbl, index_name as name, non_unique as non_unique, column_name as col,
            sub_part as sub_part, index_type as method, collation as ord
            ${ctx.mariadb ? "" : ", expression as expr"}
       from information_schema.statistics where table_schema = database()
      order by table_name, index_name, seq_in_index`,
  );
  const indexes = new Map<string, IndexObject & { columns: string[] }>();
  for (const row of rows) {
    const name = `${text(row["tbl"])}.${text(row["name"])}`;
    const index = indexes.get(name) ?? {
      kind: "index", name, table: text(row["tbl"]), unique: Number(row["non_unique"]) === 0,
      method: orNull(row["method"]), columns: [], predicate: null, definition: null,
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
    `select r.routine_name as name, r.routine_type as type, r.dtd_identifier as returns,
            (select group_concat(p.dtd_identifier order by p.ordinal_position separator ', ') from information_schema.parameters p
              where p.specific_schema = r.routine_schema and p.specific_name = r.routine_name and p.routine_type = r.routine_type
                and p.ordinal_position > 0) as args
       from information_schema.routines r where r.routine_schema = database()`,
  );
  return Promise.all(
    rows.map(async (row) => {
      const kind = text(row["type"]) === "PROCEDURE" ? "procedure" : "function";
      return {
        kind,
        name: `${text(row["name"])}(${text(row["args"])})`,
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
      definition: await showCreate(ctx, "TRIGGER", text(row["name"])),
    })),
  );
}

async function readEvents(ctx: Context): Promise<SchemaSnapshot["events"]> {
  // Built from the columns rather than SHOW CREATE EVENT: a recurring event's STARTS defaults to
  // its creation time, which would make two creations of the same event differ.
  const rows = await ctx.conn.query(
    `select event_name as name, event_type as type, execute_at as at, interval_value as every, interval_field as field,
            ends as ends, status as status, on_completion as completion, event_definition as body
       from information_schema.events where event_schema = database()`,
  );
  return rows.map((row) => {
    const schedule = text(row["type"]) === "ONE TIME"
      ? `AT '${text(row["at"])}'`
      : `EVERY ${text(row["every"])} ${text(row["field"])}${row["ends"] ? ` ENDS '${text(row["ends"])}'` : ""}`;
    return {
      kind: "event" as const,
      name: text(row["name"]),
      definition: `ON SCHEDULE ${schedule} ON COMPLETION ${text(row["completion"])} ${text(row["status"])} DO ${portable(ctx, text(row["body"]))}`,
    };
  });
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
