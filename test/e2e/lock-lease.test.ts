// The lease on a plain server (`lock: "lease"`): a crashed run's lease row is taken over once it has
// expired and stopped beating, through the real conditional UPDATE, and the run reports whom it waited for.

import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { effectsProject } from "../support/lock-runs.js";
import type { Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, type TestDb } from "../support/targets.js";

const projects: Project[] = [];
const databases: TestDb[] = [];
afterAll(async () => {
  for (const project of projects.splice(0)) project.cleanup();
  for (const db of databases.splice(0)) await db.drop().catch(() => undefined);
});

eachTarget([await postgresTarget(), await mysqlTarget()], "the lease lock", (target) => {
  describe.concurrent(`the lease lock on ${target.name}`, () => {
    it("a crashed holder's expired lease is taken over; the waiting run names the holder, then applies and releases", async () => {
      const db = await target.createDatabase();
      databases.push(db);
      const project = effectsProject(target.name === "postgres" ? "postgres" : "mysql", { lock: "lease" });
      projects.push(project);
      const first = await runCli(["up", "--url", db.url], { cwd: project.dir });
      expect(first.code, first.output).toBe(0);
      expect(await db.query("select count(*) as n from stratum_migrations_lock")).toEqual([{ n: target.name === "postgres" ? "0" : 0 }]);

      // a run that crashed holding the lease: its row stays, expired a minute ago, never renewed again
      const now = Date.now();
      await db.query("insert into stratum_migrations_lock (name, holder, owner, beat, acquired_at, expires_at) values (?, ?, ?, ?, ?, ?)", [
        ":stratum_migrations",
        "a-crashed-run",
        "deploy@ci-7 pid 4121",
        7,
        now - 120_000,
        now - 60_000,
      ]);
      project.migration("005_more.sql", "-- migrate:up\nINSERT INTO effects (v) VALUES ('005');\n-- migrate:down\nDELETE FROM effects WHERE v = '005';\n");
      const second = await runCli(["up", "--url", db.url], { cwd: project.dir });
      expect(second.code, second.output).toBe(0);
      expect(second.stdout).toContain("waiting for the migration lock held by deploy@ci-7 pid 4121 (lease until ");
      expect(second.stdout).toContain('lock: a lease, because the lock setting is "lease"');
      expect(second.stdout).toContain("applying 005_more ... ok");
      expect(await db.query("select v from effects where v = '005'")).toEqual([{ v: "005" }]);
      expect(await db.query("select count(*) as n from stratum_migrations_lock")).toEqual([{ n: target.name === "postgres" ? "0" : 0 }]);
    });

    it("a live lease makes another run wait until lockTimeout, exit 4, naming the holder, changing nothing", async () => {
      const db = await target.createDatabase();
      databases.push(db);
      const project = effectsProject(target.name === "postgres" ? "postgres" : "mysql", { lock: "lease" });
      projects.push(project);
      const first = await runCli(["up", "--url", db.url, "--to", "001"], { cwd: project.dir });
      expect(first.code, first.output).toBe(0);
      const now = Date.now();
      await db.query("insert into stratum_migrations_lock (name, holder, owner, beat, acquired_at, expires_at) values (?, ?, ?, ?, ?, ?)", [
        ":stratum_migrations",
        "a-live-run",
        "deploy@ci-8 pid 77",
        0,
        now,
        now + 600_000,
      ]);
      const blocked = await runCli(["up", "--url", db.url, "--lock-timeout", "1500ms"], { cwd: project.dir });
      expect(blocked.code, blocked.output).toBe(4);
      expect(blocked.stderr).toMatch(/timed out after \d+\.\d s waiting for the migration lease on .*; another stratum run holds it: deploy@ci-8 pid 77 \(lease until \d\d:\d\d:\d\d unless renewed\); wait for it to finish \(a crashed run's lease is taken over after it expires\) or raise --lock-timeout/);
      expect(blocked.output).not.toMatch(/\n\s+at /);
      expect(await db.query("select count(*) as n from effects")).toEqual([{ n: target.name === "postgres" ? "0" : 0 }]);
      expect(await db.query("select holder from stratum_migrations_lock")).toEqual([{ holder: "a-live-run" }]);
    });
  });
});
