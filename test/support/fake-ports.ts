// In-memory ports for unit tests of the engine's logic: a dialect and its connections over one
// FakeDatabase, a history store that keeps its rows there (inside the connection's transactions),
// and a migration source read from a table. They model only what the engine decides on: which
// statements ran and which effects stand after commits and rollbacks, the history rows, the
// lock, and driver-like failures. The contract suite keeps checking the real dialects.
//
// The statement model: `sql.split` cuts a script at `;`. A statement whose text contains
// FAIL throws a driver-like error (code FAKE_FAIL); DEADLOCK_ONCE throws a retryable error
// (FAKE_DEADLOCK) the first time that statement runs and succeeds after; CONCURRENTLY cannot run
// in a transaction; a statement starting with BEGIN/COMMIT/ROLLBACK/START is transaction control.

import { checksumOf } from "../../src/core/checksum.js";
import { EXIT, InterruptedError, LockTimeoutError, StratumError, ValidationError } from "../../src/core/errors.js";
import type { AppliedMigration, DialectName, LogEntry, MigrationFile, Problem, Statement } from "../../src/core/types.js";
import {
  StatementFailure,
  type BatchOptions,
  type BoundStatement,
  type Capabilities,
  type Connection,
  type Dialect,
  type Lock,
  type LockOptions,
  type QueryOptions,
  type Queryable,
  type ServerInfo,
  type ServerClock,
  type SessionGuards,
} from "../../src/dialects/dialect.js";
import type { HistoryStore, StateChange, StateUpdate } from "../../src/history/history-store.js";
import type { DiscoveryResult, MigrationSource } from "../../src/source/discover.js";
import type { ScriptFacts, StatementFacts, TableUse, TransactionControl } from "../../src/core/sql-facts.js";
import type { SqlDialect } from "../../src/sql/analysis/sql-dialect.js";
import { compareVersions, idReadings, isVersion, versionKey } from "../../src/core/version.js";
import { sqlOf } from "./sql-by-name.js";

/** A driver-like error: a message and a code, as pg, mysql2 and better-sqlite3 throw. */
export class FakeDriverError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "FakeDriverError";
  }
}

/** A statement a connection was sent (script statements and the engine's own SQL, not history calls). */
export interface SentStatement {
  readonly connection: number;
  readonly sql: string;
  readonly inTransaction: boolean;
  /** false when it threw. */
  readonly ok: boolean;
}

export type TransactionEvent = { readonly connection: number; readonly op: "begin" | "commit" | "rollback" };

/** The history tables' contents. */
export interface FakeHistoryTables {
  exists: boolean;
  readonly state: Map<string, AppliedMigration>;
  readonly log: LogEntry[];
  nextLogId: number;
}

export interface FailureRule {
  /** Substring of the statement text. */
  readonly match: string;
  /** How many times it fails before it succeeds (default: always). */
  times?: number;
  readonly retryable?: boolean;
  readonly message?: string;
}

/** A deep copy of what a database holds, to compare before and after (dry runs change nothing). */
export interface FakeSnapshot {
  readonly effects: readonly string[];
  readonly historyExists: boolean;
  readonly state: readonly AppliedMigration[];
  readonly log: readonly LogEntry[];
}

/** One database: shared by every connection the fake dialect opens. */
export class FakeDatabase {
  /** Every statement sent, in order, with whether it ran. */
  readonly sent: SentStatement[] = [];
  /** The statements whose effects stand (committed, outside a transaction, or in an open one). */
  readonly effects: string[] = [];
  readonly transactions: TransactionEvent[] = [];
  readonly history: FakeHistoryTables = { exists: false, state: new Map(), log: [], nextLogId: 1 };
  readonly failures: FailureRule[] = [];
  readonly guards: SessionGuards[] = [];
  /** Who holds the run lock: a connection's id, another process's description, or null. */
  lockHolder: number | string | null = null;
  /** Set by `loseLock`: the holder's `check()` throws from then on. */
  lockLost = false;
  /** Every connection opened, in order, and whether it promised to change nothing. */
  readonly opened: { readonly id: number; readonly readOnly: boolean }[] = [];
  /** How many batches (`execBatch` calls) were sent. */
  batches = 0;
  /** How many times the run lock was taken. */
  locksTaken = 0;
  openConnections = 0;
  maxOpenConnections = 0;
  /** Statements executing at once, and the most seen (parallel runs overlap). */
  inFlight = 0;
  maxInFlight = 0;
  nextConnectionId = 1;
  disposed = false;

