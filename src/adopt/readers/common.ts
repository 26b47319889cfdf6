// What every history reader shares: finding the table, checking its columns, reading its rows,
// and turning stored values (dates, numbers, booleans as each driver returns them) into an entry.

import { ConfigError } from "../../core/errors.js";
import type { Queryable } from "../../dialects/dialect.js";
import { foreignCatalog, type ForeignCatalog, type ForeignDialect } from "../../dialects/foreign-catalog.js";
import type { ForeignEntry, ForeignTable } from "../foreign-history.js";

export type { ForeignDialect };

/** A history table that exists but is not shaped as the tool writes it: one sentence, and the fix. */
export function tableShapeError(tool: string, table: string, expected: readonly string[], found: readonly string[]): ConfigError {
  return new ConfigError(`${table} does not look like ${tool}'s history table: it needs the columns ${expected.join(", ")} but has ${found.join(", ")}`, {
    fix: `name ${tool}'s history table (and schema) if it has another name, or check that ${tool} wrote ${table}`,
  });
}

export interface OpenTable {
  readonly catalog: ForeignCatalog;
  /** Quoted and qualified, for SQL. */
  readonly sql: string;
  /** As messages name it: `drizzle.__drizzle_migrations`. */
  readonly label: string;
  readonly columns: readonly string[];
  /** Quotes a column name. */
  readonly q: (column: string) => string;
}

/**
 * The table with its columns, or null when it does not exist. Throws when
 * it lacks one of `required` (a ConfigError: one sentence naming the table and the columns).
 */
export async function openTable(
  db: Queryable,
  dialect: ForeignDialect,
  tool: string,
  table: ForeignTable,
  required: readonly string[],
): Promise<OpenTable | null> {
  const catalog = foreignCatalog(dialect);
  const columns = await catalog.columnsOf(db, table);
  if (columns === null) return null;
  const label = table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
  const missing = required.filter((c) => !columns.includes(c.toLowerCase()));
  if (missing.length > 0) throw tableShapeError(tool, label, required, columns);
  return { catalog, sql: catalog.qualified(table), label, columns, q: (c) => catalog.quote(c) };
}

/** `select a, b from t order by …`, every column quoted. */
export async function selectRows(open: OpenTable, db: Queryable, columns: readonly string[], orderBy: readonly string[]): Promise<Record<string, unknown>[]> {
  const list = columns.map((c) => `${open.q(c)} as ${open.q(c)}`).join(", ");
  const order = orderBy.length === 0 ? "" : ` order by ${orderBy.map((c) => open.q(c)).join(", ")}`;
  const rows = await db.query(`select ${list} from ${open.sql}${order}`);
  return rows.map(lowerKeys);
}

function lowerKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k.toLowerCase()] = v;
  return out;
}

/** Text of a stored value; null for SQL NULL. Buffers (MySQL binary strings) are read as UTF-8. */
export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return String(value);
}

/** A stored boolean as each driver returns it (true/false, 1/0, "1"/"0", "t"/"f", a BIT buffer). */
export function truthy(value: unknown): boolean {
  if (Buffer.isBuffer(value)) return value.some((b) => b !== 0);
  if (typeof value === "string") return !["0", "f", "false", ""].includes(value.toLowerCase());
  if (typeof value === "bigint") return value !== 0n;
  return Boolean(value);
}

/** A stored time as ISO 8601: a Date, epoch milliseconds (number or numeric text), or a date text. */
export function isoTime(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const raw = typeof value === "bigint" ? value.toString() : String(value);
  if (/^\d{11,}$/.test(raw)) return new Date(Number(raw)).toISOString();
  // SQLite's datetime('now') and CURRENT_TIMESTAMP are UTC without a zone.
  const zoned = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(raw) ? `${raw.replace(" ", "T")}Z` : raw;
  const parsed = new Date(zoned);
  return Number.isNaN(parsed.getTime()) ? raw : parsed.toISOString();
}

/** The leading digits of a name (`20240101_init.js` → `20240101`), or null. */
export function leadingVersion(name: string): string | null {
  return /^(\d+)/.exec(name)?.[1] ?? null;
}

/** Entries of a tool that keeps one row per applied migration, keyed by its name. */
export function namedEntries(
  open: OpenTable,
  rows: readonly Record<string, unknown>[],
  columns: { readonly name: string; readonly id?: string; readonly time?: string; readonly version?: string },
): ForeignEntry[] {
  return rows.map((row) => {
    const name = text(row[columns.name]) ?? "";
    const id = columns.id === undefined ? null : text(row[columns.id]);
    const version = columns.version === undefined ? leadingVersion(name) : text(row[columns.version]);
    return {
      key: name,
      version,
      name,
      state: "applied" as const,
      checksum: null,
      where: id === null ? `${open.label} row ${name}` : `${open.label} ${columns.id} ${id} (${name})`,
      appliedAt: columns.time === undefined ? null : isoTime(row[columns.time]),
    };
  });
}
