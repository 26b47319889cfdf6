// `stratum schema dump` / `schema load` and the `schemaFile` rewrite, end to end on SQLite
// through the built CLI (issue 13 item 2).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SchemaSnapshot } from "../../src/core/schema/index.js";
import { sqliteDialect } from "../../src/dialects/sqlite/sqlite-dialect.js";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const HISTORY = ["stratum_migrations", "stratum_log"];

/** Every SQLite object kind, with a view that reads a view sorting after it by name. */
const MIGRATIONS = {
  "001_base.sql": `-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, name TEXT COLLATE NOCASE);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  total INTEGER NOT NULL CHECK (total >= 0),
  doubled INTEGER GENERATED ALWAYS AS (total * 2) VIRTUAL
);
CREATE INDEX orders_user_idx ON orders (user_id, total DESC);
CREATE UNIQUE INDEX users_lower_email ON users (lower(email)) WHERE email IS NOT NULL;
-- migrate:down
DROP TABLE orders;
DROP TABLE users;
`,
  "002_views.sql": `-- migrate:up
CREATE VIEW z_order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE VIEW a_big_spenders AS SELECT user_id FROM z_order_totals WHERE total > 100;
CREATE TRIGGER orders_touch AFTER INSERT ON orders
BEGIN
  UPDATE users SET name = name WHERE id = NEW.user_id;
END;
-- migrate:down
DROP TRIGGER orders_touch;
DROP VIEW a_big_spenders;
DROP VIEW z_order_totals;
`,
};

const projects: Project[] = [];
afterAll(() => {
  for (const project of projects.splice(0)) project.cleanup();
});

function project(config: Record<string, unknown> = {}): { p: Project; cli: (args: string[]) => Promise<CliResult> } {
  const p = makeProject(MIGRATIONS);
  projects.push(p);
  p.write("stratum.config.json", JSON.stringify({ url: "sqlite:./app.db", dir: "./migrations", ...config }));
  return { p, cli: (args) => runCli(args, { cwd: p.dir }) };
}

async function snapshot(file: string): Promise<SchemaSnapshot> {
  const dialect = sqliteDialect({ filename: file, displayUrl: `sqlite:${file}` });
  const conn = await dialect.connect();
  try {
    return await dialect.describeSchema!(conn, { exclude: HISTORY });
  } finally {
    await conn.close();
    await dialect.dispose();
  }
}

async function tables(file: string): Promise<string[]> {
  return (await snapshot(file)).tables.map((t) => t.name);
}

async function applied(cli: (args: string[]) => Promise<CliResult>, url: string): Promise<string[]> {
  const status = await cli(["status", "--url", url, "--json"]);
  expect(status.code, status.output).toBe(0);
  const report = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
  return report.migrations.filter((m) => m.state === "applied").map((m) => m.version);
}

