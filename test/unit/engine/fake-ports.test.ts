// The fakes the engine tests stand on: they must keep the promises the real ports make (a
// rollback undoes what the transaction did, a held lock times out, a failing statement throws
// like a driver), or the engine tests prove nothing.

import { describe, expect, it } from "vitest";
import { StatementFailure } from "../../../src/dialects/dialect.js";
import type { LogEntry } from "../../../src/core/types.js";
import {
  appliedRow,
  fakeConnection,
  FakeDatabase,
  FakeDriverError,
  fakeDialect,
  fakeHistory,
  fakeMigration,
  fakeSource,
  splitFakeSql,
} from "../../support/fake-ports.js";

const entry = (version: string): LogEntry => ({
  version,
  name: `m${version}`,
  operation: "apply",
  outcome: "success",
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:00.001Z",
  durationMs: 1,
  checksum: `sum-${version}`,
  error: null,
  host: "test-host",
  dbUser: "fake_user",
  toolVersion: "0.0.0",
  details: null,
});

async function connect(options: Parameters<typeof fakeDialect>[1] = {}, readOnly = false) {
  const db = new FakeDatabase();
  const conn = fakeConnection(db, options, readOnly);
  return { db, conn };
}

describe("splitFakeSql", () => {
  it.each([
    { sql: "a; b", expected: [{ text: "a", line: 1, offset: 0 }, { text: "b", line: 1, offset: 3 }] },
    { sql: "a;\n\n  b;\n", expected: [{ text: "a", line: 1, offset: 0 }, { text: "b", line: 3, offset: 6 }] },
    { sql: " ; ;", expected: [] },
  ])("$sql", ({ sql, expected }) => {
    expect(splitFakeSql(sql)).toEqual(expected);
  });
});

describe("fake connection: statements and transactions", () => {
  it.each([
    { name: "commit keeps the effects", ddl: true, end: "commit" as const, effects: ["create table a (id int)"] },
    { name: "rollback undoes them", ddl: true, end: "rollback" as const, effects: [] },
    { name: "rollback keeps DDL that commits on its own", ddl: false, end: "rollback" as const, effects: ["create table a (id int)"] },
  ])("$name", async ({ ddl, end, effects }) => {
    const { db, conn } = await connect({ transactionalDdl: ddl });
    await conn.begin();
    await conn.exec("create table a (id int)");
    await conn[end]();
    expect(db.effects).toEqual(effects);
    expect(db.transactions.map((t) => t.op)).toEqual(["begin", end]);
    expect(db.sent).toEqual([{ connection: conn.id, sql: "create table a (id int)", inTransaction: true, ok: true }]);
  });

  it("a statement containing FAIL throws a driver-like error and has no effect", async () => {
    const { db, conn } = await connect();
    const error = await conn.exec("insert into FAIL values (1)").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FakeDriverError);
    expect(error).toMatchObject({ code: "FAKE_FAIL", retryable: false });
    expect(db.effects).toEqual([]);
    expect(db.sent.map((s) => s.ok)).toEqual([false]);
  });

  it("DEADLOCK_ONCE fails retryably the first time only; failOn counts down", async () => {
    const { db, conn } = await connect();
    const dialect = fakeDialect(db);
    const first = await conn.exec("update x DEADLOCK_ONCE").catch((e: unknown) => e);
    expect(dialect.isRetryable(first)).toBe(true);
    await conn.exec("update x DEADLOCK_ONCE");
    db.failOn("boom", { times: 2 });
    await expect(conn.exec("boom")).rejects.toMatchObject({ code: "FAKE_FAIL" });
    await expect(conn.exec("boom")).rejects.toMatchObject({ code: "FAKE_FAIL" });
    await conn.exec("boom");
    expect(db.executed()).toEqual(["update x DEADLOCK_ONCE", "boom"]);
  });

  it("refuses a nested begin and a commit without one; close rolls back an open transaction", async () => {
    const { db, conn } = await connect();
    await expect(conn.commit()).rejects.toMatchObject({ code: "FAKE_NO_TX" });
    await conn.begin();
    await expect(conn.begin()).rejects.toMatchObject({ code: "FAKE_NESTED" });
    await conn.exec("create table a (id int)");
    await conn.close();
    expect(db.effects).toEqual([]);
    expect(db.openConnections).toBe(0);
    await expect(conn.exec("select 1")).rejects.toMatchObject({ code: "FAKE_CLOSED" });
  });

  it("transaction(fn) commits, or rolls back and rethrows", async () => {
    const { db, conn } = await connect();
    await conn.transaction((tx) => tx.exec("create table a (id int)"));
    await expect(conn.transaction((tx) => tx.exec("FAIL"))).rejects.toBeInstanceOf(FakeDriverError);
    expect(db.effects).toEqual(["create table a (id int)"]);
    expect(db.transactions.map((t) => t.op)).toEqual(["begin", "commit", "begin", "rollback"]);
  });

  it("execBatch names the failing statement by index (the batched path)", async () => {
    const { db, conn } = await connect({ batch: true });
    expect(conn.execBatch).toBeTypeOf("function");
    const error = await conn.execBatch?.(["create table a (id int)", "FAIL"], { begin: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatementFailure);
    expect((error as StatementFailure).index).toBe(1);
    expect(db.batches).toBe(1);
    expect(conn.inTransaction).toBe(true);
    await conn.rollback();
    expect(db.effects).toEqual([]);
  });
});

