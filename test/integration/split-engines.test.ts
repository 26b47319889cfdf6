// The statements the splitters cut are what the engines themselves take as one complete
// statement: SQLite (better-sqlite3 refuses a string holding more than one statement) and
// MariaDB (the server rejects a partial or doubled statement with a syntax error).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { splitMysql } from "../../src/dialects/mysql/sql/split.js";
import { postgresNonTransactionalReason } from "../../src/dialects/postgres/sql/non-transactional.js";
import { splitSqlite } from "../../src/dialects/sqlite/sql/split.js";
import { generateScripts } from "../unit/sql/generate-scripts.js";
import { NON_TRANSACTIONAL_CASES, NON_TRANSACTIONAL_SETUP } from "../unit/sql/non-transactional-cases.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/split");

function goldenInputs(dialect: string): { file: string; sql: string }[] {
  return readdirSync(join(FIXTURES, dialect))
    .filter((f) => f.endsWith(".sql") && !f.startsWith("unterminated-"))
    .map((file) => ({ file, sql: readFileSync(join(FIXTURES, dialect, file), "utf8") }));
}

describe("SQLite takes every statement as exactly one", () => {
  test("generated scripts: every statement prepares", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t (a); CREATE TABLE u (a)");
    const failures: string[] = [];
    for (const script of generateScripts("sqlite", 11, 1500)) {
      for (const statement of splitSqlite(script.sql)) {
        try {
          db.prepare(statement.text);
        } catch (error) {
          failures.push(`${(error as Error).message}: ${statement.text}`);
        }
      }
    }
    db.close();
    expect(failures.slice(0, 3)).toEqual([]);
  });

  test("golden inputs: no statement is incomplete, doubled or cut in the middle", () => {
    const parseError = /incomplete input|syntax error|unrecognized token|more than one statement/;
    for (const { file, sql } of goldenInputs("sqlite")) {
      const db = new Database(":memory:");
      for (const statement of splitSqlite(sql)) {
        let message = "";
        try {
          db.prepare(statement.text);
        } catch (error) {
          message = (error as Error).message; // "no such table" and the like are fine here
        }
        expect({ file, line: statement.line, parseError: parseError.test(message) }).toEqual({
          file,
          line: statement.line,
          parseError: false,
        });
      }
      db.close();
    }
  });
});

async function mariadb(): Promise<mysql.Connection | null> {
  try {
    return await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
  } catch (error) {
    if (process.env["CI"] === "true") throw error;
    return null;
  }
}

describe("MariaDB takes every statement as exactly one", () => {
  test("golden inputs and generated scripts run without syntax errors", async (context) => {
    const connection = await mariadb();
    if (connection === null) {
      context.skip();
      return;
    }
    const database = `stratum_split_${process.pid}`;
    const syntaxErrors: string[] = [];
    try {
      // A statement that loops forever must not hang the suite.
      await connection.query("SET SESSION max_statement_time = 10");
      await connection.query(`CREATE DATABASE \`${database}\``);
      await connection.query(`USE \`${database}\``);
      await connection.query("CREATE TABLE t (a INT, id INT, x INT, old INT)");
      await connection.query("CREATE TABLE a (id INT, x INT, y INT, locked INT, updated DATETIME)");
      const scripts = [
        ...goldenInputs("mysql").map(({ file, sql }) => ({ name: file, sql })),
        ...generateScripts("mysql", 33, 300).map((script, i) => ({ name: `generated #${i}`, sql: script.sql })),
      ];
      for (const { name, sql } of scripts) {
        for (const statement of splitMysql(sql)) {
          try {
            await connection.query(statement.text);
          } catch (error) {
            // 1064: ER_PARSE_ERROR. Missing tables, duplicate names and the like are not the splitter's doing.
            if ((error as { errno?: number }).errno === 1064) {
              syntaxErrors.push(`${name}:${statement.line}: ${(error as Error).message}`);
            }
          }
        }
      }
    } finally {
      await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await connection.end();
    }
    expect(syntaxErrors).toEqual([]);
  });
});

async function postgres(database: string): Promise<pg.Client | null> {
  const client = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database });
  try {
    await client.connect();
    return client;
  } catch (error) {
    if (process.env["CI"] === "true") throw error;
    return null;
  }
}

describe("PostgreSQL refuses exactly the statements postgresNonTransactionalReason names", () => {
  test("inside BEGIN … ROLLBACK on a real server", async (context) => {
    const admin = await postgres("postgres");
    if (admin === null) {
      context.skip();
      return;
    }
    const database = `stratum_tx_check_${process.pid}`;
    const disagreements: string[] = [];
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const client = await postgres(database);
      if (client === null) throw new Error(`cannot connect to ${database}`);
      try {
        for (const setup of NON_TRANSACTIONAL_SETUP) await client.query(setup);
        for (const c of NON_TRANSACTIONAL_CASES.filter((c) => c.server)) {
          const sql = c.sql.replaceAll("stratum_tx_check", database);
          await client.query("BEGIN");
          let code = "";
          try {
            await client.query(sql);
          } catch (error) {
            code = (error as { code?: string }).code ?? "";
          }
          await client.query("ROLLBACK");
          const refusedByServer = code === "25001"; // active_sql_transaction
          if (refusedByServer !== (postgresNonTransactionalReason(sql) !== null)) {
            disagreements.push(`${sql}: server ${refusedByServer ? "refuses" : "accepts"} it`);
          }
        }
      } finally {
        await client.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    }
    expect(disagreements).toEqual([]);
  });
});
