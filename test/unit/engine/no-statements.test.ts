// A migration whose script has no statements (an empty placeholder file, an empty down) is a
// no-op that is recorded like any other: `up` writes its applied state row and its apply log
// entry, `down` marks it rolled back and logs the rollback, on every way a step can run.

import { describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../../src/config/types.js";
import type { UpOptions } from "../../../src/api-types.js";
import type { FakeDialectOptions, FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, type EngineUnderTest } from "./harness.js";

const specs: FakeMigrationSpec[] = [
  { id: "001_a", up: "create table a (id int)", down: "drop table a" },
  { id: "002_placeholder", up: "", down: "" },
  { id: "003_c", up: "create table c (id int)", down: "drop table c" },
];

const ways: { name: string; dialect?: FakeDialectOptions; config?: Partial<ResolvedConfig>; options?: UpOptions; specs?: FakeMigrationSpec[] }[] = [
  { name: "batched (PostgreSQL's one round trip)", dialect: { batch: true } },
  { name: "its own transaction, statement by statement" },
  { name: "outside a transaction (transaction off)", specs: specs.map((s) => ({ ...s, transaction: false })) },
  { name: "outside a transaction (DDL commits implicitly)", dialect: { transactionalDdl: false } },
  { name: "config transaction: none", config: { transaction: "none" } },
  { name: "--single-transaction", options: { singleTransaction: true } },
  { name: "--parallel on graph ordering", dialect: { concurrentConnections: true }, config: { ordering: "graph" }, options: { parallel: 3 } },
];

function expectRecorded(t: EngineUnderTest, state: "applied" | "rolled_back", operation: "apply" | "rollback"): void {
  const row = t.db.stateRows().find((r) => r.version === "002");
  expect(row?.state).toBe(state);
  expect(row?.statementsDone).toBe(0);
  const log = t.db.logRows().filter((r) => r.version === "002");
  expect(log.map((r) => [r.operation, r.outcome]).at(-1)).toEqual([operation, "success"]);
}

describe.each(ways)("a script without statements, run $name", ({ dialect, config, options, specs: own }) => {
  it("up applies it as a no-op and records it; down rolls it back and records that", async () => {
    const t = engine(own ?? specs, { ...(dialect ? { dialect } : {}), ...(config ? { config } : {}) });
    const report = await t.migrator.up(options ?? {});
    expect(report.migrations.map((m) => [m.version, m.status]).sort()).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"]]);
    expectRecorded(t, "applied", "apply");
    expect(t.events.filter((e) => e.type === "migration:end").map((e) => e.version).sort()).toEqual(["001", "002", "003"]);
    expect(t.db.executed().filter((sql) => !sql.startsWith("--"))).toEqual(expect.arrayContaining(["create table a (id int)", "create table c (id int)"]));

    const down = await t.migrator.down({ all: true });
    expect(down.migrations.map((m) => [m.version, m.status]).sort()).toEqual([["001", "rolled_back"], ["002", "rolled_back"], ["003", "rolled_back"]]);
    expectRecorded(t, "rolled_back", "rollback");
  });
});

describe("a script without statements, shown", () => {
  it("a rehearsal runs it and leaves nothing", async () => {
    const t = engine(specs);
    const report = await t.migrator.up({ dryRun: "rehearse" });
    expect(report.migrations.map((m) => m.status)).toEqual(["dry-run", "dry-run", "dry-run"]);
    expect(t.db.executed()).toEqual(expect.arrayContaining(["create table a (id int)", "create table c (id int)"]));
    expect(t.db.transactions.map((e) => e.op)).toEqual(["begin", "rollback"]);
    expect(t.db.effects).toEqual([]);
    expect(t.db.stateRows()).toEqual([]);
    expect(t.db.logRows()).toEqual([]);
  });

  it("a dry run says it has no statements", async () => {
    const t = engine(specs);
    await t.migrator.up({ dryRun: true });
    const logs = t.events.flatMap((e) => (e.type === "log" ? [[e.version, e.message]] : []));
    expect(logs).toEqual([["002", "002_placeholder.sql: no statements (nothing runs; it is recorded as applied)"]]);
    await t.migrator.up();
    t.events.length = 0;
    await t.migrator.down({ dryRun: true, all: true });
    expect(t.events.flatMap((e) => (e.type === "log" ? [e.message] : []))).toEqual([
      "002_placeholder.sql: no statements (nothing runs; it is recorded as rolled back)",
    ]);
  });

  it("the plan counts its statements: none", async () => {
    const t = engine(specs);
    const plan = await t.migrator.plan({ direction: "up" });
    expect(plan.steps.map((s) => [s.version, s.statements, s.transaction, s.outsideTransaction])).toEqual([
      ["001", 1, true, null],
      ["002", 0, true, null],
      ["003", 1, true, null],
    ]);
  });
});
