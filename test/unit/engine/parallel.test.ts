// The parallel scheduler on fake ports: graph ordering on several connections, dependencies
// honoured, a retryable failure retried alone, a conflicting pair kept apart, and the cases where
// a run falls back to one connection.

import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../../../src/core/events.js";
import type { FakeDialectOptions, FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, rejectionOf } from "./harness.js";

const parallelDialect: FakeDialectOptions = { concurrentConnections: true, latencyMs: 5 };
const graph = { ordering: "graph" as const };

/** Four migrations on four tables, no dependencies: all may run side by side. */
const independent: FakeMigrationSpec[] = ["a", "b", "c", "d"].map((table, i) => ({
  id: `00${i + 1}_${table}`,
  up: `create table ${table} (id int); create index ${table}_id on ${table} (id)`,
  down: `drop table ${table}`,
}));

/** Index of the first event matching `type` and `version`. */
function at(events: readonly MigratorEvent[], type: MigratorEvent["type"], version: string): number {
  const index = events.findIndex((e) => e.type === type && "version" in e && e.version === version);
  expect(index, `${type} ${version}`).toBeGreaterThanOrEqual(0);
  return index;
}

function logMessages(events: readonly MigratorEvent[]): string[] {
  return events.flatMap((e) => (e.type === "log" ? [e.message] : []));
}

describe("parallel up (graph ordering, concurrent connections)", () => {
  it("runs independent migrations on several connections at once", async () => {
    const t = engine(independent, { dialect: parallelDialect, config: graph });
    const report = await t.migrator.up({ parallel: 3 });
    expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied", "applied", "applied"]);
    expect(t.events.find((e) => e.type === "run:start")).toMatchObject({ parallel: 3 });
    const workers = new Set(t.events.flatMap((e) => (e.type === "migration:start" ? [e.worker] : [])));
    expect([...workers].sort()).toEqual([1, 2, 3]);
    expect(t.db.maxInFlight).toBeGreaterThan(1);
    // the lock's connection and three workers
    expect(t.db.maxOpenConnections).toBe(4);
    expect(t.db.openConnections).toBe(0);
    expect(new Set(t.db.stateRows().map((r) => r.batch))).toEqual(new Set([1]));
  });

  it.each([
    { name: "a chain runs in dependency order", deps: { "002": ["001"], "003": ["002"] }, pairs: [["001", "002"], ["002", "003"]] },
    { name: "a join waits for both sides", deps: { "003": ["001", "002"] }, pairs: [["001", "003"], ["002", "003"]] },
    { name: "a later version may be a dependency's prerequisite only", deps: { "004": ["001"] }, pairs: [["001", "004"]] },
  ])("$name", async ({ deps, pairs }) => {
    const specs = independent.map((s) => ({ ...s, dependsOn: (deps as Record<string, string[]>)[s.id.slice(0, 3)] ?? [] }));
    const t = engine(specs, { dialect: parallelDialect, config: graph });
    await t.migrator.up({ parallel: 4 });
    for (const [before, after] of pairs as [string, string][]) {
      expect(at(t.events, "migration:end", before)).toBeLessThan(at(t.events, "migration:start", after));
    }
    expect(t.db.stateRows().map((r) => r.state)).toEqual(["applied", "applied", "applied", "applied"]);
  });

  it("retries a deadlocked migration alone once the others are done", async () => {
    const specs = independent.map((s) => (s.id === "002_b" ? { ...s, up: "create table b (id int); update b set id = 1 DEADLOCK_ONCE" } : s));
    const t = engine(specs, { dialect: parallelDialect, config: graph });
    const report = await t.migrator.up({ parallel: 2 });
    expect(report.ok).toBe(true);
    expect(report.migrations.map((m) => [m.version, m.status]).sort()).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"], ["004", "applied"]]);
    expect(logMessages(t.events)).toContain("002_b succeeded when retried alone");
    // the retry started after every other migration had ended, alone
    const retryStart = t.events.findLastIndex((e) => e.type === "migration:start" && e.version === "002");
    for (const v of ["001", "003", "004"]) expect(at(t.events, "migration:end", v)).toBeLessThan(retryStart);
    expect(t.db.stateRows().map((r) => [r.version, r.state])).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"], ["004", "applied"]]);
    // the failed attempt was rolled back: its table exists once
    expect(t.db.effects.filter((s) => s === "create table b (id int)")).toHaveLength(1);
  });

  it("keeps a conflicting pair (same table, no dependency) from running side by side", async () => {
    const specs: FakeMigrationSpec[] = [
      { id: "001_a", up: "create table a (id int)" },
      { id: "002_a_rows", up: "insert into a (id) values (1); insert into a (id) values (2)" },
      { id: "003_b", up: "create table b (id int)" },
    ];
    const t = engine(specs, { dialect: parallelDialect, config: graph });
    const report = await t.migrator.up({ parallel: 3 });
    expect(report.warnings.map((w) => w.code)).toEqual(["CONFLICT"]);
    expect(logMessages(t.events)).toContain("002_a_rows waits for 001_a: they touch the same table (conflict), so they do not run side by side");
    expect(at(t.events, "migration:end", "001")).toBeLessThan(at(t.events, "migration:start", "002"));
    expect(report.migrations.every((m) => m.status === "applied")).toBe(true);
  });

  it("a failure lets running migrations finish and starts no more", async () => {
    const specs = independent.map((s, i) => ({ ...s, dependsOn: i === 3 ? ["001", "002", "003"] : [] }));
    const failing = specs.map((s) => (s.id === "002_b" ? { ...s, up: "create table b (id int); insert into FAIL values (1)" } : s));
    const t = engine(failing, { dialect: parallelDialect, config: graph });
    const error = await rejectionOf(t.migrator.up({ parallel: 3 }));
    expect(error.code).toBe("MIGRATION_FAILED");
    expect(t.db.stateRows().map((r) => [r.version, r.state])).toEqual([["001", "applied"], ["003", "applied"]]);
    expect(t.events.find((e) => e.type === "run:end")).toMatchObject({ ok: false, applied: 2, failed: 1, remaining: 2 });
    expect(t.events.some((e) => e.type === "migration:start" && e.version === "004")).toBe(false);
  });
});

describe("parallel requested, one connection used", () => {
  it.each([
    { name: "the dialect runs one migration at a time", dialect: { latencyMs: 1 }, config: graph, why: "sqlite runs migrations one at a time" },
    { name: "linear ordering", dialect: parallelDialect, config: {}, why: "linear ordering runs each migration after the previous one" },
    { name: "transactions off", dialect: parallelDialect, config: { ...graph, transaction: "none" as const }, why: "a run in one transaction (or with transactions off) runs serially" },
  ])("$name", async ({ dialect, config, why }) => {
    const t = engine(independent, { dialect, config });
    const report = await t.migrator.up({ parallel: 3 });
    expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied", "applied", "applied"]);
    expect(t.events.find((e) => e.type === "run:start")).toMatchObject({ parallel: 1 });
    expect(logMessages(t.events).some((m) => m.startsWith("parallel: 3 ignored: ") && m.includes(why))).toBe(true);
    // the lock's connection and one worker
    expect(t.db.maxOpenConnections).toBe(2);
  });
});
