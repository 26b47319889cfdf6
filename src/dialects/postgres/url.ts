// PostgreSQL URLs: `postgres://` or `postgresql://user:password@host:port/database?params`, with
// libpq's query parameters (host, port, user, password, dbname, sslmode and its certificate files,
// connect_timeout, application_name). User, password, database and query values are
// percent-decoded (`+` is not a space).

import type { ClientConfig } from "pg";
import { ConfigError } from "../../core/errors.js";
import { emptyToUndefined, maskPassword, parseBooleanParam, parsePort, parseServerUrl, readCertificates, type UrlText } from "../url-parts.js";

export type PostgresSslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

export interface PostgresSsl {
  /**
   * `sslmode`. Without one the connection is plain, as with node-postgres — except that naming a
   * certificate (`sslrootcert`, `sslcert`, `sslkey`) alone implies `verify-full`.
   */
  readonly mode: PostgresSslMode;
  /** `sslrootcert`: CA certificate file. */
  readonly ca?: string;
  /** `sslcert`: client certificate file. */
  readonly cert?: string;
  /** `sslkey`: client key file. */
  readonly key?: string;
}

export interface PostgresUrl {
  readonly dialect: "postgres";
  /** Host name, IP address, or — for a Unix socket — the socket directory (as libpq and pg take it). */
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  /** The socket directory, when the host is one (`%2Fvar%2Frun%2Fpostgresql` or `?host=/var/run/…`). */
  readonly socketPath?: string;
  readonly ssl: PostgresSsl;
  /** Every other query parameter (`application_name`, `options`, …), decoded. */
  readonly params: Readonly<Record<string, string>>;
}

const SSL_MODES: readonly PostgresSslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

export function parsePostgresUrl(url: UrlText): PostgresUrl {
  const parts = parseServerUrl(url);
  const params = parts.params;
  const take = (name: string): string | undefined => {
    const value = params.get(name);
    params.delete(name);
    return value;
  };
  const host = emptyToUndefined(take("host")) ?? parts.host ?? "localhost";
  const port = parsePort(take("port") ?? parts.port, 5432, url);
  const user = emptyToUndefined(take("user")) ?? parts.user;
  const password = emptyToUndefined(take("password")) ?? parts.password;
  const database = emptyToUndefined(take("dbname")) ?? parts.database;
  const ssl = postgresSsl(take, url);
  return {
    dialect: "postgres",
    host,
    port,
    user,
    password,
    database,
    ...(host.startsWith("/") ? { socketPath: host } : {}),
    ssl,
    params: Object.fromEntries(params),
  };
}

function postgresSsl(take: (name: string) => string | undefined, url: UrlText): PostgresSsl {
  const sslmode = take("sslmode");
  const sslFlag = take("ssl");
  const ca = take("sslrootcert");
  const cert = take("sslcert");
  const key = take("sslkey");
  let mode: PostgresSslMode;
  if (sslmode !== undefined) {
    const found = SSL_MODES.find((m) => m === sslmode.toLowerCase());
    if (found === undefined) {
      throw new ConfigError(
        `unsupported sslmode "${sslmode}" in the database URL "${maskPassword(url.raw)}"${url.where}; use ${SSL_MODES.join(", ")}`,
      );
    }
    mode = found;
  } else if (sslFlag !== undefined) {
    mode = parseBooleanParam(sslFlag, "ssl", url) ? "require" : "disable";
  } else {
    mode = ca !== undefined || cert !== undefined || key !== undefined ? "verify-full" : "disable";
  }
  return { mode, ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

/**
 * libpq's `connect_timeout` URL parameter: whole seconds to wait for the server, 0 for no limit
 * (undefined: the default, 10 s).
 */
export function connectTimeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(value) || Number(value) > 2_147_483) {
    throw new ConfigError(`invalid connect_timeout ${JSON.stringify(value)} in the database URL: expected whole seconds, such as 30 (0 waits without limit)`, {
      key: "url",
      fix: "Set ?connect_timeout=<seconds> in the URL, e.g. connect_timeout=30.",
    });
  }
  return Number(value) * 1000;
}

const skipIdentityCheck = () => undefined;

/** libpq's sslmode mapped onto node's TLS options (node-postgres has no `prefer`: it is plain). */
export function postgresTls(ssl: PostgresSsl): { ssl?: Record<string, unknown> } {
  if (ssl.mode === "disable" || ssl.mode === "allow" || ssl.mode === "prefer") return {};
  const files = readCertificates(ssl);
  if (ssl.mode === "require") return { ssl: { ...files, rejectUnauthorized: false } };
  if (ssl.mode === "verify-ca") return { ssl: { ...files, rejectUnauthorized: true, checkServerIdentity: skipIdentityCheck } };
  return { ssl: { ...files, rejectUnauthorized: true } };
}

/** node-postgres client settings for a parsed URL (the password: the URL's, else the given one). */
export function postgresConnection(url: PostgresUrl, fallbackPassword: string | undefined): ClientConfig {
  const password = url.password ?? fallbackPassword;
  return {
    ...(url.socketPath ? { host: url.socketPath } : { host: url.host }),
    port: url.port,
    ...(url.user === undefined ? {} : { user: url.user }),
    ...(password === undefined ? {} : { password }),
    ...(url.database === undefined ? {} : { database: url.database }),
    ...postgresTls(url.ssl),
    ...(url.params["application_name"] ? { application_name: url.params["application_name"] } : {}),
  };
}