describe.concurrent("stratum schema dump", () => {
  it("writes schema.sql in reloadable order, without the history tables, byte for byte the same twice", async () => {
    const { p, cli } = project();
    expect((await cli(["up"])).code).toBe(0);
    const first = await cli(["schema", "dump"]);
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain("schema.sql: 7 objects, version 002");
    const text = readFileSync(join(p.dir, "schema.sql"), "utf8");
    expect(text.split("\n").slice(0, 2)).toEqual([
      "-- stratum schema: sqlite, version 002",
      "-- Written by `stratum schema dump`; `stratum schema load` loads it into an empty database.",
    ]);
    expect(text).not.toMatch(/stratum_migrations|stratum_log|sqlite_sequence/);
    const order = ["TABLE orders", "TABLE users", "INDEX orders_user_idx", "UNIQUE INDEX users_lower_email", "VIEW z_order_totals", "VIEW a_big_spenders", "TRIGGER orders_touch"];
    const positions = order.map((name) => text.indexOf(`CREATE ${name}`));
    expect(positions.every((at) => at > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect((await cli(["schema", "dump"])).code).toBe(0);
    expect(readFileSync(join(p.dir, "schema.sql"), "utf8")).toBe(text);
  });

  it("--file - prints the file and writes nothing; --file <path> writes there", async () => {
    const { p, cli } = project();
    expect((await cli(["up", "--to", "001"])).code).toBe(0);
    const printed = await cli(["schema", "dump", "--file", "-"]);
    expect(printed.code, printed.output).toBe(0);
    expect(printed.stdout.startsWith("-- stratum schema: sqlite, version 001\n")).toBe(true);
    expect(existsSync(join(p.dir, "schema.sql"))).toBe(false);
    expect(existsSync(join(p.dir, "-"))).toBe(false);
    const written = await cli(["schema", "dump", "--file", "db/structure.sql"]);
    expect(written.code, written.output).toBe(0);
    expect(readFileSync(join(p.dir, "db/structure.sql"), "utf8")).toBe(printed.stdout);
  });

  it("an empty database gives a header that records no version", async () => {
    const { cli } = project();
    const printed = await cli(["schema", "dump", "--file", "-", "--url", "sqlite::memory:"]);
    expect(printed.code, printed.output).toBe(0);
    expect(printed.stdout).toBe(
      "-- stratum schema: sqlite, no migration applied\n-- Written by `stratum schema dump`; `stratum schema load` loads it into an empty database.\n",
    );
  });

  it("--json prints the SchemaDumpResult", async () => {
    const { p, cli } = project();
    expect((await cli(["up"])).code).toBe(0);
    const result = await cli(["schema", "dump", "--json"]);
    expect(result.code, result.output).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(["durationMs", "file", "objects", "text", "version"]);
    expect(json).toMatchObject({ file: join(p.dir, "schema.sql"), version: "002", objects: 7 });
    expect(json["text"]).toBe(readFileSync(join(p.dir, "schema.sql"), "utf8"));
  });
});

describe.concurrent("stratum schema load", () => {
  it("loads into an empty database: the same snapshot, the history baselined to the file's version", async () => {
    const { p, cli } = project();
    expect((await cli(["up"])).code).toBe(0);
    expect((await cli(["schema", "dump"])).code).toBe(0);
    const loaded = await cli(["schema", "load", "--url", "sqlite:./copy.db"]);
    expect(loaded.code, loaded.output).toBe(0);
    expect(loaded.stdout).toContain("7 statements; baselined at 002: 2 migrations recorded as applied without running");
    expect(await snapshot(join(p.dir, "copy.db"))).toEqual(await snapshot(join(p.dir, "app.db")));
    expect(await applied(cli, "sqlite:./copy.db")).toEqual(["001", "002"]);
    // and it dumps back to the same file
    const again = await cli(["schema", "dump", "--url", "sqlite:./copy.db", "--file", "-"]);
    expect(again.stdout).toBe(readFileSync(join(p.dir, "schema.sql"), "utf8"));
    // up has nothing left to do
    const up = await cli(["up", "--url", "sqlite:./copy.db"]);
    expect(up.code, up.output).toBe(0);
    expect(up.stdout).toContain("nothing to apply");
  });

  it("--json prints the SchemaLoadResult", async () => {
    const { p, cli } = project();
    expect((await cli(["up", "--to", "001"])).code).toBe(0);
    expect((await cli(["schema", "dump"])).code).toBe(0);
    const result = await cli(["schema", "load", "--url", "sqlite:./copy.db", "--json"]);
    expect(result.code, result.output).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(["baselined", "durationMs", "file", "statements", "version"]);
    expect(json).toMatchObject({ file: join(p.dir, "schema.sql"), version: "001", baselined: ["001"], statements: 4 });
  });

  it("refuses a database that has objects or a history, and changes nothing", async () => {
    const { p, cli } = project();
    expect((await cli(["up"])).code).toBe(0);
    expect((await cli(["schema", "dump"])).code).toBe(0);
    const before = await snapshot(join(p.dir, "app.db"));
    const withHistory = await cli(["schema", "load"]);
    expect(withHistory.code, withHistory.output).toBe(3);
    expect(withHistory.stderr).toContain("schema load needs an empty database, and sqlite:");
    expect(withHistory.stderr).toContain("already has a history (stratum_migrations); nothing was loaded");
    expect(await snapshot(join(p.dir, "app.db"))).toEqual(before);

    const json = await cli(["schema", "load", "--json"]);
    expect(json.code, json.output).toBe(3);
    expect((JSON.parse(json.stderr.trim().split("\n").at(-1) as string) as { code: string }).code).toBe("VALIDATION_FAILED");
    expect(await snapshot(join(p.dir, "app.db"))).toEqual(before);
  });

  it("refuses a database with objects but no history, naming them", async () => {
    const { p, cli } = project();
    // a file without a header loads without a baseline: objects, no history
    p.write("plain.sql", "CREATE TABLE stray (id INTEGER);\n");
    const seeded = await cli(["schema", "load", "--url", "sqlite:./stray.db", "--file", "plain.sql"]);
    expect(seeded.code, seeded.output).toBe(0);
    expect(seeded.stdout).toContain("the file records no version: nothing was baselined");
    const refused = await cli(["schema", "load", "--url", "sqlite:./stray.db", "--file", "plain.sql"]);
    expect(refused.code, refused.output).toBe(3);
    expect(refused.stderr).toContain("holds 1 object(s) (table stray); nothing was loaded");
    expect(await tables(join(p.dir, "stray.db"))).toEqual(["stray"]);
    expect(await applied(cli, "sqlite:./stray.db")).toEqual([]);
  });

  it("reports a failing statement at file:line with SQLite's message, and leaves nothing behind", async () => {
    const { p, cli } = project();
    p.write("broken.sql", "-- stratum schema: sqlite, version 001\n\nCREATE TABLE a (id INTEGER);\n\nCREATE TABLE b (\n  id INTEGER,\n  x nosuch(\n);\n");
    const result = await cli(["schema", "load", "--file", "broken.sql"]);
    expect(result.code, result.output).toBe(1);
    expect(result.stderr).toContain('schema load failed at broken.sql:5 (statement 2 of 2): near ")": syntax error; nothing was loaded');
    expect(result.stderr.split("\n").filter((line) => line.startsWith("    at "))).toEqual([]);
    expect(await tables(join(p.dir, "app.db"))).toEqual([]);
    expect(await applied(cli, "sqlite:./app.db")).toEqual([]);
  });

  it("a missing file, or one that never closes a comment, is one sentence with the path and the fix, and creates no database", async () => {
    const { p, cli } = project();
    const result = await cli(["schema", "load", "--file", "db/nowhere.sql"]);
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain("error: there is no schema file db/nowhere.sql");
    expect(result.stderr).toContain("fix: run `stratum schema dump` against a migrated database first");
    p.write("open.sql", "CREATE TABLE a (id INTEGER);\n/* never closed\nCREATE TABLE b (id INTEGER);\n");
    const open = await cli(["schema", "load", "--file", "open.sql"]);
    expect(open.code, open.output).toBe(2);
    expect(open.stderr).toContain("error: open.sql:2 opens a block comment that never ends; nothing was loaded");
    expect(existsSync(join(p.dir, "app.db"))).toBe(false);
  });

  it("refuses a file recording a version the migrations directory lacks, or another dialect", async () => {
    const { p, cli } = project();
    p.write("future.sql", "-- stratum schema: sqlite, version 099\n\nCREATE TABLE a (id INTEGER);\n");
    const future = await cli(["schema", "load", "--file", "future.sql"]);
    expect(future.code, future.output).toBe(3);
    expect(future.stderr).toContain("future.sql:1 records version 099, and there is no migration 099 in");
    p.write("other.sql", "-- stratum schema: postgres, version 001\n\nCREATE TABLE a (id INTEGER);\n");
    const other = await cli(["schema", "load", "--file", "other.sql"]);
    expect(other.code, other.output).toBe(2);
    expect(other.stderr).toContain("other.sql:1 is a postgres schema, and this database is sqlite");
    expect(existsSync(join(p.dir, "app.db"))).toBe(false);
  });

  it("asks before loading on a protected environment (refuses without a terminal unless --yes)", async () => {
    const { p, cli } = project({ environments: { production: { protected: true } } });
    p.write("plain.sql", "CREATE TABLE t (id INTEGER);\n");
    const refused = await cli(["schema", "load", "--file", "plain.sql", "--env", "production"]);
    expect(refused.code, refused.output).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect(await tables(join(p.dir, "app.db"))).toEqual([]);
    const allowed = await cli(["schema", "load", "--file", "plain.sql", "--env", "production", "--yes"]);
    expect(allowed.code, allowed.output).toBe(0);
    expect(await tables(join(p.dir, "app.db"))).toEqual(["t"]);
  });

  it("an unknown action is a usage error", async () => {
    const { cli } = project();
    const result = await cli(["schema", "restore"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('schema expects dump or load, got "restore"');
  });
});

describe.concurrent("schemaFile in the config", () => {
  it("up, down and redo rewrite it after every run that changed the schema", async () => {
    const { p, cli } = project({ schemaFile: "db/schema.sql" });
    const file = join(p.dir, "db/schema.sql");
    const dumped = async () => (await cli(["schema", "dump", "--file", "-"])).stdout;
    expect((await cli(["up", "--to", "001"])).code).toBe(0);
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe("-- stratum schema: sqlite, version 001");
    expect(readFileSync(file, "utf8")).toBe(await dumped());
    expect((await cli(["up"])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("CREATE VIEW a_big_spenders");
    expect(readFileSync(file, "utf8")).toBe(await dumped());
    const full = readFileSync(file, "utf8");
    expect((await cli(["down"])).code).toBe(0);
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe("-- stratum schema: sqlite, version 001");
    expect(readFileSync(file, "utf8")).not.toContain("CREATE VIEW");
    expect((await cli(["up"])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(full);
    expect((await cli(["redo"])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(full);
    // `schema dump` and `schema load` use it by default
    const loaded = await cli(["schema", "load", "--url", "sqlite:./copy.db"]);
    expect(loaded.code, loaded.output).toBe(0);
    expect(await snapshot(join(p.dir, "copy.db"))).toEqual(await snapshot(join(p.dir, "app.db")));
  });

  it("a schema file that cannot be written is a warning naming it: the run still succeeds", async () => {
    const { p, cli } = project({ schemaFile: "taken/schema.sql" });
    p.write("taken", "a file where the directory should be\n");
    const up = await cli(["up"]);
    expect(up.code, up.output).toBe(0);
    expect(up.stdout).toContain("applied 2 migrations");
    expect(up.stderr).toContain(`warning: the run succeeded, but the schema file ${join(p.dir, "taken/schema.sql")} could not be rewritten:`);
    expect(await applied(cli, "sqlite:./app.db")).toEqual(["001", "002"]);
  });
});
