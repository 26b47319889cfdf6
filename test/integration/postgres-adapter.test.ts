// The PostgreSQL adapter against a real server: each run creates its own databases and drops them.

import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupError, ConfigError, ConnectionError, InterruptedError, LockTimeoutError, StratumError, TransactionError } from "../../src/core/errors.js";
import { cliVocabulary } from "../../src/cli/vocabulary.js";
import { useVocabulary } from "../../src/core/vocabulary.js";
import { StatementFailure, type BoundStatement, type Connection, type Dialect } from "../../src/dialects/dialect.js";
import { advisoryLockKey, advisoryLockParts, backoffMs, formatHolder } from "../../src/dialects/postgres/advisory-lock.js";
import { describeConnectError } from "../../src/dialects/postgres/connect-error.js";
import { emptySchemaSnapshot } from "../../src/core/schema/model.js";
import { describeSchema } from "../../src/dialects/postgres/describe-schema.js";
import { loadPg } from "../../src/dialects/postgres/pg-driver.js";
import { pgDumpArgs } from "../../src/dialects/postgres/pg-dump.js";
import { findPgDump, pgDumpAvailable, postgresDialect, quotePostgresIdentifier, type PostgresDialectOptions } from "../../src/dialects/postgres/postgres-dialect.js";

// The dialect's messages as the CLI shows them (the library's wording: test/unit/config/vocabulary.test.ts).
useVocabulary(cliVocabulary);

