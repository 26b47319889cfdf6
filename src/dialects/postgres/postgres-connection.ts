// One live PostgreSQL session (a pg.Client, or a client borrowed from the user's pool).

import type { ClientBase, QueryResult } from "pg";
import { ConfigError, EXIT, StratumError, TransactionError } from "../../core/errors.js";
import { postgresPlaceholders, splitPostgres } from "./sql/split.js";
import { StatementFailure, type BatchOptions, type BoundStatement, type Connection, type Lock, type LockOptions, type QueryOptions, type ServerInfo, type SessionGuards } from "../dialect.js";
import { withTransaction } from "../transaction.js";
import { BatchQuery, joinBatch, locateFailure, type BatchOutcome } from "./batch-query.js";
import { acquireAdvisoryLock, advisoryLockKey, type AdvisoryLock } from "./advisory-lock.js";

/**
 * Who owns the underlying client:
 * - `owned`: we created it and end it on close;
 * - `pooled`: borrowed from the user's pool, given back on close;
 * - `shared`: the user's own client, left open on close.
 * Borrowed and shared sessions get back the settings we changed and lose the locks we took.
 */
export type SessionOwnership = "owned" | "pooled" | "shared";

export interface PostgresConnectionOptions {
  readonly ownership: SessionOwnership;
  /** The configured schema, or undefined for the session's current_schema(). */
  readonly schema: string | undefined;
  readonly displayUrl: string;
  /** Gives a pooled client back (`destroy` when its session state is unknown). */
  readonly release?: (destroy: boolean) => void;
  /** Told when the connection closes (the dialect tracks what it opened). */
  readonly onClose?: (connection: PostgresConnection) => void;
}

type Row = Record<string, unknown>;

function rowsOf<R>(result: QueryResult | QueryResult[]): R[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last?.rows ?? []) as R[];
}

/**
 * DISCARD ALL and DEALLOCATE drop a session's prepared statements. Matched anywhere in the text
 * (a column named `discarded` too): a false match only costs preparing ours again.
 */
const DROPS_PREPARED = /discard|deallocate/i;

