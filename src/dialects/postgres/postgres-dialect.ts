// The PostgreSQL dialect: node-postgres (`pg`), loaded only when a connection is opened.

import type { ClientBase, ClientConfig, Pool, PoolClient } from "pg";
import { suggestKey } from "../../config/schema.js";
import { ConfigError, ConnectionError } from "../../core/errors.js";
import { redactUrl } from "../../text/redact.js";
import type { Statement } from "../../core/types.js";
import { postgresNonTransactionalReason, splitPostgres } from "../../sql/split-postgres.js";
import { transactionControlOf } from "../../sql/transaction-control.js";
import type { Capabilities, Connection, Dialect, HistoryTypes, ServerClock } from "../dialect.js";
import { describeConnectError, type ConnectTarget } from "./connect-error.js";
import { loadPg, type PgModule } from "./pg-driver.js";
import { findPgDump, pgDumpAvailable, runPgDump, type PgDumpTarget } from "./pg-dump.js";
import { PostgresConnection } from "./postgres-connection.js";
import { describeSchema } from "./describe-schema.js";

export { pgDumpAvailable, findPgDump };

export interface PostgresDialectOptions {
  /** Connection settings for the clients we create (ignored for sessions when `client` is given). */
  readonly connection: ClientConfig;
  /** The URL with any password removed, for messages. */
  readonly displayUrl: string;
  /**
   * The schema for the history tables and the search_path; default: the session's current_schema().
   * It must exist: a connection to a database without it is refused (ConfigError).
   */
  readonly schema?: string | undefined;
  /** Where the schema setting came from (`--schema`, `"schema" in stratum.config.json`), for messages. */
  readonly schemaOrigin?: string | undefined;
  /** An existing pg.Pool or pg.Client the user passed (never ended by us). */
  readonly client?: unknown;
  /** How long connecting may take (default 10 000 ms). */
  readonly connectTimeoutMs?: number | undefined;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** SQLSTATEs worth retrying alone: deadlock, lock_not_available (lock_timeout), serialization failure. */
const RETRYABLE = new Set(["40P01", "55P03", "40001"]);

/** PostgreSQL quoting: double quotes, embedded `"` doubled. */
export function quotePostgresIdentifier(name: string): string {
  if (typeof name !== "string" || name.length === 0 || name.includes("\u0000")) {
    throw new ConfigError(`invalid PostgreSQL identifier ${JSON.stringify(name)}: it must be a non-empty name without NUL characters; fix the table or schema name`, {
      fix: "use a non-empty table or schema name",
    });
  }
  return `"${name.replace(/"/g, '""')}"`;
}

type UserClient =
  | { readonly kind: "pool"; readonly pool: Pool }
  | { readonly kind: "client"; readonly client: ClientBase };

function classifyClient(value: unknown): UserClient {
  const candidate = value as Record<string, unknown> | null;
  if (candidate !== null && typeof candidate === "object" && typeof candidate["connect"] === "function") {
    if ("totalCount" in candidate && "idleCount" in candidate) return { kind: "pool", pool: value as Pool };
    if (typeof candidate["query"] === "function") return { kind: "client", client: value as ClientBase };
  }
  throw new ConfigError("the `client` option for PostgreSQL must be a pg.Pool or a pg.Client; pass one, or pass a URL instead", {
    key: "client",
    fix: "pass a pg.Pool or pg.Client, or a URL",
  });
}

/**
 * Codes of a session that ended: terminated by an administrator or a server shutdown (57P01-03)
 * and the socket's own errors. Class 08 (connection exception) counts too.
 */
const SESSION_ENDED: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);

