// A script whose statements all cannot run inside a transaction (the fake's rule: CONCURRENTLY)
// runs outside one with no directive, per direction; a script that mixes them with
// transactional statements is refused before anything runs, every statement of each kind named.

import { describe, expect, it } from "vitest";
import type { FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, rejectionOf, type EngineUnderTest } from "./harness.js";

const AUTO = "automatic: CONCURRENTLY at 002_idx.sql:2";

const base: FakeMigrationSpec = { id: "001_a", up: "create table a (id int)", down: "drop table a" };
const concurrent: FakeMigrationSpec = { id: "002_idx", up: "create index concurrently a_id on a (id)", down: "drop index concurrently a_id" };
const mixed: FakeMigrationSpec = { id: "002_idx", up: "create table b (id int);\ncreate index concurrently a_id on a (id);\ninsert into b values (1)", down: "drop table b" };

/** The statement `sql` as sent: whether it ran in a transaction. */
function sentInTransaction(t: EngineUnderTest, sql: string): boolean[] {
  return t.db.sent.filter((s) => s.sql === sql).map((s) => s.inTransaction);
}

function logs(t: EngineUnderTest): string[] {
  return t.events.flatMap((e) => (e.type === "log" ? [e.message] : []));
}

describe.each([
  { name: "statement by statement", dialect: {} },
  { name: "batched (PostgreSQL)", dialect: { batch: true } },
])("all statements outside a transaction ($name)", ({ dialect }) => {
  it("up runs it outside a transaction with no directive, says so, and records it", async () => {
    const t = engine([base, concurrent], { dialect });
    const report = await t.migrator.up();
    expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied"]);
    expect(sentInTransaction(t, "create table a (id int)")).toEqual([true]);
    expect(sentInTransaction(t, "create index concurrently a_id on a (id)")).toEqual([false]);
    expect(t.db.stateRows().map((r) => [r.version, r.state, r.statementsDone])).toEqual([["001", "applied", 1], ["002", "applied", 1]]);
    expect(t.db.logRows().map((r) => [r.version, r.operation, r.outcome])).toEqual([["001", "apply", "success"], ["002", "apply", "success"]]);
    const start = t.events.find((e) => e.type === "migration:start" && e.version === "002");
    expect(start).toMatchObject({ outsideTransaction: AUTO });
    expect(t.events.find((e) => e.type === "migration:start" && e.version === "001")).not.toHaveProperty("outsideTransaction");
    expect(logs(t)).toContain(`002_idx runs outside a transaction (${AUTO})`);
  });

  it("down judges the down on its own: DROP INDEX CONCURRENTLY runs outside a transaction", async () => {
    const t = engine([base, concurrent], { dialect });
    await t.migrator.up();
    t.events.length = 0;
    const report = await t.migrator.down({ step: 1 });
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["002", "rolled_back"]]);
    expect(sentInTransaction(t, "drop index concurrently a_id")).toEqual([false]);
    expect(t.db.stateRows().find((r) => r.version === "002")?.state).toBe("rolled_back");
    expect(t.db.logRows().at(-1)).toMatchObject({ version: "002", operation: "rollback", outcome: "success" });
    expect(logs(t)).toContain("002_idx runs outside a transaction (automatic: CONCURRENTLY at 002_idx.sql:4)");
  });
});

describe("the up and the down are judged separately", () => {
  it("a concurrent up with a transactional down: the up outside, the down inside", async () => {
    const t = engine([base, { ...concurrent, down: "drop index a_id" }]);
    await t.migrator.up();
    await t.migrator.down({ step: 1 });
    expect(sentInTransaction(t, "create index concurrently a_id on a (id)")).toEqual([false]);
    expect(sentInTransaction(t, "drop index a_id")).toEqual([true]);
  });

  it("a transactional up with a concurrent down: the up inside, the down outside", async () => {
    const t = engine([base, { id: "002_idx", up: "create index a_id on a (id)", down: "drop index concurrently a_id" }]);
    await t.migrator.up();
    await t.migrator.down({ step: 1 });
    expect(sentInTransaction(t, "create index a_id on a (id)")).toEqual([true]);
    expect(sentInTransaction(t, "drop index concurrently a_id")).toEqual([false]);
  });
});