/** A value as a PostgreSQL literal; only what history rows hold (text, numbers, null). */
function literal(client: ClientBase, value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return client.escapeLiteral(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  throw new TypeError(`cannot write ${typeof value} ${String(value)} as a SQL literal`);
}

/** A list of text or numbers as an array literal: `{"a","b\\"c"}` (a string the server casts to the column's array type). */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v === null ? "NULL" : `"${String(v).replace(/["\\]/g, "\\$&")}"`)).join(",")}}`;
}

/** `15.4 (Debian 15.4-1)` → `15.4`; `16beta1` → `16`. */
export function parseServerVersion(raw: string): string {
  const match = /^\s*(\d+(?:\.\d+)*)/.exec(raw);
  return match?.[1] ?? raw.trim();
}

function guardValue(name: string, ms: number | undefined): number | null {
  if (ms === undefined || ms === 0) return null;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ConfigError(`the ${name} guard must be a non-negative number of milliseconds, got ${ms}; fix the timeout setting`, {
      fix: "use a whole number of milliseconds, or 0 for the server default",
    });
  }
  return Math.max(1, Math.round(ms));
}

export class PostgresConnection implements Connection {
  readonly client: ClientBase;
  readonly schema: string | undefined;
  readonly ownership: SessionOwnership;
  private readonly options: PostgresConnectionOptions;
  /** Settings we changed, with the value the session had before, to restore on reset/close. */
  private readonly originals = new Map<string, string>();
  private readonly locks = new Set<AdvisoryLock>();
  private failure: Error | null = null;
  /** Named (prepared) statements of this session, by text: the driver's, and our PREPAREs. */
  private readonly prepared = new Map<string, string>();
  private readonly serverPrepared = new Map<string, string>();
  /** Names are never reused: a statement we forgot may still exist on the server. */
  private preparedCount = 0;
  /** `?` placeholders numbered (`$1`…), by text: our own statements repeat for every migration of a run. */
  private readonly numberedTexts = new Map<string, string>();
  private closed = false;
  private readonly onClientError = (error: Error): void => {
    // A terminated backend or a cut network: queries now fail; keep the process alive.
    this.failure = error;
  };

  constructor(client: ClientBase, options: PostgresConnectionOptions) {
    this.client = client;
    this.options = options;
    this.schema = options.schema;
    this.ownership = options.ownership;
    client.on("error", this.onClientError);
  }

  /** The error that broke the session, if one did (terminated backend, lost network). */
  get brokenBy(): Error | null {
    return this.failure;
  }

  private ensureOpen(): void {
    if (this.closed) {
      throw new StratumError("USAGE", `this PostgreSQL connection to ${this.options.displayUrl} is already closed; open a new one with dialect.connect()`, EXIT.usage);
    }
  }

  private pooled: Promise<boolean> | undefined;

  /**
   * Whether a pooler (PgBouncer, pgpool, a cloud proxy) sits between us and the server: it
   * announces a backend key of its own at connect, so the server's pg_backend_pid() differs.
   * Then neither a named statement nor a session advisory lock is tied to one server session.
   */
  private behindPooler(): Promise<boolean> {
    this.pooled ??= this.raw<{ pid: number }>("select pg_backend_pid() as pid").then(
      (rows) => {
        const announced = (this.client as { processID?: unknown }).processID;
        return typeof announced === "number" && Number(rows[0]?.pid) !== announced;
      },
      () => {
        // asked inside a failed transaction (or a broken session): ask again next time
        this.pooled = undefined;
        return false;
      },
    );
    return this.pooled;
  }

  async sessionLockUnsafe(): Promise<string | null> {
    if (!(await this.behindPooler())) return null;
    return "a pooler sits in front of PostgreSQL (the server's backend pid is not the one announced at connect), and in transaction pooling a session advisory lock passes to whichever client gets the server connection next";
  }

  /** A query with `$n` placeholders, for our own catalog queries. */
  private async raw<R = Row>(text: string, values?: readonly unknown[]): Promise<R[]> {
    this.ensureOpen();
    const result = await this.client.query(text, values === undefined ? undefined : [...values]);
    return rowsOf<R>(result as QueryResult | QueryResult[]);
  }

  /** `sql` with its `?` placeholders numbered, scanned once per text. */
  private numbered(sql: string): string {
    let text = this.numberedTexts.get(sql);
    if (text === undefined) {
      text = postgresPlaceholders(sql);
      if (this.numberedTexts.size >= 64) this.numberedTexts.clear();
      this.numberedTexts.set(sql, text);
    }
    return text;
  }

  async query<R = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]> {
    if (params === undefined || params.length === 0) return this.raw<R>(sql);
    const text = this.numbered(sql);
    if (options?.reuse !== true || this.ownership !== "owned" || (await this.behindPooler())) return this.raw<R>(text, params);
    // A named statement is parsed and planned once per session. Only on our own session: a
    // borrowed one may be reset (DISCARD ALL) behind the driver's back.
    let name = this.prepared.get(text);
    if (name === undefined) {
      name = `stratum_${++this.preparedCount}`;
      this.prepared.set(text, name);
    }
    this.ensureOpen();
    const result = await this.client.query({ name, text, values: [...params] });
    return rowsOf<R>(result as QueryResult | QueryResult[]);
  }

  /**
   * A script that drops prepared statements (DISCARD ALL, DEALLOCATE) leaves the driver believing
   * ours still exist: forget them, so they are prepared again.
   */
  private forgetPrepared(): void {
    const parsed = (this.client as { connection?: { parsedStatements?: Record<string, unknown> } }).connection?.parsedStatements;
    for (const name of this.prepared.values()) if (parsed !== undefined) delete parsed[name];
    this.prepared.clear();
    this.serverPrepared.clear();
  }

  async exec(sql: string): Promise<void> {
    this.ensureOpen();
    if (DROPS_PREPARED.test(sql)) this.forgetPrepared();
    await this.client.query(sql);
  }

  /**
   * Our own reads in one round trip, between plain statements (`before`, `after`: e.g. BEGIN and
   * COMMIT): one simple-protocol query, each read prepared on the server once and executed with
   * its parameters as literals (a list as an array literal). The rows of each read. A failure
   * inside an explicit transaction leaves it aborted: the caller rolls it back.
   */
  async queryMany<R = Row>(reads: readonly BoundStatement[], around: { readonly before?: readonly string[]; readonly after?: readonly string[] } = {}): Promise<R[][]> {
    this.ensureOpen();
    const before = around.before ?? [];
    const own: string[] = [];
    for (const read of reads) {
      const params = read.params.map((value) => (Array.isArray(value) ? arrayLiteral(value) : value));
      own.push(await this.ownStatement({ sql: read.sql, params }, true));
    }
    const texts = [...before, ...own, ...(around.after ?? [])];
    const result = (await this.client.query(texts.join(";\n"))) as unknown as QueryResult | QueryResult[];
    const results = Array.isArray(result) ? result : [result];
    return reads.map((_, i) => (results[before.length + i]?.rows ?? []) as R[]);
  }

  async execBatch(statements: readonly string[], options: BatchOptions = {}): Promise<void> {
    this.ensureOpen();
    // a script that drops prepared statements gets our own statements as plain text
    const dropsPrepared = statements.some((statement) => DROPS_PREPARED.test(statement));
    if (dropsPrepared) this.forgetPrepared();
    const own: string[] = [];
    for (const statement of options.then ?? []) own.push(await this.ownStatement(statement, !dropsPrepared));
    const commit = options.commit === true;
    const parts = [...(options.begin === true ? ["begin"] : []), ...statements, ...own, ...(commit ? ["commit"] : [])];
    if (parts.length === 0) return;
    const batch = joinBatch(parts);
    const outcome = await new Promise<BatchOutcome>((resolve) => {
      void this.client.query(new BatchQuery(batch.text, resolve) as never);
    });
    if (outcome.error === null) {
      if (commit && outcome.lastCommand !== "COMMIT") throw this.rolledBackInstead();
      return;
    }
    const raw = Number((outcome.error as { position?: unknown }).position);
    const at = locateFailure(
      batch,
      parts.map((part) => part.length),
      outcome.completed,
      Number.isInteger(raw) && raw >= 1 ? raw - 1 : null,
      // a statement may hold several commands (a goose StatementBegin/End block)
      parts.map((part) => Math.max(splitPostgres(part).length, 1)),
    );
    const skipped = options.begin === true ? 1 : 0;
    throw new StatementFailure(Math.max(at.index - skipped, 0), at.position, outcome.error);
  }

  /**
   * Our own statement as batch text: a multi-statement query has no parameters, so the values
   * are written in as literals. On our own session it is prepared once (PREPARE, one round trip)
   * and run with EXECUTE, so the server does not plan it again for every migration.
   */
  private async ownStatement(statement: BoundStatement, prepare: boolean): Promise<string> {
    const args = statement.params.map((value) => literal(this.client, value));
    if (prepare && this.ownership === "owned" && !(await this.behindPooler())) {
      const text = this.numbered(statement.sql);
      let name = this.serverPrepared.get(text);
      if (name === undefined) {
        name = `stratum_batch_${++this.preparedCount}`;
        await this.client.query(`prepare ${name} as ${text}`);
        this.serverPrepared.set(text, name);
      }
      return args.length === 0 ? `execute ${name}` : `execute ${name} (${args.join(", ")})`;
    }
    let used = 0;
    const text = postgresPlaceholders(statement.sql, (index) => {
      used++;
      return args[index] ?? "null";
    });
    if (used !== args.length) throw new RangeError(`a statement with ${used} placeholders was given ${args.length} values`);
    return text;
  }

  /** `I` idle, `T` in a transaction, `E` in a failed transaction (null: the driver does not say). */
  transactionStatus(): string | null {
    const status = (this.client as { getTransactionStatus?: () => string | null }).getTransactionStatus;
    return typeof status === "function" ? status.call(this.client) : null;
  }

  async begin(): Promise<void> {
    await this.exec("begin");
  }

  async commit(): Promise<void> {
    this.ensureOpen();
    const result = (await this.client.query("commit")) as QueryResult;
    // COMMIT of a failed transaction "succeeds" with the tag ROLLBACK: nothing was committed.
    if (result.command === "ROLLBACK") throw this.rolledBackInstead();
  }

  private rolledBackInstead(): TransactionError {
    return new TransactionError(
      `the transaction on ${this.options.displayUrl} was rolled back instead of committed because a statement in it failed; nothing in it was applied`,
      { fix: "fix the failing statement and run again" },
    );
  }

  async rollback(): Promise<void> {
    await this.exec("rollback");
  }

  transaction<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    return withTransaction(this, fn);
  }

  async acquireLock(key: string, options: LockOptions): Promise<Lock> {
    this.ensureOpen();
    const status = this.transactionStatus();
    if (status === "T" || status === "E") {
      throw new TransactionError(
        "the migration lock must be taken outside a transaction (a session lock polled inside one can deadlock with CREATE INDEX CONCURRENTLY); commit or roll back first",
        { fix: "take the lock before BEGIN" },
      );
    }
    const rows = await this.raw<{ db: string; schema: string | null }>("select current_database() as db, current_schema() as schema");
    const scope = this.schema ?? rows[0]?.schema ?? "";
    const lock = await acquireAdvisoryLock(
      {
        session: this.client,
        query: (text, values) => this.raw(text, values),
        key: advisoryLockKey(rows[0]?.db ?? "", scope, key),
        displayUrl: this.options.displayUrl,
        onRelease: (released) => this.locks.delete(released as AdvisoryLock),
      },
      options,
    );
    this.locks.add(lock);
    return lock;
  }

  async serverInfo(): Promise<ServerInfo> {
    const rows = await this.raw<{ server_version: string }>("show server_version");
    return { flavor: "postgres", version: parseServerVersion(String(rows[0]?.server_version ?? "")) };
  }

  async currentUser(): Promise<string | null> {
    const rows = await this.raw<{ user: string | null }>('select current_user as "user"');
    return rows[0]?.user ?? null;
  }

  /** The schema the catalog lookups search: the configured one, else current_schema(). */
  private schemaParam(): string | null {
    return this.schema ?? null;
  }

  async tableExists(name: string): Promise<boolean> {
    const rows = await this.raw(
      `select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = coalesce($1::text, current_schema()) and c.relname in ($2::text, lower($2::text))
          and c.relkind in ('r', 'p', 'v', 'm', 'f') limit 1`,
      [this.schemaParam(), name],
    );
    return rows.length > 0;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    const rows = await this.raw(
      `select 1 from pg_catalog.pg_attribute a
         join pg_catalog.pg_class c on c.oid = a.attrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = coalesce($1::text, current_schema()) and c.relname in ($2::text, lower($2::text))
          and c.relkind in ('r', 'p', 'v', 'm', 'f')
          and a.attname in ($3::text, lower($3::text)) and a.attnum > 0 and not a.attisdropped
        limit 1`,
      [this.schemaParam(), table, column],
    );
    return rows.length > 0;
  }

  async indexExists(name: string): Promise<boolean> {
    const rows = await this.raw(
      `select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = coalesce($1::text, current_schema()) and c.relname in ($2::text, lower($2::text))
          and c.relkind in ('i', 'I') limit 1`,
      [this.schemaParam(), name],
    );
    return rows.length > 0;
  }

  /**
   * Sets a run-time parameter for the session; `null` puts back the value the session had
   * before we first changed it.
   */
  async setSetting(name: string, value: string | null): Promise<void> {
    if (!this.originals.has(name)) {
      const rows = await this.raw<{ value: string }>("select current_setting($1) as value", [name]);
      this.originals.set(name, String(rows[0]?.value ?? ""));
    }
    const next = value ?? this.originals.get(name) ?? "";
    await this.raw("select set_config($1, $2, false)", [name, next]);
  }

  async setGuards(guards: SessionGuards): Promise<void> {
    const lockTimeout = guardValue("lock timeout", guards.lockTimeoutMs);
    const statementTimeout = guardValue("statement timeout", guards.statementTimeoutMs);
    await this.setSetting("lock_timeout", lockTimeout === null ? null : String(lockTimeout));
    await this.setSetting("statement_timeout", statementTimeout === null ? null : String(statementTimeout));
  }

  /** Puts a borrowed session back as we found it: no transaction, no lock, same settings. */
  private async tidy(): Promise<void> {
    const status = this.transactionStatus();
    if (status === "T" || status === "E") await this.client.query("rollback");
    for (const lock of [...this.locks]) await lock.release();
    for (const [name, value] of this.originals) await this.client.query("select set_config($1, $2, false)", [name, value]);
    this.originals.clear();
  }

  /**
   * Ends the session. Our own client is ended (the server drops its locks); a borrowed or
   * shared one is first rolled back, unlocked and given its settings back, and a pooled one
   * that cannot be tidied is destroyed rather than returned to the pool.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const { ownership } = this.options;
    let clean = this.failure === null;
    if (ownership !== "owned" && clean) {
      try {
        await this.tidy();
      } catch {
        clean = false;
      }
    }
    this.closed = true;
    for (const lock of [...this.locks]) lock.abandon();
    try {
      if (ownership === "owned") {
        await endWithin(this.client, 5000);
      } else if (ownership === "pooled") {
        this.options.release?.(!clean);
      }
    } finally {
      if (ownership !== "owned") this.client.removeListener("error", this.onClientError);
      this.options.onClose?.(this);
    }
  }
}

/** Ends a client, forcing the socket closed if the server does not answer in time. */
async function endWithin(client: ClientBase, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = (client as unknown as { end(): Promise<void> }).end().catch(() => undefined);
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
      stream?.destroy();
      resolve();
    }, ms);
    timer.unref();
  });
  await Promise.race([ended, timeout]);
  clearTimeout(timer);
}
