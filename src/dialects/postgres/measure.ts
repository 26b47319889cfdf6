// `lint --measure` on PostgreSQL: each statement runs in a transaction of its own; before it
// commits, pg_locks (for this backend only) gives the lock modes it took on each relation, and
// pg_class.relfilenode, compared with the one before, which tables it rewrote.

import type { StatementFacts } from "../../core/sql-facts.js";
import type { Connection } from "../dialect.js";
import type { DialectMeasure, MeasuredEffect } from "../measure.js";

const USER_TABLES = `SELECT c.oid::bigint AS oid, n.nspname AS schema, c.relname AS name, c.relfilenode::bigint AS node
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`;

const OWN_LOCKS = `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, l.mode AS mode
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY n.nspname, c.relname, l.mode`;

/** Lock modes from weakest to strongest, for a stable order in reports. */
const MODES = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"];

interface TableRow {
  readonly oid: string | number;
  readonly schema: string;
  readonly name: string;
  readonly node: string | number;
}

function shown(schema: string, name: string): string {
  return schema === "public" ? name : `${schema}.${name}`;
}

async function nodes(conn: Connection): Promise<Map<string, { name: string; node: string }>> {
  const rows = await conn.query<TableRow>(USER_TABLES);
  return new Map(rows.map((r) => [String(r.oid), { name: shown(r.schema, r.name), node: String(r.node) }]));
}

function rewrittenBetween(before: Map<string, { name: string; node: string }>, after: Map<string, { name: string; node: string }>): string[] {
  const out: string[] = [];
  for (const [oid, was] of before) {
    const now = after.get(oid);
    if (now !== undefined && now.node !== was.node) out.push(now.name);
  }
  return out.sort();
}

async function ownLocks(conn: Connection): Promise<{ relation: string; modes: string[] }[]> {
  const rows = await conn.query<{ schema: string; name: string; kind: string; mode: string }>(OWN_LOCKS);
  const byRelation = new Map<string, Set<string>>();
  for (const r of rows) {
    // the indexes and sequences the statement touches are listed too: they are relations of their own
    const name = shown(r.schema, r.name);
    byRelation.set(name, (byRelation.get(name) ?? new Set()).add(r.mode));
  }
  return [...byRelation].map(([relation, modes]) => ({ relation, modes: [...modes].sort((a, b) => MODES.indexOf(a) - MODES.indexOf(b)) }));
}

/**
 * Each statement runs in a transaction of its own here, where the migration has one: a
 * `SET LOCAL lock_timeout` (or statement_timeout) would end with its statement, so it is run as a
 * plain SET, which holds until `reset` after the migration, as the LOCAL one holds until its commit.
 */
function sessionWide(text: string): string {
  return text.replace(/^(\s*SET\s+)LOCAL(\s+(?:lock_timeout|statement_timeout)\b)/i, "$1SESSION$2");
}

async function run(conn: Connection, statement: StatementFacts): Promise<MeasuredEffect> {
  const before = await nodes(conn);
  if (statement.nonTransactionalReason !== null) {
    const started = performance.now();
    await conn.exec(statement.text);
    const durationMs = Math.round(performance.now() - started);
    return {
      durationMs,
      rewritten: rewrittenBetween(before, await nodes(conn)),
      note: `run outside a transaction (${statement.nonTransactionalReason}): its locks are released as it ends, so pg_locks cannot show them`,
    };
  }
  await conn.begin();
  try {
    const started = performance.now();
    await conn.exec(sessionWide(statement.text));
    const durationMs = Math.round(performance.now() - started);
    const locks = await ownLocks(conn);
    const rewritten = rewrittenBetween(before, await nodes(conn));
    const [timeout] = await conn.query<{ t: string }>("SELECT current_setting('lock_timeout') AS t");
    await conn.commit();
    return { durationMs, locks, rewritten, lockTimeout: timeout?.t ?? "0" };
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  }
}

interface ColumnRow {
  readonly name: string;
  readonly type: string;
  readonly base: string;
  readonly notnull: boolean;
  readonly hasdefault: boolean;
  readonly identity: string;
  readonly generated: string;
}

const COLUMNS = `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname AS base, a.attnotnull AS notnull,
    a.atthasdef AS hasdefault, a.attidentity AS identity, a.attgenerated AS generated
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

/** A value of the column's type for row `g`, or null when it is left to its default (or NULL). */
function valueOf(c: ColumnRow): string | null {
  if (c.identity === "a" || c.generated !== "" || c.hasdefault) return null;
  const cast = (e: string): string => `(${e})::${c.type}`;
  switch (c.base) {
    case "int2":
      return cast("g % 32000");
    case "int4":
    case "int8":
    case "numeric":
    case "float4":
    case "float8":
    case "money":
      return cast("g");
    case "text":
    case "varchar":
    case "bpchar":
    case "citext":
    case "name":
      return cast("'v' || g");
    case "bool":
      return "g % 2 = 0";
    case "timestamp":
    case "timestamptz":
    case "date":
    case "time":
    case "timetz":
      return cast("now() - g * interval '1 minute'");
    case "interval":
      return "g * interval '1 second'";
    case "uuid":
      return "md5(g::text)::uuid";
    case "json":
    case "jsonb":
      return cast(`'{"n": ' || g || '}'`);
    case "bytea":
      return "int4send(g)";
    case "inet":
      return "'10.0.0.0'::inet + g";
    default:
      return c.notnull ? null : "NULL";
  }
}

async function seed(conn: Connection, table: string, rows: number): Promise<number | string> {
  const [exists] = await conn.query<{ t: string | null }>("SELECT to_regclass(?)::text AS t", [table]);
  if (exists?.t == null) return "it does not exist";
  const [any] = await conn.query(`SELECT 1 AS one FROM ${exists.t} LIMIT 1`);
  if (any !== undefined) return "it already holds rows";
  const columns = await conn.query<ColumnRow>(COLUMNS, [table]);
  const filled = columns.map((c) => [c.name, valueOf(c)] as const).filter((e): e is readonly [string, string] => e[1] !== null);
  if (filled.length === 0) return "none of its columns can be generated";
  const names = filled.map(([n]) => `"${n.replace(/"/g, '""')}"`).join(", ");
  const values = filled.map(([, v]) => v).join(", ");
  const insert = `INSERT INTO ${exists.t} (${names}) SELECT ${values} FROM generate_series(1, ${rows}) AS g`;
  // foreign keys are not checked while seeding (the referenced rows are generated too, or not at all);
  // a user who may not set session_replication_role seeds with them checked
  const failed = (await inTransaction(conn, ["SET LOCAL session_replication_role = replica", insert])) === null ? null : await inTransaction(conn, [insert]);
  if (failed !== null) return failed;
  await conn.exec(`ANALYZE ${exists.t}`);
  return rows;
}

/** Runs the statements in one transaction; null when it committed, else the error's message (rolled back). */
async function inTransaction(conn: Connection, statements: readonly string[]): Promise<string | null> {
  await conn.begin();
  try {
    for (const sql of statements) await conn.exec(sql);
    await conn.commit();
    return null;
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    return error instanceof Error ? error.message : String(error);
  }
}

async function reset(conn: Connection): Promise<void> {
  // what a migration's SET left (the connection's own settings, search_path included, stay)
  await conn.exec("RESET lock_timeout");
  await conn.exec("RESET statement_timeout");
}

export const postgresMeasure: DialectMeasure = { rewriteWord: "rewrite", seed, run, reset };
