// Behind PgBouncer in transaction pooling mode a session advisory lock goes to whichever client gets
// the server connection next, so Stratum detects the pooler and takes a lease (a row in
// `<table>_lock`) instead. The pooler is started by the test on 127.0.0.1 and stopped after.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startPgBouncer, type PgBouncer } from "../support/cluster-servers.js";
import { appliedBy, effectsProject, lockOf, upAtOnce } from "../support/lock-runs.js";
import type { Project } from "../support/project.js";
import { postgresTarget, type TestDb } from "../support/targets.js";

const target = await postgresTarget();
let bouncer: PgBouncer | null = null;
let startError: Error | null = null;
const projects: Project[] = [];
const databases: TestDb[] = [];

beforeAll(async () => {
  if (target.unreachable !== null) {
    startError = new Error(target.unreachable);
    return;
  }
  try {
    bouncer = await startPgBouncer({ poolSize: 2, timeoutMs: 20_000 });
  } catch (error) {
    startError = error as Error;
  }
}, 30_000);

afterAll(async () => {
  for (const project of projects.splice(0)) project.cleanup();
  for (const db of databases.splice(0)) await db.drop().catch(() => undefined);
  await bouncer?.stop();
}, 30_000);

/** The pooler, or (CI=true) a failure saying why it is not there; outside CI the test is skipped loudly. */
function pooler(skip: () => void): PgBouncer {
  if (bouncer !== null) return bouncer;
  const why = `PgBouncer could not be started: ${startError?.message ?? "unknown"}`;
  if (process.env["CI"] === "true") throw new Error(`${why} (CI=true: a missing pooler fails the run)`);
  console.warn(`\n[stratum tests] SKIPPING the PgBouncer lock test: ${why}\n`);
  skip();
  throw new Error("unreachable");
}

describe.concurrent("the run lock behind PgBouncer (pool_mode=transaction)", () => {
  it("8 concurrent `up` runs through the pooler apply each migration exactly once, each under a lease it reports", async (ctx) => {
    const pool = pooler(() => ctx.skip());
    const db = await target.createDatabase();
    databases.push(db);
    const project = effectsProject("postgres", {});
    projects.push(project);

    const runs = await upAtOnce(project, Array.from({ length: 8 }, () => pool.url(db.name)));

    for (const run of runs) {
      expect(run.code, run.output).toBe(0);
      // a run that started after the others finished finds nothing pending and takes no lock at all
      if (lockOf(run) === undefined) expect(appliedBy(run), run.stdout).toBe(0);
      else expect(lockOf(run)?.reason, run.stdout).toContain("pooler");
      if (lockOf(run) !== undefined) expect(lockOf(run)?.kind).toBe("lease");
    }
    expect(runs.filter((run) => lockOf(run) !== undefined).length).toBeGreaterThan(0);
    // the migrations were applied once, by one run or shared out between runs in turn
    expect(runs.reduce((sum, run) => sum + appliedBy(run), 0)).toBe(4);
    expect(await db.query("select v, count(*)::int as n from effects group by v order by v")).toEqual([
      { v: "002", n: 1 },
      { v: "003", n: 1 },
      { v: "004", n: 1 },
    ]);
    expect(await db.query("select version, count(*)::int as n from stratum_log where operation = 'apply' group by version order by version")).toEqual([
      { version: "001", n: 1 },
      { version: "002", n: 1 },
      { version: "003", n: 1 },
      { version: "004", n: 1 },
    ]);
    expect(await db.query("select count(*)::int as n from stratum_log where outcome <> 'success'")).toEqual([{ n: 0 }]);
    // every lease was released
    expect(await db.query("select count(*)::int as n from stratum_migrations_lock")).toEqual([{ n: 0 }]);
  });

  it("directly on PostgreSQL `auto` keeps the session advisory lock (--verbose names it); `lock: \"lease\"` takes the lease: 4 runs, each migration once", async () => {
    if (target.unreachable !== null && process.env["CI"] === "true") throw new Error(target.unreachable);
    const db = await target.createDatabase();
    databases.push(db);
    const auto = effectsProject("postgres", {});
    projects.push(auto);
    const verbose = await runCli(["up", "--verbose", "--url", db.url], { cwd: auto.dir });
    expect(verbose.code, verbose.output).toBe(0);
    expect(verbose.stdout).toContain("lock: the session lock, because the server's own lock excludes other runs here\n");
    expect(await db.tables()).not.toContain("stratum_migrations_lock");

    const other = await target.createDatabase();
    databases.push(other);
    const lease = effectsProject("postgres", { lock: "lease" });
    projects.push(lease);
    const runs = await upAtOnce(lease, Array.from({ length: 4 }, () => other.url));
    for (const run of runs) {
      expect(run.code, run.output).toBe(0);
      if (lockOf(run) === undefined) expect(appliedBy(run), run.stdout).toBe(0);
      else expect(lockOf(run)).toEqual({ kind: "lease", reason: 'the lock setting is "lease"' });
    }
    expect(runs.filter((run) => lockOf(run) !== undefined).length).toBeGreaterThan(0);
    expect(runs.reduce((sum, run) => sum + appliedBy(run), 0)).toBe(4);
    expect(await other.query("select v, count(*)::int as n from effects group by v order by v")).toEqual([
      { v: "002", n: 1 },
      { v: "003", n: 1 },
      { v: "004", n: 1 },
    ]);
    expect(await other.query("select count(*)::int as n from stratum_migrations_lock")).toEqual([{ n: 0 }]);
  });

  it("a `lock` value the config does not know is refused in one sentence, exit 2, before connecting", async () => {
    const project = effectsProject("postgres", { lock: "cluster" });
    projects.push(project);
    const run = await runCli(["up", "--url", "postgres://nobody@127.0.0.1:1/none"], { cwd: project.dir });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toContain('"auto", "lease" or "session"');
    expect(run.output).not.toMatch(/\n\s+at /);
  });
});