  /** Statements matching `match` fail (driver-like), `times` times or always. */
  failOn(match: string, options: Omit<FailureRule, "match"> = {}): void {
    this.failures.push({ match, ...options });
  }

  /** Another process holds the run lock until `releaseLock`. */
  holdLock(holder: string): void {
    this.lockHolder = holder;
  }

  releaseLock(): void {
    this.lockHolder = null;
  }

  /** The lock's session is gone: `Lock.check()` throws. */
  loseLock(): void {
    this.lockLost = true;
  }

  /** The state rows, by version. */
  stateRows(): AppliedMigration[] {
    return [...this.history.state.values()].sort((a, b) => compareVersions(a.version, b.version));
  }

  logRows(): LogEntry[] {
    return [...this.history.log];
  }

  /** Script statements that ran (the engine's own SQL and history calls excluded). */
  executed(): string[] {
    return this.sent.filter((s) => s.ok).map((s) => s.sql);
  }

  snapshot(): FakeSnapshot {
    return structuredClone({
      effects: [...this.effects],
      historyExists: this.history.exists,
      state: this.stateRows(),
      log: this.logRows(),
    });
  }

  /** Seeds a state row, as if a run had written it (tables created too). */
  seed(rows: readonly (Partial<AppliedMigration> & { version: string; name: string })[]): void {
    this.history.exists = true;
    for (const row of rows) this.history.state.set(row.version, appliedRow(row));
  }

  /** The failure the rules give this statement, or null (and counts the rule down). */
  failureFor(sql: string): FakeDriverError | null {
    if (sql.includes("DEADLOCK_ONCE") && !this.sent.some((s) => s.sql === sql)) {
      return new FakeDriverError(`deadlock detected while running: ${sql}`, "FAKE_DEADLOCK", true);
    }
    if (sql.includes("FAIL")) return new FakeDriverError(`fake: statement failed: ${sql}`, "FAKE_FAIL");
    const rule = this.failures.find((r) => sql.includes(r.match) && (r.times === undefined || r.times > 0));
    if (rule === undefined) return null;
    if (rule.times !== undefined) rule.times--;
    const code = rule.retryable === true ? "FAKE_DEADLOCK" : "FAKE_FAIL";
    return new FakeDriverError(rule.message ?? `fake: statement failed: ${sql}`, code, rule.retryable === true);
  }
}

/** A state row with defaults for the fields a test does not care about. */
export function appliedRow(row: Partial<AppliedMigration> & { version: string; name: string }): AppliedMigration {
  return {
    checksum: `sum-${row.version}`,
    state: "applied",
    appliedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    batch: 1,
    appliedBy: "fake_user",
    statementsDone: 0,
    dependsOn: [],
    error: null,
    ...row,
  };
}

/** What a history call does to the tables; `undo` registers how to take it back on rollback. */
type HistoryOp = (tables: FakeHistoryTables, undo: (fn: () => void) => void) => unknown[];

/** The text of the one "statement" every history call is sent as, its op as the only parameter. */
export const HISTORY_CALL = "-- fake history call";

export interface FakeConnectionOptions {
  readonly readOnly: boolean;
  readonly capabilities: Capabilities;
  readonly flavor: DialectName;
  /** Milliseconds each statement takes (a tick when 0), so parallel work overlaps. */
  readonly latencyMs: number;
}

/** One session on a FakeDatabase: a transaction with an undo journal, a lock it can hold. */
export class FakeConnection implements Connection {
  readonly id: number;
  readonly client = null;
  /** Present when the dialect was made with `batch: true`. */
  declare execBatch?: NonNullable<Connection["execBatch"]>;
  private journal: (() => void)[] | null = null;
  private closed = false;

  constructor(
    readonly db: FakeDatabase,
    readonly options: FakeConnectionOptions,
  ) {
    this.id = db.nextConnectionId++;
    db.opened.push({ id: this.id, readOnly: options.readOnly });
    db.openConnections++;
    db.maxOpenConnections = Math.max(db.maxOpenConnections, db.openConnections);
  }