describe("fake connection: the lock", () => {
  it("times out while another process holds it, saying who, and reports the wait", async () => {
    const { db, conn } = await connect();
    db.holdLock("pid 7 on ci-2");
    const waits: string[] = [];
    const error = await conn
      .acquireLock("k", { timeoutMs: 30, onWait: (holder) => waits.push(holder ?? "?") })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LOCK_TIMEOUT" });
    expect((error as Error).message).toContain("pid 7 on ci-2");
    expect(waits[0]).toBe("pid 7 on ci-2");
    db.releaseLock();
    const lock = await conn.acquireLock("k", { timeoutMs: 30 });
    expect(db.lockHolder).toBe(conn.id);
    expect(db.locksTaken).toBe(1);
    await lock.release();
    expect(db.lockHolder).toBeNull();
  });

  it("is contended between two connections and freed when its session closes", async () => {
    const db = new FakeDatabase();
    const dialect = fakeDialect(db);
    const a = await dialect.connect();
    const b = await dialect.connect();
    await a.acquireLock("k", { timeoutMs: 10 });
    await expect(b.acquireLock("k", { timeoutMs: 20 })).rejects.toMatchObject({ code: "LOCK_TIMEOUT" });
    await a.close();
    await b.acquireLock("k", { timeoutMs: 20 });
    expect(db.lockHolder).toBe(db.opened[1]?.id);
  });

  it("check() throws once the lock is lost; an aborted signal stops the wait", async () => {
    const { db, conn } = await connect();
    const lock = await conn.acquireLock("k", { timeoutMs: 10 });
    await lock.check?.();
    db.loseLock();
    await expect(lock.check?.()).rejects.toMatchObject({ code: "LOCK_TIMEOUT" });
    db.holdLock("someone");
    const other = await fakeDialect(db).connect();
    await expect(other.acquireLock("k", { timeoutMs: 1000, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "INTERRUPTED" });
    // an aborted signal is refused before the first attempt, even when the lock is free
    db.releaseLock();
    await expect(other.acquireLock("k", { timeoutMs: 1000, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "INTERRUPTED" });
    expect(db.lockHolder).toBeNull();
  });
});

describe("fake history store", () => {
  it("keeps state and log rows inside the connection's transaction", async () => {
    const { db, conn } = await connect();
    const history = fakeHistory();
    expect(await history.exists(conn)).toBe(false);
    await history.ensureTables(conn);
    await conn.begin();
    await history.record(conn, { kind: "insert", row: appliedRow({ version: "001", name: "a" }) }, entry("001"));
    expect(db.stateRows().map((r) => r.version)).toEqual(["001"]);
    await conn.rollback();
    expect(db.stateRows()).toEqual([]);
    expect(db.logRows()).toEqual([]);
    await history.record(conn, { kind: "insert", row: appliedRow({ version: "001", name: "a", batch: 4 }) }, entry("001"));
    await history.setState(conn, "001", "failed", { error: "boom", statementsDone: 2 });
    expect(await history.read(conn)).toEqual([appliedRow({ version: "001", name: "a", batch: 4, state: "failed", error: "boom", statementsDone: 2 })]);
    expect(await history.nextBatch(conn)).toBe(5);
    // like a sequence, a log id taken by a rolled-back insert is not handed out again
    expect((await history.readLog(conn)).map((r) => r.id)).toEqual([2]);
  });

  it("refuses a second insert of a version; removes; reads the log by version and limit", async () => {
    const { db, conn } = await connect();
    const history = fakeHistory();
    db.seed([{ version: "001", name: "a" }, { version: "002", name: "b" }]);
    await expect(history.record(conn, { kind: "insert", row: appliedRow({ version: "001", name: "a" }) }, entry("001"))).rejects.toMatchObject({ code: "FAKE_UNIQUE" });
    await history.remove(conn, "001");
    for (const v of ["001", "002", "002"]) await history.log(conn, entry(v));
    expect(db.stateRows().map((r) => r.version)).toEqual(["002"]);
    expect((await history.readLog(conn, { version: "2" })).map((r) => r.id)).toEqual([2, 3]);
    expect((await history.readLog(conn, { limit: 1 })).map((r) => r.id)).toEqual([3]);
  });

  it("a read-only session reads, and writes only inside a transaction it rolls back (a rehearsal)", async () => {
    const { db, conn } = await connect({}, true);
    const history = fakeHistory();
    await expect(history.read(conn)).rejects.toMatchObject({ code: "FAKE_NO_TABLE" });
    await expect(history.ensureTables(conn)).rejects.toMatchObject({ code: "FAKE_READONLY" });
    await expect(conn.exec("create table a (id int)")).rejects.toMatchObject({ code: "FAKE_READONLY" });
    expect(db.snapshot()).toEqual({ effects: [], historyExists: false, state: [], log: [] });
    await conn.begin();
    await history.ensureTables(conn);
    await conn.exec("create table a (id int)");
    await conn.rollback();
    expect(db.snapshot()).toEqual({ effects: [], historyExists: false, state: [], log: [] });
    expect(db.opened).toEqual([{ id: conn.id, readOnly: true }]);
  });

  it("recordStatements are sent through a batch like the dialect's own", async () => {
    const { db, conn } = await connect({ batch: true });
    const history = fakeHistory();
    await history.ensureTables(conn);
    const then = history.recordStatements({ kind: "insert", row: appliedRow({ version: "003", name: "c" }) }, entry("003"));
    await conn.execBatch?.(["create table c (id int)"], { begin: true, then, commit: true });
    expect(db.stateRows().map((r) => r.version)).toEqual(["003"]);
    expect(db.logRows().map((r) => r.version)).toEqual(["003"]);
    expect(db.effects).toEqual(["create table c (id int)"]);
  });
});

describe("fake source", () => {
  it("builds migration files whose checksum follows their text, and can be changed between runs", async () => {
    const source = fakeSource([{ id: "001_a" }, { id: "002_b", down: null, dependsOn: ["001"], transaction: false }]);
    const { migrations, problems } = await source.list();
    expect(problems).toEqual([]);
    expect(migrations.map((m) => [m.version, m.name, m.down === null, m.options.transaction])).toEqual([
      ["001", "a", false, undefined],
      ["002", "b", true, false],
    ]);
    expect(fakeMigration({ id: "001_a" }).checksum).toBe(migrations[0]?.checksum);
    expect(fakeMigration({ id: "001_a", up: "create table other (id int)" }).checksum).not.toBe(migrations[0]?.checksum);
    source.set([{ id: "001_renamed" }]);
    expect((await source.list()).migrations.map((m) => m.id)).toEqual(["001_renamed"]);
    expect(source.lists).toBe(2);
  });
});
