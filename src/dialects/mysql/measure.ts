// `lint --measure` on MySQL/MariaDB: each ALTER TABLE (and CREATE/DROP INDEX) is run with the
// least-blocking ALGORITHM and LOCK clauses first, then weaker ones; the server refuses a clause
// it cannot honour before it changes anything ("ALGORITHM=INSTANT is not supported …"), so the
// first probe accepted is what the server does, and the statement is applied exactly once.

import type { StatementFacts } from "../../core/sql-facts.js";
import type { Connection } from "../dialect.js";
import type { DialectMeasure, MeasuredEffect } from "../measure.js";

const PROBES: readonly (readonly [algorithm: string, lock: string])[] = [
  ["INSTANT", "NONE"],
  ["INPLACE", "NONE"],
  ["INPLACE", "SHARED"],
  ["INPLACE", "EXCLUSIVE"],
  ["COPY", "SHARED"],
  ["COPY", "EXCLUSIVE"],
];

const ALTER = /^(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(alter\s+(?:online\s+|ignore\s+)*table|create\s+(?:or\s+replace\s+)?(?:unique\s+|fulltext\s+|spatial\s+)?index|drop\s+index)\b/i;

function messages(error: unknown): string {
  const out: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) out.push(e.message);
  return out.join(" ");
}

/** The server refused the ALGORITHM or LOCK clause (not the change itself). */
function refusedClause(error: unknown): boolean {
  return /(ALGORITHM|LOCK)=\w+ is not supported|not supported for this operation/i.test(messages(error));
}

async function timed(conn: Connection, sql: string): Promise<number> {
  const started = performance.now();
  await conn.exec(sql);
  return Math.round(performance.now() - started);
}

const mariadbSessions = new WeakMap<Connection, Promise<boolean>>();

/**
 * MariaDB accepts a bare ALGORITHM=INSTANT on a change of engine and then copies the table; with
 * LOCK=NONE it refuses ("COPY algorithm requires a lock"), so its INSTANT probe carries LOCK=NONE.
 * MySQL 8 takes no LOCK clause but DEFAULT with INSTANT.
 */
function isMariadb(conn: Connection): Promise<boolean> {
  let known = mariadbSessions.get(conn);
  if (known === undefined) {
    known = conn.query<{ v: string }>("select version() as v").then((rows) => /mariadb/i.test(String(rows[0]?.v ?? "")));
    mariadbSessions.set(conn, known);
  }
  return known;
}

async function run(conn: Connection, statement: StatementFacts): Promise<MeasuredEffect> {
  const text = statement.text.replace(/[\s;]+$/, "");
  const kind = ALTER.exec(text)?.[1];
  if (kind === undefined) return { durationMs: await timed(conn, text) };
  const statedAlgorithm = /\bALGORITHM\s*=?\s*(\w+)/i.exec(text)?.[1]?.toUpperCase();
  const statedLock = /\bLOCK\s*=?\s*(\w+)/i.exec(text)?.[1]?.toUpperCase();
  if (statedAlgorithm !== undefined || statedLock !== undefined) {
    // what the statement asks for is what the server does (or refuses)
    const durationMs = await timed(conn, text);
    return { durationMs, algorithm: { algorithm: statedAlgorithm ?? "DEFAULT", lock: statedLock ?? "DEFAULT", stated: true } };
  }
  const separator = /^alter/i.test(kind) ? ", " : " ";
  const instant = (await isMariadb(conn)) ? "ALGORITHM=INSTANT, LOCK=NONE" : "ALGORITHM=INSTANT";
  for (const [algorithm, lock] of PROBES) {
    const clause = algorithm === "INSTANT" ? instant : `ALGORITHM=${algorithm}, LOCK=${lock}`;
    const probe = `${text}${separator}${separator === " " ? clause.replace(",", "") : clause}`;
    try {
      const durationMs = await timed(conn, probe);
      return { durationMs, algorithm: { algorithm, lock, stated: false } };
    } catch (error) {
      // a statement the server takes no ALGORITHM/LOCK clause on (MariaDB's DROP INDEX … ON): as written
      if (algorithm === "INSTANT" && /error in your SQL syntax/i.test(messages(error))) {
        return { durationMs: await timed(conn, text), note: "the server takes no ALGORITHM/LOCK clause on this statement, so it was not probed" };
      }
      if (!refusedClause(error)) throw error;
    }
  }
  // no clause accepted (a server older than the clauses): the statement as written
  return { durationMs: await timed(conn, text), note: "the server accepted none of the ALGORITHM/LOCK probes" };
}

