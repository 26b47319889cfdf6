// A fake dialect, connection and history that write what they are asked to do into one log, so a
// test can see which strategy ran a step and what it sent, in order, without a database.

import { EventBus } from "../../../src/core/events.js";
import { AppliedVersions } from "../../../src/core/applied-versions.js";
import { versionKey } from "../../../src/core/version.js";
import { NO_TABLES } from "../../../src/core/sql-facts.js";
import type { MigrationFile, PlanStep, SqlScript, Statement } from "../../../src/core/types.js";
import { analyseWith, type StatementReaders } from "../../../src/sql/analysis/analyse.js";
import type { SqlDialect } from "../../../src/sql/analysis/sql-dialect.js";
import { StatementFailure, type BatchOptions, type Connection, type Dialect } from "../../../src/dialects/dialect.js";
import type { HistoryStore } from "../../../src/history/history-store.js";
import { noFaults, type FaultPoints } from "../../../src/engine/faults.js";
import type { ExecutorPorts, RunSettings } from "../../../src/engine/step.js";

export type Call =
  | { readonly op: "exec"; readonly sql: string }
  | { readonly op: "batch"; readonly statements: readonly string[]; readonly begin: boolean; readonly then: readonly string[]; readonly commit: boolean }
  | { readonly op: "begin" | "commit" | "rollback" }
  | { readonly op: "history"; readonly what: string }
  | { readonly op: "pause"; readonly point: string; readonly version: string | null };

export interface DialectSpec {
  readonly transactionalDdl?: boolean;
  readonly clock?: boolean;
  readonly batch?: boolean;
  readonly recordHead?: boolean;
}

/** Statements cut at `;`, one a line; no transaction control, nothing non-transactional, no tables. */
function splitFake(sql: string): Statement[] {
  return sql
    .split(";")
    .map((text) => text.trim())
    .filter((text) => text !== "")
    .map((text, i) => ({ text, line: i + 1, offset: 0 }));
}

const fakeReaders: StatementReaders = {
  scan: (text) => ({ statements: splitFake(text), unterminated: null }),
  classify: () => ({ transactionControl: null, nonTransactionalReason: null }),
  tables: () => NO_TABLES,
};

const fakeSql: SqlDialect = { split: splitFake, analyse: (text, firstLine) => analyseWith(fakeReaders, text, firstLine) };

export function fakeDialect(spec: DialectSpec = {}): Dialect {
  const dialect = {
    name: "postgres",
    // flags as the members below: the engine decides by the flag, then calls the member
    capabilities: {
      transactionalDdl: spec.transactionalDdl ?? true,
      concurrentConnections: true,
      batchRoundTrip: spec.clock !== false,
      headVersion: spec.recordHead === true,
      sessionLoss: true,
    },
    sql: fakeSql,
    errorPosition: () => null,
    connectionLost: () => false,
    ...(spec.clock === false ? {} : { serverClock: { startedAt: "s", now: "n", elapsedMs: "e" } }),
    ...(spec.recordHead === true ? { recordHead: async () => undefined } : {}),
  };
  return dialect as unknown as Dialect;
}

/** A connection that logs every call; `failAt` makes the batch holding that statement text fail on it. */
export function fakeConnection(log: Call[], options: { readonly batch?: boolean; readonly failOn?: string } = {}): Connection {
  const conn = {
    exec: async (sql: string) => {
      log.push({ op: "exec", sql });
      if (sql === options.failOn) throw new Error(`boom at ${sql}`);
    },
    query: async () => [{ ok: 1 }],
    begin: async () => void log.push({ op: "begin" }),
    commit: async () => void log.push({ op: "commit" }),
    rollback: async () => void log.push({ op: "rollback" }),
    ...(options.batch === false
      ? {}
      : {
          execBatch: async (statements: readonly string[], batch: BatchOptions = {}) => {
            log.push({ op: "batch", statements, begin: batch.begin === true, then: (batch.then ?? []).map((s) => s.sql), commit: batch.commit === true });
            const failed = statements.indexOf(options.failOn ?? "\0");
            if (failed >= 0) throw new StatementFailure(failed, null, new Error(`boom at ${options.failOn}`));
          },
        }),
  };
  return conn as unknown as Connection;
}

export function fakeHistory(log: Call[]): HistoryStore {
  const note = (what: string) => async () => void log.push({ op: "history", what });
  const history = {
    write: note("write"),
    record: note("record"),
    setState: async (_db: unknown, version: string, state: string, fields?: { statementsDone?: number }) =>
      void log.push({ op: "history", what: `setState ${version} ${state}${fields?.statementsDone === undefined ? "" : ` ${fields.statementsDone}`}` }),
    log: note("log"),
    recordStatements: () => [
      { sql: "insert state", params: [] },
      { sql: "insert log", params: [] },
    ],
  };
  return history as unknown as HistoryStore;
}

/** Fault points that log each pause they were asked for and return at once. */
export function recordingFaults(log: Call[], spec: string): FaultPoints {
  const wanted = spec.split(",").map((entry) => entry.split("@"));
  const matches = (w: string[], version: string | null) => w[1] === undefined || (version !== null && versionKey(w[1]) === versionKey(version));
  return {
    at: async (point, version) => {
      if (wanted.some((w) => w[0] === point && matches(w, version))) log.push({ op: "pause", point, version });
    },
    wanted: (version) => new Set(wanted.filter((w) => matches(w, version)).map((w) => w[0] as string)),
  };
}

export function sqlMigration(version: string, up: string, options: { readonly transaction?: boolean; readonly verify?: string; readonly down?: string } = {}): MigrationFile {
  const file = `${version}_m.sql`;
  const script = (text: string): SqlScript => ({ file, text, startLine: 1 });
  return {
    version,
    name: "m",
    id: `${version}_m`,
    kind: "sql",
    files: [file],
    path: `/migrations/${file}`,
    checksum: "c",
    up: script(up),
    down: options.down === undefined ? null : script(options.down),
    verify: options.verify === undefined ? null : script(options.verify),
    options: { dependsOn: [], irreversible: false, requires: [], ...(options.transaction === undefined ? {} : { transaction: options.transaction }) },
  };
}

export function codeMigration(version: string): MigrationFile {
  return { ...sqlMigration(version, ""), kind: "code", files: [`${version}_m.ts`], up: null };
}

export function stepOf(migration: MigrationFile, direction: "up" | "down" = "up"): PlanStep {
  return { direction, migration, reason: "pending", after: [] };
}

export function portsOf(dialect: Dialect, log: Call[], faults: FaultPoints = noFaults): ExecutorPorts {
  return {
    dialect,
    history: fakeHistory(log),
    events: new EventBus(),
    hooks: {},
    loadCode: async () => ({ options: { dependsOn: [], irreversible: false, requires: [] }, up: async () => undefined, down: null, before: null, after: null }),
    readFile: async () => "",
    identity: { host: "h", toolVersion: "t", env: "test" },
    faults,
  };
}

export function settingsOf(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    batch: 1,
    mode: "each",
    signal: new AbortController().signal,
    dbUser: null,
    applied: new AppliedVersions(),
    recorded: new Set(),
    lockAssertion: { statement: { sql: "assert lock", params: [] }, lost: (cause) => new Error(`lock lost: ${String(cause)}`) },
    ...overrides,
  };
}
