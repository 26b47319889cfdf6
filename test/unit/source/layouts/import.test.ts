// `stratum import`: the pure conversion (importedMigrations) and the directory edge
// (importDirectory) over a tiny fake layout.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/core/errors.js";
import type { MigrationFile, MigrationOptions, SqlScript } from "../../../../src/core/types.js";
import { discoverMigrations } from "../../../../src/source/discover.js";
import { importedMigrations } from "../../../../src/source/import.js";
import { importDirectory } from "../../../../src/source/import-directory.js";
import type { Layout, LayoutUnit } from "../../../../src/source/layouts/layout.js";

function migration(version: string, name: string, up: SqlScript | null, down: SqlScript | null, options: Partial<MigrationOptions> = {}): MigrationFile {
  return {
    version,
   
    name,
    id: `${version}_${name}`,
    kind: "sql",
    files: [up?.file ?? `${version}.sql`],
    path: `/db/${version}.sql`,
    checksum: "x",
    up,
    down,
    verify: null,
    options: { dependsOn: [], irreversible: down === null, requires: [], ...options },
  };
}

const script = (file: string, text: string, statements?: SqlScript["statements"]): SqlScript =>
  statements === undefined ? { file, text, startLine: 2 } : { file, text, startLine: 2, statements };

describe("importedMigrations", () => {
  it("writes <version>_<name>.sql with sections, directives for the tool's markers, statements as marked", () => {
    const [first, second] = importedMigrations(
      [
        migration("20240101", "create_users", script("a.sql", "-- +goose Up\nCREATE TABLE users (id INT);\n"), script("a.sql", "DROP TABLE users;\n")),
        migration(
          "20240102",
          "AddIndex",
          script("b.sql", "ignored: the statements are marked", [
            { text: "CREATE INDEX CONCURRENTLY i ON users (id)", line: 3, offset: 0 },
            { text: "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;", line: 5, offset: 50 },
          ]),
          null,
          { transaction: false, dependsOn: ["create_users"] },
        ),
      ],
      "goose",
    );
    expect(first?.files).toEqual([
      {
        name: "20240101_create_users.sql",
        text: "-- Imported from goose: a.sql\n\n-- migrate:up\n-- +goose Up\nCREATE TABLE users (id INT);\n\n-- migrate:down\nDROP TABLE users;\n",
      },
    ]);
    expect(second?.files).toEqual([
      {
        name: "20240102_add_index.sql",
        text:
          "-- Imported from goose: b.sql\n-- stratum:depends 20240101\n-- stratum:transaction off\n\n-- migrate:up\n" +
          "CREATE INDEX CONCURRENTLY i ON users (id);\n\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n",
      },
    ]);
  });

  it("an empty down stays an (explicit, empty) down section; a down with its own transaction mode becomes a pair", () => {
    const [empty, pair] = importedMigrations(
      [
        migration("1", "a", script("1.up.sql", "SELECT 1;"), script("1.down.sql", "-- nothing\n")),
        migration("2", "b", script("2.sql", "SELECT 2;"), script("2.sql", "DROP INDEX CONCURRENTLY i;"), { downTransaction: false }),
      ],
      "golang-migrate",
    );
    expect(empty?.files[0]?.text).toBe("-- Imported from golang-migrate: 1.up.sql\n\n-- migrate:up\nSELECT 1;\n\n-- migrate:down\n-- nothing\n");
    expect(pair?.files).toEqual([
      { name: "2_b.up.sql", text: "-- Imported from golang-migrate: 2.sql\n\nSELECT 2;\n" },
      { name: "2_b.down.sql", text: "-- Imported from golang-migrate: 2.sql\n-- stratum:transaction off\n\nDROP INDEX CONCURRENTLY i;\n" },
    ]);
  });

  it("versions that are not plain digits are renumbered in order, and dependencies follow", () => {
    const result = importedMigrations(
      [
        migration("2", "c", script("V2__c.sql", "SELECT 3;"), null),
        migration("1.1", "b", script("V1.1__b.sql", "SELECT 2;"), null, { dependsOn: ["1"] }),
        migration("1", "a", script("V1__a.sql", "SELECT 1;"), null),
        migration("1.10", "d", script("V1.10__d.sql", "SELECT 4;"), null),
      ],
      "flyway",
    );
    expect(result.map((m) => [m.fromVersion, m.version, m.files.map((f) => f.name)])).toEqual([
      ["1", "001", ["001_a.sql"]],
      ["1.1", "002", ["002_b.sql"]],
      ["1.10", "003", ["003_d.sql"]],
      ["2", "004", ["004_c.sql"]],
    ]);
    expect(result[1]?.files[0]?.text).toContain("-- stratum:depends 001\n");
  });

  it("a marked statement whose last line is a comment is closed on a line of its own", () => {
    const [only] = importedMigrations(
      [migration("1", "a", script("a.sql", "", [{ text: "SELECT 1 -- one", line: 2, offset: 0 }, { text: "SELECT 2", line: 3, offset: 20 }]), null)],
      "goose",
    );
    expect(only?.files[0]?.text).toBe("-- Imported from goose: a.sql\n\n-- migrate:up\nSELECT 1 -- one\n;\n\nSELECT 2;\n");
  });

  it("a directive line inside a section moves to the header only (below a marker it would be refused)", () => {
    const [only] = importedMigrations([migration("1", "a", script("a.sql", "-- stratum:transaction off\nVACUUM;\n"), null, { transaction: false })], "goose");
    expect(only?.files[0]?.text).toBe("-- Imported from goose: a.sql\n-- stratum:transaction off\n\n-- migrate:up\nVACUUM;\n");
  });
});

