// A fleet's target runs on one connection: the session run lock is taken on the work connection
// (Policy.oneSession), so `--concurrency N` means at most N connections. The lock still excludes
// another run of the same database, and is released after.
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/load.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, type Target, type TestDb } from "../support/targets.js";

/** The number of connections to the migration's own database, seen from inside the migration. */
const SESSIONS: Record<"postgres" | "mysql", string> = {
  postgres: "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()",
  mysql: "SELECT count(*) AS n FROM information_schema.processlist WHERE db = database()",
};

const LOCKS_HELD: Record<"postgres" | "mysql", string> = {
  postgres: "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()",
  mysql: "SELECT count(*) AS n FROM information_schema.processlist WHERE db = database() AND id <> connection_id()",
};

function suite(target: Target & { name: "postgres" | "mysql" }): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  const setup = async (): Promise<{ db: TestDb; project: Project }> => {
    const db = await target.createDatabase();
    const project = makeProject({
      "001_seen.sql": "-- migrate:up\nCREATE TABLE seen (n int);\n-- migrate:down\nDROP TABLE seen;\n",
      "002_count.sql": `-- migrate:up\nINSERT INTO seen (n) ${SESSIONS[target.name]};\n-- migrate:down\nDELETE FROM seen;\n`,
    });
    cleanups.push(async () => {
      await db.drop();
      project.cleanup();
    });
    return { db, project };
  };
  const migrator = async (db: TestDb, project: Project, oneSession: boolean) => {
    const config = await resolveConfig({ cwd: project.dir, searchCwd: false, flags: {}, environment: {}, overrides: { url: db.url, dir: project.migrations } });
    const made = createMigratorFromConfig({ ...config, ...(oneSession ? { oneSession: true } : {}) });
    cleanups.unshift(() => made.close());
    return made;
  };

  /** The connections the run opened, seen from inside its migration (the test's own one left out). */
  const opened = async (oneSession: boolean): Promise<number> => {
    const { db, project } = await setup();
    const before = Number((await db.query<{ n: unknown }>(SESSIONS[target.name]))[0]?.n);
    await (await migrator(db, project, oneSession)).up();
    const [row, ...more] = await db.query<{ n: unknown }>("SELECT n FROM seen");
    expect(more).toEqual([]);
    return Number(row?.n) - before;
  };

  it("runs on one connection when oneSession is set, on two (lock and work) otherwise", async () => {
    expect(await opened(true)).toBe(1);
    expect(await opened(false)).toBe(2);
  });

  it("still lets one of two runs at once apply each migration, and releases the lock after", async () => {
    const { db, project } = await setup();
    const runs = await Promise.all([migrator(db, project, true), migrator(db, project, true), migrator(db, project, true)]);
    const reports = await Promise.all(runs.map((run) => run.up()));
    expect(reports.map((report) => report.migrations.filter((m) => m.status === "applied").length).sort()).toEqual([0, 0, 2]);
    expect(await db.query("SELECT * FROM seen")).toHaveLength(1);
    for (const run of runs) await run.close();
    // a closed MySQL session leaves the process list when the server has cleaned it up, a moment
    // after the client's QUIT: asked again for up to 5 s, the count must come to 0
    const held = async (): Promise<number> => Number((await db.query<{ n: unknown }>(LOCKS_HELD[target.name]))[0]?.n);
    let n = await held();
    for (const until = Date.now() + 5000; n !== 0 && Date.now() < until; n = await held()) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(n).toBe(0);
  });
}

describe("one session per run (fleet targets)", async () => {
  eachTarget([await postgresTarget(), await mysqlTarget()], "one session", (target) =>
    describe(target.name, () => suite(target as Target & { name: "postgres" | "mysql" })),
  );
});
