// The MySQL/MariaDB adapter against a real server (MariaDB at 127.0.0.1:3306 by default).
// Each run works in its own `stratum_myadapter_<random>` database and drops it at the end.

import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import mysqlCallback from "mysql2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupError, ConnectionError, InterruptedError, LockTimeoutError } from "../../src/core/errors.js";
import type { Connection, Dialect } from "../../src/dialects/dialect.js";
import { describeSchema } from "../../src/dialects/mysql/describe-schema.js";
import { placeholderOffsets } from "../../src/dialects/mysql/bind-params.js";
import { dumpArguments, findDumpCommand } from "../../src/dialects/mysql/mysql-backup.js";
import { parseServerVersion } from "../../src/dialects/mysql/mysql-connection.js";
import { syntaxErrorOffset } from "../../src/dialects/mysql/mysql-errors.js";
import { lockName } from "../../src/dialects/mysql/mysql-lock.js";
import { mysqlDialect, type MysqlDialectOptions } from "../../src/dialects/mysql/mysql-dialect.js";

const SERVER_URL = new URL(process.env["STRATUM_TEST_MYSQL_URL"] ?? "mysql://root@127.0.0.1:3306/");
const SERVER = {
  host: SERVER_URL.hostname,
  port: Number(SERVER_URL.port || 3306),
  user: decodeURIComponent(SERVER_URL.username || "root"),
  ...(SERVER_URL.password ? { password: decodeURIComponent(SERVER_URL.password) } : {}),
};

