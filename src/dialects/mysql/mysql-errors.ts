// Turning mysql2 errors into Stratum's: connect failures, syntax positions, retryable errors.

import { ConnectionError } from "../../core/errors.js";
import { printableDriverError, redactUrl } from "../../text/redact.js";

/** The fields of a mysql2 error we read. */
export interface DriverError {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly sqlMessage?: unknown;
  readonly cause?: unknown;
}

const ER_DBACCESS_DENIED_ERROR = 1044;
const ER_ACCESS_DENIED_ERROR = 1045;
const ER_BAD_DB_ERROR = 1049;
const ER_CON_COUNT_ERROR = 1040;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

/** Where a connection goes, for messages: `host:port` or the socket path. */
export interface Endpoint {
  readonly product: "MySQL" | "MariaDB";
  readonly location: string;
  readonly user: string | undefined;
  readonly database: string | undefined;
  readonly timeoutMs: number;
}

function asDriverError(error: unknown): DriverError {
  return typeof error === "object" && error !== null ? (error as DriverError) : {};
}

/** The driver error itself or the first one down its `cause` chain that has a MySQL code. */
function driverErrors(error: unknown): DriverError[] {
  const out: DriverError[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    out.push(current as DriverError);
    current = (current as DriverError).cause;
  }
  return out;
}

function quote(value: string): string {
  return `"${value}"`;
}

/**
 * One sentence for a failed connection attempt, built from the endpoint's fields and the error's
 * code (the password is not among them); the driver's text only for an error without a known code,
 * with URL credentials masked. The cause is a printable copy of the driver error, without the
 * server's text when it answers the credentials.
 */
export function connectError(error: unknown, endpoint: Endpoint): ConnectionError {
  const e = asDriverError(error);
  const code = typeof e.code === "string" ? e.code : "";
  const errno = typeof e.errno === "number" ? e.errno : undefined;
  const where = `cannot connect to ${endpoint.product} at ${endpoint.location}`;
  const user = endpoint.user ?? "(default user)";
  const credentials = code === "ER_ACCESS_DENIED_ERROR" || errno === ER_ACCESS_DENIED_ERROR;
  const make = (reason: string, fix: string): ConnectionError =>
    new ConnectionError(`${where}: ${reason}`, { fix, cause: printableDriverError(error, { withText: !credentials }) });

  if (code === "ECONNREFUSED") {
    return make("connection refused", "check that the server is running and that the host and port in the url are right");
  }
  if (code === "ETIMEDOUT") {
    return make(
      `no answer within ${endpoint.timeoutMs} ms`,
      "check the host, the port and any firewall between here and the server",
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return make("the host name could not be resolved", "check the host name in the url");
  }
  if (credentials) {
    return make(`access denied for user ${quote(user)}`, "check the user name and password");
  }
  if (code === "ER_DBACCESS_DENIED_ERROR" || errno === ER_DBACCESS_DENIED_ERROR) {
    return make(
      `user ${quote(user)} may not use database ${quote(endpoint.database ?? "")}`,
      "grant the user access to the database or connect as another user",
    );
  }
  if (code === "ER_BAD_DB_ERROR" || errno === ER_BAD_DB_ERROR) {
    return make(
      `database ${quote(endpoint.database ?? "")} does not exist`,
      "create the database or fix its name in the url",
    );
  }
  if (code === "ER_CON_COUNT_ERROR" || errno === ER_CON_COUNT_ERROR) {
    return make("the server has too many connections", "retry later or raise the server's max_connections");
  }
  if (code === "ECONNRESET" || code === "PROTOCOL_CONNECTION_LOST") {
    return make("the server closed the connection", "check the server log and that the port belongs to a MySQL server");
  }
  const text = typeof e.message === "string" && e.message !== "" ? e.message : String(error);
  return make(redactUrl(text.replace(/\s+/g, " ").replace(/[.\s]+$/, "")), "check the url and the server");
}

/** Driver codes of a session that is gone. */
const SESSION_ENDED: ReadonlySet<string> = new Set(["PROTOCOL_CONNECTION_LOST", "ER_CONNECTION_KILLED", "ER_SERVER_SHUTDOWN", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);
/** Server and client error numbers of the same: killed (1927), shutdown (1053), gone away (2006), lost (2013). */
const SESSION_ENDED_ERRNO: ReadonlySet<number> = new Set([1927, 1053, 2006, 2013]);

/**
 * Whether the session is gone (KILL CONNECTION, a server shutdown, a cut network): mysql2 marks
 * such errors `fatal`, and every later command on the connection fails with one.
 */
export function isConnectionLost(error: unknown): boolean {
  return driverErrors(error).some(
    (e) =>
      (e as { fatal?: unknown }).fatal === true ||
      (typeof e.code === "string" && SESSION_ENDED.has(e.code)) ||
      (typeof e.errno === "number" && SESSION_ENDED_ERRNO.has(e.errno)),
  );
}

/** Deadlocks and lock wait timeouts: the statement may succeed when run again alone. */
export function isRetryableError(error: unknown): boolean {
  return driverErrors(error).some(
    (e) =>
      e.errno === ER_LOCK_DEADLOCK ||
      e.errno === ER_LOCK_WAIT_TIMEOUT ||
      e.code === "ER_LOCK_DEADLOCK" ||
      e.code === "ER_LOCK_WAIT_TIMEOUT",
  );
}

// The statement text each failed query sent, so a later `errorPosition(error)` can map the
// server's "at line N" to an offset. Weak: errors are not kept alive by this.
const failedSql = new WeakMap<object, string>();

/** Remembers the SQL an error came from (called by the connection on every failed query). */
export function rememberFailedSql(error: unknown, sql: string): void {
  if (typeof error === "object" && error !== null) failedSql.set(error, sql);
}

/**
 * The 0-based offset of a syntax error inside its statement, from MySQL's
 * `… near '<text>' at line N`: the start of `<text>` on line N when it can be found there,
 * else the start of line N; the end of the statement for `near ''`. Null when the error has
 * no line or its statement is unknown.
 */
export function syntaxErrorOffset(message: string, sql: string): number | null {
  const match = /near '([\s\S]*)' at line (\d+)\s*$/.exec(message) ?? /at line (\d+)\s*$/.exec(message);
  if (!match) return null;
  const near = match.length === 3 ? (match[1] ?? "") : null;
  const line = Number(match[match.length - 1]);
  if (!Number.isInteger(line) || line < 1) return null;
  if (near === "") return sql.trimEnd().length;

  let lineStart = 0;
  for (let current = 1; current < line; current += 1) {
    const next = sql.indexOf("\n", lineStart);
    if (next === -1) return null;
    lineStart = next + 1;
  }
  if (near !== null) {
    // The server quotes at most ~80 characters and may cut inside a line: search for its first line.
    const head = near.split("\n")[0] ?? "";
    const found = head === "" ? -1 : sql.indexOf(head, lineStart);
    const lineEnd = sql.indexOf("\n", lineStart);
    if (found !== -1 && (lineEnd === -1 || found <= lineEnd)) return found;
  }
  return lineStart;
}

export function errorPositionOf(error: unknown): number | null {
  for (const e of driverErrors(error)) {
    const sql = failedSql.get(e);
    const message = typeof e.sqlMessage === "string" ? e.sqlMessage : typeof e.message === "string" ? e.message : null;
    if (sql !== undefined && message !== null) return syntaxErrorOffset(message, sql);
  }
  return null;
}
