// Random-moment SIGKILLs during `up`, on every dialect: after each kill the database sits on a
// migration boundary (PostgreSQL, SQLite) or shows the interrupted migration visibly dirty
// (MariaDB), the lock is free at once, and the next `up` carries on. STRATUM_SOAK_KILLS sets how
// many kills per dialect (25 by default; `npm run soak` asks for more).

import { expect } from "vitest";
import { checkInvariants } from "../support/invariants.js";
import { runCli } from "../support/cli.js";
import { cliGroup, startCli } from "../support/pause.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target } from "../support/targets.js";
import { checkSettled, describeTargets, expectedAfter, fixtureSet, projectOf, settleDirty } from "./fixture-set.js";

const KILLS = Math.max(1, Number(process.env["STRATUM_SOAK_KILLS"] ?? 25));
const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

const randomInt = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where an NDJSON event stream stopped. */
function stageOf(stdout: string): "before the lock" | "between migrations" | "inside a migration" {
  const events = stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => {
      try {
        return JSON.parse(line) as { type?: string };
      } catch {
        return {};
      }
    });
  if (!events.some((e) => e.type === "lock:acquired")) return "before the lock";
  const starts = events.filter((e) => e.type === "migration:start").length;
  const ends = events.filter((e) => e.type === "migration:end" || e.type === "migration:error").length;
  return starts > ends ? "inside a migration" : "between migrations";
}

async function killLoop(target: Target, kills: number) {
  const dialect = target.name;
  const set = fixtureSet(dialect, { count: 24, codeAt: [7, 15], slowMs: 25 });
  const stages = new Map<string, number>();
  let killed = 0;
  let databases = 0;
  let dirtySettled = 0;
  let maxLockWait = 0;
  try {
    while (killed < kills) {
      const db = await target.createDatabase();
      const project = projectOf(set);
      const cli = (args: readonly string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
      const group = cliGroup();
      databases++;
      try {
        for (;;) {
          const run = startCli(["up", "--json", "--url", db.url, "--lock-timeout", "5000"], { cwd: project.dir, group });
          if (Math.random() < 1 / 3) {
            // any moment from start-up on: connecting, locking, bootstrapping the history tables
            await sleep(randomInt(20, 400));
          } else {
            // once migrations run, so most of these land inside one
            await run.waitFor(/"type":"migration:start"/).catch(() => undefined);
            await sleep(randomInt(0, 300));
          }
          run.kill("SIGKILL");
          const exit = await run.exited;
          if (exit.signal !== "SIGKILL") {
            expect(exit.code, `up ended on its own, so it must have succeeded:\n${exit.output}`).toBe(0);
            break;
          }
          killed++;
          const stage = stageOf(exit.stdout);
          stages.set(stage, (stages.get(stage) ?? 0) + 1);
          const observed = await checkSettled(db, set, dialect);
          maxLockWait = Math.max(maxLockWait, observed.lockWaitedMs);
          if (dialect !== "mysql") expect(observed.dirty, "PostgreSQL and SQLite are never left mid-migration").toBeNull();
          if ((await settleDirty(db, set, observed, cli)) !== null) dirtySettled++;
          if (killed >= kills && observed.k < set.length) {
            // enough kills: finish this database with a plain run
            const last = await cli(["up", "--lock-timeout", "5000"]);
            expect(last.code, last.output).toBe(0);
            break;
          }
        }
        await checkInvariants(db, expectedAfter(set, set.length), dialect);
      } finally {
        await group.stop();
        await db.drop();
        project.cleanup();
      }
    }
  } catch (error) {
    console.log(`[reliability] ${dialect}: FAILED at kill #${killed} (the invariants broke or the run did not converge; see the error)`);
    throw error;
  }
  const where = [...stages.entries()].map(([stage, n]) => `${n} ${stage}`).join(", ");
  console.log(
    `[reliability] ${dialect}: ${killed} kills survived (${where}; ${databases} database(s)${dialect === "mysql" ? `, ${dirtySettled} dirty migration(s) resolved` : ""}; lock free within ${maxLockWait} ms of each kill)`,
  );
  return killed;
}

describeTargets("random SIGKILL loop", targets, (target, test) => {
  test(
    `survives ${KILLS} random SIGKILLs during up, each followed by a consistent state and a free lock`,
    async () => {
      expect(await killLoop(target, KILLS)).toBeGreaterThanOrEqual(KILLS);
    },
    KILLS * 4000 + 60_000,
  );
});
