// The schema file of a MySQL/MariaDB database: the server's own SHOW CREATE texts, made canonical
// so that the same schema always gives the same bytes. Counters (AUTO_INCREMENT=N), DEFINER
// clauses, the database's name and version comments are taken out; keys and constraints inside a
// table are listed by name; objects are listed by name in an order that reloads: sequences,
// tables (with foreign key checks off around them), functions and procedures (a view may call
// one, and a routine's body is not resolved when it is created), views in dependency order,
// triggers, events. Statements end with `;` and need no DELIMITER: the dialect's splitter keeps
// a stored program's BEGIN … END together. The file is meant to be run on one session (the
// foreign key switch is a session setting). Not kept: a recurring event's STARTS (it starts when
// reloaded), the sql_mode and character set a routine, trigger or view was created under (the
// loading session's apply), and whatever the server does not print (table data, grants).

import type { DescribeSchemaOptions, Queryable } from "../dialect.js";
import {
  contextOf,
  EVENT_COLUMNS,
  eventDefinition,
  isTableType,
  quoteName,
  showCreate,
  text,
  viewDefinition,
  withoutDatabase,
  withoutTriggerOrder,
  type Context,
} from "./describe-schema.js";
import { scanMysqlToken } from "./sql/lexer.js";
import { newToken } from "../../sql/token.js";

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The current database's schema as one canonical SQL script: `dumpStatements`, each ended by `;`. */
export async function dumpSchema(conn: Queryable, options: DescribeSchemaOptions = {}): Promise<string> {
  const statements = await dumpStatements(conn, options);
  return statements.map(terminated).join("\n\n") + (statements.length > 0 ? "\n" : "");
}

/** The statements of the schema file, in the order they reload, without their `;`. */
export async function dumpStatements(conn: Queryable, options: DescribeSchemaOptions = {}): Promise<string[]> {
  const ctx = await contextOf(conn);
  const excluded = new Set((options.exclude ?? []).map((name) => name.toLowerCase()));
  const relations = await conn.query(
    "select table_name as name, table_type as type from information_schema.tables where table_schema = database()",
  );
  const named = (type: string | typeof isTableType) =>
    relations
      .filter((r) => (typeof type === "string" ? text(r["type"]) === type : type(r["type"])))
      .map((r) => text(r["name"]))
      .filter((name) => !excluded.has(name.toLowerCase()))
      .sort(byText);
  const sequences = await Promise.all(named("SEQUENCE").map((name) => showCreateRow(ctx, "sequence", name)));
  const tables = await Promise.all(
    named(isTableType).map(async (name) => canonicalTable(withoutDatabase(ctx, await showCreateRow(ctx, "table", name)))),
  );
  const hasForeignKeys = tables.some((table) => /^\s*CONSTRAINT `(?:[^`]|``)*` FOREIGN KEY /m.test(table));
  return [
    ...sequences,
    ...(hasForeignKeys ? ["SET FOREIGN_KEY_CHECKS = 0", ...tables, "SET FOREIGN_KEY_CHECKS = 1"] : tables),
    ...(await routines(ctx)),
    ...(await views(ctx, named("VIEW"))),
    ...(await triggers(ctx, excluded)),
    ...(await events(ctx)),
  ];
}

async function showCreateRow(ctx: Context, kind: "table" | "sequence", name: string): Promise<string> {
  const [row] = await ctx.conn.query(`show create ${kind} ${quoteName(name)}`);
  return withoutVersionComments(text(row?.["Create Table"]));
}

/** `;` after the statement, on a line of its own when the statement ends in a `--` comment. */
function terminated(sql: string): string {
  const tok = newToken();
  let last = "space";
  for (let pos = 0; pos < sql.length; pos = tok.end) {
    scanMysqlToken(sql, pos, tok);
    if (tok.kind !== "space") last = tok.kind;
  }
  return last === "line-comment" ? `${sql}\n;` : `${sql};`;
}

/** `/*!50100 PARTITION BY … *\/` → `PARTITION BY …`: the text every server this dialect reads runs. */
export function withoutVersionComments(sql: string): string {
  const tok = newToken();
  let out = "";
  for (let pos = 0; pos < sql.length; pos = tok.end) {
    scanMysqlToken(sql, pos, tok);
    const piece = sql.slice(tok.start, tok.end);
    out += tok.kind === "exec-comment" && !tok.unterminated ? piece.slice(2, -2).replace(/^M?!\d{0,6}/, "").trim() : piece;
  }
  return out;
}

/** Where each top-level item of `CREATE TABLE name (…)` is, and the options after it. */
function tableParts(sql: string): { head: string; items: string[]; tail: string } | null {
  const tok = newToken();
  let depth = 0;
  let open = -1;
  let itemStart = -1;
  const items: string[] = [];
  for (let pos = 0; pos < sql.length; pos = tok.end) {
    scanMysqlToken(sql, pos, tok);
    if (tok.kind !== "punct") continue;
    const c = sql[tok.start];
    if (c === "(") {
      if (depth === 0) {
        open = tok.start;
        itemStart = tok.end;
      }
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === 0) {
        items.push(sql.slice(itemStart, tok.start).trim());
        return { head: sql.slice(0, open).trimEnd(), items, tail: sql.slice(tok.end) };
      }
    } else if (c === "," && depth === 1) {
      items.push(sql.slice(itemStart, tok.start).trim());
      itemStart = tok.end;
    }
  }
  return null;
}

