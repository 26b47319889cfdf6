import { describe, expect, it } from "vitest";
import { MigrationError } from "../../../src/core/errors.js";
import { batchParts } from "../../../src/engine/step-batch.js";
import { chooseStrategy, runStep } from "../../../src/engine/step.js";
import {
  codeMigration,
  fakeConnection,
  fakeDialect,
  portsOf,
  recordingFaults,
  settingsOf,
  sqlMigration,
  stepOf,
  type Call,
  type DialectSpec,
} from "./step-fakes.js";

const position = { index: 1, total: 1, worker: 0 };
const SCRIPT = "create a; create b; create c;";

describe("chooseStrategy: one execution path per dialect capability, mode, option and kind", () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly dialect?: DialectSpec;
    readonly connBatch?: boolean;
    readonly mode?: "each" | "all" | "none";
    readonly rehearsal?: boolean;
    readonly code?: boolean;
    readonly transaction?: boolean;
    readonly verify?: boolean;
    readonly direction?: "up" | "down";
    readonly expected: string;
  }> = [
    { name: "PostgreSQL, a SQL migration: one batch", expected: "batch" },
    { name: "a code migration", code: true, expected: "own-tx" },
    { name: "a rehearsal", rehearsal: true, expected: "own-tx" },
    { name: "a dialect that records a head (SQLite user_version)", dialect: { recordHead: true }, expected: "own-tx" },
    { name: "no server clock (SQLite)", dialect: { clock: false }, expected: "own-tx" },
    { name: "a connection without execBatch", connBatch: false, expected: "own-tx" },
    { name: "an up with verify queries", verify: true, expected: "own-tx" },
    { name: "a down of a migration with verify queries", verify: true, direction: "down", expected: "batch" },
    { name: "one transaction for the run", mode: "all", expected: "run-tx" },
    { name: "transactions off", mode: "none", expected: "no-tx" },
    { name: "a migration with `transaction false`", transaction: false, expected: "no-tx" },
    { name: "no transactional DDL (MySQL)", dialect: { transactionalDdl: false }, expected: "no-tx" },
    { name: "no transactional DDL, one run transaction asked", dialect: { transactionalDdl: false }, mode: "all", expected: "no-tx" },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, () => {
      const migration = c.code
        ? codeMigration("002")
        : sqlMigration("002", SCRIPT, {
            ...(c.transaction === undefined ? {} : { transaction: c.transaction }),
            ...(c.verify ? { verify: "select 1;" } : {}),
            down: "drop a;",
          });
      const settings = settingsOf({ mode: c.mode ?? "each", ...(c.rehearsal ? { rehearsal: true } : {}) });
      const conn = fakeConnection([], { batch: c.connBatch ?? true });
      expect(chooseStrategy(fakeDialect(c.dialect), conn, stepOf(migration, c.direction), settings, c.code === true).kind).toBe(c.expected);
    });
  }
});