  get inTransaction(): boolean {
    return this.journal !== null;
  }

  async exec(sql: string): Promise<void> {
    await this.run(sql);
  }

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], _options?: QueryOptions): Promise<Row[]> {
    if (sql === HISTORY_CALL) return this.historyCall(params[0] as HistoryOp) as Row[];
    await this.run(sql);
    return [];
  }

  async begin(): Promise<void> {
    this.alive();
    if (this.journal !== null) throw new FakeDriverError("cannot start a transaction within a transaction", "FAKE_NESTED");
    this.journal = [];
    this.db.transactions.push({ connection: this.id, op: "begin" });
  }

  async commit(): Promise<void> {
    this.alive();
    if (this.journal === null) throw new FakeDriverError("cannot commit - no transaction is active", "FAKE_NO_TX");
    this.journal = null;
    this.db.transactions.push({ connection: this.id, op: "commit" });
  }

  async rollback(): Promise<void> {
    this.alive();
    if (this.journal === null) throw new FakeDriverError("cannot rollback - no transaction is active", "FAKE_NO_TX");
    this.undoAll();
    this.db.transactions.push({ connection: this.id, op: "rollback" });
  }

  /** The one-callback transaction the dialects branch adds to Connection; the callback gets this session. */
  async transaction<T>(fn: (tx: FakeConnection) => Promise<T>): Promise<T> {
    await this.begin();
    try {
      const result = await fn(this);
      await this.commit();
      return result;
    } catch (error) {
      if (this.journal !== null) await this.rollback().catch(() => undefined);
      throw error;
    }
  }

  /** As the real locks do: an aborted signal stops the attempt (first one included), then poll until the timeout. */
  async acquireLock(key: string, options: LockOptions): Promise<Lock> {
    this.alive();
    const started = Date.now();
    for (;;) {
      if (options.signal?.aborted === true) throw new InterruptedError(`stopped waiting for the migration lock ${key} because the run was interrupted`);
      if (this.db.lockHolder === null || this.db.lockHolder === this.id) break;
      const waited = Date.now() - started;
      if (waited >= options.timeoutMs) {
        throw new LockTimeoutError(`could not take the migration lock ${key} within ${options.timeoutMs} ms; it is held by ${String(this.db.lockHolder)}`, {
          fix: "wait for the other run to finish, or raise --lock-timeout",
        });
      }
      options.onWait?.(typeof this.db.lockHolder === "string" ? this.db.lockHolder : `connection ${this.db.lockHolder}`, waited);
      await sleep(5);
    }
    this.db.lockHolder = this.id;
    this.db.lockLost = false;
    this.db.locksTaken++;
    return this.lockHandle();
  }

  async serverInfo(): Promise<ServerInfo> {
    return { flavor: this.options.flavor, version: "3.45.0" };
  }

  async currentUser(): Promise<string | null> {
    return "fake_user";
  }

  async tableExists(name: string): Promise<boolean> {
    return name === FAKE_TABLES.table ? this.db.history.exists : this.db.effects.some((s) => new RegExp(`^create table ${name}\\b`, "i").test(s));
  }

  async columnExists(): Promise<boolean> {
    return false;
  }

  async indexExists(): Promise<boolean> {
    return false;
  }

  async setGuards(guards: SessionGuards): Promise<void> {
    this.db.guards.push(guards);
  }

  /** A real server rolls back an open transaction and frees the session's lock when it closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.journal !== null) this.undoAll();
    if (this.db.lockHolder === this.id) this.db.lockHolder = null;
    this.closed = true;
    this.db.openConnections--;
  }

  private alive(): void {
    if (this.closed) throw new FakeDriverError("the connection is closed", "FAKE_CLOSED");
  }

  private undoAll(): void {
    const journal = this.journal ?? [];
    this.journal = null;
    for (const undo of journal.reverse()) undo();
  }

  /** Runs one statement: latency, then the failure rules, then its effect (undone on rollback). */
  private async run(sql: string): Promise<void> {
    this.alive();
    this.db.inFlight++;
    this.db.maxInFlight = Math.max(this.db.maxInFlight, this.db.inFlight);
    try {
      await sleep(this.options.latencyMs);
    } finally {
      this.db.inFlight--;
    }
    if (this.options.readOnly && this.journal === null) throw readOnlyWrite();
    const failure = this.db.failureFor(sql);
    this.db.sent.push({ connection: this.id, sql, inTransaction: this.inTransaction, ok: failure === null });
    if (failure !== null) throw failure;
    const effects = this.db.effects;
    effects.push(sql);
    // DDL on a dialect without transactional DDL commits on its own: a rollback keeps it
    if (this.journal !== null && this.options.capabilities.transactionalDdl) {
      this.journal.push(() => effects.splice(effects.lastIndexOf(sql), 1));
    }
  }

  /**
   * A read-only session (`connect({ readOnly: true })`) promised to leave the database as it
   * found it: it may write inside a transaction it rolls back (a rehearsal), never outside one.
   */
  private historyCall(op: HistoryOp): unknown[] {
    this.alive();
    const undos: (() => void)[] = [];
    const rows = op(this.db.history, (undo) => undos.push(undo));
    if (this.journal !== null) this.journal.push(...undos);
    else if (this.options.readOnly && undos.length > 0) {
      for (const undo of undos.reverse()) undo();
      throw readOnlyWrite();
    }
    return rows;
  }

  private lockHandle(): Lock {
    const db = this.db;
    const id = this.id;
    return {
      async release() {
        if (db.lockHolder === id) db.lockHolder = null;
      },
      async check() {
        // as PostgreSQL's advisory lock reports a lost session
        if (db.lockLost) throw new StratumError("LOCK_TIMEOUT", "the migration lock on fake://memory was lost (its session ended)", EXIT.lock);
      },
    };
  }

  /** Runs statements in order; names the one that failed (StatementFailure), as PostgreSQL's batch does. */
  async execBatchImpl(statements: readonly string[], options: BatchOptions = {}): Promise<void> {
    this.db.batches++;
    if (options.begin === true) await this.begin();
    const then: readonly BoundStatement[] = options.then ?? [];
    let index = 0;
    try {
      for (const statement of statements) {
        await this.run(statement);
        index++;
      }
      for (const bound of then) {
        await this.query(bound.sql, bound.params);
        index++;
      }
      if (options.commit === true) await this.commit();
    } catch (error) {
      throw new StatementFailure(index, null, error);
    }
  }
}