interface ColumnRow {
  readonly name: string;
  readonly type: string;
  readonly full: string;
  readonly nullable: string;
  readonly dflt: string | null;
  readonly extra: string;
  readonly length: number | string | null;
}

const COLUMNS = `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS full, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt,
    EXTRA AS extra, CHARACTER_MAXIMUM_LENGTH AS length
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`;

function valueOf(c: ColumnRow): string | null {
  const extra = c.extra.toLowerCase();
  if (extra.includes("auto_increment") || extra.includes("generated") || extra.includes("virtual") || extra.includes("stored")) return null;
  if (c.dflt !== null && c.dflt !== "NULL") return null;
  const type = c.type.toLowerCase();
  if (type === "tinyint") return /unsigned/i.test(c.full) ? "g % 255" : "g % 127";
  if (type === "smallint") return "g % 32000";
  if (["mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "year"].includes(type)) return type === "year" ? "1901 + g % 250" : "g";
  if (["char", "varchar", "text", "tinytext", "mediumtext", "longtext"].includes(type)) {
    const length = Number(c.length ?? 0);
    return length > 0 && length < 12 ? `RIGHT(CONCAT('v', g), ${length})` : "CONCAT('v', g)";
  }
  if (["binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob"].includes(type)) return "UNHEX(HEX(g))";
  if (["date", "datetime", "timestamp"].includes(type)) return "NOW() - INTERVAL g MINUTE";
  if (type === "time") return "SEC_TO_TIME(g)";
  if (type === "json") return "JSON_OBJECT('n', g)";
  if (type === "enum" || type === "set") return `SUBSTRING_INDEX(SUBSTRING_INDEX(${JSON.stringify(c.full)}, '''', 2), '''', -1)`;
  return c.nullable === "YES" ? "NULL" : null;
}

const DIGITS = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";

async function seed(conn: Connection, table: string, rows: number): Promise<number | string> {
  const name = table.includes(".") ? table.slice(table.indexOf(".") + 1) : table;
  const quoted = `\`${name.replace(/`/g, "``")}\``;
  const [exists] = await conn.query("SELECT 1 AS one FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'", [name]);
  if (exists === undefined) return "it does not exist";
  const [any] = await conn.query(`SELECT 1 AS one FROM ${quoted} LIMIT 1`);
  if (any !== undefined) return "it already holds rows";
  const columns = await conn.query<ColumnRow>(COLUMNS, [name]);
  const filled = columns.map((c) => [c.name, valueOf(c)] as const).filter((e): e is readonly [string, string] => e[1] !== null);
  if (filled.length === 0) return "none of its columns can be generated";
  const names = filled.map(([n]) => `\`${n.replace(/`/g, "``")}\``).join(", ");
  const values = filled.map(([, v]) => v).join(", ");
  const g = "(a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1)";
  const select = `SELECT ${values.replace(/\bg\b/g, g)} FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} e WHERE ${g} <= ${Math.min(rows, 10000)}`;
  try {
    await conn.exec("SET FOREIGN_KEY_CHECKS = 0");
    await conn.exec(`INSERT INTO ${quoted} (${names}) ${select}`);
  } catch (error) {
    return messages(error);
  } finally {
    await conn.exec("SET FOREIGN_KEY_CHECKS = 1").catch(() => undefined);
  }
  return Math.min(rows, 10000);
}

export const mysqlMeasure: DialectMeasure = { rewriteWord: "copy", seed, run };
