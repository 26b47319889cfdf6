// How the PostgreSQL dialect opens sessions: its own pg.Client, a client borrowed from the user's
// pg.Pool, or the user's own pg.Client; each checked against the configured schema. Also what
// pg_dump needs to reach the same database.

import type { ClientBase, ClientConfig, Pool, PoolClient } from "pg";
import { suggestKey } from "../../config/schema.js";
import { ConfigError, ConnectionError } from "../../core/errors.js";
import { redactUrl } from "../../text/redact.js";
import type { Connection } from "../dialect.js";
import { describeConnectError, type ConnectTarget } from "./connect-error.js";
import { quotePostgresIdentifier } from "./identifier.js";
import type { PgModule } from "./pg-driver.js";
import type { PgDumpTarget } from "./pg-dump.js";
import { PostgresConnection } from "./postgres-connection.js";

export type UserClient =
  | { readonly kind: "pool"; readonly pool: Pool }
  | { readonly kind: "client"; readonly client: ClientBase };

export function classifyClient(value: unknown): UserClient {
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

export interface SessionSettings {
  readonly connection: ClientConfig;
  readonly displayUrl: string;
  /** The configured schema (validated), or undefined. */
  readonly schema: string | undefined;
  readonly schemaOrigin: string | undefined;
  readonly userClient: UserClient | undefined;
  readonly connectTimeoutMs: number;
}

export class PostgresSessions {
  readonly #settings: SessionSettings;
  readonly #open = new Set<PostgresConnection>();

  constructor(settings: SessionSettings) {
    this.#settings = settings;
  }

  async connect(pg: PgModule): Promise<Connection> {
    const user = this.#settings.userClient;
    if (user?.kind === "pool") return this.#prepare(await this.#openPooled(pg, user.pool));
    if (user?.kind === "client") return this.#prepare(await this.#openShared(user.client));
    return this.#prepare(await this.#openOwn(pg));
  }

  async dispose(): Promise<void> {
    const closing = [...this.#open].map((connection) => connection.close().catch(() => undefined));
    await Promise.all(closing);
  }

  /** Says that the settings cannot even be parsed (the driver's text with any URL credentials masked). */
  #invalidSettings(error: unknown): ConnectionError {
    const detail = redactUrl(((error as Error)?.message ?? String(error)).replace(/\s+/g, " ").trim());
    return new ConnectionError(`the PostgreSQL connection settings for ${this.#settings.displayUrl} are invalid (${detail}); fix the URL`, {
      fix: "fix the database URL",
    });
  }

  /** Resolves settings the way pg does (URL, environment, defaults) without connecting. */
  #resolveParameters(pg: PgModule, config: ClientConfig): ResolvedParameters {
    try {
      return new pg.Client(config) as unknown as ResolvedParameters;
    } catch (error) {
      throw this.#invalidSettings(error);
    }
  }

  #adopt(client: ClientBase, ownership: "owned" | "pooled" | "shared", release?: (destroy: boolean) => void): PostgresConnection {
    const connection = new PostgresConnection(client, {
      ownership,
      schema: this.#settings.schema,
      displayUrl: this.#settings.displayUrl,
      ...(release === undefined ? {} : { release }),
      onClose: (closed) => this.#open.delete(closed),
    });
    this.#open.add(connection);
    return connection;
  }

  async #openOwn(pg: PgModule): Promise<PostgresConnection> {
    const settings = this.#settings.connection;
    const config: ClientConfig = {
      application_name: "stratum",
      ...settings,
      connectionTimeoutMillis: settings.connectionTimeoutMillis ?? this.#settings.connectTimeoutMs,
    };
    let client: InstanceType<PgModule["Client"]>;
    try {
      client = new pg.Client(config);
    } catch (error) {
      throw this.#invalidSettings(error);
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
    return this.#adopt(client, "owned");
  }

  async #openPooled(pg: PgModule, pool: Pool): Promise<PostgresConnection> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      const params = this.#resolveParameters(pg, (pool as unknown as { options?: ClientConfig }).options ?? {});
      throw describeConnectError(error, targetOf(params));
    }
    return this.#adopt(client, "pooled", (destroy) => client.release(destroy ? true : undefined));
  }

  async #openShared(client: ClientBase): Promise<PostgresConnection> {
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
    return this.#adopt(client, "shared");
  }

  /**
   * A configured schema must exist: a typo (`--schema opss`) would otherwise create a new schema
   * and apply every migration again there. Refused on every connection, before anything runs.
   */
  async #requireSchema(connection: PostgresConnection, name: string): Promise<void> {
    const rows = await connection.query<{ name: string }>(
      "select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by nspname",
    );
    const existing = rows.map((row) => row.name);
    if (existing.includes(name)) return;
    const close = suggestKey(name, existing);
    const origin = this.#settings.schemaOrigin;
    const from = origin === undefined ? "" : ` (from ${origin})`;
    throw new ConfigError(
      `schema "${name}"${from} does not exist in ${this.#settings.displayUrl}; ` +
        (close !== undefined ? `did you mean "${close}"?` : `existing schemas: ${existing.join(", ") || "none"}`),
      {
        key: "schema",
        fix:
          (close !== undefined ? `Use the schema "${close}", or create` : "Correct the schema name, or create") +
          ` the schema first: create schema ${quotePostgresIdentifier(name)};`,
      },
    );
  }

  async #prepare(connection: PostgresConnection): Promise<Connection> {
    const schema = this.#settings.schema;
    if (schema === undefined) return connection;
    try {
      await this.#requireSchema(connection, schema);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    try {
      await connection.setSetting("search_path", `${quotePostgresIdentifier(schema)}, public`);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw new ConnectionError(
        `cannot set the search_path to schema "${schema}" on ${this.#settings.displayUrl}: ${(error as Error).message}; check the schema name`,
        { fix: "check the schema setting", cause: error },
      );
    }
    return connection;
  }

  /** Where pg_dump connects: the settings our sessions use, as pg resolves them. */
  async backupTarget(pg: PgModule): Promise<PgDumpTarget> {
    const user = this.#settings.userClient;
    let params: ResolvedParameters;
    if (user?.kind === "pool") {
      params = this.#resolveParameters(pg, (user.pool as unknown as { options?: ClientConfig }).options ?? {});
    } else if (user?.kind === "client") {
      params = user.client as unknown as ResolvedParameters;
    } else {
      params = this.#resolveParameters(pg, this.#settings.connection);
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
    return { host: params.host, port: params.port, user: params.user, database: params.database, password, sslmode };
  }
}
