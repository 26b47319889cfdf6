import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checksumOf } from "../../../src/core/checksum.js";
import { ConfigError } from "../../../src/core/errors.js";
import { discoverMigrations, fileSystemSource } from "../../../src/source/discover.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";

// These tests assert the wording CLI users read (`pass --dir`), so they run under the
// CLI's vocabulary; test/unit/planner/library-wording.test.ts shows the library's own words.
beforeAll(() => useVocabulary(cliVocabulary));
afterAll(() => useVocabulary(optionVocabulary));

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/source/migrations");

let dir: string;
let outside: string;

beforeEach(async () => {
  outside = await mkdtemp(join(tmpdir(), "stratum-discover-"));
  dir = join(outside, "migrations");
  await mkdir(dir);
});

afterEach(async () => {
  await rm(outside, { recursive: true, force: true });
});

async function files(entries: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(entries)) await writeFile(join(dir, name), content);
}

describe("discoverMigrations on the fixture directory", () => {
  it("finds the SQL file, the pair and the code migration, ignoring everything else", async () => {
    const { migrations, problems } = await discoverMigrations(FIXTURE);
    expect(problems).toEqual([]);
    expect(migrations.map((m) => [m.id, m.kind, m.files])).toEqual([
      ["001_create_users", "sql", ["001_create_users.sql"]],
      ["002_add_orders", "sql", ["002_add_orders.up.sql", "002_add_orders.down.sql"]],
      ["003_backfill_orders", "code", ["003_backfill_orders.ts"]],
    ]);
  });

  it("fills in each migration", async () => {
    const { migrations } = await discoverMigrations(FIXTURE);
    const [users, orders, backfill] = migrations;
    expect(users).toMatchObject({
      version: "001",
      name: "create_users",
      path: join(FIXTURE, "001_create_users.sql"),
      options: { description: "the users table", tables: ["users"], dependsOn: [], irreversible: false, requires: [] },
    });
    expect(users?.up?.startLine).toBe(6);
    expect(users?.down).toEqual({ file: "001_create_users.sql", startLine: 12, text: "DROP TABLE users;\n" });

    expect(orders?.path).toBe(join(FIXTURE, "002_add_orders.up.sql"));
    expect(orders?.options.dependsOn).toEqual(["001"]);
    expect(orders?.options.requires.map((r) => `${r.dialect}${r.op}${r.version}@${r.source}`)).toEqual([
      "sqlite>=3.35@002_add_orders.up.sql:2",
      "postgres>=13@002_add_orders.up.sql:2",
    ]);
    expect(orders?.down?.file).toBe("002_add_orders.down.sql");
    expect(orders?.verify).toEqual({ file: "002_add_orders.up.sql", startLine: 9, text: "SELECT count(*) = 0 FROM orders;\n" });

    expect(backfill).toMatchObject({
      kind: "code",
      up: null,
      down: null,
      verify: null,
      options: { dependsOn: [], irreversible: false, requires: [] },
    });
  });
});

