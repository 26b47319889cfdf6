// Cancellation through an AbortSignal: before anything starts, between migrations, and while
// waiting for the lock. A run stops between migrations, never inside one.

import { describe, expect, it } from "vitest";
import type { FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, rejectionOf } from "./harness.js";

const three: FakeMigrationSpec[] = [
  { id: "001_a", up: "create table a (id int)", down: "drop table a" },
  { id: "002_b", up: "create table b (id int)", down: "drop table b" },
  { id: "003_c", up: "create table c (id int)", down: "drop table c" },
];

type Engine = ReturnType<typeof engine>;

/** Each operation on a database where it would otherwise change something. */
const operations: { name: string; setup: (t: Engine) => Promise<unknown>; run: (t: Engine, signal: AbortSignal) => Promise<unknown> }[] = [
  { name: "up", setup: async () => undefined, run: (t, signal) => t.migrator.up({ signal }) },
  { name: "down", setup: (t) => t.migrator.up(), run: (t, signal) => t.migrator.down({ signal, all: true }) },
  {
    name: "repair",
    setup: async (t) => {
      await t.migrator.up();
      t.source.set(three.map((s) => (s.id === "001_a" ? { ...s, up: "create table a (id int, name text)" } : s)));
    },
    run: (t, signal) => t.migrator.repair({ signal }),
  },
  {
    name: "resolve",
    setup: async (t) => t.db.seed([{ version: "001", name: "a", checksum: (await t.source.list()).migrations[0]?.checksum ?? "", state: "failed" }]),
    run: (t, signal) => t.migrator.resolve("001", "applied", { signal }),
  },
  { name: "baseline", setup: async () => undefined, run: (t, signal) => t.migrator.baseline("002", { signal }) },
];

describe("an AbortSignal already aborted", () => {
  it.each(operations)("$name is refused as interrupted and changes nothing", async ({ setup, run }) => {
    const t = engine(three);
    await setup(t);
    t.events.length = 0;
    const before = t.db.snapshot();
    const sent = t.db.sent.length;
    const locks = t.db.locksTaken;
    const error = await rejectionOf(run(t, AbortSignal.abort("SIGINT")));
    expect(error.code).toBe("INTERRUPTED");
    expect(t.db.sent.length).toBe(sent);
    expect(t.db.snapshot()).toEqual(before);
    expect(t.db.locksTaken).toBe(locks);
    expect(t.events.some((e) => e.type === "migration:start")).toBe(false);
  });
});

describe("an abort between migrations", () => {
  it.each([
    { after: "001", applied: ["001"], skipped: ["002", "003"] },
    { after: "002", applied: ["001", "002"], skipped: ["003"] },
  ])("after $after: the migration running finishes, the rest are skipped", async ({ after, applied, skipped }) => {
    const t = engine(three);
    const controller = new AbortController();
    t.migrator.on((event) => {
      if (event.type === "migration:end" && event.version === after) controller.abort("SIGTERM");
    });
    const report = await t.migrator.up({ signal: controller.signal });
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([
      ...applied.map((v) => [v, "applied"]),
      ...skipped.map((v) => [v, "skipped"]),
    ]);
    expect(t.db.stateRows().map((r) => r.version)).toEqual(applied);
    expect(t.db.executed()).toEqual(applied.map((v) => (three.find((s) => s.id.startsWith(v)) as FakeMigrationSpec).up));
    expect(t.events.find((e) => e.type === "run:end")).toMatchObject({ interrupted: "SIGTERM", remaining: skipped.length, applied: applied.length });
    expect(t.db.lockHolder).toBeNull();
  });

  it("a rollback stops between migrations too", async () => {
    const t = engine(three);
    await t.migrator.up();
    const controller = new AbortController();
    t.migrator.on((event) => {
      if (event.type === "migration:end" && event.version === "003") controller.abort("SIGINT");
    });
    const report = await t.migrator.down({ all: true, signal: controller.signal });
    expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["003", "rolled_back"], ["002", "skipped"], ["001", "skipped"]]);
    expect(t.db.stateRows().map((r) => r.state)).toEqual(["applied", "applied", "rolled_back"]);
  });

  it("one transaction for the run: an abort rolls back what ran", async () => {
    const t = engine(three);
    const controller = new AbortController();
    t.migrator.on((event) => {
      if (event.type === "migration:end" && event.version === "001") controller.abort("SIGINT");
    });
    const report = await t.migrator.up({ singleTransaction: true, signal: controller.signal });
    expect(report.migrations.map((m) => m.status)).toEqual(["skipped", "skipped", "skipped"]);
    expect(t.db.effects).toEqual([]);
    expect(t.db.stateRows()).toEqual([]);
    expect(t.db.transactions.map((e) => e.op)).toEqual(["begin", "rollback"]);
  });
});

describe("an abort while waiting for the lock", () => {
  it("stops waiting and reports the interruption, having run nothing", async () => {
    const t = engine(three, { config: { lockTimeoutMs: 5_000 } });
    t.db.holdLock("pid 7 on ci-2");
    const controller = new AbortController();
    t.migrator.on((event) => {
      if (event.type === "lock:wait") controller.abort("SIGINT");
    });
    const error = await rejectionOf(t.migrator.up({ signal: controller.signal }));
    expect(error.code).toBe("INTERRUPTED");
    expect(t.db.sent).toEqual([]);
    expect(t.db.lockHolder).toBe("pid 7 on ci-2");
  });

  it("without an abort, the wait ends in LOCK_TIMEOUT naming the holder", async () => {
    const t = engine(three, { config: { lockTimeoutMs: 30 } });
    t.db.holdLock("pid 7 on ci-2");
    const error = await rejectionOf(t.migrator.up());
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain("pid 7 on ci-2");
    expect(t.events.some((e) => e.type === "lock:wait" && e.holder === "pid 7 on ci-2")).toBe(true);
    expect(t.db.sent).toEqual([]);
  });
});