const TOOL_FILE = /^(\d+)-([a-z_]+)\.tool\.sql$/;
const fake: Layout = {
  name: "goose",
  detect: (paths) => paths.some((path) => TOOL_FILE.test(path)),
  wants: (path) => TOOL_FILE.test(path),
  read(listed) {
    const units: LayoutUnit[] = [];
    for (const file of listed) {
      const match = TOOL_FILE.exec(file.path);
      if (match === null || file.text === null) continue;
      const [upText = "", downText] = file.text.split("-- down\n");
      units.push({
        version: match[1] ?? "",
        name: match[2] ?? "",
        files: [file.path],
        up: { file: file.path, text: upText, startLine: 1 },
        down: downText === undefined ? null : { file: file.path, text: downText, startLine: upText.split("\n").length + 1 },
        verify: null,
        ...(upText.includes("NO TRANSACTION") ? { transaction: false } : {}),
      });
    }
    return { units, problems: [] };
  },
};

describe("importDirectory", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "stratum-import-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const write = async (path: string, text: string | Uint8Array) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };
  const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as ConfigError);

  it("writes Stratum's files, which Stratum's own layout then reads with the same SQL and options", async () => {
    await write("tool/1-users.tool.sql", "CREATE TABLE users (id INT);\n-- down\nDROP TABLE users;\n");
    await write("tool/2-index.tool.sql", "-- NO TRANSACTION\nCREATE INDEX CONCURRENTLY i ON users (id);\n");
    const result = await importDirectory("tool", { from: "goose", out: "migrations", cwd: root, layouts: [fake] });
    expect(result.migrations.map((m) => m.files.map((f) => f.name))).toEqual([["1_users.sql"], ["2_index.sql"]]);
    expect(await readdir(join(root, "migrations"))).toEqual(["1_users.sql", "2_index.sql"]);
    const own = await discoverMigrations(join(root, "migrations"));
    expect(own.problems).toEqual([]);
    expect(own.migrations.map((m) => [m.id, m.options.transaction, m.options.irreversible])).toEqual([
      ["1_users", undefined, false],
      ["2_index", false, false],
    ]);
    expect(own.migrations[0]?.down?.text).toContain("DROP TABLE users;");
    expect(own.migrations[1]?.down).toBeNull();
  });

  it("refuses to overwrite: nothing is written when one target exists", async () => {
    await write("tool/1-users.tool.sql", "SELECT 1;\n");
    await write("tool/2-more.tool.sql", "SELECT 2;\n");
    await write("migrations/2_more.sql", "mine\n");
    const error = await refusal(importDirectory("tool", { from: "goose", out: "migrations", cwd: root, layouts: [fake] }));
    expect(error?.message).toBe("a file to be written already exists in migrations: 2_more.sql");
    expect(error?.code).toBe("USAGE");
    expect(existsSync(join(root, "migrations/1_users.sql"))).toBe(false);
    expect(readFileSync(join(root, "migrations/2_more.sql"), "utf8")).toBe("mine\n");
  });

  it("an unknown tool, a missing directory, a directory of another tool, an unreadable file: one sentence each, usage errors", async () => {
    await write("tool/1-users.tool.sql", Buffer.from([0x53, 0xff, 0x0a]));
    await write("other/V1__x.sql", "SELECT 1;\n");
    const cases: [() => Promise<unknown>, string][] = [
      [() => importDirectory("tool", { from: "liquibase", out: "m", cwd: root, layouts: [fake] }), 'unknown tool "liquibase" for --from'],
      [() => importDirectory("nowhere", { from: "goose", out: "m", cwd: root, layouts: [fake] }), "nowhere does not exist"],
      [() => importDirectory("other", { from: "goose", out: "m", cwd: root, layouts: [fake] }), "other holds no goose migrations"],
      [() => importDirectory("tool", { from: "goose", out: "tool", cwd: root, layouts: [fake] }), "--out tool is the directory being imported"],
      [
        () => importDirectory("tool", { from: "goose", out: "m", cwd: root, layouts: [fake] }),
        "cannot import tool: 1-users.tool.sql is not valid UTF-8 (first bad byte at 1-users.tool.sql:1)",
      ],
    ];
    for (const [promise, message] of cases) {
      const error = await refusal(promise());
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message).toBe(message);
      expect(error?.code).toBe("USAGE");
    }
    expect(existsSync(join(root, "m"))).toBe(false);
  });
});
