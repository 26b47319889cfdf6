// Ctrl-C and SIGTERM on SQLite, whose driver is synchronous: a statement holds the thread until it
// returns, so the signal's handler runs only once the run gives the event loop a turn. The
// migration in flight finishes (or rolls back), no later one starts, the exit is 130/143 with the
// notice, and the lock is free.

import { existsSync } from "node:fs";
import { expect } from "vitest";
import { checkInvariants } from "../support/invariants.js";
import { sqliteTarget } from "../support/targets.js";
import { checkSettled, describeTargets, expectedAfter, fixtureSet, fresh } from "./fixture-set.js";

const targets = [sqliteTarget()];

describeTargets("interrupting a run on SQLite", targets, (target, test) => {
  // 002 and 003 each count through a recursive CTE for about 1.5 s, in one synchronous call
  const slow = fixtureSet("sqlite", { count: 3, slowMs: 1500 });

  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    test(`${signal} during a long statement: that migration finishes, the next never starts, exit ${code}, the lock is free`, async (ctx) => {
      const t = await fresh(target, slow, ctx);
      const run = t.start(["up"]);
      await run.waitFor(/applying 001_counter \.\.\. ok/);
      run.kill(signal);
      const exit = await run.exited;
      expect(exit.code, exit.output).toBe(code);
      expect(exit.stderr).toMatch(new RegExp(`${signal} received: the current migration finishes or rolls back, no new one starts`));
      expect(exit.output).not.toMatch(/003_things \.\.\. ok/);
      const after = await checkSettled(t.db, slow, "sqlite", { allowRunning: [] });
      expect([1, 2], "002 finished (2) or never started (1); 003 never started").toContain(after.k);
      expect(existsSync(`${t.db.name}-stratum.lock.holder`), "the lock's holder note is removed").toBe(false);
      const again = await t.cli(["up", "--lock-timeout", "2000"]);
      expect(again.code, again.output).toBe(0);
      await checkInvariants(t.db, expectedAfter(slow, 3), "sqlite");
    });
  }

  test("SIGINT during a run in one transaction (--single-transaction): everything rolls back, exit 130", async (ctx) => {
    const t = await fresh(target, slow, ctx);
    const run = t.start(["up", "--single-transaction"]);
    await run.waitFor(/applying 001_counter \.\.\. ok/);
    run.kill("SIGINT");
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(130);
    expect(exit.stderr).toMatch(/SIGINT received/);
    expect(exit.output).not.toMatch(/003_things \.\.\. ok/);
    expect(exit.stdout).toMatch(/the run's single transaction was rolled back: nothing was applied; 3 remaining/);
    await checkInvariants(t.db, expectedAfter(slow, 0, { tables: [] }), "sqlite");
    const again = await t.cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(slow, 3), "sqlite");
  });

  test("SIGTERM during `up --json`: the last event, run:end, says which signal stopped the run", async (ctx) => {
    const t = await fresh(target, slow, ctx);
    const run = t.start(["up", "--json"]);
    await run.waitFor(/"type":"migration:end".*"version":"001"/);
    run.kill("SIGTERM");
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(143);
    const events = exit.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const end = events.at(-1);
    expect(end?.["type"]).toBe("run:end");
    expect(end?.["interrupted"]).toBe("SIGTERM");
    expect(end?.["remaining"]).toBeGreaterThan(0);
  });

  // 30 migrations of about 40 ms each: a signal mid-run stops after the migration in flight
  const many = fixtureSet("sqlite", { count: 30, slowMs: 40 });
  const modes = [
    { what: "one transaction each", args: ["up"] },
    { what: "--parallel 4, run serially", args: ["up", "--parallel", "4"] },
    { what: "transactions off", args: ["up"], config: { transaction: "none" } },
  ];
  for (const mode of modes) {
    test(`SIGINT mid-run over 30 migrations (${mode.what}): it stops after the one in flight, exit 130, the rerun applies the rest`, async (ctx) => {
      const t = await fresh(target, many, ctx);
      if (mode.config !== undefined) t.project.write("stratum.config.json", JSON.stringify({ dir: "migrations", ...mode.config }));
      const run = t.start(mode.args);
      await run.waitFor(/applying 005_things \.\.\. ok/);
      run.kill("SIGINT");
      const exit = await run.exited;
      expect(exit.code, exit.output).toBe(130);
      expect(exit.stderr).toMatch(/SIGINT received/);
      const after = await checkSettled(t.db, many, "sqlite", { allowRunning: [] });
      expect(after.k, "the run stopped before the end").toBeGreaterThanOrEqual(5);
      expect(after.k, "the run stopped before the end").toBeLessThan(30);
      expect(exit.stdout).toMatch(new RegExp(`${30 - after.k} remaining|${30 - after.k} still pending`));
      const again = await t.cli(["up", "--lock-timeout", "2000"]);
      expect(again.code, again.output).toBe(0);
      await checkInvariants(t.db, expectedAfter(many, 30), "sqlite");
    });
  }
});
