// Crash safety: SIGKILL at every checkpoint on every dialect, then `up` again; SIGINT/SIGTERM
// finish or roll back the current migration, start no new one, release the lock, exit 130/143.

import { expect } from "vitest";
import { checkInvariants, logCounts } from "../support/invariants.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TargetName } from "../support/targets.js";
import { checkSettled, describeTargets, expectedAfter, fixtureSet, fresh, settleDirty } from "./fixture-set.js";

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

type PerDialect = Readonly<Record<TargetName, number>>;
const all = (k: number): PerDialect => ({ sqlite: k, postgres: k, mysql: k });

interface CheckpointCase {
  readonly pause: string;
  /** Where the checkpoint exists (migration transactions: PostgreSQL and SQLite only). */
  readonly on: readonly TargetName[];
  /** Migrations committed while paused there, and so after a SIGKILL there. */
  readonly applied: PerDialect;
  /** MariaDB: the migration is left `running` with this many of its effects made. */
  readonly dirtyEffects?: number;
}

const everywhere: readonly TargetName[] = ["sqlite", "postgres", "mysql"];
const transactional: readonly TargetName[] = ["sqlite", "postgres"];

// the set: 001 counter table (2 statements), 002 SQL (4 statements), 003 TypeScript
const checkpoints: readonly CheckpointCase[] = [
  { pause: "after-lock", on: everywhere, applied: all(0) },
  { pause: "after-begin@002", on: transactional, applied: all(1) },
  { pause: "after-statement-1@002", on: everywhere, applied: all(1), dirtyEffects: 1 },
  { pause: "after-statement-4@002", on: everywhere, applied: all(1), dirtyEffects: 4 },
  { pause: "after-state-write@002", on: everywhere, applied: { sqlite: 1, postgres: 1, mysql: 2 } },
  { pause: "before-commit@002", on: transactional, applied: all(1) },
  { pause: "after-commit@002", on: transactional, applied: all(2) },
  { pause: "after-state-write@003", on: everywhere, applied: { sqlite: 2, postgres: 2, mysql: 3 } },
  { pause: "before-commit@003", on: transactional, applied: all(2) },
  { pause: "before-unlock", on: everywhere, applied: all(3) },
];

describeTargets("crash safety", targets, (target, test) => {
  const dialect = target.name;
  const set = fixtureSet(dialect, { count: 3, codeAt: [3] });

  for (const c of checkpoints.filter((c) => c.on.includes(dialect))) {
    test(`SIGKILL at ${c.pause}: lands on ${c.applied[dialect]} applied, and the next up completes`, async (ctx) => {
      const t = await fresh(target, set, ctx);
      const paused = await t.pauseAt(c.pause);
      const [point, version = null] = c.pause.split("@");
      expect(paused.at).toEqual({ point, version });
      const waiting = () => expect(paused.done(), `the CLI must wait at ${c.pause} until told to go on; it exited:\n${paused.stderr()}`).toBe(false);
      waiting();

      // while it waits at the checkpoint: what is committed is visible, the lock is held
      const during = await checkSettled(t.db, set, dialect, { lock: "held" });
      expect(during.k).toBe(c.applied[dialect]);

      waiting();
      paused.kill("SIGKILL");
      const exit = await paused.exited;
      expect(exit.signal, exit.output).toBe("SIGKILL");

      const after = await checkSettled(t.db, set, dialect);
      expect(after.k, "migrations applied after the kill").toBe(c.applied[dialect]);
      if (c.applied[dialect] === 0) expect(await t.db.tables(), "nothing is created before the first write").toEqual([]);
      if (dialect === "mysql" && c.dirtyEffects !== undefined) {
        // DDL commits implicitly: the interrupted migration is visibly dirty, exactly as far as it got
        expect(after.dirty?.version).toBe("002");
        expect(after.dirty?.state).toBe("running");
        expect(after.dirtyEffects).toBe(c.dirtyEffects);
        const refused = await t.cli(["up"]);
        expect(refused.code, refused.output).toBe(3);
        expect(refused.stderr).toMatch(/002_things/);
        expect(refused.stderr).toMatch(/stratum resolve 002/);
        await settleDirty(t.db, set, after, t.cli);
      } else {
        expect(after.dirty).toBeNull();
      }

      const again = await t.cli(["up", "--lock-timeout", "2000"]);
      expect(again.code, again.output).toBe(0);
      await checkInvariants(t.db, expectedAfter(set, 3), dialect);
    });
  }

  test("SIGINT while paused mid-migration: that migration finishes or rolls back, none starts after it, exit 130", async (ctx) => {
    const t = await fresh(target, set, ctx);
    const paused = await t.pauseAt("after-statement-1@002");
    paused.kill("SIGINT");
    // the signal is noticed; the paused migration then carries on to its end or rolls back
    await paused.waitFor(/SIGINT received/);
    paused.resume();
    const exit = await paused.exited;
    expect(exit.code, exit.output).toBe(130);
    const after = await checkSettled(t.db, set, dialect, { allowRunning: [] });
    expect([1, 2], "002 finished (2) or rolled back (1); 003 never started").toContain(after.k);
    const again = await t.cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(set, 3), dialect);
  });

  const sleepy = fixtureSet(dialect, { count: 3, sleepyAt: new Map([[2, 1500]]) });
  test("SIGTERM during a slow TypeScript migration: exit 143, it finishes or rolls back, the next one never starts", async (ctx) => {
    const t = await fresh(target, sleepy, ctx);
    // NDJSON events: migration:start is printed as the migration begins
    const run = t.start(["up", "--json"]);
    await run.waitFor(/"type":"migration:start"[^\n]*"version":"002"/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.kill("SIGTERM");
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(143);
    expect(exit.stdout).not.toMatch(/"type":"migration:start"[^\n]*"version":"003"/);
    const after = await checkSettled(t.db, sleepy, dialect, { allowRunning: [] });
    expect([1, 2], "002 finished (2) or rolled back (1); 003 never started").toContain(after.k);
    const again = await t.cli(["up", "--lock-timeout", "2000"]);
    expect(again.code, again.output).toBe(0);
    await checkInvariants(t.db, expectedAfter(sleepy, 3), dialect);
  });
});

