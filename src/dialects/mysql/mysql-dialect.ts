// MySQL and MariaDB through mysql2. DDL commits implicitly here, so the executor records a
// migration `running` before its first statement (capabilities.transactionalDdl is false).

import type { ConnectionOptions } from "mysql2";
import { ConfigError } from "../../core/errors.js";
import { mysqlSql } from "./sql/mysql-sql.js";
import type { Dialect } from "../dialect.js";
import { dumpDatabase } from "./mysql-backup.js";
import { describeSchema } from "./describe-schema.js";
import { dumpSchema } from "./dump-schema.js";
import type { RawConnection } from "./mysql-connection.js";
import { errorPositionOf, isConnectionLost, isRetryableError, type Endpoint } from "./mysql-errors.js";
import { MysqlSessions } from "./sessions.js";

export interface MysqlDialectOptions {
  readonly connection: ConnectionOptions;
  /** From the URL scheme (`mysql://`, `mariadb://`); the server's own answer wins where it matters. */
  readonly flavorHint: "mysql" | "mariadb";
  /** The URL without its password, for messages. */
  readonly displayUrl: string;
  /** An existing mysql2 Pool or Connection, promise or callback API. Never ended by us. */
  readonly client?: unknown;
  /** How long to wait for the server when connecting (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_PORT = 3306;

/** A user's client, reduced to what we need: a pool to take sessions from, or one session. */
export type Adopted =
  | { readonly kind: "pool"; readonly getConnection: () => Promise<RawConnection>; readonly config: unknown }
  | { readonly kind: "single"; readonly connection: RawConnection; readonly config: unknown }
  | { readonly kind: "none" };

interface ClientLike {
  promise?: () => unknown;
  getConnection?: () => Promise<RawConnection>;
  query?: unknown;
  escape?: unknown;
  config?: unknown;
  pool?: { config?: { connectionConfig?: unknown } };
  connection?: { config?: unknown };
}

function adoptClient(client: unknown): Adopted {
  if (client === undefined || client === null) return { kind: "none" };
  let c = client as ClientLike;
  // Callback-API objects (Connection, Pool, PoolConnection) all offer `.promise()`.
  if (typeof c.promise === "function") c = c.promise() as ClientLike;
  if (typeof c.getConnection === "function") {
    const pool = c;
    return {
      kind: "pool",
      getConnection: () => (pool.getConnection as () => Promise<RawConnection>).call(pool),
      config: pool.pool?.config?.connectionConfig,
    };
  }
  if (typeof c.query === "function" && typeof c.escape === "function") {
    return { kind: "single", connection: c as unknown as RawConnection, config: c.connection?.config ?? c.config };
  }
  throw new ConfigError("the client given for MySQL is neither a mysql2 Pool nor a mysql2 Connection", {
    key: "client",
    fix: "pass the object mysql2's createPool() or createConnection() returned",
  });
}

/** Where the connection goes and as whom, from the options (or the URI inside them, or the user's client). */
function connectionTarget(options: ConnectionOptions, fallback: unknown): ConnectionOptions {
  const base = typeof fallback === "object" && fallback !== null ? (fallback as ConnectionOptions) : {};
  let fromUri: ConnectionOptions = {};
  if (options.uri) {
    try {
      const url = new URL(options.uri);
      const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
      fromUri = {
        host: url.hostname.replace(/^\[|\]$/g, ""),
        ...(url.port ? { port: Number(url.port) } : {}),
        ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(database ? { database } : {}),
      };
    } catch {
      fromUri = {};
    }
  }
  const pick = <K extends keyof ConnectionOptions>(key: K): ConnectionOptions[K] =>
    options[key] ?? fromUri[key] ?? base[key];
  return {
    host: pick("host") ?? "localhost",
    port: pick("port") ?? DEFAULT_PORT,
    ...(pick("socketPath") ? { socketPath: pick("socketPath") } : {}),
    ...(pick("user") !== undefined ? { user: pick("user") } : {}),
    ...(pick("password") !== undefined ? { password: pick("password") } : {}),
    ...(pick("database") !== undefined ? { database: pick("database") } : {}),
  };
}

export function quoteMysqlIdentifier(name: string): string {
  return "`" + name.replace(/`/g, "``") + "`";
}

export function mysqlDialect(options: MysqlDialectOptions): Dialect {
  const adopted = adoptClient(options.client);
  const connectTimeoutMs = options.connectTimeoutMs ?? options.connection.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const target = connectionTarget(options.connection, adopted.kind === "none" ? undefined : adopted.config);
  const password = typeof target.password === "string" ? target.password : undefined;
  const endpoint: Endpoint = {
    product: options.flavorHint === "mariadb" ? "MariaDB" : "MySQL",
    location: target.socketPath ?? `${target.host ?? "localhost"}:${target.port ?? DEFAULT_PORT}`,
    user: target.user,
    database: target.database,
    timeoutMs: connectTimeoutMs,
  };
  const sessions = new MysqlSessions({ connection: options.connection, adopted, connectTimeoutMs, endpoint, displayUrl: options.displayUrl });

  return {
    name: "mysql",
    capabilities: {
      transactionalDdl: false,
      // One user-given connection is one session: runs on it cannot go side by side.
      concurrentConnections: adopted.kind !== "single",
      backup: true,
      batchRoundTrip: false,
      schemaIntrospection: true,
      headVersion: false,
      lockCapacity: false,
      settleWrites: false,
      sessionLoss: true,
      commitRefusal: false,
      environmentFixes: false,
    },
    historyTypes: {
      // 191 characters × 4 bytes fits the 767-byte index limit of older utf8mb4 tables.
      key: "varchar(191)",
      text: "longtext",
      integer: "int",
      bigint: "bigint",
      autoId: "bigint auto_increment primary key",
      upsert: "on-duplicate-key",
    },
    displayUrl: options.displayUrl,
    backupExtension: "sql",
    // the rehearsal's guard fails naming its constraint
    isCommitGuardFailure: () => false,
    commitGuardNote: null,
    connect: () => sessions.connect(),
    sql: mysqlSql,
    quoteIdentifier: quoteMysqlIdentifier,
    // A MySQL schema is a database; the connection's database is the one in use.
    qualifiedTable: quoteMysqlIdentifier,
    errorPosition: errorPositionOf,
    isRetryable: isRetryableError,
    connectionLost: isConnectionLost,
    backup(file: string): Promise<string> {
      return dumpDatabase(
        {
          flavor: options.flavorHint,
          host: target.host ?? "localhost",
          port: target.port ?? DEFAULT_PORT,
          socketPath: target.socketPath,
          user: target.user,
          password,
          database: target.database,
        },
        file,
      );
    },
    /** Closes every session still open: ours end, pooled ones go back to the user's pool. */
    describeSchema: (db, options) => describeSchema(db, options),
    dumpSchema: (db, options) => dumpSchema(db, options),

    dispose: () => sessions.dispose(),
  };
}

export { describeSchema } from "./describe-schema.js";
export { assertDumpAvailable, findDumpCommand } from "./mysql-backup.js";
export { lockName } from "./mysql-lock.js";
export { MysqlConnection } from "./mysql-connection.js";
