// One transaction for the whole run (`--single-transaction`, `transaction: "all"`): all or
// nothing, and refused up front where it cannot be honoured.

import { describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../../src/config/types.js";
import type { UpOptions } from "../../../src/api-types.js";
import type { FakeMigrationSpec } from "../../support/fake-ports.js";
import { engine, eventTrail, rejectionOf, runEvents } from "./harness.js";

const three: FakeMigrationSpec[] = [
  { id: "001_a", up: "create table a (id int)" },
  { id: "002_b", up: "create table b (id int); insert into b (id) values (1)" },
  { id: "003_c", up: "create table c (id int)" },
];

const failingThird = three.map((s) => (s.id === "003_c" ? { ...s, up: "create table c (id int); insert into FAIL values (1)" } : s));

const ways: { name: string; options: UpOptions; config: Partial<ResolvedConfig> }[] = [
  { name: "--single-transaction", options: { singleTransaction: true }, config: {} },
  { name: 'transaction: "all"', options: {}, config: { transaction: "all" } },
];

describe.each(ways)("one transaction for the run ($name)", ({ options, config }) => {
  it("applies everything in one transaction on the work connection", async () => {
    const t = engine(three, { config });
    const report = await t.migrator.up(options);
    expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied", "applied"]);
    expect(t.db.transactions.map((e) => e.op)).toEqual(["begin", "commit"]);
    expect(t.db.sent.every((s) => s.inTransaction)).toBe(true);
    expect(t.db.stateRows().map((r) => [r.version, r.state, r.batch])).toEqual([["001", "applied", 1], ["002", "applied", 1], ["003", "applied", 1]]);
  });

  it("a failure rolls back every migration of the run, and logs why", async () => {
    const t = engine(failingThird, { config });
    const error = await rejectionOf(t.migrator.up(options));
    expect(error.code).toBe("MIGRATION_FAILED");
    expect(t.db.effects).toEqual([]);
    expect(t.db.stateRows()).toEqual([]);
    expect(t.db.transactions.map((e) => e.op)).toEqual(["begin", "rollback"]);
    const log = t.db.logRows();
    expect(log.map((r) => [r.version, r.operation, r.outcome])).toEqual([["003", "apply", "failure"]]);
    expect(log[0]?.details).toBe("single transaction rolled back; 2 earlier migration(s) of this run were rolled back too");
    expect(t.events.find((e) => e.type === "run:end")).toMatchObject({ ok: false, applied: 0, failed: 1, remaining: 3 });
  });
});

describe("one transaction refused before anything runs", () => {
  it.each([
    {
      name: "the dialect commits DDL implicitly",
      specs: three,
      dialect: { transactionalDdl: false },
      message: "commits DDL implicitly, so the singleTransaction option cannot be honoured",
    },
    {
      name: "a migration runs outside a transaction",
      specs: three.map((s) => (s.id === "002_b" ? { ...s, transaction: false } : s)),
      dialect: {},
      message: "migration 002_b runs outside a transaction (stratum:transaction off), so the run cannot be one transaction",
    },
  ])("$name", async ({ specs, dialect, message }) => {
    const t = engine(specs, { dialect });
    const error = await rejectionOf(t.migrator.up({ singleTransaction: true }));
    expect(error.code).toBe("USAGE");
    expect(error.message).toContain(message);
    expect(t.db.sent).toEqual([]);
    expect(t.db.history.exists).toBe(false);
    expect(t.db.transactions).toEqual([]);
    expect(eventTrail(t.events, runEvents)).not.toContain("run:start");
  });

  it("a statement that cannot run in a transaction among others is refused with the file and line of each", async () => {
    const t = engine(three.map((s) => (s.id === "002_b" ? { ...s, up: "create table b (id int);\ncreate index concurrently b_id on b (id)" } : s)));
    const error = await rejectionOf(t.migrator.up({ singleTransaction: true }));
    expect(error.problems?.map((p) => p.code)).toEqual(["TRANSACTION_MIXED"]);
    expect(error.message).toContain("CONCURRENTLY at 002_b.sql:3");
    expect(error.message).toContain("(002_b.sql:2)");
    expect(t.db.sent).toEqual([]);
  });
});