/** Walks an error and its causes (a driver error may come wrapped). */
function* errorChain(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

/** What a pg client resolved its settings to (host, port, user, database; password kept apart). */
interface ResolvedParameters {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly database?: string;
  readonly password?: unknown;
  readonly ssl?: unknown;
}

function targetOf(params: ResolvedParameters): ConnectTarget {
  return { host: params.host, port: params.port, user: params.user, database: params.database };
}

/** Clients of one user-supplied pg.Client that we connected, so several connect() calls share one connect. */
const connecting = new WeakMap<object, Promise<void>>();

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** now() is when the transaction began (the batch's BEGIN); clock_timestamp() moves on. */
const SERVER_CLOCK: ServerClock = {
  startedAt: `to_char(now() at time zone 'UTC', ${ISO_UTC})`,
  now: `to_char(clock_timestamp() at time zone 'UTC', ${ISO_UTC})`,
  elapsedMs: "round(extract(epoch from clock_timestamp() - now()) * 1000)::bigint",
};

export function postgresDialect(options: PostgresDialectOptions): Dialect {
  const schema = options.schema === undefined || options.schema === "" ? undefined : options.schema;
  if (schema !== undefined) quotePostgresIdentifier(schema);
  const userClient = options.client === undefined || options.client === null ? undefined : classifyClient(options.client);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const open = new Set<PostgresConnection>();

  const capabilities: Capabilities = {
    transactionalDdl: true,
    // One user-supplied client is one session: migrations cannot run beside each other on it.
    concurrentConnections: userClient?.kind !== "client",
  };
  const historyTypes: HistoryTypes = {
    key: "varchar(255)",
    text: "text",
    integer: "integer",
    bigint: "bigint",
    autoId: "bigserial primary key",
    upsert: "on-conflict",
    writableCte: true,
  };

  /** Says that the settings cannot even be parsed (the driver's text with any URL credentials masked). */
  function invalidSettings(error: unknown): ConnectionError {
    const detail = redactUrl(((error as Error)?.message ?? String(error)).replace(/\s+/g, " ").trim());
    return new ConnectionError(`the PostgreSQL connection settings for ${options.displayUrl} are invalid (${detail}); fix the URL`, {
      fix: "fix the database URL",
    });
  }

  /** Resolves settings the way pg does (URL, environment, defaults) without connecting. */
  function resolveParameters(pg: PgModule, config: ClientConfig): ResolvedParameters {
    try {
      return new pg.Client(config) as unknown as ResolvedParameters;
    } catch (error) {
      throw invalidSettings(error);
    }
  }

  function adopt(client: ClientBase, ownership: "owned" | "pooled" | "shared", release?: (destroy: boolean) => void): PostgresConnection {
    const connection = new PostgresConnection(client, {
      ownership,
      schema,
      displayUrl: options.displayUrl,
      ...(release === undefined ? {} : { release }),
      onClose: (closed) => open.delete(closed),
    });
    open.add(connection);
    return connection;
  }

  async function openOwn(pg: PgModule): Promise<PostgresConnection> {
    const config: ClientConfig = {
      application_name: "stratum",
      ...options.connection,
      connectionTimeoutMillis: options.connection.connectionTimeoutMillis ?? timeoutMs,
    };
    let client: InstanceType<PgModule["Client"]>;
    try {
      client = new pg.Client(config);
    } catch (error) {
      throw invalidSettings(error);
    }
    // A session error before we wrap the client must not crash the process.
    const early = (): void => undefined;
    client.on("error", early);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      const params = client as unknown as ResolvedParameters;
      throw describeConnectError(error, targetOf(params), { timeoutMs: config.connectionTimeoutMillis });
    } finally {
      client.removeListener("error", early);
    }
    return adopt(client, "owned");
  }

  async function openPooled(pg: PgModule, pool: Pool): Promise<PostgresConnection> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      const params = resolveParameters(pg, (pool as unknown as { options?: ClientConfig }).options ?? {});
      throw describeConnectError(error, targetOf(params));
    }
    return adopt(client, "pooled", (destroy) => client.release(destroy ? true : undefined));
  }

  async function openShared(client: ClientBase): Promise<PostgresConnection> {
    const state = client as unknown as { _connected?: boolean; _connecting?: boolean; release?: unknown };
    if (state._connected !== true && state._connecting !== true && typeof state.release !== "function") {
      let pending = connecting.get(client);
      if (pending === undefined) {
        pending = client.connect().then(() => undefined);
        connecting.set(client, pending);
        pending.catch(() => connecting.delete(client));
      }
      try {
        await pending;
      } catch (error) {
        const params = client as unknown as ResolvedParameters;
        throw describeConnectError(error, targetOf(params));
      }
    } else if (state._connecting === true && connecting.has(client)) {
      await connecting.get(client);
    }
    return adopt(client, "shared");
  }

  /**
   * A configured schema must exist: a typo (`--schema opss`) would otherwise create a new schema
   * and apply every migration again there. Refused on every connection, before anything runs.
   */
  async function requireSchema(connection: PostgresConnection, name: string): Promise<void> {
    const rows = await connection.query<{ name: string }>(
      "select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by nspname",
    );
    const existing = rows.map((row) => row.name);
    if (existing.includes(name)) return;
    const close = suggestKey(name, existing);
    const from = options.schemaOrigin === undefined ? "" : ` (from ${options.schemaOrigin})`;
    throw new ConfigError(
      `schema "${name}"${from} does not exist in ${options.displayUrl}; ` +
        (close !== undefined ? `did you mean "${close}"?` : `existing schemas: ${existing.join(", ") || "none"}`),
      {
        key: "schema",
        fix:
          (close !== undefined ? `Use the schema "${close}", or create` : "Correct the schema name, or create") +
          ` the schema first: create schema ${quotePostgresIdentifier(name)};`,
      },
    );
  }

  async function prepare(connection: PostgresConnection): Promise<Connection> {
    if (schema === undefined) return connection;
    try {
      await requireSchema(connection, schema);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    try {
      await connection.setSetting("search_path", `${quotePostgresIdentifier(schema)}, public`);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw new ConnectionError(
        `cannot set the search_path to schema "${schema}" on ${options.displayUrl}: ${(error as Error).message}; check the schema name`,
        { fix: "check the schema setting", cause: error },
      );
    }
    return connection;
  }

  async function backupTarget(pg: PgModule): Promise<PgDumpTarget> {
    let params: ResolvedParameters;
    if (userClient?.kind === "pool") {
      params = resolveParameters(pg, (userClient.pool as unknown as { options?: ClientConfig }).options ?? {});
    } else if (userClient?.kind === "client") {
      params = userClient.client as unknown as ResolvedParameters;
    } else {
      params = resolveParameters(pg, options.connection);
    }
    let password: string | undefined;
    if (typeof params.password === "string") password = params.password;
    else if (typeof params.password === "function") {
      const value: unknown = await (params.password as () => unknown)();
      if (typeof value === "string") password = value;
    }
    const ssl = params.ssl;
    const sslmode =
      ssl === undefined || ssl === false || ssl === null || process.env["PGSSLMODE"] !== undefined
        ? undefined
        : typeof ssl === "object" && (ssl as { rejectUnauthorized?: unknown }).rejectUnauthorized === false
          ? "require"
          : "verify-full";
    return {
      host: params.host,
      port: params.port,
      user: params.user,
      database: params.database,
      password,
      sslmode,
    };
  }

  const dialect: Dialect = {
    name: "postgres",
    capabilities,
    historyTypes,
    displayUrl: options.displayUrl,
    serverClock: SERVER_CLOCK,

    async connect(): Promise<Connection> {
      const pg = await loadPg();
      if (userClient?.kind === "pool") return prepare(await openPooled(pg, userClient.pool));
      if (userClient?.kind === "client") return prepare(await openShared(userClient.client));
      return prepare(await openOwn(pg));
    },

    splitStatements(sql: string): Statement[] {
      return splitPostgres(sql);
    },

    quoteIdentifier: quotePostgresIdentifier,

    qualifiedTable(name: string): string {
      const table = quotePostgresIdentifier(name);
      return schema === undefined ? table : `${quotePostgresIdentifier(schema)}.${table}`;
    },

    transactionControl(statement: string) {
      return transactionControlOf("postgres", statement);
    },
    nonTransactionalReason(statement: string): string | null {
      return postgresNonTransactionalReason(statement);
    },

    // ERROR rolls the transaction back (a deferred constraint, a serialization failure); FATAL
    // ends the session, and with it the certainty of whether the COMMIT landed
    commitRefused(error: unknown): boolean {
      const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
      return severity === "ERROR" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
    },

    connectionLost(error: unknown): boolean {
      for (const link of errorChain(error)) {
        const { code, severity, message } = link;
        if (severity === "FATAL" || severity === "PANIC") return true;
        if (typeof code === "string" && (SESSION_ENDED.has(code) || code.startsWith("08"))) return true;
        if (typeof message === "string" && /^Connection terminated|is not queryable/.test(message)) return true;
      }
      return false;
    },

    errorPosition(error: unknown): number | null {
      for (const link of errorChain(error)) {
        const raw = link["position"];
        if (raw === undefined || raw === null || raw === "") continue;
        const position = Number(raw);
        if (Number.isInteger(position) && position >= 1) return position - 1;
      }
      return null;
    },

    isRetryable(error: unknown): boolean {
      for (const link of errorChain(error)) {
        const code = link["code"];
        if (typeof code === "string" && RETRYABLE.has(code)) return true;
      }
      return false;
    },

    async backup(file: string): Promise<string> {
      // Checked before connecting or loading anything: a missing pg_dump is the common failure.
      if (!(await pgDumpAvailable())) {
        return runPgDump({}, file, { displayUrl: options.displayUrl });
      }
      const pg = await loadPg();
      return runPgDump(await backupTarget(pg), file, { displayUrl: options.displayUrl });
    },

    async settleWrites(db, table) {
      await db.begin();
      try {
        // SHARE conflicts with the ROW EXCLUSIVE lock of any transaction that wrote the table
        await db.exec(`lock table ${table} in share mode`);
      } finally {
        await db.rollback();
      }
    },

    async transactionLockCapacity(db) {
      const rows = await db.query<{ capacity: string | number }>(
        "select current_setting('max_locks_per_transaction')::int * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int) as capacity",
      );
      const capacity = Number(rows[0]?.capacity);
      return Number.isFinite(capacity) ? capacity : null;
    },

    describeSchema: (db) => describeSchema(db, options.schema === undefined ? {} : { schema: options.schema }),

    async dispose(): Promise<void> {
      const closing = [...open].map((connection) => connection.close().catch(() => undefined));
      await Promise.all(closing);
    },
  };
  return dialect;
}
