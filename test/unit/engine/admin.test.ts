// The admin operations on fake ports: repair, resolve and baseline change only history rows,
// log what they did, and refuse (writing nothing) what they cannot do safely.

import { describe, expect, it } from "vitest";
import type { Problem } from "../../../src/core/types.js";
import { fakeMigration, type FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, rejectionOf, type EngineUnderTest } from "./harness.js";

const three: FakeMigrationSpec[] = [
  { id: "001_a", up: "create table a (id int)", down: "drop table a" },
  { id: "002_b", up: "create table b (id int)", down: "drop table b" },
  { id: "003_c", up: "create table c (id int)", down: "drop table c" },
];

const replace = (id: string, spec: Partial<FakeMigrationSpec> | null): FakeMigrationSpec[] =>
  three.flatMap((s) => (s.id !== id ? [s] : spec === null ? [] : [{ ...s, ...spec }]));

/** All three applied; counters reset so a test sees only what its operation did. */
async function migrated(): Promise<EngineUnderTest> {
  const t = engine(three);
  await t.migrator.up();
  t.db.sent.length = 0;
  t.db.locksTaken = 0;
  t.events.length = 0;
  return t;
}

describe("repair", () => {
  const edited = fakeMigration({ ...(three[0] as FakeMigrationSpec), up: "create table a (id int, name text)" });

  it.each([
    {
      name: "a changed file: its checksum is re-recorded",
      files: replace("001_a", { up: "create table a (id int, name text)" }),
      options: {},
      report: { updated: [{ version: "001", to: edited.checksum }], renamed: [], removed: [], missing: [] },
      rows: [["001", "a", edited.checksum], ["002", "b", null], ["003", "c", null]],
      details: [/^checksum [0-9a-f]{64} -> [0-9a-f]{64}$/],
    },
    {
      name: "a renamed file: its name is re-recorded",
      files: [{ ...(three[0] as FakeMigrationSpec), id: "001_alpha" }, ...three.slice(1)],
      options: {},
      report: { updated: [], renamed: [{ version: "001", from: "a", to: "alpha" }], removed: [], missing: [] },
      rows: [["001", "alpha", null], ["002", "b", null], ["003", "c", null]],
      details: [/^name a -> alpha$/],
    },
    {
      name: "a removed file with removeMissing: its row is removed",
      files: replace("002_b", null),
      options: { removeMissing: true },
      report: { updated: [], renamed: [], removed: ["002"], missing: [] },
      rows: [["001", "a", null], ["003", "c", null]],
      details: [/^state row removed: file is gone$/],
    },
  ])("$name", async ({ files, options, report, rows, details }) => {
    const t = await migrated();
    const before = new Map(t.db.stateRows().map((r) => [r.version, r.checksum]));
    t.source.set(files);
    const result = await t.migrator.repair(options);
    expect(result).toMatchObject(report);
    expect(t.db.stateRows().map((r) => [r.version, r.name, r.checksum])).toEqual(rows.map(([v, n, sum]) => [v, n, sum ?? before.get(v as string)]));
    const repairs = t.db.logRows().filter((r) => r.operation === "repair");
    expect(repairs.map((r) => r.details)).toEqual(details.map((d) => expect.stringMatching(d)));
    expect(repairs.every((r) => r.outcome === "success" && r.host === "test-host" && r.dbUser === "fake_user")).toBe(true);
    expect(t.db.sent).toEqual([]);
  });

  it.each([
    { name: "a missing file without removeMissing is reported and kept", files: replace("002_b", null), report: { missing: ["002"] } },
    { name: "nothing changed", files: three, report: { missing: [] } },
  ])("$name: no lock, nothing written", async ({ files, report }) => {
    const t = await migrated();
    const before = t.db.snapshot();
    t.source.set(files);
    expect(await t.migrator.repair()).toEqual({ updated: [], removed: [], renamed: [], ...report });
    expect(t.db.snapshot()).toEqual(before);
    expect(t.db.locksTaken).toBe(0);
  });

  it("refuses when a file it would record has a problem of its own, writing nothing", async () => {
    const t = await migrated();
    const problem: Problem = { code: "BAD_SECTION", message: "001_a.sql: two up sections", files: ["001_a.sql"], fix: "keep one", severity: "error", versions: ["001"] };
    t.source.set(replace("001_a", { up: "create table a (id int, name text)" }), [problem]);
    const before = t.db.snapshot();
    const error = await rejectionOf(t.migrator.repair());
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.problems?.map((p) => p.message)).toEqual(["001_a.sql: two up sections"]);
    expect(t.db.snapshot()).toEqual(before);
  });

  it("after a repair, up runs again (the changed file no longer blocks it)", async () => {
    const t = await migrated();
    t.source.set([...replace("001_a", { up: "create table a (id int, name text)" }), { id: "004_d" }]);
    expect((await rejectionOf(t.migrator.up())).problems?.map((p) => p.code)).toContain("CHECKSUM_MISMATCH");
    await t.migrator.repair();
    expect((await t.migrator.up()).migrations.map((m) => m.version)).toEqual(["004"]);
  });
});

