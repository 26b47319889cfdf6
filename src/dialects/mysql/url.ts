// MySQL and MariaDB URLs: `mysql://` or `mariadb://user:password@host:port/database?params`, with
// the mysql client's options as query parameters (socket, ssl-mode and its certificate files),
// matched loosely: ssl-mode, ssl_mode, SSL-MODE, sslmode.

import type { ConnectionOptions } from "mysql2";
import { ConfigError } from "../../core/errors.js";
import { emptyToUndefined, maskPassword, parseBooleanParam, parsePort, parseServerUrl, readCertificates, type UrlText } from "../url-parts.js";

export type MysqlSslMode = "DISABLED" | "PREFERRED" | "REQUIRED" | "VERIFY_CA" | "VERIFY_IDENTITY";

export interface MysqlSsl {
  /**
   * `ssl-mode`. Without one the connection is plain, as with mysql2 — except that naming a
   * certificate (`ssl-ca`, `ssl-cert`, `ssl-key`) alone implies `VERIFY_CA`, as the mysql client does.
   */
  readonly mode: MysqlSslMode;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface MysqlUrl {
  readonly dialect: "mysql";
  /** Which scheme was used; the server's real flavour is detected on connect. */
  readonly flavorHint: "mysql" | "mariadb";
  /** Host name or IP address (`localhost` when a socket is used). */
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  /** The socket file (`?socket=/run/mysqld/mysqld.sock`, or a percent-encoded host starting with `/`). */
  readonly socketPath?: string;
  readonly ssl: MysqlSsl;
  readonly params: Readonly<Record<string, string>>;
}

const SSL_MODES: readonly MysqlSslMode[] = ["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"];

type Take = (...names: string[]) => string | undefined;

export function parseMysqlUrl(url: UrlText): MysqlUrl {
  const parts = parseServerUrl(url);
  const params = parts.params;
  const take: Take = (...names) => {
    let value: string | undefined;
    for (const [name, v] of params) {
      const normal = name.toLowerCase().replace(/_/g, "-");
      if (names.includes(normal)) {
        value = v;
        params.delete(name);
      }
    }
    return value;
  };
  const socketParam = emptyToUndefined(take("socket", "socketpath", "socket-path"));
  const socketPath = socketParam ?? (parts.host?.startsWith("/") ? parts.host : undefined);
  const host = socketPath !== undefined && parts.host?.startsWith("/") ? "localhost" : (parts.host ?? "localhost");
  const port = parsePort(take("port") ?? parts.port, 3306, url);
  const user = emptyToUndefined(take("user")) ?? parts.user;
  const password = emptyToUndefined(take("password")) ?? parts.password;
  const database = emptyToUndefined(take("database")) ?? parts.database;
  const ssl = mysqlSsl(take, url);
  return {
    dialect: "mysql",
    flavorHint: url.scheme === "mariadb" ? "mariadb" : "mysql",
    host,
    port,
    user,
    password,
    database,
    ...(socketPath === undefined ? {} : { socketPath }),
    ssl,
    params: Object.fromEntries(params),
  };
}

function mysqlSsl(take: Take, url: UrlText): MysqlSsl {
  const sslmode = take("ssl-mode", "sslmode");
  const sslFlag = take("ssl");
  const ca = take("ssl-ca", "sslca");
  const cert = take("ssl-cert", "sslcert");
  const key = take("ssl-key", "sslkey");
  let mode: MysqlSslMode;
  if (sslmode !== undefined) {
    const found = SSL_MODES.find((m) => m === sslmode.toUpperCase().replace(/-/g, "_"));
    if (found === undefined) {
      throw new ConfigError(
        `unsupported ssl-mode "${sslmode}" in the database URL "${maskPassword(url.raw)}"${url.where}; use ${SSL_MODES.join(", ")}`,
      );
    }
    mode = found;
  } else if (sslFlag !== undefined) {
    mode = parseBooleanParam(sslFlag, "ssl", url) ? "REQUIRED" : "DISABLED";
  } else {
    mode = ca !== undefined || cert !== undefined || key !== undefined ? "VERIFY_CA" : "DISABLED";
  }
  return { mode, ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

/** MySQL's ssl-mode mapped onto mysql2's `ssl` option (PREFERRED is plain, as mysql2 cannot fall back). */
export function mysqlTls(ssl: MysqlSsl): { ssl?: Record<string, unknown> } {
  if (ssl.mode === "DISABLED" || ssl.mode === "PREFERRED") return {};
  const files = readCertificates(ssl);
  if (ssl.mode === "REQUIRED") return { ssl: { ...files, rejectUnauthorized: false } };
  if (ssl.mode === "VERIFY_CA") return { ssl: { ...files, rejectUnauthorized: true, verifyIdentity: false } };
  return { ssl: { ...files, rejectUnauthorized: true, verifyIdentity: true } };
}

/** mysql2 connection options for a parsed URL (the password: the URL's, else the given one). */
export function mysqlConnection(url: MysqlUrl, fallbackPassword: string | undefined): ConnectionOptions {
  const password = url.password ?? fallbackPassword;
  return {
    ...(url.socketPath ? { socketPath: url.socketPath } : { host: url.host }),
    port: url.port,
    ...(url.user === undefined ? {} : { user: url.user }),
    ...(password === undefined ? {} : { password }),
    ...(url.database === undefined ? {} : { database: url.database }),
    ...mysqlTls(url.ssl),
  };
}

/**
 * The URL with its database replaced by `database` (a fleet's tenant, a database of the same
 * server): the path names it and a `database=` query parameter, which would win, is dropped.
 * Everything else stays as written, the password included.
 */
export function mysqlUrlWithDatabase(raw: string, database: string): string {
  const text = raw.trim();
  const queryAt = text.indexOf("?");
  const head = queryAt < 0 ? text : text.slice(0, queryAt);
  const authorityStart = head.indexOf("://") + 3;
  const pathAt = head.indexOf("/", authorityStart);
  const server = pathAt < 0 ? head : head.slice(0, pathAt);
  const kept = (queryAt < 0 ? "" : text.slice(queryAt + 1))
    .split("&")
    .filter((pair) => pair !== "" && !/^database$/i.test(safeDecode(pair.split("=")[0] ?? "")));
  return `${server}/${encodeURIComponent(database)}${kept.length === 0 ? "" : `?${kept.join("&")}`}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
