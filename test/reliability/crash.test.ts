// Crash safety: SIGKILL at every checkpoint on every dialect, then `up` again; SIGINT/SIGTERM
// finish or roll back the current migration, start no new one, release the lock, exit 130/143.

import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { checkInvariants } from "../support/invariants.js";
import { runUntilPause, startCli, stopStrays } from "../support/pause.js";
import type { Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TargetName, type TestDb } from "../support/targets.js";
import { checkSettled, cliIn, describeTargets, expectedAfter, fixtureSet, projectOf, settleDirty } from "./fixture-set.js";

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

type PerDialect = Readonly<Record<TargetName, number>>;
const all = (k: number): PerDialect => ({ sqlite: k, postgres: k, mysql: k });

interface CheckpointCase {
  readonly pause: string;
  /** Where the checkpoint exists (transactions: PostgreSQL and SQLite only). */
  readonly on: readonly TargetName[];
  /** Migrations applied (committed) while paused there, and so after a SIGKILL there. */
  readonly applied: PerDialect;
  /** MariaDB: the migration left `running` with this many of its effects made. */
  readonly dirtyEffects?: number;
}

const everywhere: readonly TargetName[] = ["sqlite", "postgres", "mysql"];
const transactional: readonly TargetName[] = ["sqlite", "postgres"];

// 001 counter table (2 statements), 002 SQL (4 statements), 003 TypeScript
const checkpoints: readonly CheckpointCase[] = [
  { pause: "after-lock", on: everywhere, applied: all(0) },
  { pause: "after-begin@002", on: transactional, applied: all(1) },
  { pause: "after-statement-1@002", on: everywhere, applied: all(1), dirtyEffects: 1 },
  { pause: "after-statement-3@002", on: everywhere, applied: all(1), dirtyEffects: 3 },
  { pause: "after-statement-4@002", on: everywhere, applied: all(1), dirtyEffects: 4 },
  { pause: "after-state-write@002", on: everywhere, applied: { sqlite: 1, postgres: 1, mysql: 2 } },
  { pause: "before-commit@002", on: transactional, applied: all(1) },
  { pause: "after-commit@002", on: transactional, applied: all(2) },
  { pause: "after-begin@003", on: transactional, applied: all(2) },
  { pause: "after-state-write@003", on: everywhere, applied: { sqlite: 2, postgres: 2, mysql: 3 } },
  { pause: "before-commit@003", on: transactional, applied: all(2) },
  { pause: "before-unlock", on: everywhere, applied: all(3) },
];

describeTargets("crash safety", targets, (target) => {
  const dialect = target.name;
  const set = fixtureSet(dialect, { count: 3, codeAt: [3] });
  let db: TestDb;
  let project: Project;
  let cli: ReturnType<typeof cliIn>;

  beforeEach(async () => {
    db = await target.createDatabase();
    project = projectOf(set);
    cli = cliIn(project, db);
  });
  afterEach(async () => {
    await stopStrays();
    await db.drop();
    project.cleanup();
  });

  for (const c of checkpoints.filter((c) => c.on.includes(dialect))) {
    it(`SIGKILL at ${c.pause}: lands on ${c.applied[dialect]} applied, and the next up completes`, async () => {
      const paused = await runUntilPause(["up", "--url", db.url], { cwd: project.dir, pause: c.pause });
      const [point, version = null] = c.pause.split("@");
      expect(paused.at).toEqual({ point, version });

      // while it waits at the checkpoint: what is committed is visible, the lock is held
      const during = await checkSettled(db, set, dialect, { lock: "held" });
      expect(during.k).toBe(c.applied[dialect]);

      expect(paused.done(), `the CLI must wait at ${c.pause} until told to go on; it exited:\n${paused.stderr()}`).toBe(false);
      paused.kill("SIGKILL");
      const exit = await paused.exited;
      expect(exit.signal, exit.output).toBe("SIGKILL");

      const after = await checkSettled(db, set, dialect);
      expect(after.k, "migrations applied after the kill").toBe(c.applied[dialect]);
      if (dialect === "mysql" && c.dirtyEffects !== undefined) {
        // DDL commits implicitly: the interrupted migration is visibly dirty, exactly as far as it got
        expect(after.dirty?.version).toBe("002");
        expect(after.dirty?.state).toBe("running");
        expect(after.dirtyEffects).toBe(c.dirtyEffects);
        const refused = await cli(["up"]);
        expect(refused.code, refused.output).toBe(3);
        expect(refused.output).toMatch(/002/);
        expect(refused.output).toMatch(/resolve/);
        await settleDirty(db, set, after, cli);
      } else {
        expect(after.dirty).toBeNull();
      }

      const again = await cli(["up", "--lock-timeout", "2000"]);
      expect(again.code, again.output).toBe(0);
      await checkInvariants(db, expectedAfter(set, 3), dialect);
    });
  }

  it("SIGKILL before anything is written leaves no tables and up completes", async () => {
    const paused = await runUntilPause(["up", "--url", db.url], { cwd: project.dir, pause: "after-lock" });
    paused.kill("SIGKILL");
    await paused.exited;
    expect(await db.tables()).toEqual([]);
    const again = await cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(db, expectedAfter(set, 3), dialect);
  });

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} while paused mid-migration: the migration finishes or rolls back, none starts after it, exit ${code}`, async () => {
      const paused = await runUntilPause(["up", "--url", db.url], { cwd: project.dir, pause: "after-statement-1@002" });
      paused.kill(signal);
      // the signal is noticed; the paused migration then carries on to its end or rolls back
      await paused.waitFor(new RegExp(`${signal} received`));
      paused.resume();
      const exit = await paused.exited;
      expect(exit.code, exit.output).toBe(code);
      const after = await checkSettled(db, set, dialect, { allowRunning: [] });
      expect([1, 2], "002 finished (2) or rolled back (1); 003 never started").toContain(after.k);
      const again = await cli(["up", "--lock-timeout", "2000"]);
      expect(again.code, again.output).toBe(0);
      await checkInvariants(db, expectedAfter(set, 3), dialect);
    });
  }

  const sleepy = fixtureSet(dialect, { count: 3, sleepyAt: new Map([[2, 1500]]) });
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} during a slow TypeScript migration: exit ${code}, it finishes or rolls back, the next one never starts`, async () => {
      const slowProject = projectOf(sleepy);
      try {
        // NDJSON events: migration:start is printed as the migration begins
        const run = startCli(["up", "--json", "--url", db.url], { cwd: slowProject.dir });
        await run.waitFor(/"type":"migration:start"[^\n]*"version":"002"/);
        await new Promise((resolve) => setTimeout(resolve, 200));
        run.kill(signal);
        const exit = await run.exited;
        expect(exit.code, exit.output).toBe(code);
        const after = await checkSettled(db, sleepy, dialect, { allowRunning: [] });
        expect([1, 2], "002 finished (2) or rolled back (1); 003 never started").toContain(after.k);
        const again = await runCli(["up", "--url", db.url, "--lock-timeout", "2000"], { cwd: slowProject.dir });
        expect(again.code, again.output).toBe(0);
        await checkInvariants(db, expectedAfter(sleepy, 3), dialect);
      } finally {
        slowProject.cleanup();
      }
    });
  }
});
