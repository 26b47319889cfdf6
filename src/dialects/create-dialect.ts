import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import type { Dialect } from "./dialect.js";
import { displayUrl, parseDatabaseUrl, type MysqlSsl, type PostgresSsl } from "./url.js";

export interface DialectTarget {
  readonly url: string;
  readonly schema?: string | undefined;
  /** Where the schema setting came from, for messages. */
  readonly schemaOrigin?: string | undefined;
  readonly passwordFile?: string | undefined;
  /** An existing driver client or pool. */
  readonly client?: unknown;
  readonly cwd: string;
  readonly environment: Readonly<Record<string, string | undefined>>;
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new ConfigError(`cannot read the password file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`, {
      key: "passwordFile",
      fix: "check the passwordFile setting and the file's permissions",
    });
  }
}

/**
 * Builds the dialect for a URL. Drivers for PostgreSQL and MySQL are imported only here,
 * lazily, so a SQLite user never loads them.
 */
export async function createDialect(target: DialectTarget): Promise<Dialect> {
  const parsed = parseDatabaseUrl(target.url);
  const shown = displayUrl(target.url);
  const filePassword = target.passwordFile === undefined ? undefined : readPasswordFile(target.passwordFile);
  switch (parsed.dialect) {
    case "sqlite": {
      const { sqliteDialect } = await import("./sqlite/sqlite-dialect.js");
      const filename = parsed.memory || isAbsolute(parsed.filename) ? parsed.filename : resolve(target.cwd, parsed.filename);
      return sqliteDialect({
        filename: parsed.memory ? ":memory:" : filename,
        displayUrl: shown,
        ...(target.client === undefined ? {} : { client: target.client }),
      });
    }
    case "postgres": {
      const { postgresDialect } = await import("./postgres/postgres-dialect.js");
      const password = parsed.password ?? filePassword ?? target.environment["PGPASSWORD"];
      return postgresDialect({
        connection: {
          ...(parsed.socketPath ? { host: parsed.socketPath } : { host: parsed.host }),
          port: parsed.port,
          ...(parsed.user === undefined ? {} : { user: parsed.user }),
          ...(password === undefined ? {} : { password }),
          ...(parsed.database === undefined ? {} : { database: parsed.database }),
          ...postgresTls(parsed.ssl),
          ...(parsed.params["application_name"] ? { application_name: parsed.params["application_name"] } : {}),
        },
        displayUrl: shown,
        connectTimeoutMs: connectTimeoutOf(parsed.params["connect_timeout"]),
        schema: target.schema,
        schemaOrigin: target.schemaOrigin,
        ...(target.client === undefined ? {} : { client: target.client }),
      });
    }
    case "mysql": {
      const { mysqlDialect } = await import("./mysql/mysql-dialect.js");
      const password = parsed.password ?? filePassword ?? target.environment["MYSQL_PWD"];
      return mysqlDialect({
        connection: {
          ...(parsed.socketPath ? { socketPath: parsed.socketPath } : { host: parsed.host }),
          port: parsed.port,
          ...(parsed.user === undefined ? {} : { user: parsed.user }),
          ...(password === undefined ? {} : { password }),
          ...(parsed.database === undefined ? {} : { database: parsed.database }),
          ...mysqlTls(parsed.ssl),
        },
        flavorHint: parsed.flavorHint,
        displayUrl: shown,
        ...(target.client === undefined ? {} : { client: target.client }),
      });
    }
  }
}

/**
 * libpq's `connect_timeout` URL parameter: whole seconds to wait for the server, 0 for no limit
 * (undefined: the default, 10 s).
 */
function connectTimeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(value) || Number(value) > 2_147_483) {
    throw new ConfigError(`invalid connect_timeout ${JSON.stringify(value)} in the database URL: expected whole seconds, such as 30 (0 waits without limit)`, {
      key: "url",
      fix: "Set ?connect_timeout=<seconds> in the URL, e.g. connect_timeout=30.",
    });
  }
  return Number(value) * 1000;
}

function readCertificate(path: string | undefined, what: string): { readonly [key: string]: string } {
  if (path === undefined) return {};
  try {
    return { [what]: readFileSync(path, "utf8") };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS file ${path} named in the database URL: ${(error as NodeJS.ErrnoException).code ?? "error"}`, {
      key: "url",
      fix: "check the certificate paths in the URL's query parameters",
    });
  }
}

const skipIdentityCheck = () => undefined;

/** libpq's sslmode mapped onto node's TLS options (node-postgres has no `prefer`: it is plain). */
function postgresTls(ssl: PostgresSsl): { ssl?: Record<string, unknown> } {
  if (ssl.mode === "disable" || ssl.mode === "allow" || ssl.mode === "prefer") return {};
  const files = { ...readCertificate(ssl.ca, "ca"), ...readCertificate(ssl.cert, "cert"), ...readCertificate(ssl.key, "key") };
  if (ssl.mode === "require") return { ssl: { ...files, rejectUnauthorized: false } };
  if (ssl.mode === "verify-ca") return { ssl: { ...files, rejectUnauthorized: true, checkServerIdentity: skipIdentityCheck } };
  return { ssl: { ...files, rejectUnauthorized: true } };
}

/** MySQL's ssl-mode mapped onto mysql2's `ssl` option (PREFERRED is plain, as mysql2 cannot fall back). */
function mysqlTls(ssl: MysqlSsl): { ssl?: Record<string, unknown> } {
  if (ssl.mode === "DISABLED" || ssl.mode === "PREFERRED") return {};
  const files = { ...readCertificate(ssl.ca, "ca"), ...readCertificate(ssl.cert, "cert"), ...readCertificate(ssl.key, "key") };
  if (ssl.mode === "REQUIRED") return { ssl: { ...files, rejectUnauthorized: false } };
  if (ssl.mode === "VERIFY_CA") return { ssl: { ...files, rejectUnauthorized: true, verifyIdentity: false } };
  return { ssl: { ...files, rejectUnauthorized: true, verifyIdentity: true } };
}