const KEY = /^(?:UNIQUE |FULLTEXT |SPATIAL |VECTOR )?(?:KEY|INDEX) `((?:[^`]|``)*)`/;
const CONSTRAINT = /^CONSTRAINT `((?:[^`]|``)*)`/;

/** Columns in their order, then the primary key, then keys by name, then constraints by name. */
function itemRank(item: string): [number, string] {
  if (item.startsWith("PRIMARY KEY")) return [1, ""];
  const key = KEY.exec(item);
  if (key) return [2, key[1] ?? ""];
  const constraint = CONSTRAINT.exec(item);
  if (constraint) return [3, constraint[1] ?? ""];
  return [0, ""];
}

/** SHOW CREATE TABLE without the AUTO_INCREMENT counter and version comments, its keys and constraints in name order. */
export function canonicalTable(shown: string): string {
  const sql = withoutVersionComments(shown);
  const parts = tableParts(sql);
  if (parts === null) return sql;
  const ranked = parts.items.map((item, index) => ({ item, index, rank: itemRank(item) }));
  ranked.sort((a, b) => a.rank[0] - b.rank[0] || byText(a.rank[1], b.rank[1]) || a.index - b.index);
  const tail = parts.tail.replace(/\s+AUTO_INCREMENT=\d+/i, "");
  return `${parts.head} (\n  ${ranked.map((r) => r.item).join(",\n  ")}\n)${tail}`;
}

async function routines(ctx: Context): Promise<string[]> {
  const rows = await ctx.conn.query(
    `select routine_name as name, routine_type as type from information_schema.routines
      where routine_schema = database() and routine_type in ('FUNCTION', 'PROCEDURE')`,
  );
  const list = rows.map((row) => ({ name: text(row["name"]), type: text(row["type"]) as "FUNCTION" | "PROCEDURE" }));
  list.sort((a, b) => byText(a.type, b.type) || byText(a.name, b.name));
  return Promise.all(list.map((routine) => showCreate(ctx, routine.type, routine.name)));
}

/** Views by name, each after the views it reads (a cycle, which the server refuses anyway, is cut by name). */
async function views(ctx: Context, names: readonly string[]): Promise<string[]> {
  const texts = new Map(await Promise.all(names.map(async (name) => [name, await viewDefinition(ctx, name)] as const)));
  const reads = new Map(
    names.map((name) => {
      const body = (texts.get(name) ?? "").replace(/^[\s\S]*?\bVIEW\s+`(?:[^`]|``)*`/i, "");
      return [name, names.filter((other) => other !== name && body.includes(quoteName(other)))] as const;
    }),
  );
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const remaining = names.filter((name) => !done.has(name));
    const next = remaining.find((name) => (reads.get(name) ?? []).every((dep) => done.has(dep))) ?? (remaining[0] as string);
    done.add(next);
    order.push(next);
  }
  // A view whose tables are gone has only its stored SELECT: written as the CREATE it was.
  return order.map((name) => {
    const sql = texts.get(name) ?? "";
    return /^CREATE\b/i.test(sql) ? sql : `CREATE VIEW ${quoteName(name)} AS ${sql}`;
  });
}

/**
 * Triggers by name, except that triggers sharing a table, timing and event keep their firing
 * order: they fill the places their names give them in the order the server fires them.
 */
async function triggers(ctx: Context, excluded: ReadonlySet<string>): Promise<string[]> {
  const rows = await ctx.conn.query(
    `select trigger_name as name, event_object_table as tbl, action_timing as timing, event_manipulation as event,
            action_order as ord
       from information_schema.triggers where trigger_schema = database()`,
  );
  const list = rows
    .map((row) => ({ name: text(row["name"]), group: `${text(row["tbl"])}\u0000${text(row["timing"])}\u0000${text(row["event"])}`, table: text(row["tbl"]), order: Number(row["ord"]) }))
    .filter((trigger) => !excluded.has(trigger.table.toLowerCase()))
    .sort((a, b) => byText(a.name, b.name));
  const firing = new Map<string, typeof list>();
  for (const trigger of list) firing.set(trigger.group, [...(firing.get(trigger.group) ?? []), trigger]);
  for (const group of firing.values()) group.sort((a, b) => a.order - b.order || byText(a.name, b.name));
  const taken = new Map<string, number>();
  const ordered = list.map((trigger) => {
    const index = taken.get(trigger.group) ?? 0;
    taken.set(trigger.group, index + 1);
    return (firing.get(trigger.group) ?? [])[index] ?? trigger;
  });
  return Promise.all(ordered.map(async (trigger) => withoutTriggerOrder(await showCreate(ctx, "TRIGGER", trigger.name))));
}

async function events(ctx: Context): Promise<string[]> {
  const rows = await ctx.conn.query(`select ${EVENT_COLUMNS} from information_schema.events where event_schema = database()`);
  return rows
    .map((row) => ({ name: text(row["name"]), sql: `CREATE EVENT ${quoteName(text(row["name"]))} ${eventDefinition(ctx, row)}` }))
    .sort((a, b) => byText(a.name, b.name))
    .map((event) => event.sql);
}
