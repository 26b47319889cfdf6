// `lint --measure` on SQLite: a table is rebuilt when its root page in sqlite_master changes
// (the twelve-step rebuild, or a VACUUM, gives it a new b-tree).

import type { StatementFacts } from "../../core/sql-facts.js";
import type { Connection } from "../dialect.js";
import type { DialectMeasure, MeasuredEffect } from "../measure.js";

async function roots(conn: Connection): Promise<Map<string, number>> {
  const rows = await conn.query<{ name: string; rootpage: number }>("SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND rootpage > 0");
  return new Map(rows.map((r) => [r.name, Number(r.rootpage)]));
}

/** The root pages as the migration found them (a rebuild spans statements: create, copy, drop, rename). */
const baselines = new WeakMap<Connection, Map<string, number>>();

async function run(conn: Connection, statement: StatementFacts): Promise<MeasuredEffect> {
  const before = await roots(conn);
  const baseline = baselines.get(conn) ?? before;
  baselines.set(conn, baseline);
  const started = performance.now();
  await conn.exec(statement.text);
  const durationMs = Math.round(performance.now() - started);
  const after = await roots(conn);
  // a table this statement gave a root page other than the one it had when the migration began
  const rewritten = [...after].filter(([name, page]) => before.get(name) !== page && baseline.has(name) && baseline.get(name) !== page).map(([name]) => name);
  return { durationMs, rewritten: rewritten.sort() };
}

async function reset(conn: Connection): Promise<void> {
  baselines.delete(conn);
}

function valueOf(type: string): string {
  const t = type.toUpperCase();
  if (t.includes("INT")) return "g";
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "'v' || g";
  if (t.includes("BLOB")) return "randomblob(4)";
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return "g * 1.5";
  if (t.includes("DATE") || t.includes("TIME")) return "datetime('now', '-' || g || ' minutes')";
  return "g";
}

async function seed(conn: Connection, table: string, rows: number): Promise<number | string> {
  const [exists] = await conn.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND lower(name) = ?", [table]);
  if (exists === undefined) return "it does not exist";
  const quoted = `"${exists.name.replace(/"/g, '""')}"`;
  const [any] = await conn.query(`SELECT 1 AS one FROM ${quoted} LIMIT 1`);
  if (any !== undefined) return "it already holds rows";
  const columns = await conn.query<{ name: string; type: string; dflt_value: unknown; hidden: number }>(`SELECT name, type, dflt_value, hidden FROM pragma_table_xinfo(?)`, [exists.name]);
  const filled = columns.filter((c) => Number(c.hidden) === 0 && c.dflt_value === null);
  if (filled.length === 0) return "none of its columns can be generated";
  const names = filled.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(", ");
  const values = filled.map((c) => valueOf(c.type)).join(", ");
  try {
    await conn.exec(`WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < ${rows}) INSERT INTO ${quoted} (${names}) SELECT ${values} FROM seq`);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return rows;
}

export const sqliteMeasure: DialectMeasure = { rewriteWord: "rebuild", seed, run, reset };