async function probe(): Promise<string | null> {
  try {
    const connection = await mysql.createConnection({ ...SERVER, connectTimeout: 3000 });
    await connection.end();
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

const unreachable = await probe();
if (unreachable !== null && process.env["CI"] !== "true") {
  console.warn(`SKIPPING the MySQL adapter tests: no server at ${SERVER.host}:${SERVER.port} (${unreachable})`);
}

if (unreachable !== null && process.env["CI"] === "true") {
  describe("mysql adapter under CI", () => {
    it("needs a reachable MySQL/MariaDB server", () => {
      throw new Error(`CI=true and no MySQL/MariaDB server at ${SERVER.host}:${SERVER.port}: ${unreachable}`);
    });
  });
}

const suffix = randomBytes(4).toString("hex");
const DB = `stratum_myadapter_${suffix}`;
const DB_B = `${DB}_b`;
// 64 characters, MySQL's maximum for a database name.
const DB_LONG = `stratum_myadapter_long_${suffix}_`.padEnd(64, "x");
const PW_USER = `stratum_pw_${suffix}`;
const PASSWORD = `p@ss:w/rd%;'"${suffix}`;

function options(database: string, extra: Partial<MysqlDialectOptions> = {}): MysqlDialectOptions {
  return {
    connection: { ...SERVER, database },
    flavorHint: "mariadb",
    displayUrl: `mariadb://${SERVER.user}@${SERVER.host}:${SERVER.port}/${database}`,
    ...extra,
  };
}

/** Rejects with whatever `promise` threw, or fails when it resolved. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got success");
}

describe.skipIf(unreachable !== null)("mysql adapter (real server)", () => {
  let admin: mysql.Connection;
  let dialect: Dialect;
  const opened: Connection[] = [];
  const dialects: Dialect[] = [];

  /** A connection on the main test database, closed after all tests. */
  async function open(d: Dialect = dialect): Promise<Connection> {
    const connection = await d.connect();
    opened.push(connection);
    return connection;
  }

  function makeDialect(database: string, extra: Partial<MysqlDialectOptions> = {}): Dialect {
    const d = mysqlDialect(options(database, extra));
    dialects.push(d);
    return d;
  }

  async function sessionId(connection: Connection): Promise<number> {
    const rows = await connection.query<{ id: number }>("select connection_id() as id");
    return Number(rows[0]?.id);
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({ ...SERVER });
    for (const name of [DB, DB_B, DB_LONG]) await admin.query(`create database \`${name}\``);
    await admin.query("create user ?@'%' identified by ?", [PW_USER, PASSWORD]);
    await admin.query(`grant all on \`${DB}\`.* to ?@'%'`, [PW_USER]);
    dialect = makeDialect(DB);
  });

  afterAll(async () => {
    for (const connection of opened) await connection.close().catch(() => undefined);
    for (const d of dialects) await d.dispose();
    if (admin) {
      for (const name of [DB, DB_B, DB_LONG]) await admin.query(`drop database if exists \`${name}\``);
      await admin.query("drop user if exists ?@'%'", [PW_USER]);
      await admin.end();
    }
  });

  describe("dialect description", () => {
    it("declares non-transactional DDL, concurrent connections and history types", () => {
      expect(dialect.name).toBe("mysql");
      expect(dialect.capabilities).toEqual({
        transactionalDdl: false,
        concurrentConnections: true,
        backup: true,
        batchRoundTrip: false,
        schemaIntrospection: true,
        headVersion: false,
        lockCapacity: false,
        settleWrites: false,
        sessionLoss: true,
        commitRefusal: false,
        environmentFixes: false,
      });
      expect(dialect.historyTypes).toEqual({
        key: "varchar(191)",
        text: "longtext",
        integer: "int",
        bigint: "bigint",
        autoId: "bigint auto_increment primary key",
        upsert: "on-duplicate-key",
      });
      expect(dialect.sql.analyse("create index i on t (a)").statements[0]?.nonTransactionalReason).toBeNull();
      expect(dialect.displayUrl).toBe(`mariadb://root@${SERVER.host}:${SERVER.port}/${DB}`);
    });

    it.each([
      ["plain", "`plain`"],
      ["it's", "`it's`"],
      ["x`; drop table victim; --", "`x``; drop table victim; --`"],
      ["``", "``````"],
      ["naïve table", "`naïve table`"],
    ])("quotes %j as %s", (name, quoted) => {
      expect(dialect.quoteIdentifier(name)).toBe(quoted);
      expect(dialect.qualifiedTable(name)).toBe(quoted);
    });

    it("creates history tables with its own column types", async () => {
      const c = await open();
      const t = dialect.historyTypes;
      await c.exec(
        `create table hist_types (id ${t.autoId}, version ${t.key} not null unique, body ${t.text}, n ${t.integer}, big ${t.bigint}) character set utf8mb4`,
      );
      await c.query("insert into hist_types (version, body, n, big) values (?, ?, ?, ?)", ["001", "x", 1, 9007199254740993n]);
      const rows = await c.query<{ version: string; big: unknown }>("select version, big from hist_types");
      expect(rows).toEqual([{ version: "001", big: "9007199254740993" }]);
    });
  });

  describe("queries", () => {
    it.each([
      ["select ? as v, '?' as q", { v: 5, q: "?" }],
      ['select ? as v, "?" as q', { v: 5, q: "?" }],
      ["select ? as v, 'it''s ?' as q", { v: 5, q: "it's ?" }],
      ["select ? as v, 'back\\\\slash \\' ?' as q", { v: 5, q: "back\\slash ' ?" }],
      ["select ? as v /* a ? in a comment */, 'x' as q", { v: 5, q: "x" }],
      ["select ? as v, 'x' as q -- a ? here\n", { v: 5, q: "x" }],
      ["select ? as v, 'x' as q # a ? here\n", { v: 5, q: "x" }],
      ["select `?` as v, 'x' as q from (select ? as `?`) t", { v: 5, q: "x" }],
    ])("binds ? outside literals and comments: %j", async (sql, expected) => {
      const c = await open();
      expect(await c.query(sql, [5])).toEqual([expected]);
    });

    it("escapes hostile values and round-trips types", async () => {
      const c = await open();
      const hostile = "x'); drop table victim; -- \\ \" ?";
      const rows = await c.query("select ? as s, ? as n, ? as b, ? as d, ? as big", [
        hostile,
        null,
        true,
        new Date("2026-01-02T03:04:05.000Z"),
        12345678901234567890n,
      ]);
      expect(rows).toEqual([{ s: hostile, n: null, b: 1, d: "2026-01-02 03:04:05.000", big: "12345678901234567890" }]);
    });

    it("refuses a parameter count that does not match the placeholders", async () => {
      const c = await open();
      await expect(c.query("select ? as a, ? as b", [1])).rejects.toThrow(/2 \? placeholders but 1 parameter was given/);
      await expect(c.query("select '?' as a", [1])).rejects.toThrow(/0 \? placeholders but 1 parameter was given/);
    });

    it("finds placeholders only in code", () => {
      const sql = "select ?, '?', \"?\", `?`, /* ? */ ? -- ?\n, ? # ?\n /*! , ? */";
      const offsets = placeholderOffsets(sql);
      expect(offsets.map((o) => sql[o])).toEqual(["?", "?", "?", "?"]);
      expect(offsets).toHaveLength(4);
      // `--` without a following space is an operator pair, not a comment.
      expect(placeholderOffsets("select 1--?")).toEqual([10]);
    });

    it("runs statements with exec and returns no rows for non-queries", async () => {
      const c = await open();
      await c.exec("create table exec_t (id int primary key, name varchar(20))");
      expect(await c.query("insert into exec_t values (?, ?), (?, ?)", [1, "a", 2, "b"])).toEqual([]);
      await c.exec("update exec_t set name = 'c' where id = 2");
      expect(await c.query("select id, name from exec_t order by id")).toEqual([
        { id: 1, name: "a" },
        { id: 2, name: "c" },
      ]);
    });

    it("runs one statement per call (multipleStatements is off)", async () => {
      const c = await open();
      await expect(c.exec("select 1; select 2")).rejects.toMatchObject({ code: "ER_PARSE_ERROR" });
    });

    it("splits scripts with the MySQL splitter", () => {
      const statements = dialect.sql.split("create table a (x int);\ninsert into a values (1);\n");
      expect(statements.map((s) => [s.text.trim(), s.line])).toEqual([
        ["create table a (x int)", 1],
        ["insert into a values (1)", 2],
      ]);
    });
  });

  describe("transactions", () => {
    it("rolls back data changes", async () => {
      const c = await open();
      await c.exec("create table tx_data (id int primary key) engine=InnoDB");
      await c.begin();
      await c.query("insert into tx_data values (?)", [1]);
      await c.rollback();
      await c.begin();
      await c.query("insert into tx_data values (?)", [2]);
      await c.commit();
      expect(await c.query("select id from tx_data")).toEqual([{ id: 2 }]);
    });

    it("cannot roll back DDL: CREATE TABLE commits implicitly (why transactionalDdl is false)", async () => {
      const c = await open();
      await c.begin();
      await c.exec("create table tx_ddl (id int)");
      await c.rollback();
      expect(await c.tableExists("tx_ddl")).toBe(true);
    });
  });

  describe("catalog", () => {
    it("answers tableExists, columnExists and indexExists for the current database only", async () => {
      const c = await open();
      await c.exec("create table cat_t (id int primary key, email varchar(100), key cat_email_idx (email))");
      const other = await open(makeDialect(DB_B));
      await other.exec("create table only_in_b (id int, key only_b_idx (id))");
      const cases: [Promise<boolean>, boolean][] = [
        [c.tableExists("cat_t"), true],
        [c.tableExists("nosuch"), false],
        [c.tableExists("only_in_b"), false],
        [c.columnExists("cat_t", "email"), true],
        [c.columnExists("cat_t", "nosuch"), false],
        [c.columnExists("nosuch", "email"), false],
        [c.indexExists("cat_email_idx"), true],
        [c.indexExists("only_b_idx"), false],
        [other.tableExists("only_in_b"), true],
      ];
      for (const [answer, expected] of cases) expect(await answer).toBe(expected);
    });

    it("quotes hostile table names so the victim table survives", async () => {
      const c = await open();
      await c.exec("create table victim (id int)");
      await c.query("insert into victim values (?)", [42]);
      for (const name of ["x`; drop table victim; --", "it's", "with space", "ünïcode"]) {
        const q = dialect.quoteIdentifier(name);
        await c.exec(`create table ${q} (${dialect.quoteIdentifier("col`umn")} int)`);
        await c.query(`insert into ${dialect.qualifiedTable(name)} values (?)`, [1]);
        expect(await c.tableExists(name)).toBe(true);
        expect(await c.columnExists(name, "col`umn")).toBe(true);
        await c.exec(`drop table ${q}`);
      }
      expect(await c.query("select id from victim")).toEqual([{ id: 42 }]);
    });

    it("reports the server flavour, version and user", async () => {
      const c = await open();
      const info = await c.serverInfo();
      expect(info.flavor).toBe("mariadb");
      expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(await c.currentUser()).toMatch(new RegExp(`^${SERVER.user}@`));
    });

    it.each([
      ["10.11.19-MariaDB-0+deb12u1", { flavor: "mariadb", version: "10.11.19" }],
      ["5.5.5-10.6.12-MariaDB-log", { flavor: "mariadb", version: "10.6.12" }],
      ["8.0.36", { flavor: "mysql", version: "8.0.36" }],
      ["8.4.0-commercial", { flavor: "mysql", version: "8.4.0" }],
    ])("parses version() %s", (text, expected) => {
      expect(parseServerVersion(text)).toEqual(expected);
    });

    it("describes the schema as sorted plain data, unchanged after an index is added and dropped", async () => {
      const d = makeDialect(DB_B);
      const c = await open(d);
      await c.exec(
        "create table zeta (id int not null auto_increment primary key, name varchar(50) not null default 'n', note text null, unique key zeta_name (name), key zeta_note (note(10)))",
      );
      await c.exec("create table alpha (a int, b int default 3)");
      await c.exec("create view beta as select a from alpha");
      const before = await describeSchema(c);
      const names = before.tables.map((t) => t.name);
      expect(names).toEqual([...names].sort());
      const zeta = before.tables.find((t) => t.name === "zeta");
      const plain = { generated: null, identity: null, collation: null, onUpdate: null };
      expect(zeta?.columns).toEqual([
        { name: "id", type: "int(11)", nullable: false, default: null, ...plain, identity: "auto_increment" },
        { name: "name", type: "varchar(50)", nullable: false, default: "'n'", ...plain },
        { name: "note", type: "text", nullable: true, default: null, ...plain },
      ]);
      const indexesOf = (snapshot: typeof before, table: string) =>
        snapshot.indexes.filter((i) => i.table === table).map((i) => ({ name: i.name, unique: i.unique, columns: i.columns }));
      expect(indexesOf(before, "zeta")).toEqual([
        { name: "zeta.PRIMARY", unique: true, columns: ["id"] },
        { name: "zeta.zeta_name", unique: true, columns: ["name"] },
        { name: "zeta.zeta_note", unique: false, columns: ["note(10)"] },
      ]);
      expect(before.views.find((v) => v.name === "beta")?.kind).toBe("view");
      expect(before.tables.find((t) => t.name === "alpha")?.columns[1]).toMatchObject({ name: "b", default: "3" });

      await c.exec("create index alpha_ab on alpha (a, b)");
      const during = await describeSchema(c);
      expect(during).not.toEqual(before);
      expect(indexesOf(during, "alpha")).toEqual([{ name: "alpha.alpha_ab", unique: false, columns: ["a", "b"] }]);
      await c.exec("drop index alpha_ab on alpha");
      expect(await describeSchema(c)).toEqual(before);
    });
  });

  describe("run lock (GET_LOCK)", () => {
    it("makes a second session time out with LockTimeoutError naming the holder", async () => {
      const holder = await open();
      const waiter = await open();
      const lock = await holder.acquireLock("run", { timeoutMs: 1000 });
      const holderId = await sessionId(holder);
      const waits: [string | null, number][] = [];
      const started = Date.now();
      const error = await failure(
        waiter.acquireLock("run", { timeoutMs: 1300, onWait: (who, ms) => waits.push([who, ms]) }),
      );
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(LockTimeoutError);
      const e = error as LockTimeoutError;
      expect(e.exitCode).toBe(4);
      expect(e.code).toBe("LOCK_TIMEOUT");
      expect(e.message).toContain(`connection ${holderId} (root@`);
      expect(e.message).toContain("within 1300 ms");
      expect(e.fix).toContain(`KILL ${holderId}`);
      expect(elapsed).toBeGreaterThanOrEqual(1250);
      expect(elapsed).toBeLessThan(4000);
      // Reported at once, then about every second.
      expect(waits.length).toBeGreaterThanOrEqual(2);
      expect(waits.length).toBeLessThanOrEqual(3);
      expect(waits[0]?.[0]).toContain(`connection ${holderId}`);
      await lock.release();
      const next = await waiter.acquireLock("run", { timeoutMs: 1000 });
      await next.release();
    });

    it("is free once the holder's session is killed", async () => {
      const holder = await open();
      const waiter = await open();
      const holderId = await sessionId(holder);
      await holder.acquireLock("kill", { timeoutMs: 1000 });
      expect(await failure(waiter.acquireLock("kill", { timeoutMs: 0 }))).toBeInstanceOf(LockTimeoutError);
      const killer = await open();
      await killer.exec(`kill ${holderId}`);
      const started = Date.now();
      const lock = await waiter.acquireLock("kill", { timeoutMs: 5000 });
      expect(Date.now() - started).toBeLessThan(2000);
      await lock.release();
      // The killed connection fails cleanly, without crashing the process.
      await expect(holder.query("select 1")).rejects.toBeDefined();
      await holder.close();
    });

    it("is free once the holder closes its connection", async () => {
      const holder = await dialect.connect();
      const waiter = await open();
      await holder.acquireLock("close", { timeoutMs: 1000 });
      await holder.close();
      const lock = await waiter.acquireLock("close", { timeoutMs: 2000 });
      await lock.release();
    });

    it("reports a lock lost before release", async () => {
      const holder = await open();
      const lock = await holder.acquireLock("lost", { timeoutMs: 1000 });
      const killer = await open();
      await killer.exec(`kill ${await sessionId(holder)}`);
      const error = await failure(lock.release());
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect((error as Error).message).toMatch(/could not be released/);
    });

    it("releases exactly once and can be taken again", async () => {
      const c = await open();
      const lock = await c.acquireLock("again", { timeoutMs: 1000 });
      await lock.release();
      await lock.release();
      const other = await open();
      const second = await other.acquireLock("again", { timeoutMs: 0 });
      await second.release();
    });

    it("does not let the same session take it twice (GET_LOCK is re-entrant)", async () => {
      const c = await open();
      const lock = await c.acquireLock("reentrant", { timeoutMs: 1000 });
      const error = await failure(c.acquireLock("reentrant", { timeoutMs: 200 }));
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect((error as Error).message).toContain("this process");
      await lock.release();
      const again = await c.acquireLock("reentrant", { timeoutMs: 0 });
      await again.release();
    });

    it("does not block across databases on one server", async () => {
      const a = await open();
      const b = await open(makeDialect(DB_B));
      const la = await a.acquireLock("shared-key", { timeoutMs: 0 });
      const lb = await b.acquireLock("shared-key", { timeoutMs: 0 });
      await la.release();
      await lb.release();
    });

    it("keeps names within 64 characters for a 64-character database name", async () => {
      expect(DB_LONG).toHaveLength(64);
      const name = lockName(DB_LONG, "stratum_migrations");
      expect(Array.from(name).length).toBeLessThanOrEqual(64);
      expect(name.startsWith("stratum:stratum_myadapter_long_")).toBe(true);
      expect(lockName(DB_LONG.slice(0, 63) + "y", "stratum_migrations")).not.toBe(name);
      expect(lockName("shop", "k")).toBe("stratum:shop:k");
      expect(Array.from(lockName("ü".repeat(64), "k")).length).toBeLessThanOrEqual(64);

      const long = await open(makeDialect(DB_LONG));
      const lock = await long.acquireLock("stratum_migrations", { timeoutMs: 0 });
      const rows = await admin.query("select is_used_lock(?) as id", [name]);
      expect((rows[0] as { id: number }[])[0]?.id).toBe(await sessionId(long));
      await lock.release();
    });

    it("stops waiting when its signal aborts", async () => {
      const holder = await open();
      const waiter = await open();
      const lock = await holder.acquireLock("abort", { timeoutMs: 0 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const started = Date.now();
      const error = await failure(waiter.acquireLock("abort", { timeoutMs: 10_000, signal: controller.signal }));
      expect(error).toBeInstanceOf(InterruptedError);
      expect(Date.now() - started).toBeLessThan(1500);
      await lock.release();
    });
  });

  describe("connect errors", () => {
    let silent: Server;
    let silentPort = 0;
    let closedPort = 0;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      // A server that accepts and never answers: the connect timeout must fire.
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      silentPort = (silent.address() as { port: number }).port;
      // A port that was free a moment ago: refused.
      const probeServer = createServer();
      await new Promise<void>((resolve) => probeServer.listen(0, "127.0.0.1", resolve));
      closedPort = (probeServer.address() as { port: number }).port;
      await new Promise<void>((resolve) => probeServer.close(() => resolve()));
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    const cases: [string, () => MysqlDialectOptions, RegExp][] = [
      [
        "refused port",
        () => ({ ...options(DB), connection: { host: "127.0.0.1", port: closedPort, user: PW_USER, password: PASSWORD } }),
        /^cannot connect to MariaDB at 127\.0\.0\.1:\d+: connection refused$/,
      ],
      [
        "bad database",
        () => ({ ...options(DB), connection: { ...SERVER, user: PW_USER, password: PASSWORD, database: `nosuch_${suffix}` } }),
        /^cannot connect to MariaDB at [^ ]+: (database "nosuch_\w+" does not exist|user "stratum_pw_\w+" may not use database "nosuch_\w+")$/,
      ],
      [
        "bad password",
        () => ({ ...options(DB), connection: { ...SERVER, user: PW_USER, password: `${PASSWORD}-wrong`, database: DB } }),
        /^cannot connect to MariaDB at [^ ]+: access denied for user "stratum_pw_\w+"$/,
      ],
      [
        "silent server",
        () => ({
          ...options(DB),
          connection: { host: "127.0.0.1", port: silentPort, user: PW_USER, password: PASSWORD },
          connectTimeoutMs: 300,
        }),
        /^cannot connect to MariaDB at 127\.0\.0\.1:\d+: no answer within 300 ms$/,
      ],
    ];

    it.each(cases)("%s: one sentence, exit 5, no password", async (_label, make, pattern) => {
      const d = makeDialect(DB, make());
      const started = Date.now();
      const error = await failure(d.connect());
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error).toBeInstanceOf(ConnectionError);
      const e = error as ConnectionError;
      expect(e.exitCode).toBe(5);
      expect(e.code).toBe("CONNECTION_FAILED");
      expect(e.message).toMatch(pattern);
      expect(e.fix).toBeTruthy();
      const shown = `${e.message} ${e.fix ?? ""} ${JSON.stringify(e.toJSON())}`;
      for (const form of [PASSWORD, encodeURIComponent(PASSWORD), "p@ss:w/rd"]) expect(shown).not.toContain(form);
    });

    it("connects with the right password", async () => {
      const d = makeDialect(DB, { connection: { ...SERVER, user: PW_USER, password: PASSWORD, database: DB } });
      const c = await open(d);
      expect(await c.currentUser()).toBe(`${PW_USER}@%`);
    });
  });

  describe("errors", () => {
    it("maps `at line N` of a syntax error to an offset in the statement", async () => {
      const c = await open();
      await c.exec("create table pos_t (id int)");
      const sql = "select id\nfrom pos_t\nwhere id = = 1\norder by id";
      const error = await failure(c.exec(sql));
      expect(dialect.errorPosition(error)).toBe(sql.indexOf("= 1"));
      // Also through a wrapper that keeps the driver error as `cause`.
      expect(dialect.errorPosition(new Error("wrapped", { cause: error }))).toBe(sql.indexOf("= 1"));
      const paramError = await failure(c.query("select ?,\n  ? frm pos_t", [1, 2]));
      // `frm` reads as an alias: the server stops at `pos_t`.
      expect(dialect.errorPosition(paramError)).toBe("select 1,\n  2 frm pos_t".indexOf("pos_t"));
    });

    it("has no position for errors without one", async () => {
      const c = await open();
      const missing = await failure(c.exec("select * from no_such_table_here"));
      expect(dialect.errorPosition(missing)).toBeNull();
      expect(dialect.errorPosition(new Error("near 'x' at line 1"))).toBeNull();
      expect(dialect.errorPosition("not an error")).toBeNull();
    });

    it.each([
      ["near 'frm t' at line 2", "select a\nfrm t", 9],
      ["near '' at line 1", "select a from  ", 13],
      ["near 'zzz' at line 2", "select a\n  b zzz", 13],
      ["near 'not on this line' at line 2", "select a\n  b", 9],
      ["near 'x' at line 9", "select x", null],
      ["Unknown column 'x' in 'field list'", "select x", null],
    ])("syntaxErrorOffset(%j)", (message, sql, expected) => {
      expect(syntaxErrorOffset(`You have an error in your SQL syntax; check the manual ${message}`, sql)).toBe(expected);
    });

    it("treats deadlocks as retryable", async () => {
      const a = await open();
      const b = await open();
      await a.exec("create table dl_t (id int primary key, v int) engine=InnoDB");
      await a.exec("insert into dl_t values (1, 0), (2, 0)");
      await a.begin();
      await b.begin();
      await a.exec("update dl_t set v = 1 where id = 1");
      await b.exec("update dl_t set v = 1 where id = 2");
      const first = a.exec("update dl_t set v = 2 where id = 2").then(
        () => null,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = await b.exec("update dl_t set v = 2 where id = 1").then(
        () => null,
        (error: unknown) => error,
      );
      const errors = [await first, second].filter((e) => e !== null);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ errno: 1213 });
      expect(dialect.isRetryable(errors[0])).toBe(true);
      await a.rollback();
      await b.rollback();
      expect(dialect.isRetryable(new Error("x"))).toBe(false);
      expect(dialect.isRetryable(await failure(a.exec("select * from nope_nope")))).toBe(false);
    });
  });

  describe("session guards", () => {
    it("makes an ALTER blocked by a metadata lock fail fast, retryably", async () => {
      const reader = await open();
      const migrator = await open();
      await reader.exec("create table guard_mdl (id int primary key) engine=InnoDB");
      await reader.begin();
      await reader.query("select * from guard_mdl");
      await migrator.setGuards({ lockTimeoutMs: 1000 });
      const started = Date.now();
      const error = await failure(migrator.exec("alter table guard_mdl add column c int"));
      expect(Date.now() - started).toBeLessThan(4000);
      expect(error).toMatchObject({ errno: 1205 });
      expect(dialect.isRetryable(error)).toBe(true);
      await reader.rollback();
    });

    it("makes a row lock wait fail fast", async () => {
      const holder = await open();
      const migrator = await open();
      await holder.exec("create table guard_row (id int primary key, v int) engine=InnoDB");
      await holder.exec("insert into guard_row values (1, 0)");
      await holder.begin();
      await holder.exec("update guard_row set v = 1 where id = 1");
      await migrator.setGuards({ lockTimeoutMs: 400 });
      const started = Date.now();
      const error = await failure(migrator.exec("update guard_row set v = 2 where id = 1"));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toMatchObject({ errno: 1205 });
      expect(dialect.isRetryable(error)).toBe(true);
      await holder.rollback();
    });

    it("applies a statement timeout (max_statement_time on MariaDB) and restores unset guards", async () => {
      const c = await open();
      const read = async () =>
        (
          await c.query<Record<string, unknown>>(
            "select @@session.lock_wait_timeout as lw, @@session.innodb_lock_wait_timeout as ilw, @@session.max_statement_time as mst",
          )
        )[0];
      const original = await read();
      await c.setGuards({ lockTimeoutMs: 2500, statementTimeoutMs: 300 });
      expect(await read()).toMatchObject({ lw: 3, ilw: 3 });
      expect(Number((await read())?.["mst"])).toBeCloseTo(0.3);
      const started = Date.now();
      const error = await failure(c.query("select sleep(3)"));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toMatchObject({ errno: 1969 });
      await c.setGuards({});
      expect(await read()).toEqual(original);
      await c.setGuards({ lockTimeoutMs: 1 });
      expect(await read()).toMatchObject({ lw: 1, ilw: 1 });
    });
  });

  describe("a client the user passes", () => {
    it("takes sessions from a promise pool, hands them back clean, and never ends the pool", async () => {
      const pool = mysql.createPool({ ...SERVER, database: DB, connectionLimit: 1 });
      try {
        const d = makeDialect(DB, { client: pool });
        expect(d.capabilities.concurrentConnections).toBe(true);
        const c = await d.connect();
        const id = await sessionId(c);
        await c.setGuards({ lockTimeoutMs: 1000 });
        await c.acquireLock("pooled", { timeoutMs: 0 });
        await c.begin();
        await c.close();
        // The same session (limit 1) comes back without our lock, transaction or guards.
        const [rows] = await pool.query(
          "select connection_id() as id, is_used_lock(?) as holder, @@session.lock_wait_timeout as lw",
          [lockName(DB, "pooled")],
        );
        expect(rows).toEqual([{ id, holder: null, lw: 86400 }]);
        await d.dispose();
        const [after] = await pool.query("select 1 as one");
        expect(after).toEqual([{ one: 1 }]);
      } finally {
        await pool.end();
      }
    });

    it("uses a callback-API connection through .promise() as one shared session", async () => {
      const raw = mysqlCallback.createConnection({ ...SERVER, database: DB });
      try {
        const d = makeDialect(DB, { client: raw });
        expect(d.capabilities.concurrentConnections).toBe(false);
        const a = await d.connect();
        const b = await d.connect();
        expect(await sessionId(a)).toBe(await sessionId(b));
        expect(await a.query("select ? as v", [7])).toEqual([{ v: 7 }]);
        const lock = await a.acquireLock("shared", { timeoutMs: 0 });
        expect(await failure(b.acquireLock("shared", { timeoutMs: 100 }))).toBeInstanceOf(LockTimeoutError);
        // Closing one handle on the session leaves the other handle's lock alone.
        await b.close();
        const [held] = await admin.query("select is_used_lock(?) as id", [lockName(DB, "shared")]);
        expect((held as { id: number | null }[])[0]?.id).toBe(await sessionId(a));
        await lock.release();
        await a.close();
        await d.dispose();
        // Still open: the user owns it.
        const [still] = await raw.promise().query("select 2 as v");
        expect(still).toEqual([{ v: 2 }]);
      } finally {
        await raw.promise().end();
      }
    });

    it("refuses something that is not a mysql2 client", () => {
      expect(() => mysqlDialect(options(DB, { client: { hello: "world" } }))).toThrow(/neither a mysql2 Pool nor a mysql2 Connection/);
    });
  });

  describe("backup", () => {
    const dump = findDumpCommand("mariadb");
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "stratum-mysql-backup-"));
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("passes no password on the command line", () => {
      const args = dumpArguments({ flavor: "mysql", host: "localhost", port: 3307, user: "u", password: "secret", database: "db" });
      expect(args).toEqual([
        "--single-transaction",
        "--routines",
        "--triggers",
        "--no-tablespaces",
        "--default-character-set=utf8mb4",
        "--protocol=TCP",
        "--host=localhost",
        "--port=3307",
        "--user=u",
        "db",
      ]);
      expect(args.join(" ")).not.toContain("secret");
    });

    it("says mysqldump is missing when it is not on PATH, before writing anything", async () => {
      expect(findDumpCommand("mysql", "")).toBeNull();
      const saved = process.env["PATH"];
      process.env["PATH"] = dir;
      try {
        const file = join(dir, "never.sql");
        const error = await failure(dialect.backup?.(file) ?? Promise.resolve());
        expect(error).toBeInstanceOf(BackupError);
        expect((error as Error).message).toMatch(/^mysqldump was not found on PATH; /);
        expect(() => statSync(file)).toThrow();
      } finally {
        process.env["PATH"] = saved;
      }
    });

    it.skipIf(dump === null)("writes a non-empty dump, mode 0600, with the password only in MYSQL_PWD", async () => {
      const c = await open();
      await c.exec("create table backed_up (id int primary key)");
      await c.query("insert into backed_up values (?)", [7]);
      const d = makeDialect(DB, { connection: { ...SERVER, user: PW_USER, password: PASSWORD, database: DB } });
      const file = join(dir, "dump.sql");
      expect(await d.backup?.(file)).toBe(file);
      const text = readFileSync(file, "utf8");
      expect(text).toMatch(/CREATE TABLE `backed_up`/);
      expect(text).toMatch(/INSERT INTO `backed_up` VALUES\s*\(7\)/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });

    it.skipIf(dump === null)("refuses to overwrite a file and reports dump failures without the password", async () => {
      const existing = join(dir, "exists.sql");
      writeFileSync(existing, "keep");
      expect(await failure(dialect.backup?.(existing) ?? Promise.resolve())).toBeInstanceOf(BackupError);
      expect(readFileSync(existing, "utf8")).toBe("keep");

      const d = makeDialect(DB, { connection: { ...SERVER, user: PW_USER, password: `${PASSWORD}-wrong`, database: DB } });
      const file = join(dir, "failed.sql");
      const error = await failure(d.backup?.(file) ?? Promise.resolve());
      expect(error).toBeInstanceOf(BackupError);
      const message = (error as Error).message;
      expect(message).toMatch(/(mysqldump|mariadb-dump) exited with code \d+: .*Access denied/);
      expect(message).not.toContain(PASSWORD);
      expect(() => statSync(file)).toThrow();
    });
  });
});
