// The serial run loop on fake ports: outcomes, what a failure leaves, history and log rows, batch
// numbers and the order of events, for `up` and `down`.

import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../../../src/core/events.js";
import type { FakeDialectOptions, FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, eventTrail, rejectionOf, runEvents } from "./harness.js";

const three: FakeMigrationSpec[] = [
  { id: "001_users", up: "create table users (id int)", down: "drop table users" },
  { id: "002_posts", up: "create table posts (id int); create index posts_id on posts (id)", down: "drop table posts" },
  { id: "003_tags", up: "create table tags (id int)", down: "drop table tags" },
];

const withUp = (index: number, up: string): FakeMigrationSpec[] =>
  three.map((spec, i) => (i === index ? { ...spec, up } : spec));

interface UpCase {
  readonly name: string;
  readonly specs: FakeMigrationSpec[];
  readonly dialect?: FakeDialectOptions;
  /** Outcome per migration as run:end and migration:end tell it. */
  readonly error: string | null;
  readonly trail: string[];
  readonly state: [string, string, number][];
  readonly log: [string | null, string, string][];
  readonly effects: string[];
}

const upCases: UpCase[] = [
  {
    name: "every migration applies, in order, in batch 1",
    specs: three,
    error: null,
    trail: ["lock:acquired", "run:start", "migration:start 001", "migration:end 001", "migration:start 002", "migration:end 002", "migration:start 003", "migration:end 003", "run:end"],
    state: [["001", "applied", 1], ["002", "applied", 1], ["003", "applied", 1]],
    log: [["001", "apply", "success"], ["002", "apply", "success"], ["003", "apply", "success"]],
    effects: ["create table users (id int)", "create table posts (id int)", "create index posts_id on posts (id)", "create table tags (id int)"],
  },
  {
    name: "a failure stops the run: its transaction is rolled back, the rest are not started",
    specs: withUp(1, "create table posts (id int); insert into FAIL values (1)"),
    error: "MIGRATION_FAILED",
    trail: ["lock:acquired", "run:start", "migration:start 001", "migration:end 001", "migration:start 002", "migration:error 002", "run:end"],
    state: [["001", "applied", 1]],
    log: [["001", "apply", "success"], ["002", "apply", "failure"]],
    effects: ["create table users (id int)"],
  },
  {
    name: "without transactional DDL a failure leaves the migration failed, with what it did",
    specs: withUp(1, "create table posts (id int); insert into FAIL values (1)"),
    dialect: { transactionalDdl: false },
    error: "MIGRATION_FAILED",
    trail: ["lock:acquired", "run:start", "migration:start 001", "migration:end 001", "migration:start 002", "migration:error 002", "run:end"],
    state: [["001", "applied", 1], ["002", "failed", 1]],
    log: [["001", "apply", "success"], ["002", "apply", "failure"]],
    effects: ["create table users (id int)", "create table posts (id int)"],
  },
];

// Each case on both execution paths: statement by statement, and the batched one (the script and
// its history write sent as one round trip, as on PostgreSQL).
const paths: { path: string; batch: boolean }[] = [
  { path: "statement by statement", batch: false },
  { path: "batched", batch: true },
];
const upCasesOnPaths = paths.flatMap(({ path, batch }) => upCases.map((c) => ({ ...c, path, dialect: { ...c.dialect, batch } })));

