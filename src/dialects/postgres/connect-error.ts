// Turning a failed PostgreSQL connection attempt into one sentence the user can act on.

import { ConnectionError } from "../../core/errors.js";
import { printableDriverError, redactUrl } from "../../text/redact.js";
import { option } from "../../core/vocabulary.js";

/** Where we tried to connect. Never holds the password. */
export interface ConnectTarget {
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly user: string | undefined;
  readonly database: string | undefined;
}

function address(target: ConnectTarget): string {
  const host = target.host ?? "localhost";
  const port = target.port ?? 5432;
  return host.startsWith("/") ? `${host}/.s.PGSQL.${port}` : `${host}:${port}`;
}

function fieldOf(error: unknown, name: string): string | undefined {
  const value = (error as Record<string, unknown> | null)?.[name];
  return typeof value === "string" ? value : undefined;
}

/** The driver's text, on one line, with any URL credentials in it masked (it is foreign text). */
function plainMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactUrl(message.replace(/\s+/g, " ").replace(/[.\s]+$/, "").trim());
}

/** PostgreSQL's own texts for SQLSTATE 28000 (invalid authorization specification). */
const KNOWN_28000 = /^(no pg_hba\.conf entry for host "[^"]*", user "[^"]*", database "[^"]*"(, (no )?(SSL|GSS)?\s*encryption)?|pg_hba\.conf rejects connection for host "[^"]*", user "[^"]*", database "[^"]*"(, (no )?(SSL|GSS)?\s*encryption)?|role "[^"]*" does not exist|role "[^"]*" is not permitted to log in)$/;

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Maps a driver error raised while connecting to a ConnectionError (exit 5) whose message is
 * one sentence built from the target's fields and the error's code: what failed, where, and what
 * to do. The password is not among the fields; the driver's text appears only for errors without a
 * known code, with URL credentials masked. The cause is a printable copy of the driver error, without
 * the server's text when it answers the credentials (SQLSTATE class 28).
 */
export function describeConnectError(
  error: unknown,
  target: ConnectTarget,
  options: { readonly timeoutMs?: number | undefined } = {},
): ConnectionError {
  const at = address(target);
  const user = target.user ?? "(default user)";
  const database = target.database ?? target.user ?? "(default database)";
  const sqlState = fieldOf(error, "code");
  const detail = plainMessage(error);
  let message: string;
  let fix: string;

  switch (sqlState) {
    case "28P01":
      message = `PostgreSQL rejected the credentials for user "${user}" at ${at}; check the user name and password`;
      fix = "check the user name and password in the URL or PGPASSWORD";
      break;
    case "28000":
      // the server's reason only in its known shapes: an answer to the credentials may echo them
      message = `PostgreSQL rejected the credentials for user "${user}" at ${at}${KNOWN_28000.test(detail) ? `: ${detail}` : ""}; check the user name and the server's pg_hba.conf`;
      fix = "check the user name and the server's pg_hba.conf";
      break;
    case "3D000":
      message = `database "${database}" does not exist on PostgreSQL at ${at}; create it (createdb ${database}) or fix the database name in the URL`;
      fix = `create it (createdb ${database}) or fix the database name in the URL`;
      break;
    case "ECONNREFUSED":
      message = `cannot connect to PostgreSQL at ${at}: connection refused; check that the server is running and the URL is right`;
      fix = "check that the server is running and the URL is right";
      break;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      message = `cannot connect to PostgreSQL at ${at}: host "${target.host ?? "localhost"}" was not found; check the host name in the URL`;
      fix = "check the host name in the URL";
      break;
    case "ENOENT":
      message = `cannot connect to PostgreSQL at ${at}: no server socket there; check that the server is running and the URL is right`;
      fix = "check that the server is running and the URL is right";
      break;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      message = `cannot connect to PostgreSQL at ${at}: the host is unreachable (${sqlState}); check the host, port and firewall`;
      fix = "check the host, port and firewall";
      break;
    case "ECONNRESET":
      message = `cannot connect to PostgreSQL at ${at}: the server closed the connection; check the port, whether the server requires SSL, and its logs`;
      fix = "check the port, whether the server requires SSL, and its logs";
      break;
    case "53300":
      message = `cannot connect to PostgreSQL at ${at}: the server has too many connections; retry later or lower ${option("parallel")}`;
      fix = `retry later or lower ${option("parallel")}`;
      break;
    case "57P03":
      message = `cannot connect to PostgreSQL at ${at}: the server is starting up or shutting down; retry in a moment`;
      fix = "retry in a moment";
      break;
    default:
      if (/timeout expired|timed out/i.test(detail)) {
        const after = options.timeoutMs === undefined ? "" : ` within ${seconds(options.timeoutMs)}`;
        message = `cannot connect to PostgreSQL at ${at}: no answer${after}; check the host, port and firewall, or give a slow server longer with ?connect_timeout=<seconds> in the URL`;
        fix = "check the host, port and firewall, or give a slow server longer with ?connect_timeout=<seconds> in the URL";
      } else if (/password must be a string|no password (was )?(supplied|provided)/i.test(detail)) {
        message = `PostgreSQL at ${at} asked for a password for user "${user}" but none was given; put it in the URL or set PGPASSWORD`;
        fix = "put the password in the URL or set PGPASSWORD";
      } else if (/does not support SSL/i.test(detail)) {
        message = `cannot connect to PostgreSQL at ${at}: the server does not accept SSL connections; remove sslmode/ssl from the URL or enable SSL on the server`;
        fix = "remove sslmode/ssl from the URL or enable SSL on the server";
      } else {
        message = `cannot connect to PostgreSQL at ${at}: ${detail}; check that the server is running and the URL is right`;
        fix = "check that the server is running and the URL is right";
      }
  }

  const cause = printableDriverError(error, { withText: !(sqlState ?? "").startsWith("28") });
  return new ConnectionError(message, { fix, cause });
}
