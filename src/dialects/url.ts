/**
 * Database URLs: what a `url` setting may look like, and what it means.
 *
 * SQLite
 *   - `sqlite:./path.db`, `sqlite:path.db`, `sqlite:/abs/path.db`  — the rest is the path, verbatim;
 *   - `sqlite:///abs/path.db`                                      — absolute (URL form, percent-decoded);
 *   - `sqlite://relative.db`, `sqlite://data/x.db`                 — relative: after `sqlite://` the
 *     text is the path (SQLite has no host), and only a leading `/` makes it absolute;
 *   - `sqlite::memory:`, `sqlite://:memory:`, `:memory:`           — an in-memory database;
 *   - `file:./x.db`, `file:///abs/x.db`, `file::memory:`           — the same rules as `sqlite:`;
 *   - a bare path ending in `.db`, `.sqlite` or `.sqlite3`         — verbatim, no query string.
 *   In the scheme forms a `?` starts query parameters (kept in `params`); relative paths are resolved
 *   later, by `resolveDatabaseUrl`, against the directory the setting came from.
 * PostgreSQL: `postgres://` or `postgresql://user:password@host:port/database?params`.
 * MySQL / MariaDB: `mysql://` or `mariadb://user:password@host:port/database?params`.
 * User, password, database and query values are percent-decoded (`+` is not a space).
 */
import { isAbsolute, resolve } from "node:path";

import { ConfigError } from "../core/errors.js";
import { REDACTED } from "../text/redact.js";
import { option } from "../core/vocabulary.js";

export interface SqliteUrl {
  readonly dialect: "sqlite";
  /** `":memory:"` or a file path (relative paths are relative to the setting's directory). */
  readonly filename: string;
  readonly memory: boolean;
  readonly params: Readonly<Record<string, string>>;
}

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

export type DatabaseUrl = SqliteUrl | PostgresUrl | MysqlUrl;

export const SUPPORTED_URL_FORMS: readonly string[] = [
  "sqlite:./file.db",
  "sqlite::memory:",
  "postgres://user:password@host:5432/database",
  "mysql://user:password@host:3306/database",
  "mariadb://user:password@host:3306/database",
];

const FORMS_SENTENCE = `use one of ${SUPPORTED_URL_FORMS.join(", ")}`;
const ENCODE_FIX =
  "Percent-encode special characters in the user name and password (encodeURIComponent), e.g. @ as %40, # as %23, / as %2F.";

const EMPTY_HOST = "stratum-empty-host";
const SQLITE_EXTENSION = /\.(db|sqlite|sqlite3)$/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/**
 * Parses a database URL. Throws ConfigError — showing the URL with its password hidden — for an
 * unsupported scheme or a URL that cannot be read. `origin` names where the URL came from
 * (`STRATUM_URL`, `"url" in stratum.config.json`) for the message.
 */
export function parseDatabaseUrl(url: string, origin?: string): DatabaseUrl {
  const raw = url.trim();
  const where = origin === undefined ? "" : ` (from ${origin})`;
  if (raw === "") {
    throw new ConfigError(`the database URL${where} is empty; ${FORMS_SENTENCE}`, { fix: `Set url, DATABASE_URL or ${option("url")}.` });
  }
  if (raw === ":memory:") return { dialect: "sqlite", filename: ":memory:", memory: true, params: {} };

  const scheme = WINDOWS_DRIVE.test(raw) ? undefined : SCHEME.exec(raw)?.[1]?.toLowerCase();
  switch (scheme) {
    case "sqlite":
    case "file":
      return parseSqlite(raw, raw.slice(scheme.length + 1), where);
    case "postgres":
    case "postgresql":
      return parsePostgres(parseServerUrl(raw, where), raw, where);
    case "mysql":
    case "mariadb":
      return parseMysql(parseServerUrl(raw, where), raw, where, scheme);
    default:
      if (SQLITE_EXTENSION.test(raw) && !raw.includes("://")) {
        return { dialect: "sqlite", filename: raw, memory: false, params: {} };
      }
      throw new ConfigError(
        `unsupported database URL "${displayUrl(raw)}"${where}; ${FORMS_SENTENCE}`,
        { fix: "Use a sqlite:, postgres:// or mysql:// URL, or a path ending in .db." },
      );
  }
}

/** Query parameters that hold a secret: `password`, `sslpassword`, `passwd`, `pass`, `pwd`, …. */
const SECRET_PARAM = /[?&;][\w.-]*?(?:password|passwd|pass|pwd)=/i;

/**
 * The one way a database URL is shown: the URL as written, with its password slot replaced by `***`
 * — the user-info password, and a `password=`-style query parameter (its value and everything after
 * it, since an unencoded password may hold `&`). Nothing else changes; SQLite URLs and paths keep
 * every character (SQLite has no password). Works on strings that do not parse: everything between
 * the user name and the last `@` is treated as the password (a `@` later in the URL over-masks).
 */
