// `targets: { query, url? }`: the fleet is what a query on a control database returns. One
// connection, opened for the query and closed right after; the rows are read by a pure function.

import type { ResolvedConfig } from "../config/types.js";
import { ConfigError, StratumError } from "../core/errors.js";
import { createDialect, type DialectTarget } from "../dialects/create-dialect.js";
import type { Dialect } from "../dialects/dialect.js";
import { displayUrl } from "../dialects/registry.js";
import { configDirectory, fleetTarget, urlReader } from "./targets-entries.js";
import { throwIfAborted } from "../engine/session.js";
import { redactUrl } from "../text/redact.js";
import type { FleetTarget } from "./types.js";

export interface ControlOptions {
  /** Stops before the control connection opens, and between the query and reading its rows. */
  readonly signal?: AbortSignal | undefined;
  /** Builds the control database's dialect (default createDialect): to watch or count its connections. */
  readonly openDialect?: ((target: DialectTarget) => Promise<Dialect>) | undefined;
  /** Environment variables for the connection (PGPASSWORD, MYSQL_PWD); default process.env. */
  readonly environment?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface RowsContext {
  /** The URL of a row without one (the config's). */
  readonly defaultUrl: string;
  /** Where the query is set (`"targets" in stratum.config.json`). */
  readonly origin: string;
  /** The control database, as messages show it. */
  readonly database: string;
  /** What a relative SQLite file in a row's url is relative to (the config file's directory). */
  readonly baseDir: string;
}

const COLUMNS_FIX = "Alias the query's columns: select … as url (or … as schema), … as name.";

/** Runs the targets query on its control database and reads the targets from its rows. */
export async function queryTargets(config: ResolvedConfig, setting: { readonly query: string; readonly url?: string | undefined }, options: ControlOptions = {}): Promise<FleetTarget[]> {
  const origin = config.origins?.targets ?? '"targets"';
  const url = setting.url ?? config.url;
  const database = displayUrl(url);
  throwIfAborted(options.signal);
  let dialect: Dialect;
  try {
    dialect = await (options.openDialect ?? createDialect)({
      url,
      cwd: config.cwd,
      environment: options.environment ?? process.env,
      // the password file is the config url's: it goes with the control database only when that is the config's
      ...(setting.url === undefined ? { passwordFile: config.passwordFile } : {}),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`the control database of the targets query (${origin}): ${error.message}`, {
      key: setting.url === undefined ? "url" : "targets.url",
      cause: error,
      ...(error.fix === undefined ? {} : { fix: error.fix }),
    });
  }
  let rows: Record<string, unknown>[];
  try {
    const connection = await connectControl(dialect, origin);
    try {
      rows = await connection.query(setting.query);
    } catch (error) {
      throw new ConfigError(`the targets query (${origin}) failed on ${database}: ${redactUrl(firstLine(error))}`, {
        key: "targets.query",
        cause: error,
        fix: "Correct the query; run it by hand on the control database to see what it returns.",
      });
    } finally {
      await connection.close().catch(() => undefined);
    }
  } finally {
    await dialect.dispose().catch(() => undefined);
  }
  throwIfAborted(options.signal);
  return targetsFromRows(rows, { defaultUrl: config.url, origin, database, baseDir: configDirectory(config) });
}

async function connectControl(dialect: Dialect, origin: string): Promise<Awaited<ReturnType<Dialect["connect"]>>> {
  try {
    return await dialect.connect({ readOnly: true });
  } catch (error) {
    if (!(error instanceof StratumError)) throw error;
    // the dialect's own error (its class, code and exit code), saying which database it was
    const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as StratumError, error);
    for (const [key, value] of [
      ["message", `the control database of the targets query (${origin}): ${error.message}`],
      ["stack", error.stack],
      ["cause", error.cause],
    ] as const) {
      if (value !== undefined) Object.defineProperty(copy, key, { value, writable: true, configurable: true });
    }
    throw copy;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? "").trim();
}

/**
 * The targets the rows of a targets query name, in row order. A row has a `url` (a database per
 * target) or a `schema` (a schema per tenant on the config's server; on MySQL a database), or both,
 * and may have a `name` (else the schema, else the URL's database). Column names are matched in
 * any case. Throws ConfigError for no rows, missing columns, a row naming nothing, a name twice.
 */
export function targetsFromRows(rows: readonly Record<string, unknown>[], context: RowsContext): FleetTarget[] {
  const { origin, database } = context;
  const first = rows[0];
  if (first === undefined) {
    throw new ConfigError(`the targets query returned no rows (${origin}, run on ${database})`, {
      key: "targets.query",
      fix: "Check the query and the control database: it must return one row per target, with a url or a schema column.",
    });
  }
  const columns = new Map(Object.keys(first).map((column) => [column.toLowerCase(), column]));
  const urlColumn = columns.get("url");
  const schemaColumn = columns.get("schema");
  const nameColumn = columns.get("name");
  if (urlColumn === undefined && schemaColumn === undefined) {
    const found = [...columns.values()].join(", ") || "none";
    throw new ConfigError(
      `the targets query (${origin}) returned the columns ${found}; it needs a url column (a database per target) or a schema column (a schema per tenant), and may add name`,
      { key: "targets.query", fix: COLUMNS_FIX },
    );
  }
  const urls = urlReader(context.baseDir);
  const rowOf = new Map<string, number>();
  const targets: FleetTarget[] = [];
  for (const [index, row] of rows.entries()) {
    const number = index + 1;
    const where = `row ${number} of the targets query`;
    const url = textOf(row, urlColumn, where);
    const schema = textOf(row, schemaColumn, where);
    if (url === undefined && schema === undefined) {
      throw new ConfigError(`${where} (${origin}) has no ${urlColumn === undefined ? "schema" : schemaColumn === undefined ? "url" : "url and no schema"}`, {
        key: "targets.query",
        fix: "Leave out the rows without one (where … is not null), or give them one.",
      });
    }
    const read = urls(url ?? context.defaultUrl, where);
    const name = textOf(row, nameColumn, where) ?? schema ?? read.database;
    if (name === undefined) {
      throw new ConfigError(`${where} (${origin}) has no name, and its url ${displayUrl(read.url)} names no database to call it by`, {
        key: "targets.query",
        fix: "Return a name column.",
      });
    }
    const earlier = rowOf.get(name);
    if (earlier !== undefined) {
      throw new ConfigError(`the targets query (${origin}) returned the target name "${name}" twice (rows ${earlier} and ${number})`, {
        key: "targets.query",
        fix: "Return each target once, with a name column that tells them apart (select distinct …).",
      });
    }
    rowOf.set(name, number);
    targets.push(fleetTarget(name, read, schema, `${where} ("${name}")`));
  }
  return targets;
}

/** A column's text in a row (numbers and bytes as text); undefined when absent, NULL or empty. */
function textOf(row: Readonly<Record<string, unknown>>, column: string | undefined, where: string): string | undefined {
  if (column === undefined) return undefined;
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "bigint") text = String(value);
  else if (value instanceof Uint8Array) text = new TextDecoder().decode(value);
  else throw new ConfigError(`${where} has ${describe(value)} in its ${column} column; expected text`, { key: "targets.query", fix: COLUMNS_FIX });
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed;
}

function describe(value: unknown): string {
  if (value instanceof Date) return "a date";
  if (typeof value === "boolean") return `the value ${String(value)}`;
  return Array.isArray(value) ? "a list" : "an object";
}
