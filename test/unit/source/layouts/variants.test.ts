// Per-dialect variants in Stratum's own layout: `001_x.postgres.up.sql` beside `001_x.up.sql`.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checksumOf } from "../../../../src/core/checksum.js";
import { discoverMigrations } from "../../../../src/source/discover.js";
import { chooseVariants, dialectVariant } from "../../../../src/source/layouts/variants.js";

let outside: string;
let dir: string;

beforeEach(async () => {
  outside = await mkdtemp(join(tmpdir(), "stratum-variants-"));
  dir = join(outside, "migrations");
  await mkdir(dir);
});

afterEach(async () => {
  await rm(outside, { recursive: true, force: true });
});

async function files(entries: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(entries)) await writeFile(join(dir, name), content);
}

describe("dialectVariant", () => {
  it("reads the tag before .up/.down and the extension, only for the registry's dialect names", () => {
    expect(dialectVariant("001_x.postgres.up.sql")).toEqual({ tag: "postgres", base: "001_x.up.sql" });
    expect(dialectVariant("001_x.sqlite.sql")).toEqual({ tag: "sqlite", base: "001_x.sql" });
    expect(dialectVariant("sub/1_x.mysql.down.sql")).toEqual({ tag: "mysql", base: "sub/1_x.down.sql" });
    expect(dialectVariant("001_x.up.sql")).toBeNull();
    expect(dialectVariant("001_x.sql")).toBeNull();
    expect(dialectVariant("001_x.oracle.sql")).toBeNull();
    expect(dialectVariant("001_x.Postgres.sql")).toBeNull();
  });
});

describe("chooseVariants", () => {
  const names = ["001_a.postgres.up.sql", "001_a.up.sql", "001_a.down.sql", "002_b.mysql.sql", "003_c.sql"];

  it("the dialect's own up replaces the untagged up; the shared down stays until the dialect has its own", () => {
    expect(chooseVariants(names, "postgres")).toEqual([
      { name: "001_a.postgres.up.sql", base: "001_a.up.sql" },
      { name: "001_a.down.sql", base: "001_a.down.sql" },
      { name: "003_c.sql", base: "003_c.sql" },
    ]);
    expect(chooseVariants([...names, "001_a.postgres.down.sql"], "postgres").map((c) => c.name)).toEqual([
      "001_a.postgres.up.sql",
      "003_c.sql",
      "001_a.postgres.down.sql",
    ]);
  });

  it("a dialect's single file replaces every untagged file of its migration, and a tagged part an untagged single file", () => {
    expect(chooseVariants(["001_a.up.sql", "001_a.down.sql", "001_a.sqlite.sql"], "sqlite").map((c) => c.name)).toEqual(["001_a.sqlite.sql"]);
    expect(chooseVariants(["001_a.sql", "001_a.sqlite.up.sql"], "sqlite").map((c) => c.name)).toEqual(["001_a.sqlite.up.sql"]);
  });

  it("another dialect's files are not there, for that dialect or without one", () => {
    expect(chooseVariants(names, "sqlite").map((c) => c.name)).toEqual(["001_a.up.sql", "001_a.down.sql", "003_c.sql"]);
    expect(chooseVariants(names, undefined).map((c) => c.name)).toEqual(["001_a.up.sql", "001_a.down.sql", "003_c.sql"]);
    expect(chooseVariants(names, "mysql").map((c) => c.name)).toEqual(["001_a.up.sql", "001_a.down.sql", "002_b.mysql.sql", "003_c.sql"]);
  });
});

describe("discovery with variants", () => {
  const postgresUp = "CREATE TABLE t (id SERIAL PRIMARY KEY);\n";
  const postgresDown = "DROP TABLE t;\n";
  const genericUp = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n";

  beforeEach(async () => {
    await files({
      "001_t.postgres.up.sql": postgresUp,
      "001_t.postgres.down.sql": postgresDown,
      "001_t.up.sql": genericUp,
      "002_only_mysql.mysql.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
      "003_u.sql": "CREATE TABLE u (id INT);\n",
    });
  });

  it("on PostgreSQL the postgres files make the migration, with their own names and checksum", async () => {
    const { migrations, problems } = await discoverMigrations(dir, { dialect: "postgres" });
    expect(problems).toEqual([]);
    expect(migrations.map((m) => [m.id, m.files])).toEqual([
      ["001_t", ["001_t.postgres.up.sql", "001_t.postgres.down.sql"]],
      ["003_u", ["003_u.sql"]],
    ]);
    const [first] = migrations;
    expect(first?.path).toBe(join(dir, "001_t.postgres.up.sql"));
    expect(first?.checksum).toBe(checksumOf([postgresUp, postgresDown]));
    expect(first?.up).toEqual({ file: "001_t.postgres.up.sql", text: postgresUp, startLine: 1 });
    expect(first?.down?.file).toBe("001_t.postgres.down.sql");
  });

  it("on SQLite the generic file is used (irreversible: it has no down), and the mysql-only version is absent", async () => {
    const { migrations, problems } = await discoverMigrations(dir, { dialect: "sqlite" });
    expect(problems).toEqual([]);
    expect(migrations.map((m) => [m.id, m.files])).toEqual([
      ["001_t", ["001_t.up.sql"]],
      ["003_u", ["003_u.sql"]],
    ]);
    expect(migrations[0]?.down).toBeNull();
  });

  it("on MySQL the single-file variant is read with its sections", async () => {
    const { migrations } = await discoverMigrations(dir, { dialect: "mysql" });
    expect(migrations.map((m) => m.id)).toEqual(["001_t", "002_only_mysql", "003_u"]);
    expect(migrations[1]?.down).toMatchObject({ file: "002_only_mysql.mysql.sql", startLine: 4 });
  });

  it("a badly named variant is reported under its own name", async () => {
    await files({ "004_Bad.postgres.sql": "SELECT 1;\n" });
    const { problems } = await discoverMigrations(dir, { dialect: "postgres" });
    expect(problems.map((p) => [p.code, p.files])).toEqual([["MALFORMED_NAME", ["004_Bad.postgres.sql"]]]);
  });

  it("a down variant without its up is reported like any orphan down file", async () => {
    await files({ "005_v.postgres.down.sql": "SELECT 1;\n" });
    const { problems } = await discoverMigrations(dir, { dialect: "postgres" });
    expect(problems.map((p) => p.message)).toEqual(["005_v.postgres.down.sql has no matching 005_v.up.sql."]);
  });
});

describe("create numbers after variants too", () => {
  it("a version held only by a dialect's variant is taken", async () => {
    const { nextVersion } = await import("../../../../src/source/create.js");
    expect(nextVersion(["001_a.sql", "002_b.postgres.sql", "003_c.mysql.up.sql"], new Date(0))).toBe("004");
  });
});
