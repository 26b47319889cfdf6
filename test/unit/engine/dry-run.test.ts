// Dry runs change nothing: the fake database's statements, history rows and log are compared
// before and after. A rehearsal runs everything and rolls it back.

import { describe, expect, it } from "vitest";
import type { FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, eventTrail, rejectionOf, runEvents, type EngineUnderTest } from "./harness.js";

const three: FakeMigrationSpec[] = [
  { id: "001_a", up: "create table a (id int)", down: "drop table a" },
  { id: "002_b", up: "create table b (id int);\ninsert into b (id) values (1)", down: "drop table b" },
  { id: "003_c", up: "create table c (id int)", down: "drop table c" },
];

/** A database with 001 and 002 applied and 003 pending, events and counters reset. */
async function halfway(): Promise<EngineUnderTest> {
  const t = engine(three);
  await t.migrator.up({ to: "002" });
  t.events.length = 0;
  t.db.sent.length = 0;
  t.db.transactions.length = 0;
  t.db.opened.length = 0;
  t.db.locksTaken = 0;
  return t;
}

function expectNothingWritten(t: EngineUnderTest, before: ReturnType<EngineUnderTest["db"]["snapshot"]>): void {
  expect(t.db.snapshot()).toEqual(before);
  expect(t.db.sent).toEqual([]);
  expect(t.db.transactions).toEqual([]);
  expect(t.db.locksTaken).toBe(0);
  expect(t.db.opened.every((c) => c.readOnly)).toBe(true);
}

describe("dry run", () => {
  it.each([
    { name: "up on an empty database", setup: async () => engine(three), run: (t: EngineUnderTest) => t.migrator.up({ dryRun: true }), shown: ["001", "002", "003"] },
    { name: "up with one pending", setup: halfway, run: (t: EngineUnderTest) => t.migrator.up({ dryRun: true }), shown: ["003"] },
    { name: "down", setup: halfway, run: (t: EngineUnderTest) => t.migrator.down({ dryRun: true, all: true }), shown: ["002", "001"] },
    { name: "redo", setup: halfway, run: (t: EngineUnderTest) => t.migrator.redo({ dryRun: true }), shown: ["002"] },
  ])("$name: shows the plan and writes nothing", async ({ setup, run, shown }) => {
    const t = await setup();
    const before = t.db.snapshot();
    const report = await run(t);
    expectNothingWritten(t, before);
    expect(report.dryRun).toBe(true);
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual(shown.map((v) => [v, "dry-run"]));
    expect(eventTrail(t.events, runEvents)).toEqual(["run:start", "run:end"]);
    expect(t.events.find((e) => e.type === "run:start")).toMatchObject({ dryRun: true, planned: shown.length });
  });

  it("emits each statement with its file and line", async () => {
    const t = engine(three);
    await t.migrator.up({ dryRun: true, to: "002" });
    const statements = t.events.flatMap((e) => (e.type === "statement" ? [[e.version, e.index, e.count, e.location, e.sql, e.dryRun]] : []));
    expect(statements).toEqual([
      ["001", 1, 1, "001_a.sql:2", "create table a (id int)", true],
      ["002", 1, 2, "002_b.sql:2", "create table b (id int)", true],
      ["002", 2, 2, "002_b.sql:3", "insert into b (id) values (1)", true],
    ]);
  });

  it("refuses what the run would refuse (transaction control in a migration), writing nothing", async () => {
    const t = engine(three.map((s) => (s.id === "002_b" ? { ...s, up: "create table b (id int); commit" } : s)));
    const before = t.db.snapshot();
    const error = await rejectionOf(t.migrator.up({ dryRun: true }));
    expect(error.problems?.map((p) => p.code)).toEqual(["TRANSACTION_CONTROL"]);
    expectNothingWritten(t, before);
  });

  it("repair --dry-run reports the changes and records none", async () => {
    const t = await halfway();
    t.source.set(three.map((s) => (s.id === "001_a" ? { ...s, up: "create table a (id int, name text)" } : s)));
    const before = t.db.snapshot();
    const report = await t.migrator.repair({ dryRun: true });
    expect(report.updated.map((u) => u.version)).toEqual(["001"]);
    expectNothingWritten(t, before);
  });
});

describe("rehearsal (dry run that runs and rolls back)", () => {
  it("runs every statement in one transaction, then rolls it all back", async () => {
    const t = await halfway();
    const before = t.db.snapshot();
    const report = await t.migrator.up({ dryRun: "rehearse" });
    expect(report.dryRun).toBe("rehearse");
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["003", "dry-run"]]);
    expect(t.db.executed()).toEqual(["create table c (id int)"]);
    expect(t.db.transactions.map((e) => e.op)).toEqual(["begin", "rollback"]);
    expect(t.db.snapshot()).toEqual(before);
  });

  it("a failure in the rehearsal is reported and leaves the database as it was", async () => {
    const t = await halfway();
    t.source.set(three.map((s) => (s.id === "003_c" ? { ...s, up: "create table c (id int); insert into FAIL values (1)" } : s)));
    const before = t.db.snapshot();
    const report = await t.migrator.up({ dryRun: "rehearse" });
    expect(report.ok).toBe(false);
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["003", "failed"]]);
    expect(t.db.snapshot()).toEqual(before);
  });

  it("without transactional DDL, falls back to the plain dry run and says so", async () => {
    const t = engine(three, { dialect: { transactionalDdl: false } });
    const before = t.db.snapshot();
    const report = await t.migrator.up({ dryRun: "rehearse" });
    expect(report.dryRun).toBe(true);
    expectNothingWritten(t, before);
    const warnings = t.events.flatMap((e) => (e.type === "log" && e.level === "warn" ? [e.message] : []));
    expect(warnings).toEqual(["sqlite commits DDL implicitly, so a rehearsal cannot be rolled back; showing the plain dry run instead"]);
  });
});