describe("discoverMigrations on temporary directories", () => {
  it("checksums a pair over both files and a single file over itself", async () => {
    await files({
      "001_a.up.sql": "CREATE TABLE a (x int);\n",
      "001_a.down.sql": "DROP TABLE a;\n",
      "002_b.sql": "-- migrate:up\nCREATE TABLE b (x int);\n",
      "003_c.ts": "export async function up() {}\n",
    });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([]);
    expect(migrations.map((m) => m.checksum)).toEqual([
      checksumOf(["CREATE TABLE a (x int);\n", "DROP TABLE a;\n"]),
      checksumOf(["-- migrate:up\nCREATE TABLE b (x int);\n"]),
      checksumOf(["export async function up() {}\n"]),
    ]);
  });

  it("gives the same checksum to CRLF and BOM variants of a file", async () => {
    await files({ "001_a.sql": "\uFEFFCREATE TABLE a (x int);\r\n", "002_b.sql": "CREATE TABLE a (x int);\n" });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([]);
    expect(migrations[0]?.checksum).toBe(migrations[1]?.checksum);
    expect(migrations[0]?.up?.text).toBe("CREATE TABLE a (x int);\n");
  });

  it("sorts by version as an integer", async () => {
    await files({ "10_c.sql": "SELECT 10;", "2_b.sql": "SELECT 2;", "0009_a.sql": "SELECT 9;", "20261121093000_d.sql": "SELECT 4;" });
    const { migrations } = await discoverMigrations(dir);
    expect(migrations.map((m) => m.version)).toEqual(["2", "0009", "10", "20261121093000"]);
  });

  it.each([
    [
      "001 and 1",
      { "001_a.sql": "SELECT 1;", "1_b.sql": "SELECT 1;" },
      ["001_a.sql", "1_b.sql"],
      ["001", "1"],
    ],
    [
      "a pair and a single file with the same id",
      { "001_a.up.sql": "SELECT 1;", "001_a.down.sql": "SELECT 2;", "001_a.sql": "SELECT 1;" },
      ["001_a.sql", "001_a.up.sql", "001_a.down.sql"],
      ["001", "001"],
    ],
    [
      "a SQL and a code migration",
      { "004_a.sql": "SELECT 1;", "004_a.ts": "export async function up() {}" },
      ["004_a.sql", "004_a.ts"],
      ["004", "004"],
    ],
  ])("reports duplicate versions: %s", async (_label, entries, duplicateFiles, versions) => {
    await files(entries);
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "DUPLICATE_VERSION", severity: "error", versions });
    expect([...(problems[0]?.files ?? [])].sort()).toEqual([...duplicateFiles].sort());
    expect(problems[0]?.message).toContain(duplicateFiles[0]);
    expect(migrations).toHaveLength(versions.length);
  });

  it("reports a .down.sql file without its .up.sql", async () => {
    await files({ "001_a.down.sql": "DROP TABLE a;", "001_b.up.sql": "CREATE TABLE b (x int);" });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([
      expect.objectContaining({ code: "MISSING_FILE", files: ["001_a.down.sql"], message: "001_a.down.sql has no matching 001_a.up.sql." }),
    ]);
    expect(migrations.map((m) => m.id)).toEqual(["001_b"]);
    expect(migrations[0]?.down).toBeNull();
  });

  it("reports malformed names and ignores files not meant as migrations", async () => {
    await files({
      "1-create.sql": "SELECT 1;",
      "001_Create Users.sql": "SELECT 1;",
      "abc.sql": "SELECT 1;",
      "README.md": "# notes",
      "notes.txt": "x",
      "_draft.sql": "SELECT 1;",
      ".editorconfig": "x",
      "types.d.ts": "export {};",
      "002_ok.sql": "SELECT 2;",
    });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(migrations.map((m) => m.id)).toEqual(["002_ok"]);
    expect(problems.map((p) => [p.code, p.files[0]])).toEqual([
      ["MALFORMED_NAME", "001_Create Users.sql"],
      ["MALFORMED_NAME", "1-create.sql"],
      ["MALFORMED_NAME", "abc.sql"],
    ]);
  });

  it("ignores subdirectories, even ones named like migrations", async () => {
    await mkdir(join(dir, "archive"));
    await mkdir(join(dir, "005_dir.sql"));
    await writeFile(join(dir, "archive", "001_old.sql"), "SELECT 1;");
    await files({ "002_new.sql": "SELECT 2;" });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([]);
    expect(migrations.map((m) => m.id)).toEqual(["002_new"]);
  });

  it("refuses a symbolic link that points outside the directory", async () => {
    await writeFile(join(outside, "secret.sql"), "DROP DATABASE prod;");
    await symlink(join(outside, "secret.sql"), join(dir, "001_escape.sql"));
    await symlink("../secret.sql", join(dir, "002_relative.sql"));
    const { migrations, problems } = await discoverMigrations(dir);
    expect(migrations).toEqual([]);
    expect(problems).toHaveLength(2);
    for (const problem of problems) {
      expect(problem.code).toBe("MALFORMED_NAME");
      expect(problem.message).toMatch(/is a symbolic link pointing outside the migrations directory/);
    }
    expect(problems.map((p) => p.files[0])).toEqual(["001_escape.sql", "002_relative.sql"]);
  });

  it("follows a symbolic link that stays inside the directory", async () => {
    await mkdir(join(dir, "shared"));
    await writeFile(join(dir, "shared", "body.sql"), "CREATE TABLE t (x int);");
    await symlink("shared/body.sql", join(dir, "001_linked.sql"));
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([]);
    expect(migrations.map((m) => [m.id, m.path, m.up?.text])).toEqual([
      ["001_linked", join(dir, "001_linked.sql"), "CREATE TABLE t (x int);"],
    ]);
  });

  it("works when the directory itself is reached through a symbolic link", async () => {
    await files({ "001_a.sql": "SELECT 1;" });
    const alias = join(outside, "alias");
    await symlink(dir, alias);
    const { migrations, problems } = await discoverMigrations(alias);
    expect(problems).toEqual([]);
    expect(migrations.map((m) => m.path)).toEqual([join(alias, "001_a.sql")]);
  });

  it("reports a broken symbolic link", async () => {
    await symlink(join(dir, "nowhere.sql"), join(dir, "001_broken.sql"));
    const { problems } = await discoverMigrations(dir);
    expect(problems).toEqual([expect.objectContaining({ files: ["001_broken.sql"], message: expect.stringMatching(/target does not exist/) })]);
  });

  it.each([
    ["NUL bytes", Uint8Array.from([...Buffer.from("SELECT 1;\n"), 0, ...Buffer.from("\n")]), /contains a NUL byte at 001_bad\.sql:2/, "001_bad.sql:2"],
    ["invalid UTF-8", Uint8Array.from([...Buffer.from("SELECT '"), 0xff, 0xfe, ...Buffer.from("';")]), /is not valid UTF-8 \(first bad byte at 001_bad\.sql:1\)/, "001_bad.sql:1"],
    ["a truncated UTF-8 sequence", Uint8Array.from([...Buffer.from("--\nSELECT '"), 0xe2, 0x82]), /is not valid UTF-8 \(first bad byte at 001_bad\.sql:2\)/, "001_bad.sql:2"],
  ])("rejects a file with %s", async (_label, bytes, message, where) => {
    await files({ "001_bad.sql": bytes, "002_ok.sql": "SELECT 'é';" });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(migrations.map((m) => m.id)).toEqual(["002_ok"]);
    expect(problems).toEqual([
      expect.objectContaining({ code: "BAD_SECTION", files: [where], message: expect.stringMatching(message) }),
    ]);
  });

  it("passes on the parser's problems with file:line", async () => {
    await files({ "001_a.sql": "-- stratum:transaction sometimes\n-- migrate:up\nSELECT 1;\n", "002_b.sql": "-- nothing\n" });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(migrations).toHaveLength(2);
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_DIRECTIVE", ["001_a.sql:1"]],
      ["EMPTY_MIGRATION", ["002_b.sql"]],
    ]);
  });

  it("does not import code migrations", async () => {
    const sideEffect = join(outside, "imported");
    await files({ "001_side_effect.ts": `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(sideEffect)}, "x");\nexport async function up() {}\n` });
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([]);
    expect(migrations).toHaveLength(1);
    expect(existsSync(sideEffect)).toBe(false);
  });

  it("returns nothing for an empty directory", async () => {
    expect(await discoverMigrations(dir)).toEqual({ migrations: [], problems: [] });
  });

  it("throws ConfigError for a missing directory", async () => {
    const missing = join(outside, "nope");
    const error = await discoverMigrations(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`migrations directory ${missing} does not exist`);
    expect((error as ConfigError).fix).toBe("run `stratum init` or pass --dir");
  });

  it("throws ConfigError when the path is a file", async () => {
    await files({ "001_a.sql": "SELECT 1;" });
    const error = await discoverMigrations(join(dir, "001_a.sql")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/is not a directory/);
  });

  it("is what fileSystemSource lists", async () => {
    await files({ "001_a.sql": "SELECT 1;" });
    expect(await fileSystemSource(dir).list()).toEqual(await discoverMigrations(dir));
  });
});