/** 002 failed halfway on a dialect without transactional DDL: dirty, one statement applied. */
async function dirty(): Promise<EngineUnderTest> {
  const t = engine(replace("002_b", { up: "create table b (id int); insert into FAIL values (1)" }), { dialect: { transactionalDdl: false } });
  await rejectionOf(t.migrator.up());
  t.db.locksTaken = 0;
  return t;
}

describe("resolve", () => {
  it("a dirty migration blocks up until it is resolved", async () => {
    const t = await dirty();
    const error = await rejectionOf(t.migrator.up());
    expect(error.problems?.map((p) => p.code)).toContain("DIRTY");
  });

  it.each([
    // finished by hand: the file stays as it was applied
    { outcome: "applied" as const, state: "applied", fix: false, next: ["003"], details: "marked applied (was failed after 1 statement(s))" },
    // undone by hand and the file fixed: it runs again
    { outcome: "rolled-back" as const, state: "rolled_back", fix: true, next: ["002", "003"], details: "marked rolled-back (was failed after 1 statement(s))" },
  ])("--$outcome records it and logs why; up then goes on", async ({ outcome, state, fix, next, details }) => {
    const t = await dirty();
    const row = await t.migrator.resolve("002", outcome);
    expect(row).toMatchObject({ version: "002", state, error: null });
    expect(t.db.stateRows().find((r) => r.version === "002")).toMatchObject({ state, error: null });
    const logged = t.db.logRows().at(-1);
    expect(logged).toMatchObject({ operation: "resolve", version: "002", outcome: "success", details });
    if (fix) t.source.set(three);
    expect((await t.migrator.up()).migrations.map((m) => m.version)).toEqual(next);
  });

  it.each([
    { name: "a version never recorded", version: "009", code: "VALIDATION_FAILED", message: "no migration 009 is recorded in stratum_migrations" },
    { name: "a migration that is not dirty", version: "001", code: "VALIDATION_FAILED", message: "migration 001_a is applied, not dirty; there is nothing to resolve" },
    { name: "something that is not a version", version: "abc", code: "USAGE", message: '"abc" is not a migration version' },
  ])("refuses $name, without the lock, writing nothing", async ({ version, code, message }) => {
    const t = await dirty();
    const before = t.db.snapshot();
    const error = await rejectionOf(t.migrator.resolve(version, "applied"));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(t.db.snapshot()).toEqual(before);
    expect(t.db.locksTaken).toBe(0);
  });
});

describe("baseline", () => {
  it("marks every migration up to the version applied without running it, in one batch", async () => {
    const t = engine(three);
    expect(await t.migrator.baseline("002")).toEqual(["001", "002"]);
    expect(t.db.sent).toEqual([]);
    expect(t.db.stateRows().map((r) => [r.version, r.state, r.batch, r.durationMs])).toEqual([["001", "applied", 1, 0], ["002", "applied", 1, 0]]);
    expect(t.db.logRows().map((r) => [r.operation, r.version, r.details])).toEqual([
      ["baseline", "002", "baseline at 002: marked 2 migration(s) applied without running them"],
    ]);
    const report = await t.migrator.up();
    expect(report.migrations.map((m) => m.version)).toEqual(["003"]);
    expect(t.db.stateRows().map((r) => r.batch)).toEqual([1, 1, 2]);
    expect(t.db.executed()).toEqual(["create table c (id int)"]);
  });

  it("skips what is already applied", async () => {
    const t = engine(three);
    await t.migrator.up({ to: "001" });
    expect(await t.migrator.baseline("003")).toEqual(["002", "003"]);
    expect(t.db.stateRows().map((r) => [r.version, r.batch])).toEqual([["001", 1], ["002", 2], ["003", 2]]);
  });

  it("refuses a version with no migration file, writing nothing", async () => {
    const t = engine(three);
    const error = await rejectionOf(t.migrator.baseline("007"));
    expect(error.problems?.map((p) => p.code)).toEqual(["UNKNOWN_VERSION"]);
    expect(error.message).toContain("there is no migration 007 in /fake/migrations");
    expect(t.db.history.exists).toBe(false);
    expect(t.db.locksTaken).toBe(0);
  });
});
