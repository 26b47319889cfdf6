import { it } from "vitest";
import { runCli } from "../support/cli.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";

/**
 * `up --backup` takes the backup before the first migration runs (docs/cli.md), and says so at
 * that point: "backup written to …" comes before the migrations, not after them, where it read as
 * a backup of the migrated database. In `--json` the backup is a `log` event before `run:start`
 * (docs/cli.md: "log … ctx.log, backups, notices"), and `run:end` still names the file.
 */
const MIGRATIONS = {
  "001_a.sql": "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
  "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n",
};
const BACKUP_LINE = /^backup written to .*backups[/\\]stratum-\d{8}T\d{6}\.(db|dump|sql)$/;

await describeEachTarget("up --backup reports the backup when it is taken", (target) => {
  it.concurrent("prints `backup written to …` once, before the first migration", async ({ expect }) => {
    const db = await target.createDatabase();
    const p = makeProject(MIGRATIONS);
    try {
      const result = await runCli(["up", "--backup", "--url", db.url], { cwd: p.dir });
      expect(result.code, result.output).toBe(0);
      const lines = result.stdout.split("\n");
      const backup = lines.findIndex((line) => BACKUP_LINE.test(line));
      const firstMigration = lines.findIndex((line) => line.startsWith("applying 001_a"));
      expect(backup, result.stdout).toBeGreaterThanOrEqual(0);
      expect(firstMigration, result.stdout).toBeGreaterThan(backup);
      expect(lines.filter((line) => line.includes("backup written")), "said once").toHaveLength(1);
      expect(lines.at(-2), result.stdout).toMatch(/^applied 2 migrations in /);
    } finally {
      p.cleanup();
      await db.drop();
    }
  });

  it.concurrent("--json: a log event names the backup before run:start, and run:end keeps its path", async ({ expect }) => {
    const db = await target.createDatabase();
    const p = makeProject(MIGRATIONS);
    try {
      const result = await runCli(["up", "--backup", "--json", "--url", db.url], { cwd: p.dir });
      expect(result.code, result.output).toBe(0);
      const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      const end = events.find((e) => e["type"] === "run:end");
      expect(typeof end?.["backup"]).toBe("string");
      const logged = events.findIndex((e) => e["type"] === "log" && e["message"] === `backup written to ${String(end?.["backup"])}`);
      const start = events.findIndex((e) => e["type"] === "run:start");
      expect(logged, result.stdout).toBeGreaterThanOrEqual(0);
      expect(start).toBeGreaterThan(logged);
      expect(events[logged]).toMatchObject({ level: "info", version: null });
    } finally {
      p.cleanup();
      await db.drop();
    }
  });
});