const readOnlyWrite = (): FakeDriverError => new FakeDriverError("attempt to write a readonly database", "FAKE_READONLY");

const sleep = (ms: number): Promise<void> => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

export interface FakeDialectOptions {
  readonly name?: DialectName;
  readonly transactionalDdl?: boolean;
  readonly concurrentConnections?: boolean;
  /** Gives connections `execBatch` and the dialect a `serverClock`: the batched path (PostgreSQL's). */
  readonly batch?: boolean;
  readonly latencyMs?: number;
}

/**
 * The capability flags of a fake dialect. Unannotated on purpose: the branch that makes every
 * capability an explicit flag adds the rest of them, which this object already carries (a
 * plain object with more flags than `Capabilities` names still is one).
 */
function fakeCapabilities(options: FakeDialectOptions) {
  return {
    transactionalDdl: options.transactionalDdl ?? true,
    concurrentConnections: options.concurrentConnections ?? false,
    batchRoundTrip: options.batch === true,
    backup: false,
    schemaIntrospection: false,
    headVersion: false,
    lockCapacity: false,
    settleWrites: false,
    sessionLoss: false,
    commitRefusal: false,
    environmentFixes: false,
  };
}

/** A session on `db` as `fakeDialect(db, options).connect()` opens it, typed as the fake it is. */
export function fakeConnection(db: FakeDatabase, options: FakeDialectOptions = {}, readOnly = false): FakeConnection {
  if (db.disposed) throw new FakeDriverError("the dialect was disposed", "FAKE_DISPOSED");
  const capabilities: Capabilities = fakeCapabilities(options);
  const connection = new FakeConnection(db, { readOnly, capabilities, flavor: options.name ?? "sqlite", latencyMs: options.latencyMs ?? 0 });
  if (options.batch === true) Object.assign(connection, { execBatch: connection.execBatchImpl.bind(connection) });
  return connection;
}

