// The SQLite adapter's batch: one exec call, and the failing statement found by replay.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StatementFailure, type Connection } from "../../src/dialects/dialect.js";
import { sqliteDialect } from "../../src/dialects/sqlite/sqlite-dialect.js";

const dirs: string[] = [];
const open: Connection[] = [];

afterEach(async () => {
  for (const conn of open.splice(0)) await conn.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<Connection> {
  const dir = mkdtempSync(join(tmpdir(), "stratum-sqlite-adapter-"));
  dirs.push(dir);
  const filename = join(dir, "db.sqlite");
  const conn = await sqliteDialect({ filename, displayUrl: `sqlite:${filename}` }).connect();
  open.push(conn);
  return conn;
}

async function failureOf(conn: Connection, statements: string[], begin = true): Promise<StatementFailure> {
  let caught: unknown;
  try {
    await conn.execBatch?.(statements, { begin });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StatementFailure);
  return caught as StatementFailure;
}

describe("sqlite execBatch", () => {
  it("runs the statements after BEGIN, inside the transaction it opens", async () => {
    const conn = await connect();
    await conn.execBatch?.(["create table a (id integer primary key)", "insert into a values (1)", "insert into a values (2)"], { begin: true });
    expect(await conn.query("select count(*) as n from a")).toEqual([{ n: 2 }]);
    await conn.rollback();
    expect(await conn.tableExists("a")).toBe(false);
  });

  it("names the failing statement and leaves the transaction as it was before the batch", async () => {
    const conn = await connect();
    await conn.begin();
    await conn.exec("create table kept (id integer)");
    const failure = await failureOf(conn, ["create table b (id integer primary key)", "insert into b values (1)", "insert into b values (1)", "insert into b values (3)"], false);
    expect(failure.index).toBe(2);
    expect(String(failure.cause)).toMatch(/UNIQUE/);
    // the batch's own work is undone, the transaction's earlier work is not
    expect(await conn.tableExists("b")).toBe(false);
    expect(await conn.tableExists("kept")).toBe(true);
    await conn.commit();
    expect(await conn.tableExists("kept")).toBe(true);
  });

  it("names a syntax error in the last statement", async () => {
    const conn = await connect();
    const failure = await failureOf(conn, ["create table c (id integer)", "selec 1"]);
    expect(failure.index).toBe(1);
    await conn.rollback();
    expect(await conn.tableExists("c")).toBe(false);
  });

  it("with no statements, only opens the transaction", async () => {
    const conn = await connect();
    await conn.execBatch?.([], { begin: true });
    await conn.exec("create table d (id integer)");
    await conn.rollback();
    expect(await conn.tableExists("d")).toBe(false);
  });
});
