import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, type Target, type TestDb } from "../support/targets.js";

/**
 * A typo in `--schema` must not re-apply everything into a new schema: the schema must already
 * exist (docs/configuration.md). An unknown schema is exit 2 naming it and the closest existing
 * one, for every command, and nothing is created — not the schema, not a table.
 */
const target: Target = await postgresTarget();

const migrations = {
  "001_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n",
  "002_orders.sql": "-- migrate:up\nCREATE TABLE orders (id int);\n-- migrate:down\nDROP TABLE orders;\n",
};

if (target.unreachable !== null && process.env["CI"] === "true") {
  describe("an unknown PostgreSQL schema", () => {
    it("needs its database server", () => {
      throw new Error(`${target.unreachable} (CI=true: an unreachable server fails the run)`);
    });
  });
} else {
  describe.skipIf(target.unreachable !== null)("an unknown PostgreSQL schema", () => {
    let db: TestDb;
    let project: Project;

    /** Every schema and table of the database, to prove nothing was created. */
    const snapshot = async () => ({
      schemas: (
        await db.query<{ name: string }>(
          "select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by 1",
        )
      ).map((r) => r.name),
      tables: await db.query<{ s: string; t: string }>(
        "select table_schema as s, table_name as t from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2",
      ),
      log: await db.query<{ n: number }>("select count(*)::int as n from ops.stratum_log"),
    });

    beforeEach(async () => {
      db = await target.createDatabase();
      await db.query("create schema ops");
      await db.query("create schema reporting");
      project = makeProject(migrations);
      const up = await runCli(["up", "--url", db.url, "--schema", "ops"], { cwd: project.dir });
      expect(up.code, up.output).toBe(0);
      project.migration("003_items.sql", "-- migrate:up\nCREATE TABLE items (id int);\n-- migrate:down\nDROP TABLE items;\n");
    });
    afterEach(async () => {
      project.cleanup();
      await db.drop();
    });

    const commands: readonly (readonly string[])[] = [
      ["up"],
      ["up", "--dry-run"],
      ["status"],
      ["validate"],
      ["plan"],
      ["history"],
      ["stats"],
      ["graph"],
      ["down", "--yes"],
      ["redo", "--yes"],
      ["repair", "--yes"],
      ["baseline", "003", "--yes"],
    ];

    it.each(commands.map((args) => [args.join(" "), args] as const))("%s --schema opss: exit 2 naming opss and ops, nothing created", async (_label, args) => {
      const before = await snapshot();
      const result = await runCli([...args, "--url", db.url, "--schema", "opss"], { cwd: project.dir });
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toContain('schema "opss" (from --schema) does not exist');
      expect(result.stderr).toContain('did you mean "ops"?');
      expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
      expect(await snapshot()).toEqual(before);
    });

    it("from STRATUM_SCHEMA and from the config file too", async () => {
      const before = await snapshot();
      const viaVariable = await runCli(["up", "--url", db.url], { cwd: project.dir, env: { STRATUM_SCHEMA: "Ops" } });
      expect(viaVariable.code, viaVariable.output).toBe(2);
      expect(viaVariable.stderr).toContain('schema "Ops" (from environment variable STRATUM_SCHEMA) does not exist');
      expect(viaVariable.stderr).toContain('did you mean "ops"?');
      project.write("stratum.config.json", JSON.stringify({ url: db.url, schema: "reportng" }));
      const viaFile = await runCli(["up"], { cwd: project.dir });
      expect(viaFile.code, viaFile.output).toBe(2);
      expect(viaFile.stderr).toContain('did you mean "reporting"?');
      expect(viaFile.stderr).toContain('schema "reportng" (from "schema" in stratum.config.json) does not exist');
      expect(await snapshot()).toEqual(before);
    });

    it("with nothing close, names the schemas that exist", async () => {
      const before = await snapshot();
      const result = await runCli(["up", "--url", db.url, "--schema", "tenant_42"], { cwd: project.dir });
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toContain('schema "tenant_42" (from --schema) does not exist');
      expect(result.stderr).toMatch(/ops, public, reporting/);
      expect(result.stderr).toContain("create schema");
      expect(await snapshot()).toEqual(before);
    });

    it("the right schema still works for every command", async () => {
      const up = await runCli(["up", "--url", db.url, "--schema", "ops"], { cwd: project.dir });
      expect(up.code, up.output).toBe(0);
      const status = await runCli(["status", "--json", "--url", db.url, "--schema", "ops"], { cwd: project.dir });
      expect(status.code, status.output).toBe(0);
      expect((JSON.parse(status.stdout) as { pending: number }).pending).toBe(0);
      expect((await snapshot()).tables).toContainEqual({ s: "ops", t: "items" });
    });
  });
}
