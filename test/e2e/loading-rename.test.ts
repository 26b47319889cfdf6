import { renameSync } from "node:fs";
import { join } from "node:path";
import { it } from "vitest";
import { runCli } from "../support/cli.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";

/**
 * Item 8: an applied file renamed with its version kept (`001_a.sql` → `001_renamed.sql`) is a
 * RENAMED_MIGRATION problem that stops validate, up and down until `repair` records the new name.
 */
const A = "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";
const B = "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n";

await describeEachTarget("a renamed applied migration", (target) => {
  it.concurrent("stops validate, up and down, shows in status, and repair records the new name", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": A, "002_b.sql": B });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    const stateRows = async () =>
      (await db.query<Record<string, unknown>>("select version, name, checksum, state from stratum_migrations order by version")).map((r) => ({
        version: String(r["version"]),
        name: String(r["name"]),
        checksum: String(r["checksum"]),
        state: String(r["state"]),
      }));
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      renameSync(join(project.migrations, "001_a.sql"), join(project.migrations, "001_renamed.sql"));
      const before = await stateRows();
      expect(before.map((r) => r.name)).toEqual(["a", "b"]);

      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(3);
      expect(validate.output).toContain("RENAMED_MIGRATION");
      expect(validate.output).toContain("001_renamed.sql was applied as 001_a");
      expect(validate.output).toContain("stratum repair");

      const again = await cli("up");
      expect(again.code, again.output).toBe(3);
      expect(again.output).toContain("001_renamed.sql was applied as 001_a");

      const down = await cli("down");
      expect(down.code, down.output).toBe(3);
      expect(down.output).toContain("001_renamed.sql was applied as 001_a");
      expect(await stateRows()).toEqual(before);
      expect(await db.tables()).toEqual(expect.arrayContaining(["a", "b"]));

      const status = await cli("status", "--json");
      expect(status.code, status.output).toBe(0);
      const states = (JSON.parse(status.stdout) as { migrations: { version: string; name: string; state: string }[] }).migrations;
      expect(states.map((m) => [m.version, m.name, m.state])).toEqual([
        ["001", "renamed", "renamed"],
        ["002", "b", "applied"],
      ]);
      const plainStatus = await cli("status");
      expect(plainStatus.output).toContain("RENAMED_MIGRATION");

      const dry = await cli("repair", "--dry-run");
      expect(dry.code, dry.output).toBe(0);
      expect(dry.stdout).toContain("would record the new name of 001: 001_a → 001_renamed");
      const dryJson = await cli("repair", "--dry-run", "--json");
      expect(JSON.parse(dryJson.stdout)).toEqual({ updated: [], removed: [], missing: [], renamed: [{ version: "001", from: "a", to: "renamed" }] });
      expect(await stateRows()).toEqual(before);

      const repair = await cli("repair", "--yes");
      expect(repair.code, repair.output).toBe(0);
      expect(repair.stdout).toContain("recorded the new name of 001: 001_a → 001_renamed");
      expect(await stateRows()).toEqual([{ ...before[0], name: "renamed" }, before[1]]);
      const history = await cli("history", "--json");
      const entries = JSON.parse(history.stdout) as { operation: string; version: string | null; details: string | null }[];
      expect(entries.filter((e) => e.operation === "repair")).toEqual([
        expect.objectContaining({ version: "001", details: "name a -> renamed" }),
      ]);

      const validAfter = await cli("validate");
      expect(validAfter.code, validAfter.output).toBe(0);
      const downAll = await cli("down", "--all", "--yes");
      expect(downAll.code, downAll.output).toBe(0);
      expect((await db.tables()).filter((t) => t === "a" || t === "b")).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a renamed and edited file reports both, and repair settles both", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": A });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      expect((await cli("up")).code).toBe(0);
      project.remove("migrations/001_a.sql");
      project.migration("001_b.sql", A.replace("DROP TABLE a;", "DROP TABLE IF EXISTS a;"));
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(3);
      expect(validate.output).toContain("CHECKSUM_MISMATCH");
      expect(validate.output).toContain("RENAMED_MIGRATION");
      const repair = await cli("repair", "--yes", "--json");
      expect(repair.code, repair.output).toBe(0);
      const report = JSON.parse(repair.stdout) as { updated: unknown[]; renamed: unknown[] };
      expect(report.updated).toHaveLength(1);
      expect(report.renamed).toEqual([{ version: "001", from: "a", to: "b" }]);
      const after = await cli("validate");
      expect(after.code, after.output).toBe(0);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