export function displayUrl(url: string): string {
  const trimmed = url.trim();
  const queryAt = trimmed.indexOf("?");
  const secret = queryAt < 0 ? null : SECRET_PARAM.exec(trimmed.slice(queryAt));
  const raw = secret === null ? trimmed : `${trimmed.slice(0, queryAt + secret.index + secret[0].length)}${REDACTED}`;
  if (isSqliteText(raw)) return raw;
  // With `scheme://` the password follows the user name; without it (`user:pw@host`, `pg:u:pw@h`) be
  // safe and hide everything from the first colon.
  const authorityStart = raw.indexOf("://");
  const start = authorityStart >= 0 ? authorityStart + 3 : 0;
  const lastAt = raw.lastIndexOf("@");
  if (lastAt < start) return raw;
  const colon = raw.indexOf(":", start);
  if (colon < 0 || colon >= lastAt || colon + 1 === lastAt) return raw;
  // `user@host:port/db?x=a@b`: the colon is the port's, after the user-info — no password slot
  if (/[@/?#]/.test(raw.slice(start, colon))) return raw;
  return `${raw.slice(0, colon + 1)}${REDACTED}${raw.slice(lastAt)}`;
}

function isSqliteText(raw: string): boolean {
  if (raw === ":memory:" || WINDOWS_DRIVE.test(raw)) return true;
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === "sqlite" || scheme === "file") return true;
  return !raw.includes("://") && SQLITE_EXTENSION.test(raw.replace(/\?.*$/, ""));
}

/**
 * Makes a relative SQLite path absolute against `baseDir` (the config file's directory, or the
 * working directory). Other URLs, in-memory and absolute SQLite URLs are returned unchanged.
 */
export function resolveDatabaseUrl(url: string, baseDir: string): string {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect !== "sqlite" || parsed.memory || isAbsolute(parsed.filename)) return url;
  const filename = resolve(baseDir, parsed.filename);
  const query = Object.keys(parsed.params).length === 0 ? "" : `?${encodeParams(parsed.params)}`;
  if (!filename.includes("?")) return `sqlite:${filename}${query}`;
  // A `?` in the path: use the URL form, where the path is percent-decoded.
  const encoded = filename.replace(/%/g, "%25").replace(/\?/g, "%3F");
  return `sqlite://${encoded.startsWith("/") ? "" : "/"}${encoded}${query}`;
}

function parseSqlite(raw: string, rest: string, where: string): SqliteUrl {
  const queryAt = rest.indexOf("?");
  let path = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
  const params = queryAt >= 0 ? parseQuery(rest.slice(queryAt + 1), raw, where) : {};
  if (path.startsWith("//")) {
    path = decodeComponent(path.slice(2), "path", raw, where);
    if (path.startsWith("/")) path = path.replace(/^\/+/, "/");
    // sqlite:///C:/data/x.db
    if (/^\/[a-z]:[\\/]/i.test(path)) path = path.slice(1);
  }
  if (path === ":memory:") return { dialect: "sqlite", filename: ":memory:", memory: true, params };
  if (path === "") {
    throw new ConfigError(`the SQLite URL "${displayUrl(raw)}"${where} names no file; use sqlite:./file.db or sqlite::memory:`);
  }
  return { dialect: "sqlite", filename: path, memory: false, params };
}

interface ServerParts {
  readonly host: string | undefined;
  readonly port: string | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  /** Decoded query parameters, in order; the dialect parsers consume what they understand. */
  readonly params: Map<string, string>;
}

function parseServerUrl(raw: string, where: string): ServerParts {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw unparsable(raw, where, "it should start with scheme://");
  }
  // `postgres://user:pw@/db?host=/socket/dir`: credentials with an empty host, which WHATWG URLs
  // reject; parse it with a placeholder host.
  const emptyHost = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@(?=[/?]|$)/i.exec(raw);
  let url: URL;
  try {
    url = new URL(emptyHost === null ? raw : `${emptyHost[0]}${EMPTY_HOST}${raw.slice(emptyHost[0].length)}`);
  } catch {
    const hint = raw.includes("@") ? " (special characters in the user name or password must be percent-encoded)" : "";
    throw unparsable(raw, where, `it is not a valid URL${hint}`);
  }
  if (url.hash !== "") {
    throw unparsable(raw, where, "it contains a # (a password with # must be percent-encoded as %23)");
  }
  const host = url.hostname === "" || url.hostname === EMPTY_HOST ? undefined : decodeComponent(url.hostname, "host", raw, where);
  if (host !== undefined && host.includes(",")) {
    throw new ConfigError(`the database URL "${displayUrl(raw)}"${where} names several hosts; Stratum connects to one host`);
  }
  const path = url.pathname.replace(/^\//, "");
  return {
    host: host?.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host,
    port: url.port === "" ? undefined : url.port,
    user: emptyToUndefined(decodeComponent(url.username, "user name", raw, where)),
    password: emptyToUndefined(decodeComponent(url.password, "password", raw, where)),
    database: emptyToUndefined(decodeComponent(path, "database name", raw, where)),
    params: new Map(Object.entries(parseQuery(url.search.replace(/^\?/, ""), raw, where))),
  };
}