describe("what each strategy sends", () => {
  const run = async (options: { dialect?: DialectSpec; mode?: "each" | "all" | "none"; faults?: string; failOn?: string; lockAssertion?: boolean; connBatch?: boolean; verify?: string } = {}) => {
    const log: Call[] = [];
    const dialect = fakeDialect(options.dialect);
    const ports = portsOf(dialect, log, options.faults === undefined ? undefined : recordingFaults(log, options.faults));
    const conn = fakeConnection(log, { ...(options.failOn === undefined ? {} : { failOn: options.failOn }), batch: options.connBatch ?? true });
    const settings = settingsOf({ mode: options.mode ?? "each", ...(options.lockAssertion === false ? { lockAssertion: undefined } : {}) });
    const outcome = runStep(ports, conn, stepOf(sqlMigration("002", SCRIPT, options.verify === undefined ? {} : { verify: options.verify })), settings, position);
    return { log, outcome };
  };

  it("batch: BEGIN, the script, the history rows, the lock assertion and COMMIT in one round trip", async () => {
    const { log, outcome } = await run();
    await outcome;
    expect(log).toEqual([
      { op: "batch", statements: ["create a", "create b", "create c"], begin: true, then: ["insert state", "insert log", "assert lock"], commit: true },
      // the after-commit point exists on this path too; nothing asked for it
    ]);
  });

  it("batch without a lock assertion: the COMMIT is a second round trip, after the lock check", async () => {
    const { log, outcome } = await run({ lockAssertion: false });
    await outcome;
    expect(log).toEqual([
      { op: "batch", statements: ["create a", "create b", "create c"], begin: true, then: ["insert state", "insert log"], commit: false },
      { op: "commit" },
    ]);
  });

  it("batch paused after statement 2: the same path, split in two batches around the pause", async () => {
    const { log, outcome } = await run({ faults: "after-statement-2@002" });
    await outcome;
    expect(log).toEqual([
      { op: "batch", statements: ["create a", "create b"], begin: true, then: [], commit: false },
      { op: "pause", point: "after-statement-2", version: "002" },
      { op: "batch", statements: ["create c"], begin: false, then: ["insert state", "insert log", "assert lock"], commit: true },
    ]);
  });

  it("batch paused for another migration: one round trip", async () => {
    const { log, outcome } = await run({ faults: "after-statement-2@003,before-commit@001" });
    await outcome;
    expect(log.filter((call) => call.op === "batch")).toHaveLength(1);
    expect(log.some((call) => call.op === "pause")).toBe(false);
  });

  it("batch paused after BEGIN, after the state write, before and after COMMIT", async () => {
    const { log, outcome } = await run({ faults: "after-begin@002,after-state-write@002,before-commit@002,after-commit@002" });
    await outcome;
    expect(log).toEqual([
      { op: "batch", statements: [], begin: true, then: [], commit: false },
      { op: "pause", point: "after-begin", version: "002" },
      { op: "batch", statements: ["create a", "create b", "create c"], begin: false, then: ["insert state", "insert log"], commit: false },
      { op: "pause", point: "after-state-write", version: "002" },
      { op: "pause", point: "before-commit", version: "002" },
      { op: "batch", statements: [], begin: false, then: ["assert lock"], commit: true },
      { op: "pause", point: "after-commit", version: "002" },
    ]);
  });

  it("batch split: a failure in the second part names its statement in the whole script, and rolls back", async () => {
    const { log, outcome } = await run({ faults: "after-statement-1@002", failOn: "create c" });
    const error = await outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toBe("migration 002_m failed at 002_m.sql:3 (statement 3 of 3): boom at create c");
    expect(log.map((call) => call.op)).toEqual(["batch", "pause", "batch", "rollback", "history"]);
  });

  it("own transaction (SQLite): BEGIN, the script in one batch, the history rows, COMMIT", async () => {
    const { log, outcome } = await run({ dialect: { clock: false } });
    await outcome;
    expect(log).toEqual([
      { op: "begin" },
      { op: "batch", statements: ["create a", "create b", "create c"], begin: false, then: [], commit: false },
      { op: "history", what: "record" },
      { op: "commit" },
    ]);
  });

  it("own transaction paused after statement 1: the script batch is split there", async () => {
    const { log, outcome } = await run({ dialect: { clock: false }, faults: "after-statement-1" });
    await outcome;
    expect(log).toEqual([
      { op: "begin" },
      { op: "batch", statements: ["create a"], begin: false, then: [], commit: false },
      { op: "pause", point: "after-statement-1", version: "002" },
      { op: "batch", statements: ["create b", "create c"], begin: false, then: [], commit: false },
      { op: "history", what: "record" },
      { op: "commit" },
    ]);
  });

  it("the run's transaction: the script and the history rows, no BEGIN or COMMIT of its own", async () => {
    const { log, outcome } = await run({ mode: "all" });
    await outcome;
    expect(log).toEqual([
      { op: "batch", statements: ["create a", "create b", "create c"], begin: false, then: [], commit: false },
      { op: "history", what: "record" },
    ]);
  });

  it("no transaction (MySQL): started, each statement and its progress but the last's, then state and log together", async () => {
    const { log, outcome } = await run({ dialect: { transactionalDdl: false }, connBatch: false, faults: "after-statement-2@002" });
    await outcome;
    expect(log).toEqual([
      { op: "history", what: "write" },
      { op: "exec", sql: "create a" },
      { op: "history", what: "setState 002 running 1" },
      { op: "exec", sql: "create b" },
      { op: "history", what: "setState 002 running 2" },
      { op: "pause", point: "after-statement-2", version: "002" },
      // the state written next says all three ran: the last one's progress is not written on its own
      { op: "exec", sql: "create c" },
      { op: "begin" },
      { op: "history", what: "record" },
      { op: "commit" },
    ]);
  });

  it("no transaction, verify queries after the script: the last statement's progress is written before them", async () => {
    const { log, outcome } = await run({ dialect: { transactionalDdl: false }, connBatch: false, verify: "select 1;" });
    await outcome;
    const history = log.filter((call) => call.op === "history").map((call) => (call as { what: string }).what);
    expect(history).toEqual(["write", "setState 002 running 1", "setState 002 running 2", "setState 002 running 3", "record"]);
  });

  it("no transaction: a failure leaves the migration dirty, counting what ran", async () => {
    const { log, outcome } = await run({ dialect: { transactionalDdl: false }, connBatch: false, failOn: "create b" });
    const error = await outcome.catch((e: unknown) => e);
    expect((error as Error).message).toContain("002_m is left partly applied (dirty): 1 of its 3 statements ran and were not undone");
    expect(log.slice(-3)).toEqual([{ op: "rollback" }, { op: "history", what: "setState 002 failed 1" }, { op: "history", what: "log" }]);
  });
});

describe("batchParts", () => {
  it("is one part when nothing is wanted", () => {
    expect(batchParts(new Set(), 3, 2, 3, true)).toEqual([{ from: 0, to: 6, begin: true, commit: true, pauses: [] }]);
  });
  it("ignores statements the script does not have", () => {
    expect(batchParts(new Set(["after-statement-9"]), 3, 2, 3, true)).toHaveLength(1);
  });
  it("after the last statement: the history rows go in the second part", () => {
    expect(batchParts(new Set(["after-statement-3"]), 3, 2, 3, true)).toEqual([
      { from: 0, to: 3, begin: true, commit: false, pauses: ["after-statement-3"] },
      { from: 3, to: 6, begin: false, commit: true, pauses: [] },
    ]);
  });
  it("before a COMMIT that is not in the batch: no empty part is sent", () => {
    expect(batchParts(new Set(["before-commit"]), 3, 2, 2, false)).toEqual([{ from: 0, to: 5, begin: true, commit: false, pauses: ["before-commit"] }]);
  });
});