/** A dialect over `db`. `name` only feeds messages and the SQL lexers; the fake's SQL is plain. */
export function fakeDialect(db: FakeDatabase, options: FakeDialectOptions = {}): Dialect & { readonly db: FakeDatabase } {
  const capabilities: Capabilities = fakeCapabilities(options);
  const serverClock: ServerClock = { startedAt: "fake_started_at()", now: "fake_now()", elapsedMs: "fake_elapsed()" };
  // Built unannotated, then returned: members the dialects branch adds to Dialect (backup
  // extension, rehearsal commit guard) are here already without being excess on main's Dialect.
  const dialect = {
    db,
    name: options.name ?? "sqlite",
    capabilities,
    historyTypes: { key: "text", text: "text", integer: "integer", bigint: "integer", autoId: "integer primary key" },
    displayUrl: "fake://memory",
    backupExtension: "fake",
    commitGuardNote: null,
    isCommitGuardFailure: (): boolean => false,
    connect: async (connect: { readonly readOnly?: boolean } = {}): Promise<Connection> => fakeConnection(db, options, connect.readOnly === true),
    sql: fakeSql(options.name ?? "sqlite"),
    quoteIdentifier: (name: string): string => `"${name}"`,
    qualifiedTable: (name: string): string => `"${name}"`,
    errorPosition: (): number | null => null,
    // the engine hands over its own error with the driver's as a cause, as the real dialects expect
    isRetryable: (error: unknown): boolean => causes(error).some((e) => e instanceof FakeDriverError && e.retryable),
    ...(options.batch === true ? { serverClock } : {}),
    async dispose(): Promise<void> {
      db.disposed = true;
    },
  };
  return dialect;
}

/** An error and its causes, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 8; e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

function fakeTransactionControl(statement: string): TransactionControl | null {
  const word = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|END)\b/i.exec(statement)?.[1];
  if (word !== undefined) return { statement: word.toUpperCase(), breaks: "transaction" };
  return /^\s*SET\s+autocommit\b/i.test(statement) ? { statement: "SET autocommit", breaks: "session" } : null;
}

/**
 * The fake's SQL: statements cut at `;`, its own transaction control and CONCURRENTLY rule; what
 * a section leaves open and the tables it touches come from the real dialect named `name`, as the
 * engine reads them on that dialect (PostgreSQL's parser once loaded).
 */
function fakeSql(name: DialectName): SqlDialect {
  const real = (): SqlDialect => sqlOf(name);
  return {
    split: splitFakeSql,
    load: async () => {
      await real().load?.();
    },
    analyse(text: string, firstLine = 1): ScriptFacts {
      const statements = splitFakeSql(text).map((s): StatementFacts => fakeStatementFacts(real(), s, firstLine));
      let read: ScriptFacts | null = null;
      const whole = (): ScriptFacts => (read ??= real().analyse(text, firstLine));
      return {
        statements,
        get unterminated() {
          return whole().unterminated;
        },
        get tables() {
          return whole().tables;
        },
      };
    },
  };
}

function fakeStatementFacts(real: SqlDialect, s: Statement, firstLine: number): StatementFacts {
  let read: TableUse | null = null;
  return {
    text: s.text,
    offset: s.offset,
    line: s.line + firstLine - 1,
    transactionControl: fakeTransactionControl(s.text),
    nonTransactionalReason: /\bCONCURRENTLY\b/i.test(s.text) ? "CONCURRENTLY cannot run inside a transaction block" : null,
    get tables() {
      return (read ??= real.analyse(s.text).tables);
    },
  };
}

/** Cuts at `;` (no strings or comments in the fake's SQL), with each statement's line and offset. */
export function splitFakeSql(sql: string): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  for (const piece of sql.split(";")) {
    const lead = piece.length - piece.trimStart().length;
    const text = piece.trim();
    if (text !== "") {
      const offset = start + lead;
      statements.push({ text, offset, line: sql.slice(0, offset).split("\n").length });
    }
    start += piece.length + 1;
  }
  return statements;
}

/** The table names the fake history reports for `exists`. */
export const FAKE_TABLES = { table: "stratum_migrations", logTable: "stratum_log" } as const;