function parsePostgres(parts: ServerParts, raw: string, where: string): PostgresUrl {
  const params = parts.params;
  const take = (name: string): string | undefined => {
    const value = params.get(name);
    params.delete(name);
    return value;
  };
  const queryHost = emptyToUndefined(take("host"));
  const host = queryHost ?? parts.host ?? "localhost";
  const port = parsePort(take("port") ?? parts.port, 5432, raw, where);
  const user = emptyToUndefined(take("user")) ?? parts.user;
  const password = emptyToUndefined(take("password")) ?? parts.password;
  const database = emptyToUndefined(take("dbname")) ?? parts.database;

  const sslmode = take("sslmode");
  const sslFlag = take("ssl");
  const ca = take("sslrootcert");
  const cert = take("sslcert");
  const key = take("sslkey");
  let mode: PostgresSslMode;
  if (sslmode !== undefined) {
    const modes: readonly PostgresSslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
    const found = modes.find((m) => m === sslmode.toLowerCase());
    if (found === undefined) {
      throw new ConfigError(
        `unsupported sslmode "${sslmode}" in the database URL "${displayUrl(raw)}"${where}; use ${modes.join(", ")}`,
      );
    }
    mode = found;
  } else if (sslFlag !== undefined) {
    mode = parseBooleanParam(sslFlag, "ssl", raw, where) ? "require" : "disable";
  } else {
    mode = ca !== undefined || cert !== undefined || key !== undefined ? "verify-full" : "disable";
  }
  const ssl: PostgresSsl = {
    mode,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
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

function parseMysql(parts: ServerParts, raw: string, where: string, scheme: "mysql" | "mariadb"): MysqlUrl {
  // Parameter names are matched loosely: ssl-mode, ssl_mode, SSL-MODE, sslmode.
  const params = parts.params;
  const take = (...names: string[]): string | undefined => {
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
  const port = parsePort(take("port") ?? parts.port, 3306, raw, where);
  const user = emptyToUndefined(take("user")) ?? parts.user;
  const password = emptyToUndefined(take("password")) ?? parts.password;
  const database = emptyToUndefined(take("database")) ?? parts.database;

  const sslmode = take("ssl-mode", "sslmode");
  const sslFlag = take("ssl");
  const ca = take("ssl-ca", "sslca");
  const cert = take("ssl-cert", "sslcert");
  const key = take("ssl-key", "sslkey");
  let mode: MysqlSslMode;
  if (sslmode !== undefined) {
    const modes: readonly MysqlSslMode[] = ["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"];
    const found = modes.find((m) => m === sslmode.toUpperCase().replace(/-/g, "_"));
    if (found === undefined) {
      throw new ConfigError(
        `unsupported ssl-mode "${sslmode}" in the database URL "${displayUrl(raw)}"${where}; use ${modes.join(", ")}`,
      );
    }
    mode = found;
  } else if (sslFlag !== undefined) {
    mode = parseBooleanParam(sslFlag, "ssl", raw, where) ? "REQUIRED" : "DISABLED";
  } else {
    mode = ca !== undefined || cert !== undefined || key !== undefined ? "VERIFY_CA" : "DISABLED";
  }
  const ssl: MysqlSsl = {
    mode,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
  return {
    dialect: "mysql",
    flavorHint: scheme,
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

function parsePort(value: string | undefined, fallback: number, raw: string, where: string): number {
  if (value === undefined || value === "") return fallback;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ConfigError(`invalid port "${value}" in the database URL "${displayUrl(raw)}"${where}; use a number from 1 to 65535`);
  }
  return port;
}

function parseBooleanParam(value: string, name: string, raw: string, where: string): boolean {
  const normal = value.toLowerCase();
  if (["true", "1", "yes", "on"].includes(normal)) return true;
  if (["false", "0", "no", "off"].includes(normal)) return false;
  throw new ConfigError(`invalid ${name}=${value} in the database URL "${displayUrl(raw)}"${where}; use true or false`);
}

/** `a=1&b=x%20y` → decoded pairs; `+` stays a plus (libpq does not read it as a space). */
function parseQuery(query: string, raw: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq >= 0 ? pair.slice(0, eq) : pair, "query parameter", raw, where);
    const value = eq >= 0 ? decodeComponent(pair.slice(eq + 1), `value of ${name}`, raw, where) : "";
    out[name] = value;
  }
  return out;
}

function decodeComponent(text: string, what: string, raw: string, where: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigError(`the ${what} in the database URL "${displayUrl(raw)}"${where} has a malformed percent-encoding`, {
      fix: ENCODE_FIX,
    });
  }
}

function unparsable(raw: string, where: string, why: string): ConfigError {
  return new ConfigError(`cannot parse the database URL "${displayUrl(raw)}"${where}: ${why}; ${FORMS_SENTENCE}`, {
    fix: ENCODE_FIX,
  });
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

function encodeParams(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}