describe("serial up", () => {
  it.each(upCasesOnPaths)("$name ($path)", async (c) => {
    const t = engine(c.specs, { dialect: c.dialect });
    const run = t.migrator.up();
    const error = c.error === null ? (await run, null) : await rejectionOf(run);
    expect(error?.code ?? null).toBe(c.error);
    expect(eventTrail(t.events, runEvents)).toEqual(c.trail);
    expect(t.db.stateRows().map((r) => [r.version, r.state, r.batch])).toEqual(c.state);
    expect(t.db.logRows().map((r) => [r.version, r.operation, r.outcome])).toEqual(c.log);
    expect(t.db.effects).toEqual(c.effects);
    expect(t.db.lockHolder).toBeNull();
    expect(t.db.openConnections).toBe(0);
    // the batched path is taken where a migration runs in a transaction of its own
    expect(t.db.batches > 0).toBe(c.dialect.batch && c.dialect.transactionalDdl !== false);
  });

  it("reports each migration's outcome and the run's totals; a failure names its statement", async () => {
    const t = engine(withUp(1, "create table posts (id int); insert into FAIL values (1)"));
    const error = await rejectionOf(t.migrator.up());
    expect(error.message).toContain("002_posts");
    expect(error.message).toContain("statement 2 of 2");
    const end = t.events.find((e) => e.type === "run:end");
    expect(end).toMatchObject({ ok: false, applied: 1, failed: 1, remaining: 2, dryRun: false, interrupted: null });
    const failed = t.db.logRows().find((r) => r.outcome === "failure");
    expect(failed?.error).toContain("fake: statement failed");
  });

  it("each migration commits in a transaction of its own, its state row with it", async () => {
    const t = engine(three);
    await t.migrator.up();
    expect(t.db.transactions.map((e) => e.op)).toEqual(["begin", "commit", "begin", "commit", "begin", "commit"]);
    // all on the one work connection (the lock has a connection of its own)
    expect(new Set(t.db.transactions.map((e) => e.connection)).size).toBe(1);
    expect(t.db.transactions[0]?.connection).not.toBe(t.db.opened.find((c) => !c.readOnly)?.id);
    expect(t.db.sent.every((s) => s.inTransaction)).toBe(true);
  });

  it("returns the report: one applied outcome per migration", async () => {
    const t = engine(three);
    const report = await t.migrator.up();
    expect(report).toMatchObject({ direction: "up", ok: true, dryRun: false, backup: null });
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"]]);
  });

  it("nothing pending: no lock, no transaction, no history tables", async () => {
    const t = engine([]);
    const report = await t.migrator.up();
    expect(report.migrations).toEqual([]);
    expect(eventTrail(t.events, runEvents)).toEqual(["run:start", "run:end"]);
    expect(t.db.history.exists).toBe(false);
    expect(t.db.transactions).toEqual([]);
  });

  it("--to and --step stop early; the next run is the next batch", async () => {
    const t = engine(three);
    expect((await t.migrator.up({ step: 1 })).migrations.map((m) => m.version)).toEqual(["001"]);
    expect((await t.migrator.up({ to: "002" })).migrations.map((m) => m.version)).toEqual(["002"]);
    expect((await t.migrator.up()).migrations.map((m) => m.version)).toEqual(["003"]);
    expect(t.db.stateRows().map((r) => [r.version, r.batch])).toEqual([["001", 1], ["002", 2], ["003", 3]]);
  });

  it("a failed migration is retried by the next run once fixed, in a new batch", async () => {
    const t = engine(withUp(2, "insert into FAIL values (1)"));
    await rejectionOf(t.migrator.up());
    t.source.set(three);
    const report = await t.migrator.up();
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["003", "applied"]]);
    expect(t.db.stateRows().map((r) => [r.version, r.state, r.batch])).toEqual([["001", "applied", 1], ["002", "applied", 1], ["003", "applied", 2]]);
    expect(t.db.logRows().map((r) => [r.version, r.outcome])).toEqual([["001", "success"], ["002", "success"], ["003", "failure"], ["003", "success"]]);
  });
});

