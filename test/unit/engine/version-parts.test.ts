// The engine over versions in parts (a Flyway project's `1`, `1.1`, `1.2`, `1.10`, `2`): up, status,
// down --to, history, stats, baseline and resolve, on the fake ports. Nothing may turn a version
// into a number (BigInt("1.1") throws), and `1.10` must come after `1.2`.

import { describe, expect, it } from "vitest";
import type { FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, rejectionOf } from "./harness.js";

const flyway: FakeMigrationSpec[] = [
  { id: "1_init", up: "create table init (id int)", down: "drop table init" },
  { id: "1.10_index", up: "create index i on orders (id)", down: "drop index i" },
  { id: "1.1_users", up: "create table users (id int)", down: "drop table users" },
  { id: "2_report", up: "create view report as select 1", down: "drop view report" },
  { id: "1.2_orders", up: "create table orders (id int)", down: "drop table orders" },
];

describe("a project with versions in parts", () => {
  it("up applies part by part, status shows it, down --to 1.1 rolls back above it, up again", async () => {
    const t = engine(flyway);
    const report = await t.migrator.up();
    expect(report.migrations.map((m) => m.version)).toEqual(["1", "1.1", "1.2", "1.10", "2"]);
    expect(t.db.executed()).toEqual([
      "create table init (id int)",
      "create table users (id int)",
      "create table orders (id int)",
      "create index i on orders (id)",
      "create view report as select 1",
    ]);
    expect(t.db.stateRows().map((r) => r.version)).toEqual(["1", "1.1", "1.2", "1.10", "2"]);

    const status = await t.migrator.status();
    expect(status.migrations.map((m) => [m.version, m.state])).toEqual([
      ["1", "applied"],
      ["1.1", "applied"],
      ["1.2", "applied"],
      ["1.10", "applied"],
      ["2", "applied"],
    ]);
    expect(status.pending).toBe(0);
    expect((await t.migrator.up()).migrations).toEqual([]);

    const down = await t.migrator.down({ to: "1_1" });
    expect(down.migrations.map((m) => m.version)).toEqual(["2", "1.10", "1.2"]);
    expect(t.db.stateRows().filter((r) => r.state === "applied").map((r) => r.version)).toEqual(["1", "1.1"]);
    expect((await t.migrator.stats()).pending).toBe(3);
    expect((await t.migrator.history({ version: "1.10" })).map((e) => [e.operation, e.version])).toEqual([
      ["apply", "1.10"],
      ["rollback", "1.10"],
    ]);

    expect((await t.migrator.up({ to: "1.2" })).migrations.map((m) => m.version)).toEqual(["1.2"]);
    expect((await t.migrator.up()).migrations.map((m) => m.version)).toEqual(["1.10", "2"]);
  });

  it("baseline 1.2 marks 1, 1.1 and 1.2 (not 1.10) applied; up runs the rest", async () => {
    const t = engine(flyway);
    expect(await t.migrator.baseline("1.2")).toEqual(["1", "1.1", "1.2"]);
    expect(t.db.sent).toEqual([]);
    expect((await t.migrator.up()).migrations.map((m) => m.version)).toEqual(["1.10", "2"]);
  });

  it("resolve 1.1 settles a failed migration with a version in parts; a bad version is one sentence", async () => {
    const failing = flyway.map((s) => (s.id === "1.1_users" ? { ...s, up: "create table users (id int); insert into FAIL values (1)" } : s));
    const t = engine(failing, { dialect: { transactionalDdl: false } });
    await rejectionOf(t.migrator.up());
    expect(t.db.stateRows().find((r) => r.version === "1.1")?.state).toBe("failed");
    const row = await t.migrator.resolve("1.1_users", "applied");
    expect(row).toMatchObject({ version: "1.1", state: "applied" });
    expect((await t.migrator.up()).migrations.map((m) => m.version)).toEqual(["1.2", "1.10", "2"]);

    const error = await rejectionOf(t.migrator.resolve("1..1", "applied"));
    expect(error.code).toBe("USAGE");
    expect(error.message).toBe('"1..1" is not a migration version');
  });
});
