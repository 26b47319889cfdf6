import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import type { MigrationFile } from "../../../src/core/types.js";
import { createMigration, migrationTemplate, nextVersion, slugify, utcTimestamp } from "../../../src/source/create.js";
import { discoverMigrations } from "../../../src/source/discover.js";
import { parseSqlMigration } from "../../../src/source/sql-file.js";

const NOW = new Date(Date.UTC(2026, 10, 21, 9, 30, 5, 250));

describe("nextVersion", () => {
  it.each<[string, readonly string[], string]>([
    ["empty directory", [], "001"],
    ["sequential, 3 digits", ["001", "002"], "003"],
    ["sequential, unsorted", ["007", "002", "005"], "008"],
    ["sequential, 4 digits", ["0001", "0012"], "0013"],
    ["sequential without padding", ["1", "2", "3"], "4"],
    ["sequential overflowing its width", ["998", "999"], "1000"],
    ["file names", ["001_a.sql", "002_b.up.sql", "002_b.down.sql", "README.md"], "003"],
    ["timestamps", ["20250101000000", "20250102000000"], "20261121093005"],
    ["timestamp file names", ["20250101000000_a.sql"], "20261121093005"],
    ["timestamps ahead of the clock", ["20261121093005"], "20261121093006"],
    ["timestamps far ahead of the clock", ["20300101000000"], "20300101000001"],
    ["timestamps with milliseconds", ["20250101000000000"], "20261121093005250"],
    ["mixed styles follow the newest", ["001", "002", "20250101000000"], "20261121093005"],
    ["only unparseable names", ["README.md", "x.sql"], "001"],
  ])("%s", (_label, existing, expected) => {
    expect(nextVersion(existing, NOW)).toBe(expected);
  });

  it("accepts discovered migrations", () => {
    const migrations = [{ version: "041" }, { version: "042" }] as unknown as MigrationFile[];
    expect(nextVersion(migrations, NOW)).toBe("043");
  });

  it("formats the time in UTC", () => {
    expect(utcTimestamp(new Date("2026-01-02T03:04:05+05:00"))).toBe("20260101220405");
  });
});

describe("migrationTemplate", () => {
  it("writes a SQL template whose sections parse, refused as the unfilled template until filled in", () => {
    const text = migrationTemplate("sql", "add users");
    expect(text).toMatch(/^-- add users\n/);
    expect(text).toContain("-- migrate:up");
    expect(text).toContain("-- migrate:down");
    const parsed = parseSqlMigration("001_add_users.sql", text);
    expect(parsed.problems.map((p) => [p.code, p.severity])).toEqual([["EMPTY_MIGRATION", "error"]]);
    expect(parsed.problems[0]?.message).toContain('unfilled "stratum create" template');
    expect(parsed.options).toEqual({ dependsOn: [], irreversible: false, requires: [] });

    const filled = text.replace("-- The SQL that applies the change.\n", "CREATE TABLE users (id int);\n");
    expect(parseSqlMigration("001_add_users.sql", filled).problems).toEqual([]);
  });

  it("writes a TypeScript template using defineMigration", () => {
    const text = migrationTemplate("ts", 'say "hi"');
    expect(text).toContain('import { defineMigration } from "stratumdb";');
    expect(text).toContain("export default defineMigration({");
    expect(text).toContain('description: "say \\"hi\\"",');
    expect(text).toContain("async up(ctx) {");
    expect(text).toContain("async down(ctx) {");
  });
});

describe("createMigration", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "stratum-create-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("numbers the first migration 001 and the next one after it", async () => {
    const first = await createMigration(dir, "Add users", "sql", NOW);
    expect(first).toEqual({ path: join(dir, "001_add_users.sql"), version: "001" });
    const second = await createMigration(dir, "backfill-emails", "ts", NOW);
    expect(second).toEqual({ path: join(dir, "002_backfill-emails.ts"), version: "002" });
    expect(await readFile(second.path, "utf8")).toBe(migrationTemplate("ts", "backfill-emails"));
    const { migrations } = await discoverMigrations(dir);
    expect(migrations.map((m) => m.id)).toEqual(["001_add_users", "002_backfill-emails"]);
  });

  it("follows a timestamp directory", async () => {
    await writeFile(join(dir, "20250101000000_init.sql"), "SELECT 1;");
    expect(await createMigration(dir, "add index", "sql", NOW)).toEqual({
      path: join(dir, "20261121093005_add_index.sql"),
      version: "20261121093005",
    });
  });

  it("writes the file with the mode the umask leaves (it belongs in version control)", async () => {
    const umask = process.umask(0o022);
    try {
      const { path } = await createMigration(dir, "shared", "sql", NOW);
      expect((await stat(path)).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(umask);
    }
  });

  it("creates the directory when it is missing", async () => {
    const nested = join(dir, "db", "migrations");
    expect((await createMigration(nested, "init", "sql", NOW)).path).toBe(join(nested, "001_init.sql"));
  });

  it("refuses to overwrite an existing path", async () => {
    // A subdirectory is not a migration, so it does not count for numbering, but it occupies the name.
    await mkdir(join(dir, "001_taken.sql"));
    const error = await createMigration(dir, "taken", "sql", NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`migration file ${join(dir, "001_taken.sql")} already exists`);
    expect((error as ConfigError).fix).toMatch(/another name/);
  });

  it("rejects a name with no letters or digits", async () => {
    const error = await createMigration(dir, "!!!", "sql", NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("USAGE");
  });

  it("re-exports slugify", () => {
    expect(slugify("Add Users")).toBe("add_users");
  });
});