describe("serial down", () => {
  const applied = async () => {
    const t = engine(three);
    await t.migrator.up({ to: "002" });
    await t.migrator.up();
    t.events.length = 0;
    return t;
  };

  it.each([
    { name: "one step by default", options: {}, rolled: ["003"] },
    { name: "--step 2, newest first", options: { step: 2 }, rolled: ["003", "002"] },
    { name: "--batch: the last batch", options: { batch: true }, rolled: ["003"] },
    { name: "--to 001: everything after it", options: { to: "001" }, rolled: ["003", "002"] },
    { name: "--all", options: { all: true }, rolled: ["003", "002", "001"] },
  ])("$name", async ({ options, rolled }) => {
    const t = await applied();
    const report = await t.migrator.down(options);
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual(rolled.map((v) => [v, "rolled_back"]));
    const states = new Map(t.db.stateRows().map((r) => [r.version, r.state]));
    for (const v of ["001", "002", "003"]) expect(states.get(v)).toBe(rolled.includes(v) ? "rolled_back" : "applied");
    expect(t.db.logRows().filter((r) => r.operation === "rollback").map((r) => [r.version, r.outcome])).toEqual(rolled.map((v) => [v, "success"]));
    expect(eventTrail(t.events, runEvents)).toEqual([
      "lock:acquired",
      "run:start",
      ...rolled.flatMap((v) => [`migration:start ${v}`, `migration:end ${v}`]),
      "run:end",
    ]);
  });

  it("a failing down stops the rollback and keeps the migration applied", async () => {
    const t = await applied();
    t.source.set(three.map((s) => (s.id === "003_tags" ? { ...s, down: "drop table FAIL" } : s)));
    // the file changed: repair first, as a user would
    await t.migrator.repair();
    const error = await rejectionOf(t.migrator.down({ all: true }));
    expect(error.code).toBe("MIGRATION_FAILED");
    expect(t.db.stateRows().map((r) => r.state)).toEqual(["applied", "applied", "applied"]);
    expect(t.db.logRows().filter((r) => r.operation === "rollback").map((r) => [r.version, r.outcome])).toEqual([["003", "failure"]]);
    expect(t.events.find((e) => e.type === "run:end")).toMatchObject({ ok: false, failed: 1, remaining: 3 });
  });

  it("refuses to roll back a migration without a down section, before anything runs", async () => {
    const t = engine([three[0] as FakeMigrationSpec, { ...(three[1] as FakeMigrationSpec), down: null }]);
    await t.migrator.up();
    const sentBefore = t.db.sent.length;
    const error = await rejectionOf(t.migrator.down());
    expect(error.problems?.map((p) => p.code)).toContain("NO_DOWN");
    expect(t.db.sent.length).toBe(sentBefore);
    expect(t.db.stateRows().map((r) => r.state)).toEqual(["applied", "applied"]);
  });
});

describe("hooks", () => {
  it("are awaited in order around the run and each migration, under the lock", async () => {
    const trail: string[] = [];
    const unlocked: string[] = [];
    const hook = (name: string) => (event: MigratorEvent) => {
      trail.push("version" in event ? `${name} ${event.version}` : name);
      if (t.db.lockHolder === null) unlocked.push(name);
    };
    const t = engine(three.slice(0, 2), {
      config: { hooks: { beforeAll: hook("beforeAll"), beforeEach: hook("beforeEach"), afterEach: hook("afterEach"), afterAll: hook("afterAll") } },
    });
    t.migrator.on((event) => {
      if (event.type === "migration:start" || event.type === "migration:end") trail.push(`${event.type} ${event.version}`);
    });
    await t.migrator.up();
    expect(trail).toEqual([
      "beforeAll",
      "migration:start 001",
      "beforeEach 001",
      // afterEach is given the migration:end event
      "migration:end 001",
      "afterEach 001",
      "migration:start 002",
      "beforeEach 002",
      "migration:end 002",
      "afterEach 002",
      "afterAll",
    ]);
    expect(unlocked).toEqual([]);
  });

  it("a beforeEach that throws stops the run before that migration's statements", async () => {
    const t = engine(three, {
      config: {
        hooks: {
          beforeEach: (event) => {
            if (event.version === "002") throw new Error("not on a Friday");
          },
        },
      },
    });
    const error = await rejectionOf(t.migrator.up());
    expect(error.message).toContain("not on a Friday");
    expect(t.db.executed()).toEqual(["create table users (id int)"]);
    expect(t.db.stateRows().map((r) => r.version)).toEqual(["001"]);
  });
});

describe("the run lock and session guards", () => {
  it.each(paths)("a lock lost mid-run stops the run before the next migration commits ($path)", async ({ batch }) => {
    const t = engine(three, { dialect: { batch } });
    t.migrator.on((event) => {
      if (event.type === "migration:end" && event.version === "001") t.db.loseLock();
    });
    const error = await rejectionOf(t.migrator.up());
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain("was lost");
    expect(t.db.stateRows().map((r) => r.version)).toEqual(["001"]);
    expect(t.db.effects).toEqual(["create table users (id int)"]);
  });

  it("per-migration guards are applied to the work connection when configured", async () => {
    const t = engine(three, { config: { migrationLockTimeoutMs: 1_000, statementTimeoutMs: 60_000 } });
    await t.migrator.up();
    expect(t.db.guards).toEqual([{ lockTimeoutMs: 1_000, statementTimeoutMs: 60_000 }]);
  });

  it("no guards configured: none are set", async () => {
    const t = engine(three);
    await t.migrator.up();
    expect(t.db.guards).toEqual([]);
  });
});