/** A history store keeping its rows in the FakeDatabase behind whichever connection it is given. */
export function fakeHistory(): HistoryStore {
  const call = (db: Queryable, op: HistoryOp): Promise<unknown[]> => db.query(HISTORY_CALL, [op]);
  const inspect = async (db: Queryable): Promise<{ rows: AppliedMigration[]; problems: Problem[] }> => {
    const [result] = (await call(db, (t) => [inspectTables(t)])) as [{ rows: AppliedMigration[]; problems: Problem[] }];
    return result;
  };
  const recordOp = (change: StateChange, entry: LogEntry): HistoryOp => (t, undo) => {
    applyChange(t, change, undo);
    appendLog(t, entry, undo);
    return [];
  };
  return {
    ensureTables: async (db) => void (await call(db, ensureOp)),
    exists: (db) => db.tableExists(FAKE_TABLES.table),
    async read(db) {
      const { rows, problems } = await inspect(db);
      if (problems.length > 0) throw new ValidationError(problems);
      return rows;
    },
    inspect,
    write: async (db, row) => void (await call(db, (t, undo) => (applyChange(t, { kind: "write", row }, undo), []))),
    record: async (db, change, entry) => void (await call(db, recordOp(change, entry))),
    recordStatements: (change, entry) => [{ sql: HISTORY_CALL, params: [recordOp(change, entry)] }],
    setState: async (db, version, state, fields = {}) =>
      void (await call(db, (t, undo) => (applyChange(t, { kind: "state", version, state, fields }, undo), []))),
    remove: async (db, version) => void (await call(db, (t, undo) => (removeRow(t, version, undo), []))),
    log: async (db, entry) => void (await call(db, (t, undo) => (appendLog(t, entry, undo), []))),
    readLog: async (db, options = {}) => (await call(db, (t) => readLogRows(t, options))) as LogEntry[],
    nextBatch: async (db) => {
      const [next] = (await call(db, (t) => [Math.max(0, ...[...t.state.values()].map((r) => r.batch)) + 1])) as [number];
      return next;
    },
  };
}

const ensureOp: HistoryOp = (t, undo) => {
  if (!t.exists) {
    t.exists = true;
    undo(() => (t.exists = false));
  }
  return [];
};

function missingTable(): never {
  throw new FakeDriverError(`no such table: ${FAKE_TABLES.table}`, "FAKE_NO_TABLE");
}

function inspectTables(t: FakeHistoryTables): { rows: AppliedMigration[]; problems: Problem[] } {
  if (!t.exists) missingTable();
  const rows = [...t.state.values()].map((row) => structuredClone(row));
  rows.sort((a, b) => compareVersions(a.version, b.version));
  return { rows, problems: [] };
}

function applyChange(t: FakeHistoryTables, change: StateChange, undo: (fn: () => void) => void): void {
  if (!t.exists) missingTable();
  const version = change.kind === "state" ? change.version : change.row.version;
  const previous = t.state.get(version);
  if (change.kind === "insert" && previous !== undefined) {
    throw new FakeDriverError(`UNIQUE constraint failed: ${FAKE_TABLES.table}.version (${version})`, "FAKE_UNIQUE");
  }
  if (change.kind === "state") {
    // an UPDATE of a row that is not there changes nothing, as in SQL
    if (previous === undefined) return;
    t.state.set(version, { ...previous, ...updateFields(change.fields ?? {}), state: change.state });
  } else {
    t.state.set(version, structuredClone(change.row));
  }
  undo(() => (previous === undefined ? t.state.delete(version) : t.state.set(version, previous)));
}

function updateFields(fields: StateUpdate): Partial<AppliedMigration> {
  const out: { -readonly [K in keyof AppliedMigration]?: AppliedMigration[K] } = {};
  if (fields.statementsDone !== undefined) out.statementsDone = fields.statementsDone;
  if (fields.error !== undefined) out.error = fields.error;
  if (fields.durationMs !== undefined) out.durationMs = fields.durationMs;
  if (fields.appliedAt !== undefined) out.appliedAt = fields.appliedAt;
  if (fields.checksum !== undefined) out.checksum = fields.checksum;
  if (fields.name !== undefined) out.name = fields.name;
  return out;
}

function removeRow(t: FakeHistoryTables, version: string, undo: (fn: () => void) => void): void {
  if (!t.exists) missingTable();
  const previous = t.state.get(version);
  if (previous === undefined) return;
  t.state.delete(version);
  undo(() => t.state.set(version, previous));
}

