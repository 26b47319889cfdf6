import { it } from "vitest";
import { runCli } from "../support/cli.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";

/**
 * One migrations directory serving every dialect: `001_items.postgres.sql` and
 * `001_items.sqlite.sql` beside the generic `001_items.sql`. Each dialect runs its own file where
 * it has one and the generic file otherwise; a version with only another dialect's file is not
 * there. The history names the migration the same on every dialect.
 */
const FILES: Readonly<Record<string, string>> = {
  "001_items.sql":
    "-- migrate:up\nCREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(50));\nINSERT INTO items (note) VALUES ('generic');\n-- migrate:down\nDROP TABLE items;\n",
  "001_items.postgres.sql":
    "-- migrate:up\nCREATE TABLE items (id SERIAL PRIMARY KEY, note VARCHAR(50));\nINSERT INTO items (note) VALUES ('postgres');\n-- migrate:down\nDROP TABLE items;\n",
  "001_items.sqlite.up.sql": "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, note VARCHAR(50));\nINSERT INTO items (note) VALUES ('sqlite');\n",
  "001_items.sqlite.down.sql": "DROP TABLE items;\n",
  "002_search.postgres.sql": "-- migrate:up\nCREATE TABLE pg_search (doc TSVECTOR);\n-- migrate:down\nDROP TABLE pg_search;\n",
  "003_more.sql": "-- migrate:up\nINSERT INTO items (note) VALUES ('more');\n-- migrate:down\nDELETE FROM items WHERE note = 'more';\n",
};

const OWN: Readonly<Record<string, string>> = { sqlite: "sqlite", postgres: "postgres", mysql: "generic" };

await describeEachTarget("per-dialect variants in one directory", (target) => {
  it.concurrent("up runs the dialect's own file, skips other dialects' versions; down --all undoes it", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject(FILES);
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(0);
      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      const notes = await db.query<{ note: string }>("SELECT note FROM items ORDER BY id");
      expect(notes.map((row) => row.note)).toEqual([OWN[target.name], "more"]);
      const expectedVersions = target.name === "postgres" ? ["001", "002", "003"] : ["001", "003"];
      const status = await cli("status", "--json");
      expect(status.code, status.output).toBe(0);
      const report = JSON.parse(status.stdout) as { layout?: unknown; migrations: { version: string; name: string; state: string }[] };
      expect(report.layout).toBeUndefined();
      expect(report.migrations.map((m) => [m.version, m.name, m.state])).toEqual(expectedVersions.map((v) => [v, { "001": "items", "002": "search", "003": "more" }[v], "applied"]));
      expect((await db.tables()).includes("pg_search")).toBe(target.name === "postgres");

      const down = await cli("down", "--all", "--yes");
      expect(down.code, down.output).toBe(0);
      expect((await db.tables()).filter((t) => t === "items" || t === "pg_search")).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a broken variant is reported by its own file name and line", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ ...FILES, [`004_bad.${target.name}.sql`]: "-- migrate:up\nSELECT 1;\n-- stratum:nonsense\n" });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(3);
      expect(validate.output).toContain(`004_bad.${target.name}.sql:3`);
      expect((await db.tables()).includes("items")).toBe(false);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