describeTargets("crash safety, COMMIT in flight", targets.filter((t) => t.name === "postgres"), (target, test) => {
  // 001 makes COMMITs slow: a deferred constraint trigger sleeps at commit time. 002 is a plain,
  // non-idempotent INSERT, so a second apply would leave a second row.
  const slowCommit = [
    "CREATE TABLE audit (note TEXT NOT NULL);",
    "CREATE FUNCTION audit_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;",
    "CREATE CONSTRAINT TRIGGER audit_slow_commit AFTER INSERT ON audit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_slow_commit();",
    "",
  ].join("\n");
  const insert = "INSERT INTO audit (note) VALUES ('002');\n";

  test("SIGKILL while the COMMIT is still running on the server: the next run (started at once) does not apply it again", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_audit.sql", slowCommit);
    t.project.migration("002_audit_row.sql", insert);
    const paused = await t.pauseAt("before-commit@002");
    paused.resume();
    // the COMMIT has reached the server and sits in the deferred trigger (sent alone, or last
    // in the batch that carries the lock assertion)
    const started = Date.now();
    for (;;) {
      const rows = await t.db.query<{ n: unknown }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() and state = 'active' and query ~* '(^|\\n;\\n)commit$'",
      );
      if (Number(rows[0]?.n) > 0) break;
      expect(Date.now() - started, "the COMMIT never showed up in pg_stat_activity").toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    paused.kill("SIGKILL");
    await paused.exited;
    const next = await t.cli(["up", "--lock-timeout", "10000"]);
    // it may wait, or fail and be rerun; it must never apply 002 a second time
    const rerun = await t.cli(["up", "--lock-timeout", "10000"]);
    expect(rerun.code, `${next.output}\n${rerun.output}`).toBe(0);
    const rows = await t.db.query<{ n: unknown }>("select count(*) as n from audit where note = '002'");
    expect(Number(rows[0]?.n), `002 ran twice:\n${next.output}`).toBe(1);
    const applies = await logCounts(t.db, "postgres", { operation: "apply", outcome: "success" });
    expect(applies.get("002"), "successful applies of 002 in the log").toBe(1);
  }, 60_000);

  test("a deferred constraint that fails at COMMIT fails its migration, names it, and keeps nothing of it", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration(
      "001_tables.sql",
      "CREATE TABLE parent (id INT PRIMARY KEY);\nCREATE TABLE child (parent INT REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n",
    );
    t.project.migration("002_orphan.sql", "CREATE TABLE orphan_marker (id INT);\nINSERT INTO child VALUES (9);\n");
    const result = await t.cli(["up"]);
    expect(result.code, result.output).toBe(1);
    expect(result.stderr).toContain("002_orphan");
    expect(result.stderr).toMatch(/foreign key/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const tables = await t.db.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' order by 1");
    expect(tables.map((r) => r.name)).not.toContain("orphan_marker");
    const states = await t.db.query<{ version: string; state: string }>("select version, state from stratum_migrations order by version");
    expect(states).toEqual([{ version: "001", state: "applied" }]);
    const failures = await logCounts(t.db, "postgres", { operation: "apply", outcome: "failure" });
    expect(failures.get("002")).toBe(1);
    expect(result.stderr).toContain("nothing of it was applied");
    expect((await t.cli(["status"])).stdout).toMatch(/002\s+orphan\s+pending/);
  }, 60_000);
});
