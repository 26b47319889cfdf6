// Which driver errors mean the migration's session is gone (so the attempt is recorded on another
// one and the message says the connection was lost), and which are the statement's own.

import { describe, expect, it } from "vitest";
import { StatementFailure } from "../../../src/dialects/dialect.js";
import { isConnectionLost } from "../../../src/dialects/mysql/mysql-errors.js";
import { postgresDialect } from "../../../src/dialects/postgres/postgres-dialect.js";

const pgError = (fields: Record<string, unknown>, message = "boom"): Error => Object.assign(new Error(message), fields);

describe("PostgreSQL: a lost session", () => {
  const dialect = postgresDialect({ connection: {}, displayUrl: "postgres://localhost/db" });
  const lost = (error: unknown) => dialect.connectionLost?.(error);

  it("is a terminated backend, a shutdown, a connection exception or a closed socket", () => {
    expect(lost(pgError({ code: "57P01", severity: "FATAL" }, "terminating connection due to administrator command"))).toBe(true);
    expect(lost(pgError({ code: "57P02" }))).toBe(true);
    expect(lost(pgError({ code: "08006" }))).toBe(true);
    expect(lost(pgError({ code: "ECONNRESET" }))).toBe(true);
    expect(lost(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(lost(new Error("Client has encountered a connection error and is not queryable"))).toBe(true);
    // as a batch reports it: the failing statement's error as the cause
    expect(lost(new StatementFailure(1, null, pgError({ code: "57P01", severity: "FATAL" })))).toBe(true);
  });

  it("is not a statement's own error, nor a cancelled query", () => {
    expect(lost(pgError({ code: "42P01", severity: "ERROR" }, 'relation "nosuch" does not exist'))).toBe(false);
    expect(lost(pgError({ code: "57014", severity: "ERROR" }, "canceling statement due to user request"))).toBe(false);
    expect(lost(pgError({ code: "40P01", severity: "ERROR" }, "deadlock detected"))).toBe(false);
  });
});

describe("MySQL/MariaDB: a lost session", () => {
  it("is a killed connection, a server gone away, or any error mysql2 marks fatal", () => {
    expect(isConnectionLost(Object.assign(new Error("Connection lost: The server closed the connection."), { code: "PROTOCOL_CONNECTION_LOST", fatal: true }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error("Connection was killed"), { code: "ER_CONNECTION_KILLED", errno: 1927 }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error("MySQL server has gone away"), { errno: 2006 }))).toBe(true);
  });

  it("is not a statement's own error, nor a killed query", () => {
    expect(isConnectionLost(Object.assign(new Error("Table 'db.nosuch' doesn't exist"), { code: "ER_NO_SUCH_TABLE", errno: 1146, fatal: false }))).toBe(false);
    expect(isConnectionLost(Object.assign(new Error("Query execution was interrupted"), { code: "ER_QUERY_INTERRUPTED", errno: 1317 }))).toBe(false);
  });
});