const ADMIN_URL = new URL(process.env["STRATUM_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres");
const HOST = ADMIN_URL.hostname;
const PORT = Number(ADMIN_URL.port || 5432);
const USER = decodeURIComponent(ADMIN_URL.username || "postgres");
const PASSWORD = ADMIN_URL.password === "" ? undefined : decodeURIComponent(ADMIN_URL.password);
const SECRET = "s3cr@t-PW:/%;'\"x";

async function probe(): Promise<string | null> {
  const client = new pg.Client({ host: HOST, port: PORT, user: USER, password: PASSWORD, database: "postgres", connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe();
const PG_DUMP = await findPgDump();
if (unreachable !== null) {
  const why = `PostgreSQL at ${HOST}:${PORT} is unreachable (${unreachable})`;
  if (process.env["CI"] === "true") console.error(`${why}: failing, because CI=true`);
  else console.warn(`skipping the PostgreSQL adapter tests: ${why}; set CI=true to make this a failure`);
}

if (unreachable !== null && process.env["CI"] === "true") {
  describe("postgres adapter (CI)", () => {
    it("needs a reachable PostgreSQL server", () => {
      expect.fail(`PostgreSQL at ${HOST}:${PORT} is unreachable under CI=true: ${unreachable}`);
    });
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe.skipIf(unreachable !== null)("postgres adapter", () => {
  const suffix = randomBytes(4).toString("hex");
  const DB = `stratum_pgadapter_${suffix}`;
  const DB2 = `stratum_pgadapter_${suffix}_b`;
  const admin = new pg.Client({ host: HOST, port: PORT, user: USER, password: PASSWORD, database: "postgres" });
  const dialects: Dialect[] = [];
  const connections: Connection[] = [];

  function dialect(extra: Partial<PostgresDialectOptions> & { database?: string } = {}): Dialect {
    const { database = DB, ...rest } = extra;
    const created = postgresDialect({
      connection: { host: HOST, port: PORT, user: USER, ...(PASSWORD === undefined ? {} : { password: PASSWORD }), database },
      displayUrl: `postgres://${USER}@${HOST}:${PORT}/${database}`,
      ...rest,
    });
    dialects.push(created);
    return created;
  }

  async function connect(d: Dialect): Promise<Connection> {
    const conn = await d.connect();
    connections.push(conn);
    return conn;
  }

  async function pidOf(conn: Connection): Promise<number> {
    const [row] = await conn.query<{ pid: number }>("select pg_backend_pid() as pid");
    return Number(row?.pid);
  }

  beforeAll(async () => {
    admin.on("error", () => undefined);
    await admin.connect();
    await admin.query(`create database ${quotePostgresIdentifier(DB)}`);
    await admin.query(`create database ${quotePostgresIdentifier(DB2)}`);
  });

  afterAll(async () => {
    for (const conn of connections) await conn.close().catch(() => undefined);
    for (const d of dialects) await d.dispose().catch(() => undefined);
    for (const name of [DB, DB2]) {
      await admin.query(`drop database if exists ${quotePostgresIdentifier(name)} with (force)`).catch(() => undefined);
    }
    await admin.end();
  });

  describe("description", () => {
    it("has the PostgreSQL capabilities and history column types", () => {
      const d = dialect();
      expect(d.name).toBe("postgres");
      expect(d.capabilities).toEqual({
        transactionalDdl: true,
        concurrentConnections: true,
        backup: true,
        batchRoundTrip: true,
        schemaIntrospection: true,
        headVersion: false,
        lockCapacity: true,
        settleWrites: true,
        sessionLoss: true,
        commitRefusal: true,
        environmentFixes: false,
      });
      expect(d.historyTypes).toEqual({
        key: "varchar(255)",
        text: "text",
        integer: "integer",
        bigint: "bigint",
        autoId: "bigserial primary key",
        upsert: "on-conflict",
        writableCte: true,
      });
    });

    it.each([
      ["plain", "users", '"users"'],
      ["mixed case", "Users", '"Users"'],
      ["embedded quote", 'a"b', '"a""b"'],
      ["hostile", 'x"; drop table victim; --', '"x""; drop table victim; --"'],
      ["unicode and space", "tablé à", '"tablé à"'],
    ])("quotes a %s identifier", (_label, name, quoted) => {
      expect(dialect().quoteIdentifier(name)).toBe(quoted);
    });

    it.each([[""], ["a\u0000b"]])("refuses the identifier %j", (name) => {
      expect(() => quotePostgresIdentifier(name)).toThrow(ConfigError);
    });

    it("qualifies tables with the configured schema only", () => {
      expect(dialect().qualifiedTable("stratum_migrations")).toBe('"stratum_migrations"');
      expect(dialect({ schema: 'te"nant' }).qualifiedTable("stratum_migrations")).toBe('"te""nant"."stratum_migrations"');
    });

    it("delegates splitting and the non-transactional check to the PostgreSQL splitter", () => {
      const d = dialect();
      const statements = d.sql.split("create table a (x text default ';');\n\ncreate index concurrently a_x on a (x);\n");
      expect(statements.map((s) => [s.text, s.line])).toEqual([
        ["create table a (x text default ';')", 1],
        ["create index concurrently a_x on a (x)", 3],
      ]);
      const reason = (statement: string) => d.sql.analyse(statement).statements[0]?.nonTransactionalReason;
      expect(reason("create index concurrently a_x on a (x)")).toMatch(/CONCURRENTLY/);
      expect(reason("create index a_x on a (x)")).toBeNull();
    });
  });

  describe("driver loading", () => {
    it("loads pg lazily and caches it", async () => {
      const first = await loadPg();
      expect(typeof first.Client).toBe("function");
      expect(await loadPg()).toBe(first);
    });

    it("reports a missing driver as DRIVER_MISSING (exit 5) with the install command", async () => {
      const missing = Object.assign(new Error("Cannot find package 'pg' imported from /app"), { code: "ERR_MODULE_NOT_FOUND" });
      const error = await rejectionOf(loadPg(() => Promise.reject(missing)));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ code: "DRIVER_MISSING", exitCode: 5, fix: "run `npm install pg`" });
      expect((error as Error).message).toBe('the PostgreSQL driver "pg" is not installed; run `npm install pg`');
    });
  });

  describe("queries", () => {
    it("converts ? placeholders but not a ? inside literals, dollar quotes or comments", async () => {
      const conn = await connect(dialect());
      const rows = await conn.query<{ a: string; b: string; c: number; d: string }>(
        "select ? as a, '?' as b, ?::int + 1 as c, $$?$$ as d -- trailing ?\n",
        ["x", 41],
      );
      expect(rows).toEqual([{ a: "x", b: "?", c: 42, d: "?" }]);
    });

    it.each([[undefined], [[]]])("leaves ? alone without parameters (params %j), e.g. the jsonb operator", async (params) => {
      const conn = await connect(dialect());
      const rows = await conn.query<{ has: boolean }>(`select '{"a":1}'::jsonb ? 'a' as has`, params);
      expect(rows).toEqual([{ has: true }]);
    });

    it("binds hostile values as data", async () => {
      const conn = await connect(dialect());
      const value = "'); drop table victim; --";
      const rows = await conn.query<{ v: string }>("select ?::text as v", [value]);
      expect(rows[0]?.v).toBe(value);
    });

    it("exec runs several statements through the simple protocol", async () => {
      const conn = await connect(dialect());
      await conn.exec("create table exec_t (id int); insert into exec_t values (1), (2); insert into exec_t values (3);");
      const rows = await conn.query<{ n: string }>("select count(*) as n from exec_t");
      expect(rows).toEqual([{ n: "3" }]);
    });

    it("names the connection stratum and reports the server and user", async () => {
      const conn = await connect(dialect());
      expect(await conn.query("show application_name")).toEqual([{ application_name: "stratum" }]);
      const info = await conn.serverInfo();
      const [num] = await conn.query<{ server_version_num: string }>("show server_version_num");
      expect(info.flavor).toBe("postgres");
      expect(info.version).toMatch(/^\d+(\.\d+)*$/);
      expect(Number(info.version.split(".")[0])).toBe(Math.floor(Number(num?.server_version_num) / 10_000));
      expect(await conn.currentUser()).toBe(USER);
      expect(conn.client).toBeInstanceOf(pg.Client);
    });

    it("refuses queries after close", async () => {
      const conn = await dialect().connect();
      await conn.close();
      await conn.close();
      await expect(conn.query("select 1")).rejects.toThrow(/already closed/);
    });
  });

  describe("transactions", () => {
    it("rolls back DDL", async () => {
      const conn = await connect(dialect());
      await conn.begin();
      await conn.exec("create table tx_rolled_back (id int)");
      expect(await conn.tableExists("tx_rolled_back")).toBe(true);
      await conn.rollback();
      expect(await conn.tableExists("tx_rolled_back")).toBe(false);
    });

    it("commits DDL and data together", async () => {
      const conn = await connect(dialect());
      await conn.begin();
      await conn.exec("create table tx_committed (id int)");
      await conn.query("insert into tx_committed values (?)", [7]);
      await conn.commit();
      const other = await connect(dialect());
      expect(await other.query("select id from tx_committed")).toEqual([{ id: 7 }]);
    });

    it("does not report a COMMIT of a failed transaction as success", async () => {
      const conn = await connect(dialect());
      await conn.begin();
      await conn.exec("create table tx_failed (id int)");
      await expect(conn.exec("select * from no_such_table")).rejects.toMatchObject({ code: "42P01" });
      const error = await rejectionOf(conn.commit());
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/rolled back instead of committed/);
      expect(await conn.tableExists("tx_failed")).toBe(false);
      expect(await conn.query("select 1 as ok")).toEqual([{ ok: 1 }]);
    });
  });

  describe("batches (a script in one round trip)", () => {
    async function failureOf(conn: Connection, statements: string[], begin = true, then: BoundStatement[] = []): Promise<StatementFailure> {
      const error = await rejectionOf((conn.execBatch as NonNullable<Connection["execBatch"]>).call(conn, statements, { begin, then }));
      expect(error).toBeInstanceOf(StatementFailure);
      return error as StatementFailure;
    }

    it("runs every statement after BEGIN, in the transaction it opens", async () => {
      const conn = await connect(dialect());
      await conn.execBatch?.(["create table batch_ok (id int)", "insert into batch_ok values (1), (2)", "select count(*) from batch_ok"], { begin: true });
      await conn.rollback();
      expect(await conn.tableExists("batch_ok")).toBe(false);
    });

    it("names a statement holding several commands (a goose StatementBegin/End block) when a later one fails", async () => {
      const conn = await connect(dialect());
      const block = "create table batch_block (id int);\nlock table batch_block_missing in access exclusive mode;";
      const failure = await failureOf(conn, [block, "select 1"], true, [{ sql: "select $1::int", params: [1] }]);
      expect([failure.index, failure.position]).toEqual([0, null]);
      expect((failure.cause as { code?: string }).code).toBe("42P01");
      await conn.rollback();
    });

    it("names the statement that failed while running, with no position", async () => {
      const conn = await connect(dialect());
      const failure = await failureOf(conn, ["create table batch_a (id int primary key)", "insert into batch_a values (1)", "insert into batch_a values (1)", "select 1"]);
      expect([failure.index, failure.position]).toEqual([2, null]);
      expect((failure.cause as { code?: string }).code).toBe("23505");
      await conn.rollback();
      expect(await conn.tableExists("batch_a")).toBe(false);
    });

    it("names the statement of a syntax error, with the offset inside it, though nothing ran", async () => {
      const conn = await connect(dialect());
      const third = "select 1 frm nowhere";
      const failure = await failureOf(conn, ["create table batch_b (id int)", "select 2", third]);
      expect([failure.index, failure.position]).toEqual([2, third.indexOf("nowhere")]);
      await conn.rollback();
      expect(await conn.tableExists("batch_b")).toBe(false);
    });

    it("places an analysis error inside its own statement", async () => {
      const conn = await connect(dialect());
      const second = "select no_such_column from pg_class";
      const failure = await failureOf(conn, ["select 1", second], false);
      expect([failure.index, failure.position]).toEqual([1, second.indexOf("no_such_column")]);
    });

    it("names the statement a cancel stopped", async () => {
      const d = dialect();
      const conn = await connect(d);
      const pid = await pidOf(conn);
      const other = await connect(d);
      const running = failureOf(conn, ["create table batch_c (id int)", "select pg_sleep(5)", "select 3"]);
      for (let i = 0; i < 200; i++) {
        const rows = await other.query("select 1 from pg_stat_activity where pid = ? and wait_event = 'PgSleep'", [pid]);
        if (rows.length > 0) break;
        await sleep(10);
      }
      await other.query("select pg_cancel_backend(?)", [pid]);
      const failure = await running;
      expect(failure.index).toBe(1);
      expect((failure.cause as { code?: string }).code).toBe("57014");
      await conn.rollback();
      expect(await conn.tableExists("batch_c")).toBe(false);
    });

    it("commits in the same round trip when asked, and names a COMMIT that fails as the statement after the rest", async () => {
      const conn = await connect(dialect());
      const insert = { sql: "insert into batch_done (id) values (?)", params: [2] };
      await conn.exec("create table batch_done (id int)");
      await conn.execBatch?.(["insert into batch_done values (1)"], { begin: true, then: [insert], commit: true });
      const other = await connect(dialect());
      expect(await other.query("select id from batch_done order by id")).toEqual([{ id: 1 }, { id: 2 }]);

      // a deferred foreign key is checked at COMMIT: the batch's last statement
      await conn.exec("create table batch_parent (id int primary key)");
      await conn.exec("create table batch_child (parent int references batch_parent deferrable initially deferred)");
      const error = await rejectionOf(
        (conn.execBatch as NonNullable<Connection["execBatch"]>).call(conn, ["insert into batch_child values (9)", "select 1"], {
          begin: true,
          then: [insert],
          commit: true,
        }),
      );
      expect(error).toBeInstanceOf(StatementFailure);
      expect([(error as StatementFailure).index, (error as StatementFailure).position]).toEqual([3, null]);
      expect(((error as StatementFailure).cause as { code?: string }).code).toBe("23503");
      await conn.rollback();
      expect(await other.query("select count(*)::int as n from batch_child")).toEqual([{ n: 0 }]);
      expect(await other.query("select id from batch_done order by id")).toEqual([{ id: 1 }, { id: 2 }]);
      expect(await conn.query("select 1 as ok")).toEqual([{ ok: 1 }]);
    });

    it("keeps a statement ending in a line comment apart from the next", async () => {
      const conn = await connect(dialect());
      await conn.execBatch?.(["create table batch_d (id int) -- trailing comment", "insert into batch_d values (4)"], { begin: true });
      expect(await conn.query("select id from batch_d")).toEqual([{ id: 4 }]);
      await conn.rollback();
    });

    it("runs our own statements after the script, their values written in as literals, prepared once", async () => {
      const conn = await connect(dialect());
      await conn.exec("create table batch_own (k text primary key, v text, n bigint)");
      const hostile = "it's a \\back\\slash'; drop table batch_own; --";
      const insert = { sql: "insert into batch_own (k, v, n) values (?, ?, ?)", params: ["a", hostile, 42] };
      await conn.execBatch?.(["select 1"], { begin: true, then: [insert, { ...insert, params: ["b", null, 7] }] });
      await conn.commit();
      expect(await conn.query("select k, v, n from batch_own order by k")).toEqual([
        { k: "a", v: hostile, n: "42" },
        { k: "b", v: null, n: "7" },
      ]);
      const prepared = await conn.query<{ name: string }>("select name from pg_prepared_statements where name like 'stratum_batch_%'");
      expect(prepared).toHaveLength(1);
    });

    it("a script that drops prepared statements still gets our own statements run", async () => {
      const conn = await connect(dialect());
      await conn.exec("create table batch_dealloc (k text)");
      const insert = { sql: "insert into batch_dealloc (k) values (?)", params: ["x"] };
      await conn.execBatch?.(["select 1"], { begin: true, then: [insert] });
      await conn.execBatch?.(["deallocate all"], { begin: false, then: [insert] });
      await conn.execBatch?.(["select 2"], { begin: false, then: [insert] });
      await conn.commit();
      expect(await conn.query("select count(*)::int as n from batch_dealloc")).toEqual([{ n: 3 }]);
    });

    it("the lock's assertion passes while its session lives and fails once it is terminated", async () => {
      const d = dialect();
      const lockConn = await connect(d);
      const lock = await lockConn.acquireLock("assertion", { timeoutMs: 1000 });
      const assertion = lock.assertion;
      expect(assertion).toBeDefined();
      const work = await connect(d);
      await work.execBatch?.(["select 1"], { begin: true, then: [assertion!.statement] });
      await work.rollback();
      const watcher = await connect(d);
      const lockPid = await pidOf(lockConn);
      await watcher.query("select pg_terminate_backend(?)", [lockPid]);
      // the signal is sent at once; the backend takes a moment to exit
      for (let i = 0; i < 500; i++) {
        if ((await watcher.query("select 1 from pg_stat_activity where pid = ?", [lockPid])).length === 0) break;
        await sleep(10);
      }
      const failure = await failureOf(work, ["select 1"], true, [assertion!.statement]).catch((error: unknown) => error);
      await work.rollback();
      expect(failure).toBeInstanceOf(StatementFailure);
      expect((failure as StatementFailure).index).toBe(1);
      const lost = assertion!.lost((failure as StatementFailure).cause);
      expect(lost.message).toMatch(/migration lock .* was lost/);
    });

    it("prepares reused statements once, and again after DISCARD ALL", async () => {
      const conn = await connect(dialect());
      const reuse = { reuse: true } as const;
      expect(await conn.query("select ?::int + 1 as n", [1], reuse)).toEqual([{ n: 2 }]);
      expect(await conn.query("select ?::int + 1 as n", [2], reuse)).toEqual([{ n: 3 }]);
      const named = await conn.query<{ name: string }>("select name from pg_prepared_statements");
      expect(named.map((row) => row.name)).toEqual(["stratum_1"]);
      await conn.exec("deallocate all");
      expect(await conn.query("select ?::int + 1 as n", [4], reuse)).toEqual([{ n: 5 }]);
      await conn.execBatch?.(["discard all"]);
      expect(await conn.query("select ?::int + 1 as n", [3], reuse)).toEqual([{ n: 4 }]);
    });
  });

  describe("identifiers and catalog lookups", () => {
    it("keeps a hostile table name harmless", async () => {
      const d = dialect();
      const conn = await connect(d);
      const hostile = 'x"; drop table victim; --';
      await conn.exec("create table victim (id int)");
      await conn.exec(`create table ${d.quoteIdentifier(hostile)} (${d.quoteIdentifier("it's")} int)`);
      expect(await conn.tableExists(hostile)).toBe(true);
      expect(await conn.columnExists(hostile, "it's")).toBe(true);
      expect(await conn.tableExists("victim")).toBe(true);
    });

    it("keeps a hostile schema name harmless", async () => {
      const hostile = 's"; drop table victim2; --';
      const base = await connect(dialect());
      await base.exec("create table victim2 (id int)");
      const d = dialect({ schema: hostile });
      await base.exec(`create schema ${d.quoteIdentifier(hostile)}`);
      const conn = await connect(d);
      await conn.exec(`create table ${d.qualifiedTable("history")} (id int)`);
      expect(await conn.tableExists("history")).toBe(true);
      expect(await base.tableExists("history")).toBe(false);
      expect(await base.tableExists("victim2")).toBe(true);
    });

    it("answers table, column and index existence in the session schema", async () => {
      const conn = await connect(dialect());
      await conn.exec("create table items (id int primary key, name text); create index items_name_idx on items (name); create view items_v as select id from items");
      const cases: [string, Promise<boolean>, boolean][] = [
        ["table", conn.tableExists("items"), true],
        ["table, unquoted spelling", conn.tableExists("ITEMS"), true],
        ["view", conn.tableExists("items_v"), true],
        ["missing table", conn.tableExists("no_such"), false],
        ["an index is not a table", conn.tableExists("items_name_idx"), false],
        ["column", conn.columnExists("items", "name"), true],
        ["missing column", conn.columnExists("items", "nope"), false],
        ["column of a missing table", conn.columnExists("no_such", "name"), false],
        ["system column", conn.columnExists("items", "ctid"), false],
        ["index", conn.indexExists("items_name_idx"), true],
        ["primary key index", conn.indexExists("items_pkey"), true],
        ["a table is not an index", conn.indexExists("items"), false],
      ];
      for (const [label, answer, expected] of cases) expect([label, await answer]).toEqual([label, expected]);
    });

    it("looks in the configured schema, even before search_path can use it", async () => {
      const base = await connect(dialect());
      await base.exec("create schema tenant_x; create table tenant_x.only_here (id int); create index only_here_idx on tenant_x.only_here (id)");
      const scoped = await connect(dialect({ schema: "tenant_x" }));
      expect(await scoped.tableExists("only_here")).toBe(true);
      expect(await scoped.columnExists("only_here", "id")).toBe(true);
      expect(await scoped.indexExists("only_here_idx")).toBe(true);
      expect(await base.tableExists("only_here")).toBe(false);
      expect(await scoped.query("show search_path")).toEqual([{ search_path: '"tenant_x", public' }]);

      // A configured schema must exist: a connection to it is refused before anything runs.
      await expect(dialect({ schema: "tenant_later" }).connect()).rejects.toThrow(/schema "tenant_later" does not exist/);
      expect(await base.query("select nspname from pg_namespace where nspname = 'tenant_later'")).toEqual([]);
      await base.exec('create schema "tenant_later"');
      const early = await connect(dialect({ schema: "tenant_later" }));
      expect(await early.tableExists("only_here")).toBe(false);
      await early.exec("create table made_here (id int)");
      expect(await early.tableExists("made_here")).toBe(true);
      expect(await base.query("select table_schema from information_schema.tables where table_name = 'made_here'")).toEqual([
        { table_schema: "tenant_later" },
      ]);
    });
  });

  describe("errors from statements", () => {
    it("maps a syntax error to a 0-based position, also through a wrapping error", async () => {
      const d = dialect();
      const conn = await connect(d);
      const sql = "select 1 frm nosuch";
      const error = await rejectionOf(conn.exec(sql));
      expect(d.errorPosition(error)).toBe(sql.indexOf("nosuch"));
      expect(d.errorPosition(new Error("migration failed", { cause: error }))).toBe(sql.indexOf("nosuch"));
      expect(d.errorPosition(new Error("no position"))).toBeNull();
      expect(d.errorPosition(null)).toBeNull();
      expect(d.isRetryable(error)).toBe(false);
    });

    it.each([
      ["deadlock", "40P01", true],
      ["lock not available", "55P03", true],
      ["serialization failure", "40001", true],
      ["undefined table", "42P01", false],
      ["query canceled", "57014", false],
    ])("isRetryable: %s (%s) → %s", (_label, code, expected) => {
      const d = dialect();
      expect(d.isRetryable(Object.assign(new Error("x"), { code }))).toBe(expected);
      expect(d.isRetryable(new Error("wrapped", { cause: Object.assign(new Error("x"), { code }) }))).toBe(expected);
    });
  });

  describe("guards", () => {
    it("lock_timeout makes a blocked ALTER fail fast with 55P03, and resets", async () => {
      const d = dialect();
      const holder = await connect(d);
      const migrator = await connect(d);
      await holder.exec("create table guarded (id int)");
      await holder.begin();
      await holder.exec("lock table guarded in access exclusive mode");
      await migrator.setGuards({ lockTimeoutMs: 200 });
      expect(await migrator.query("show lock_timeout")).toEqual([{ lock_timeout: "200ms" }]);
      const started = Date.now();
      const error = await rejectionOf(migrator.exec("alter table guarded add column y int"));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toMatchObject({ code: "55P03" });
      expect(d.isRetryable(error)).toBe(true);
      await holder.rollback();
      await migrator.setGuards({});
      expect(await migrator.query("show lock_timeout")).toEqual([{ lock_timeout: "0" }]);
    });

    it("statement_timeout cancels a slow statement, not retryable, and resets", async () => {
      const d = dialect();
      const conn = await connect(d);
      await conn.setGuards({ statementTimeoutMs: 100 });
      const error = await rejectionOf(conn.exec("select pg_sleep(5)"));
      expect(error).toMatchObject({ code: "57014" });
      expect(d.isRetryable(error)).toBe(false);
      await conn.setGuards({ statementTimeoutMs: 0 });
      expect(await conn.query("show statement_timeout")).toEqual([{ statement_timeout: "0" }]);
    });

    it("refuses a negative guard", async () => {
      const conn = await connect(dialect());
      await expect(conn.setGuards({ lockTimeoutMs: -1 })).rejects.toBeInstanceOf(ConfigError);
    });
  });

  describe("the run lock", () => {
    it("derives a key per database, schema and name", () => {
      const key = advisoryLockKey("db", "public", "stratum_migrations");
      expect(key).toMatch(/^-?\d+$/);
      expect(BigInt(key) >= -(2n ** 63n) && BigInt(key) < 2n ** 63n).toBe(true);
      expect(advisoryLockKey("db", "public", "stratum_migrations")).toBe(key);
      expect(new Set([
        key,
        advisoryLockKey("db2", "public", "stratum_migrations"),
        advisoryLockKey("db", "other", "stratum_migrations"),
        advisoryLockKey("db", "public", "other"),
        advisoryLockKey("dbp", "ublic", "stratum_migrations"),
      ]).size).toBe(5);
      expect(advisoryLockParts("-1")).toEqual({ classid: "4294967295", objid: "4294967295" });
      expect(advisoryLockParts("4294967297")).toEqual({ classid: "1", objid: "1" });
    });

    it("backs off from about 25 ms to at most 500 ms", () => {
      expect(backoffMs(0, () => 1)).toBe(25);
      expect(backoffMs(0, () => 0)).toBe(13);
      expect(backoffMs(3, () => 1)).toBe(200);
      expect(backoffMs(10, () => 1)).toBe(500);
      expect(backoffMs(10, () => 0)).toBe(250);
    });

    it.each([
      [{ pid: 1234, usename: "app", client_addr: "10.0.0.5", application_name: "stratum", backend_start: new Date(2026, 0, 1, 12, 0, 1) }, "pid 1234 (app@10.0.0.5, application stratum, since 12:00:01)"],
      [{ pid: 77, usename: "app", client_addr: null, client_port: -1, application_name: "" }, "pid 77 (app@local socket)"],
      [{ pid: 5 }, "pid 5"],
    ])("formats the holder %#", (row, text) => {
      expect(formatHolder(row)).toBe(text);
    });

    it("makes a second session time out in about timeoutMs, naming the holder", async () => {
      const d = dialect();
      const holder = await connect(d);
      const waiter = await connect(d);
      const lock = await holder.acquireLock("stratum_migrations", { timeoutMs: 1000 });
      const holderPid = await pidOf(holder);
      const waits: [string | null, number][] = [];
      const started = Date.now();
      const error = await rejectionOf(
        waiter.acquireLock("stratum_migrations", { timeoutMs: 1500, onWait: (who, ms) => waits.push([who, ms]) }),
      );
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(error).toMatchObject({ code: "LOCK_TIMEOUT", exitCode: 4 });
      expect(elapsed).toBeGreaterThanOrEqual(1450);
      expect(elapsed).toBeLessThan(3500);
      const message = (error as Error).message;
      expect(message).toContain(`pid ${holderPid} (${USER}@`);
      expect(message).toContain("another stratum run holds it");
      expect(message).toContain("application stratum");
      expect(message).toMatch(/raise --lock-timeout$/);
      expect(message).toContain(d.displayUrl);
      expect(waits.length).toBeGreaterThanOrEqual(2);
      expect(waits.length).toBeLessThanOrEqual(3);
      expect(waits[0]?.[0]).toContain(`pid ${holderPid}`);
      expect(waits[1]?.[1]).toBeGreaterThanOrEqual(1000);

      await lock.release();
      const second = await waiter.acquireLock("stratum_migrations", { timeoutMs: 0 });
      await second.release();
    });

    it("times out at once with timeoutMs 0", async () => {
      const d = dialect();
      const holder = await connect(d);
      const waiter = await connect(d);
      const lock = await holder.acquireLock("zero", { timeoutMs: 0 });
      const started = Date.now();
      await expect(waiter.acquireLock("zero", { timeoutMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
      expect(Date.now() - started).toBeLessThan(1000);
      await lock.release();
    });

    it("is released when the holding backend is terminated", async () => {
      const d = dialect();
      const holder = await connect(d);
      const lock = await holder.acquireLock("terminated", { timeoutMs: 1000 });
      const holderPid = await pidOf(holder);
      await admin.query("select pg_terminate_backend($1)", [holderPid]);
      const waiter = await connect(d);
      const started = Date.now();
      const taken = await waiter.acquireLock("terminated", { timeoutMs: 5000 });
      expect(Date.now() - started).toBeLessThan(3000);
      await expect(holder.query("select 1")).rejects.toThrow();
      const closing = Date.now();
      await holder.close();
      expect(Date.now() - closing).toBeLessThan(2000);
      await expect(lock.release()).resolves.toBeUndefined();
      await taken.release();
    });

    it("is released when the holding connection is closed", async () => {
      const d = dialect();
      const holder = await d.connect();
      await holder.acquireLock("closed", { timeoutMs: 1000 });
      await holder.close();
      const waiter = await connect(d);
      const lock = await waiter.acquireLock("closed", { timeoutMs: 0 });
      await lock.release();
    });

    it("does not block across databases or schemas", async () => {
      await (await connect(dialect())).exec("create schema if not exists s1; create schema if not exists s2");
      const holders: [string, Dialect][] = [
        ["database A", dialect()],
        ["database B", dialect({ database: DB2 })],
        ["schema s1 of A", dialect({ schema: "s1" })],
        ["schema s2 of A", dialect({ schema: "s2" })],
      ];
      const locks = [];
      for (const [label, d] of holders) {
        const conn = await connect(d);
        const lock = await conn.acquireLock("stratum_migrations", { timeoutMs: 0 }).catch((error: unknown) => {
          throw new Error(`${label}: ${(error as Error).message}`);
        });
        locks.push(lock);
      }
      for (const lock of locks) await lock.release();
    });

    it("cannot be taken twice through one session", async () => {
      const conn = await connect(dialect());
      const lock = await conn.acquireLock("twice", { timeoutMs: 0 });
      await expect(conn.acquireLock("twice", { timeoutMs: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
      await lock.release();
      await lock.release();
      const again = await conn.acquireLock("twice", { timeoutMs: 0 });
      await again.release();
    });

    it("is refused inside a transaction", async () => {
      const conn = await connect(dialect());
      await conn.begin();
      await expect(conn.acquireLock("in_tx", { timeoutMs: 0 })).rejects.toBeInstanceOf(TransactionError);
      await conn.rollback();
    });

    it("stops waiting when the signal aborts", async () => {
      const d = dialect();
      const holder = await connect(d);
      const waiter = await connect(d);
      const lock = await holder.acquireLock("aborted", { timeoutMs: 0 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const started = Date.now();
      await expect(waiter.acquireLock("aborted", { timeoutMs: 10_000, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
      expect(Date.now() - started).toBeLessThan(2000);
      await lock.release();
    });

    it("reports a lock lost behind its back when releasing", async () => {
      const conn = await connect(dialect());
      const lock = await conn.acquireLock("lost", { timeoutMs: 0 });
      await conn.query("select pg_advisory_unlock_all()");
      const error = await rejectionOf(lock.release());
      expect(error).toBeInstanceOf(StratumError);
      expect((error as Error).message).toMatch(/was lost .*pooler in transaction mode/);
    });
  });

  describe("connect errors", () => {
    let silent: Server;
    let silentPort = 0;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.push(socket);
      });
      await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
      silentPort = (silent.address() as { port: number }).port;
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => silent.close(done));
    });

    const cases: [string, () => { host: string; port: number; user: string; database: string; timeout?: number }, RegExp][] = [
      ["a refused port", () => ({ host: "127.0.0.1", port: 1, user: USER, database: "x" }), /^cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused; check that the server is running and the URL is right$/],
      ["a missing database", () => ({ host: HOST, port: PORT, user: USER, database: "stratum_no_such_db" }), /^database "stratum_no_such_db" does not exist on PostgreSQL at .*createdb stratum_no_such_db/],
      ["an unknown role", () => ({ host: HOST, port: PORT, user: "stratum_no_such_role", database: DB }), /^PostgreSQL rejected the credentials for user "stratum_no_such_role" at .*role "stratum_no_such_role" does not exist/],
      ["a server that never answers", () => ({ host: "127.0.0.1", port: silentPort, user: USER, database: DB, timeout: 300 }), /^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: no answer within 0\.3 s; check the host, port and firewall/],
    ];

    it.each(cases)("reports %s as one sentence without the password", async (_label, target, pattern) => {
      const t = target();
      const d = postgresDialect({
        connection: { host: t.host, port: t.port, user: t.user, database: t.database, password: SECRET },
        displayUrl: `postgres://${t.user}:${encodeURIComponent(SECRET)}@${t.host}:${t.port}/${t.database}`,
        connectTimeoutMs: t.timeout,
      });
      dialects.push(d);
      const started = Date.now();
      const error = await rejectionOf(d.connect());
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ code: "CONNECTION_FAILED", exitCode: 5 });
      const text = `${(error as Error).message}\n${JSON.stringify((error as StratumError).toJSON())}\n${(error as Error).stack}`;
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message.split("\n")).toHaveLength(1);
      for (const form of [SECRET, encodeURIComponent(SECRET), "s3cr@t"]) expect(text).not.toContain(form);
    });

    it("reports unparsable settings without echoing them", async () => {
      const d = postgresDialect({ connection: { connectionString: `postgres://app:${encodeURIComponent(SECRET)}@[bad/db`, password: SECRET }, displayUrl: "postgres://app:***@[bad/db" });
      const error = await rejectionOf(d.connect());
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/^the PostgreSQL connection settings for postgres:\/\/app:\*\*\*@\[bad\/db are invalid \(Invalid URL\); fix the URL$/);
      expect((error as Error).message).not.toContain("s3cr");
    });

    it.each([
      ["28P01", { code: "28P01", message: 'password authentication failed for user "app"' }, /^PostgreSQL rejected the credentials for user "app" at db\.example:6543; check the user name and password$/],
      ["3D000", { code: "3D000", message: 'database "shop" does not exist' }, /^database "shop" does not exist on PostgreSQL at db\.example:6543/],
      ["ENOTFOUND", { code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND db.example" }, /host "db\.example" was not found; check the host name in the URL$/],
      ["timeout", { message: "timeout expired" }, /no answer; check the host, port and firewall, or give a slow server longer with \?connect_timeout=<seconds> in the URL$/],
      ["no password", { message: "SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string" }, /asked for a password for user "app" but none was given/],
      ["too many connections", { code: "53300", message: "sorry, too many clients already" }, /too many connections; retry later or lower --parallel$/],
      // the driver's text is foreign: the credentials in its known shapes (a URL, a conninfo) are masked
      ["other, quoting a URL and a conninfo", { message: `connect failed for postgres://app:${encodeURIComponent(SECRET)}@db.example/shop (host=db.example password='${SECRET.replace(/'/g, "\\'")}')` }, /^cannot connect to PostgreSQL at db\.example:6543: connect failed for postgres:\/\/app:\*\*\*@db\.example\/shop \(host=db\.example password='\*\*\*'\)/],
    ])("describes %s", (_label, raw, pattern) => {
      const error = describeConnectError(Object.assign(new Error(raw.message), raw), { host: "db.example", port: 6543, user: "app", database: "shop" });
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.exitCode).toBe(5);
      expect(error.message).toMatch(pattern);
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain(encodeURIComponent(SECRET));
    });
  });

  describe("user-supplied clients", () => {
    it("borrows from a pg.Pool per connection and gives sessions back as found", async () => {
      const pool = new pg.Pool({ host: HOST, port: PORT, user: USER, password: PASSWORD, database: DB, max: 2 });
      try {
        await pool.query("create schema if not exists tenant_p");
        const d = dialect({ client: pool, schema: "tenant_p" });
        expect(d.capabilities.concurrentConnections).toBe(true);
        const conn = await d.connect();
        expect(pool.totalCount).toBe(1);
        expect(await conn.query("show search_path")).toEqual([{ search_path: '"tenant_p", public' }]);
        await conn.setGuards({ lockTimeoutMs: 1234 });
        await conn.acquireLock("pooled", { timeoutMs: 0 });
        await conn.begin();
        await conn.close();
        expect(pool.idleCount).toBe(1);

        const raw = await pool.connect();
        try {
          expect((await raw.query("show search_path")).rows).toEqual([{ search_path: '"$user", public' }]);
          expect((await raw.query("show lock_timeout")).rows).toEqual([{ lock_timeout: "0" }]);
          expect((await raw.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()")).rows).toEqual([{ n: 0 }]);
          expect(raw.getTransactionStatus()).toBe("I");
        } finally {
          raw.release();
        }

        const other = await connect(dialect({ schema: "tenant_p" }));
        const lock = await other.acquireLock("pooled", { timeoutMs: 0 });
        await lock.release();

        await d.dispose();
        expect((await pool.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
      } finally {
        await pool.end();
      }
    });

    it("uses one pg.Client as one session and never ends it", async () => {
      const client = new pg.Client({ host: HOST, port: PORT, user: USER, password: PASSWORD, database: DB });
      try {
        const d = dialect({ client });
        expect(d.capabilities.concurrentConnections).toBe(false);
        const first = await d.connect();
        expect(first.client).toBe(client);
        const second = await d.connect();
        const lock = await first.acquireLock("shared", { timeoutMs: 0 });
        await expect(second.acquireLock("shared", { timeoutMs: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
        await second.close();
        await first.close();
        const fresh = await connect(dialect());
        const taken = await fresh.acquireLock("shared", { timeoutMs: 0 });
        await taken.release();
        await lock.release();
        await d.dispose();
        expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
      } finally {
        await client.end();
      }
    });

    it("refuses something that is neither a pool nor a client", () => {
      expect(() => postgresDialect({ connection: {}, displayUrl: "postgres://x", client: { nope: true } })).toThrow(ConfigError);
    });
  });

  describe("dispose", () => {
    it("closes the connections it opened", async () => {
      const d = postgresDialect({
        connection: { host: HOST, port: PORT, user: USER, ...(PASSWORD === undefined ? {} : { password: PASSWORD }), database: DB },
        displayUrl: `postgres://${USER}@${HOST}:${PORT}/${DB}`,
      });
      const conn = await d.connect();
      const pid = await pidOf(conn);
      await d.dispose();
      let alive = 1;
      for (let i = 0; i < 40 && alive > 0; i++) {
        const { rows } = await admin.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where pid = $1", [pid]);
        alive = rows[0]?.n ?? 0;
        if (alive > 0) await sleep(50);
      }
      expect(alive).toBe(0);
    });
  });

  describe("describeSchema", () => {
    it("lists tables, columns, indexes and constraints as sorted plain data", async () => {
      await (await connect(dialect())).exec("create schema snap");
      const d = dialect({ schema: "snap" });
      const conn = await connect(d);
      await conn.exec(`create table snap.zeta (id bigserial primary key, name varchar(20) not null default 'x', note text);
        create table snap.alpha (id int references snap.zeta (id), at timestamptz, check (id > 0));
        create unique index zeta_name_idx on snap.zeta (name);
        create table public.not_in_snap (id int);`);
      const snapshot = await describeSchema(conn);
      const column = (name: string, type: string, nullable: boolean, dflt: string | null) =>
        ({ name, type, nullable, default: dflt, generated: null, identity: null, collation: null, onUpdate: null });
      expect(snapshot.schemas).toEqual([{ kind: "schema", name: "snap" }]);
      expect(snapshot.tables).toEqual([
        {
          kind: "table",
          name: "snap.alpha",
          columns: [column("id", "integer", true, null), column("at", "timestamp with time zone", true, null)],
          constraints: [
            { name: "alpha_id_check", type: "check", definition: "CHECK ((id > 0))" },
            { name: "alpha_id_fkey", type: "foreign", definition: "FOREIGN KEY (id) REFERENCES snap.zeta(id)" },
          ],
          definition: null,
        },
        {
          kind: "table",
          name: "snap.zeta",
          columns: [
            column("id", "bigint", false, "nextval('snap.zeta_id_seq'::regclass)"),
            column("name", "character varying(20)", false, "'x'::character varying"),
            column("note", "text", true, null),
          ],
          constraints: [{ name: "zeta_pkey", type: "primary", definition: "PRIMARY KEY (id)" }],
          definition: null,
        },
      ]);
      expect(snapshot.indexes.map((i) => [i.name, i.table, i.definition])).toEqual([
        ["snap.zeta_name_idx", "snap.zeta", "CREATE UNIQUE INDEX zeta_name_idx ON snap.zeta USING btree (name)"],
        ["snap.zeta_pkey", "snap.zeta", "CREATE UNIQUE INDEX zeta_pkey ON snap.zeta USING btree (id)"],
      ]);
      expect(await conn.query("show search_path")).toEqual([{ search_path: '"snap", public' }]);

      await conn.exec("create schema snap_copy");
      const copy = await connect(dialect({ schema: "snap_copy" }));
      await copy.exec(`create table zeta (id bigserial primary key, name varchar(20) not null default 'x', note text);
        create table alpha (id int references zeta (id), at timestamptz, check (id > 0));
        create unique index zeta_name_idx on zeta (name);`);
      // Names are schema-qualified: the same structure in another schema differs only by that name.
      expect(JSON.parse(JSON.stringify(await describeSchema(copy)).replaceAll("snap_copy", "snap"))).toEqual(snapshot);

      const other = await describeSchema(conn, { schema: "nope_schema" });
      expect(other).toEqual(emptySchemaSnapshot());
    });
  });

  describe("backup", () => {
    const hasPgDump = PG_DUMP !== null;
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "stratum-pgdump-"));
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
      const old = process.env["PATH"];
      process.env["PATH"] = path;
      try {
        return await fn();
      } finally {
        process.env["PATH"] = old;
      }
    }

    it("checks PATH without running anything", async () => {
      expect(await pgDumpAvailable({ PATH: "/nonexistent-stratum-dir" })).toBe(false);
      expect(await findPgDump({ PATH: "" })).toBeNull();
    });

    it("puts connection settings on the command line but never the password", () => {
      const args = pgDumpArgs({ host: "db", port: 5433, user: "o'neil", database: "a=b c", password: SECRET });
      expect(args).toEqual(["--format=custom", "--no-password", "--dbname=host='db' port='5433' user='o\\'neil' dbname='a=b c' application_name='stratum'"]);
      expect(args.join(" ")).not.toContain("s3cr");
    });

    it.skipIf(!hasPgDump)("writes a non-empty custom-format dump with mode 0600", async () => {
      const d = dialect();
      const conn = await connect(d);
      await conn.exec("create table backed_up (id int); insert into backed_up values (1)");
      const file = join(dir, "nested", "db.dump");
      const written = await d.backup!(file);
      expect(written).toBe(resolve(file));
      const info = statSync(written);
      expect(info.size).toBeGreaterThan(0);
      expect(info.mode & 0o777).toBe(0o600);
      expect(readFileSync(written).subarray(0, 5).toString("latin1")).toBe("PGDMP");
      await expect(d.backup!(file)).rejects.toBeInstanceOf(BackupError);
    });

    it("passes the password only through PGPASSWORD", async () => {
      const bin = join(dir, "fakebin");
      rmSync(bin, { recursive: true, force: true });
      mkdirSync(bin);
      const script = join(bin, "pg_dump");
      writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/argv"\nprintf '%s' "$PGPASSWORD" > "${bin}/password"\nprintf 'PGDMP-fake'\n`);
      chmodSync(script, 0o755);
      const d = dialect({ connection: { host: "127.0.0.1", port: 5432, user: "app", password: SECRET, database: "shop" } });
      const written = await withPath(bin, () => d.backup!(join(dir, "fake.dump")));
      expect(readFileSync(written, "utf8")).toBe("PGDMP-fake");
      const argv = readFileSync(join(bin, "argv"), "utf8");
      expect(argv).toContain("dbname='shop'");
      expect(argv).not.toContain("s3cr");
      expect(readFileSync(join(bin, "password"), "utf8")).toBe(SECRET);
    });

    it("fails with a clear BackupError when pg_dump is not on PATH", async () => {
      const d = dialect();
      const error = await withPath("/nonexistent-stratum-dir", () => rejectionOf(d.backup!(join(dir, "none.dump"))));
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toBe("pg_dump was not found on PATH; install the PostgreSQL client tools or run without --backup");
    });

    it.skipIf(!hasPgDump)("reports a failing pg_dump with its message and without the password", async () => {
      const target = join(dir, "failed.dump");
      const error = await rejectionOf(
        postgresDialect({
          connection: { host: HOST, port: PORT, user: USER, password: SECRET, database: "stratum_no_such_db" },
          displayUrl: `postgres://${USER}:***@${HOST}:${PORT}/stratum_no_such_db`,
        }).backup!(target),
      );
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toMatch(/^pg_dump failed while backing up .*stratum_no_such_db.*does not exist/);
      expect((error as Error).message).not.toContain("s3cr");
      expect(() => statSync(target)).toThrow();
    });
  });
});