function appendLog(t: FakeHistoryTables, entry: LogEntry, undo: (fn: () => void) => void): void {
  if (!t.exists) missingTable();
  const row: LogEntry = { ...structuredClone(entry), id: t.nextLogId++ };
  t.log.push(row);
  undo(() => t.log.splice(t.log.indexOf(row), 1));
}

function readLogRows(t: FakeHistoryTables, options: { limit?: number; version?: string }): LogEntry[] {
  if (!t.exists) missingTable();
  // as the real reader: a version, or the version of an id, compared by key
  const digits = (v: string): string | null => {
    const reading = idReadings(v)[0];
    return isVersion(v) ? versionKey(v) : reading === undefined ? null : versionKey(reading.version);
  };
  const wanted = options.version === undefined ? undefined : digits(options.version);
  let rows = t.log.filter((row) => wanted === undefined || (row.version !== null && digits(row.version) === wanted));
  if (options.limit !== undefined) rows = rows.slice(Math.max(0, rows.length - options.limit));
  return rows.map((row) => structuredClone(row));
}

/** A migration as a test writes it: an id and its SQL sections. */
export interface FakeMigrationSpec {
  /** `003_add_users`. */
  readonly id: string;
  readonly up?: string;
  /** `null`: no down section. Default: `-- down of <id>` statement text. */
  readonly down?: string | null;
  readonly dependsOn?: readonly string[];
  /** `false`: `-- stratum:transaction off`. */
  readonly transaction?: boolean;
  /** The down's own declaration (a directive in a separate down file). */
  readonly downTransaction?: boolean;
  readonly irreversible?: boolean;
}

/** A SQL migration file, as discovery would build it (the checksum is over its text). */
export function fakeMigration(spec: FakeMigrationSpec): MigrationFile {
  const match = /^(\d+(?:\.\d+)*)_(.+)$/.exec(spec.id);
  if (match === null) throw new Error(`a fake migration id looks like 003_name, got ${spec.id}`);
  const [, version, name] = match as unknown as [string, string, string];
  const file = `${spec.id}.sql`;
  const up = spec.up ?? `create table t${version} (id int)`;
  const down = spec.down === undefined ? `drop table t${version}` : spec.down;
  const text = `-- migrate:up\n${up}\n${down === null ? "" : `-- migrate:down\n${down}\n`}`;
  return {
    version,
    name,
    id: spec.id,
    kind: "sql",
    files: [file],
    path: `/fake/migrations/${file}`,
    checksum: checksumOf([text]),
    up: { file, text: up, startLine: 2 },
    down: down === null ? null : { file, text: down, startLine: 3 + up.split("\n").length },
    verify: null,
    options: {
      dependsOn: spec.dependsOn ?? [],
      irreversible: spec.irreversible ?? false,
      requires: [],
      ...(spec.transaction === undefined ? {} : { transaction: spec.transaction }),
      ...(spec.downTransaction === undefined ? {} : { downTransaction: spec.downTransaction }),
    },
  };
}

/** A source over a table of migrations that a test can change between runs (edit, rename, remove). */
export interface FakeSource extends MigrationSource {
  set(specs: readonly FakeMigrationSpec[], problems?: readonly Problem[]): void;
  /** How many times the engine listed the migrations. */
  readonly lists: number;
}

export function fakeSource(specs: readonly FakeMigrationSpec[] = [], problems: readonly Problem[] = []): FakeSource {
  let migrations = specs.map(fakeMigration);
  let found = [...problems];
  let lists = 0;
  return {
    async list(): Promise<DiscoveryResult> {
      lists++;
      return { migrations: [...migrations], problems: [...found] };
    },
    set(next, nextProblems = []) {
      migrations = next.map(fakeMigration);
      found = [...nextProblems];
    },
    get lists() {
      return lists;
    },
  };
}

/** A database, its dialect, a history store and a source: one target for `migratorFromTarget`. */
export interface FakeTarget {
  readonly db: FakeDatabase;
  readonly dialect: Dialect & { readonly db: FakeDatabase };
  readonly history: HistoryStore;
  readonly source: FakeSource;
}

export function fakeTarget(specs: readonly FakeMigrationSpec[] = [], options: FakeDialectOptions = {}): FakeTarget {
  const db = new FakeDatabase();
  return { db, dialect: fakeDialect(db, options), history: fakeHistory(), source: fakeSource(specs) };
}