describe("a mix of statements that cannot run in a transaction and statements that can", () => {
  it("up is refused before anything runs, with every statement of each kind", async () => {
    const t = engine([base, mixed]);
    const error = await rejectionOf(t.migrator.up());
    expect(error.problems?.map((p) => p.code)).toEqual(["TRANSACTION_MIXED"]);
    const problem = error.problems?.[0];
    expect(problem?.files).toEqual(["002_idx.sql:3", "002_idx.sql:2", "002_idx.sql:4"]);
    expect(problem?.message).toContain("(CONCURRENTLY at 002_idx.sql:3)");
    expect(problem?.message).toContain("(002_idx.sql:2, 002_idx.sql:4)");
    expect(problem?.fix).toContain("-- stratum:transaction off");
    expect(t.db.sent).toEqual([]);
    expect(t.db.history.exists).toBe(false);
  });

  it.each([
    ["plan", (t: EngineUnderTest) => t.migrator.plan({ direction: "up" })],
    ["up --dry-run", (t: EngineUnderTest) => t.migrator.up({ dryRun: true })],
    ["up --single-transaction", (t: EngineUnderTest) => t.migrator.up({ singleTransaction: true })],
    ["up --dry-run=rehearse", (t: EngineUnderTest) => t.migrator.up({ dryRun: "rehearse" })],
    ["validate", async (t: EngineUnderTest) => {
      const report = await t.migrator.validate();
      throw Object.assign(new Error("validate"), { problems: report.problems });
    }],
  ])("%s refuses it too", async (_name, run) => {
    const t = engine([base, mixed]);
    const error = await rejectionOf(run(t));
    expect(error.problems?.map((p) => p.code)).toContain("TRANSACTION_MIXED");
    expect(t.db.sent).toEqual([]);
  });

  it("with `transaction off` declared it runs outside a transaction, as before", async () => {
    const t = engine([base, { ...mixed, transaction: false }]);
    await t.migrator.up();
    expect(t.db.sent.filter((s) => s.sql.startsWith("create") || s.sql.startsWith("insert")).map((s) => [s.sql, s.inTransaction])).toEqual([
      ["create table a (id int)", true],
      ["create table b (id int)", false],
      ["create index concurrently a_id on a (id)", false],
      ["insert into b values (1)", false],
    ]);
    expect(t.events.find((e) => e.type === "migration:start" && e.version === "002")).toMatchObject({ outsideTransaction: "stratum:transaction off" });
  });

  it("with transactions off in the config, or a dialect without transactional DDL, nothing is refused", async () => {
    for (const options of [{ config: { transaction: "none" as const } }, { dialect: { transactionalDdl: false } }]) {
      const t = engine([base, mixed], options);
      const report = await t.migrator.up();
      expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied"]);
    }
  });

  it("a mixed down is refused when rolling back, naming the down's statements", async () => {
    const t = engine([base, { ...concurrent, down: "drop index concurrently a_id;\ndrop table z" }]);
    await t.migrator.up();
    const sent = t.db.sent.length;
    const error = await rejectionOf(t.migrator.down({ step: 1 }));
    expect(error.problems?.map((p) => p.code)).toEqual(["TRANSACTION_MIXED"]);
    expect(error.problems?.[0]?.message).toMatch(/^the down of migration 002_idx mixes .*CONCURRENTLY at 002_idx.sql:4.*002_idx.sql:5/);
    expect(t.db.sent.length).toBe(sent);
  });

  it("a mixed down declared outside a transaction (downTransaction false) runs outside one; the up stays inside", async () => {
    const t = engine([base, { id: "002_idx", up: "create table b (id int)", down: "drop index concurrently a_id;\ndrop table b", downTransaction: false }]);
    await t.migrator.up();
    await t.migrator.down({ step: 1 });
    expect(sentInTransaction(t, "create table b (id int)")).toEqual([true]);
    expect(sentInTransaction(t, "drop index concurrently a_id")).toEqual([false]);
    expect(sentInTransaction(t, "drop table b")).toEqual([false]);
  });

  it("`transaction off` with the down declared in a transaction (downTransaction true): the up outside, the down inside", async () => {
    const t = engine([base, { id: "002_idx", up: "create table b (id int)", down: "drop table b", transaction: false, downTransaction: true }]);
    await t.migrator.up();
    await t.migrator.down({ step: 1 });
    expect(sentInTransaction(t, "create table b (id int)")).toEqual([false]);
    expect(sentInTransaction(t, "drop table b")).toEqual([true]);
  });
});

describe("`transaction on` declared", () => {
  it("a statement that cannot run in a transaction is refused, each with its file and line", async () => {
    const t = engine([base, { ...concurrent, transaction: true }]);
    const error = await rejectionOf(t.migrator.up());
    expect(error.problems?.map((p) => [p.code, p.files])).toEqual([["TRANSACTION_REQUIRED_OFF", ["002_idx.sql:2"]]]);
    expect(error.problems?.[0]?.message).toContain("declares it runs in one (`-- stratum:transaction on`)");
    expect(error.problems?.[0]?.fix).toContain("remove `-- stratum:transaction on`");
    expect(t.db.sent).toEqual([]);
  });
});

describe("automatic outside a transaction where the run is one transaction", () => {
  it.each([
    ["--single-transaction", { singleTransaction: true }, "one transaction"],
    ["a rehearsal", { dryRun: "rehearse" as const }, "rehearsed"],
  ])("%s is refused like `transaction off`, before anything runs", async (_name, options, what) => {
    const t = engine([base, concurrent]);
    const error = await rejectionOf(t.migrator.up(options));
    expect(error.code).toBe("USAGE");
    expect(error.message).toContain(`migration 002_idx runs outside a transaction (${AUTO}), so the run cannot be ${what}`);
    expect(t.db.sent).toEqual([]);
  });
});

describe("plan and dry run say it", () => {
  it("the plan: no transaction, and why", async () => {
    const t = engine([base, concurrent]);
    const plan = await t.migrator.plan({ direction: "up" });
    expect(plan.steps.map((s) => [s.version, s.transaction, s.outsideTransaction])).toEqual([
      ["001", true, null],
      ["002", false, AUTO],
    ]);
  });

  it("the down's plan judges the down", async () => {
    const t = engine([base, { ...concurrent, down: "drop index a_id" }]);
    await t.migrator.up();
    const plan = await t.migrator.plan({ direction: "down", step: 1 });
    expect(plan.steps.map((s) => [s.version, s.transaction, s.outsideTransaction])).toEqual([["002", true, null]]);
  });

  it("up --dry-run: a line before its statements", async () => {
    const t = engine([base, concurrent]);
    await t.migrator.up({ dryRun: true });
    expect(logs(t)).toEqual([`002_idx.sql: runs outside a transaction (${AUTO})`]);
  });
});
