import { dirname, resolve } from "node:path";
import type { Connection, Dialect } from "../dialects/dialect.js";
import { ConfigError } from "../core/errors.js";
import { InterruptedError } from "../core/errors.js";
import { letTheEventLoopIn } from "../core/event-loop.js";
import type { BatchOptions, MigrationContext } from "../core/context.js";
import type { EventBus } from "../core/events.js";
import { refuseAtRunTime } from "../core/transaction-control.js";
import type { MigrationFile } from "../core/types.js";

export interface ContextDeps {
  readonly conn: Connection;
  readonly dialect: Dialect;
  readonly migration: MigrationFile;
  readonly events: EventBus;
  readonly env: string;
  readonly signal: AbortSignal;
  /** Whether the migration runs inside a transaction (then batches share it). */
  readonly inTransaction: boolean;
  /** Reads a file relative to the migrations directory (confined to it). */
  readonly readFile: (path: string) => Promise<string>;
  /** Runs a SQL script's statements, with file:line on failure. */
  readonly runScript: (file: string, text: string) => Promise<void>;
}

/** Builds the `ctx` a code migration receives. */
export function createMigrationContext(deps: ContextDeps): MigrationContext {
  const { conn, migration, events } = deps;
  const log = (level: "info" | "warn") => (message: string) =>
    events.emit({ type: "log", level, version: migration.version, message });

  const ctx: MigrationContext = {
    sql: async (text, params) => {
      refuseAtRunTime(deps.dialect, text, deps.inTransaction, migration.kind);
      return conn.query(text, params ?? []);
    },
    async execFile(path) {
      refuseUndeclared(migration, path);
      await deps.runScript(path, await deps.readFile(path));
    },
    tableExists: (name) => conn.tableExists(name),
    columnExists: (table, column) => conn.columnExists(table, column),
    indexExists: (name) => conn.indexExists(name),
    async createTableIfNotExists(name, ddl) {
      if (await conn.tableExists(name)) return false;
      await conn.exec(ddl);
      return true;
    },
    async createIndexIfNotExists(name, ddl) {
      if (await conn.indexExists(name)) return false;
      await conn.exec(ddl);
      return true;
    },
    batch: <Row>(options: BatchOptions<Row>) => runBatches(ctx, deps, options),
    env: deps.env,
    log: { info: log("info"), warn: log("warn") },
    signal: deps.signal,
    dialect: deps.dialect.name,
    client: conn.client,
    version: migration.version,
    name: migration.name,
  };
  return ctx;
}

/** What aborted the run: the signal's name (`SIGINT`, `SIGTERM`) when the CLI aborted it. */
export function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" && signal.reason !== "" ? signal.reason : "an abort";
}

/**
 * A file is part of a migration's checksum only when its source names it (`includes`, read on
 * discovery): running any other file would let an edit to it go unnoticed, so it is refused.
 */
function refuseUndeclared(migration: MigrationFile, path: string): void {
  const includes = migration.includes;
  if (includes === undefined || typeof path !== "string") return;
  const dir = dirname(migration.path);
  const wanted = resolve(dir, path);
  if (includes.some((included) => resolve(dir, included) === wanted)) return;
  const file = migration.files[0] ?? migration.id;
  throw new ConfigError(
    `${file} runs ${path} through ctx.execFile, but only files named by a string literal in a ctx.execFile("…") call are part of the migration's checksum: write ctx.execFile(${JSON.stringify(path)})`,
    { fix: `name the file with a string literal in ${file}` },
  );
}

/**
 * Keyset batches: fetch after the last key, process, repeat. Outside a migration transaction each
 * batch commits on its own, so a long backfill never holds locks for long.
 */
async function runBatches<Row>(ctx: MigrationContext, deps: ContextDeps, options: BatchOptions<Row>): Promise<number> {
  const size = options.size ?? 1000;
  const ownTransactions = !deps.inTransaction && deps.dialect.capabilities.transactionalDdl;
  const started = Date.now();
  let after: unknown = null;
  let done = 0;
  for (;;) {
    // with a synchronous driver (SQLite) a signal is only seen when the event loop gets a turn
    if (done > 0) await letTheEventLoopIn();
    if (deps.signal.aborted) {
      const of = options.total === undefined ? "" : ` of ${options.total}`;
      throw new InterruptedError(`migration ${deps.migration.id} was interrupted by ${abortReason(deps.signal)} in ctx.batch after ${done}${of} rows`);
    }
    const rows = await options.fetch(after, size);
    if (rows.length === 0) break;
    if (ownTransactions) {
      await deps.conn.begin();
      try {
        await options.process(rows, ctx);
        await deps.conn.commit();
      } catch (error) {
        await deps.conn.rollback();
        throw error;
      }
    } else {
      await options.process(rows, ctx);
    }
    done += rows.length;
    after = options.key(rows[rows.length - 1] as Row);
    const total = options.total ?? null;
    const elapsed = Date.now() - started;
    const etaMs = total !== null && done > 0 ? Math.max(0, Math.round((elapsed / done) * (total - done))) : null;
    deps.events.emit({
      type: "progress",
      version: deps.migration.version,
      done,
      total,
      etaMs,
      ...(options.label === undefined ? {} : { message: options.label }),
    });
    if (rows.length < size) break;
  }
  return done;
}
