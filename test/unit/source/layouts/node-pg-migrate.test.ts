import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discoverMigrations } from "../../../../src/source/discover.js";
import { nodePgMigrateLayout as layout } from "../../../../src/source/layouts/node-pg-migrate.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "node-pg-migrate");

describe("node-pg-migrate layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");
  const unit = (version: string) => result.units.find((u) => u.version === version);

  it("reads the SQL migrations in order and refuses the JavaScript one by name", () => {
    expect(result.units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["1700000000000", "create-users", ["1700000000000_create-users.sql"]],
      ["1700000100000", "index-users-email", ["1700000100000_index-users-email.sql"]],
      ["1700000200000", "count-users", ["1700000200000_count-users.sql"]],
      ["1700000300000", "placeholder", ["1700000300000_placeholder.sql"]],
      ["1700000400000", "reserved", ["1700000400000_reserved.sql"]],
      ["1700000500000", "seed-roles", ["1700000500000_seed-roles.sql"]],
    ]);
    expect(result.problems.map((p) => [p.code, p.severity, p.files])).toEqual([
      ["BAD_DIRECTIVE", "error", ["1700000600000_add-last-seen.js"]],
    ]);
    expect(result.problems[0]?.fix).toContain("1700000600000_add-last-seen.sql");
  });

  it("cuts the sections at the marker comments, in either order, keeping file lines", () => {
    expect(unit("1700000000000")?.up).toEqual({
      file: "1700000000000_create-users.sql",
      text: "CREATE TABLE users (\n  id serial PRIMARY KEY,\n  email text NOT NULL\n);\n",
      startLine: 2,
    });
    expect(unit("1700000000000")?.down).toEqual({ file: "1700000000000_create-users.sql", text: "DROP TABLE users;\n", startLine: 8 });
    const fn = unit("1700000200000");
    expect(fn?.down).toEqual({ file: "1700000200000_count-users.sql", text: "DROP FUNCTION count_users();\n", startLine: 2 });
    expect(fn?.up?.startLine).toBe(5);
    expect(fn?.up?.text).toContain("$$ LANGUAGE plpgsql;");
    expect(fn?.up?.statements).toBeUndefined();
  });

  it("a -- no transaction header runs both directions outside a transaction", () => {
    const index = unit("1700000100000");
    expect(index).toMatchObject({ transaction: false, downTransaction: false });
    expect(index?.up).toEqual({
      file: "1700000100000_index-users-email.sql",
      text: "CREATE INDEX CONCURRENTLY users_email ON users (email);",
      startLine: 3,
    });
    expect(index?.down?.text).toBe("DROP INDEX CONCURRENTLY users_email;\n");
    expect(unit("1700000000000")).not.toHaveProperty("transaction");
    const late = layout.read(inline({ "1_a.sql": "-- Up Migration\nSELECT 1;\n-- no transaction\n" }), "postgres");
    expect(late.units[0]).not.toHaveProperty("transaction");
  });

  it("empty sections and files are no-ops; a file without markers is all up and has no down", () => {
    expect(unit("1700000300000")?.up).toEqual({ file: "1700000300000_placeholder.sql", text: "", startLine: 2 });
    expect(unit("1700000300000")?.down).toEqual({ file: "1700000300000_placeholder.sql", text: "", startLine: 4 });
    expect(unit("1700000400000")?.up).toEqual({ file: "1700000400000_reserved.sql", text: "", startLine: 1 });
    expect(unit("1700000400000")?.down).toBeNull();
    const seed = unit("1700000500000");
    expect(seed?.up?.startLine).toBe(1);
    expect(seed?.up?.text).toContain("INSERT INTO roles");
    expect(seed?.down).toBeNull();
  });

  it("never claims a directory by its paths", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(false);
  });
});

describe("node-pg-migrate problems", () => {
  it("reports a second marker of one direction and a badly named file", () => {
    const { problems } = layout.read(
      inline({ "1_a.sql": "-- Up Migration\nSELECT 1;\n--- up migration\nSELECT 2;\n", "seed.sql": "SELECT 1;" }),
      "postgres",
    );
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_SECTION", ["1_a.sql:3"]],
      ["MALFORMED_NAME", ["seed.sql"]],
    ]);
  });
});

describe("a directory of node-pg-migrate JavaScript migrations (randkyp/OpenMusic)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "stratum-npm-js-"));
    await writeFile(join(dir, "1690423261451_create-albums.js"), "exports.shorthands = undefined;\n\nexports.up = (pgm) => {\n  pgm.createTable('albums', { id: 'id' });\n};\n");
    await writeFile(join(dir, "1690423269601_create-songs.ts"), "import { MigrationBuilder } from 'node-pg-migrate';\n\nexport async function up(pgm: MigrationBuilder): Promise<void> {}\n");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const refused = [
    ["BAD_DIRECTIVE", ["1690423261451_create-albums.js"]],
    ["BAD_DIRECTIVE", ["1690423269601_create-songs.ts"]],
  ];

  it("is detected by the files' shorthands export / node-pg-migrate import, and each file is refused by name", async () => {
    const result = await discoverMigrations(dir);
    expect(result.layout).toEqual({ name: "node-pg-migrate", detected: true });
    expect(result.migrations).toEqual([]);
    expect(result.problems.map((p) => [p.code, p.files])).toEqual(refused);
    expect(result.problems[0]?.message).toBe("1690423261451_create-albums.js is a node-pg-migrate JavaScript migration, which Stratum cannot run (it reads the SQL ones).");
  });

  it("with format node-pg-migrate, names each file rather than saying the directory holds none", async () => {
    const result = await discoverMigrations(dir, { format: "node-pg-migrate" });
    expect(result.layout).toEqual({ name: "node-pg-migrate", detected: false });
    expect(result.problems.map((p) => [p.code, p.files])).toEqual(refused);
  });

  it("is detected by the `pgm` builder parameter alone (no shorthands export)", async () => {
    await rm(join(dir, "1690423269601_create-songs.ts"));
    await writeFile(join(dir, "1690423261451_create-albums.js"), "exports.up = (pgm) => {\n  pgm.createTable('albums', { id: 'id' });\n};\n");
    await writeFile(join(dir, "1690423269601_create-songs.mjs"), "export async function up(pgm) {\n  pgm.sql('SELECT 1');\n}\n");
    const result = await discoverMigrations(dir);
    expect(result.layout).toEqual({ name: "node-pg-migrate", detected: true });
    expect(result.problems.map((p) => p.files)).toEqual([["1690423261451_create-albums.js"], ["1690423269601_create-songs.mjs"]]);
  });

  it("Stratum's own code migrations are not taken for node-pg-migrate's", async () => {
    await rm(join(dir, "1690423269601_create-songs.ts"));
    await writeFile(join(dir, "1690423261451_create-albums.js"), "export default { async up(db) { await db.sql`SELECT 1`; } };\n");
    expect((await discoverMigrations(dir)).layout).toBeUndefined();
  });
});
