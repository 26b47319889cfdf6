import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gooseLayout as layout } from "../../../../src/source/layouts/goose.js";
import type { UnitScript } from "../../../../src/source/layouts/layout.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "goose");

/** [line, text] of each statement, after checking each offset points at its text. */
function statements(script: UnitScript | null | undefined): [number, string][] {
  if (!script?.statements) throw new Error("no explicit statements");
  for (const s of script.statements) expect(script.text.slice(s.offset, s.offset + s.text.length)).toBe(s.text);
  return script.statements.map((s) => [s.line, s.text]);
}

describe("goose layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");
  const unit = (version: string) => result.units.find((u) => u.version === version);

  it("reads the SQL migrations in order and refuses the Go one by name", () => {
    expect(result.units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["00001", "create_users", ["00001_create_users.sql"]],
      ["00002", "index_users_updated", ["00002_index_users_updated.sql"]],
      ["00003", "touch_trigger", ["00003_touch_trigger.sql"]],
      ["00004", "mysql_only", ["00004_mysql_only.sql"]],
      ["00005", "reserved", ["00005_reserved.sql"]],
      ["00006", "backfill_users", ["00006_backfill_users.sql"]],
    ]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({
      code: "BAD_DIRECTIVE",
      severity: "error",
      files: ["00007_rename_root.go"],
      message: "00007_rename_root.go is a goose Go migration, and Stratum cannot run Go code.",
    });
  });

  it("splits statements at lines ending in ';' and ends each at its last ';', with file lines", () => {
    const users = unit("00001");
    expect(users?.up?.startLine).toBe(2);
    expect(statements(users?.up)).toEqual([
      [2, "CREATE TABLE users (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL,\n  updated_at timestamptz\n);"],
      [8, "CREATE UNIQUE INDEX users_email_key ON users (email);"],
    ]);
    expect(statements(users?.down)).toEqual([[11, "DROP TABLE users;"]]);
    expect(statements(unit("00006")?.up)).toEqual([
      [2, "UPDATE users SET updated_at = now() WHERE updated_at IS NULL;"],
      [3, "INSERT INTO users (email) VALUES ('admin@example.com');"],
    ]);
  });

  it("keeps a StatementBegin/End block as one statement", () => {
    const trigger = unit("00003");
    expect(statements(trigger?.up)).toEqual([
      [3, "CREATE FUNCTION touch_updated_at() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;"],
      [11, "CREATE TRIGGER users_touch BEFORE UPDATE ON users\n  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();"],
    ]);
    expect(statements(trigger?.down)).toEqual([
      [15, "DROP TRIGGER users_touch ON users;"],
      [16, "DROP FUNCTION touch_updated_at();"],
    ]);
  });

  it("NO TRANSACTION turns the transaction off in both directions", () => {
    const index = unit("00002");
    expect(index).toMatchObject({ transaction: false, downTransaction: false });
    expect(statements(index?.up)).toEqual([[3, "CREATE INDEX CONCURRENTLY users_updated_at ON users (updated_at);"]]);
    expect(statements(index?.down)).toEqual([[6, "DROP INDEX CONCURRENTLY users_updated_at;"]]);
    expect(unit("00001")).not.toHaveProperty("transaction");
  });

  it("empty sections and an empty file are no-ops; no Down section is no down", () => {
    const placeholder = unit("00004");
    expect(placeholder?.up).toEqual({ file: "00004_mysql_only.sql", text: "", startLine: 2, statements: [] });
    expect(placeholder?.down).toEqual({ file: "00004_mysql_only.sql", text: "", startLine: 3, statements: [] });
    expect(unit("00005")?.up).toEqual({ file: "00005_reserved.sql", text: "", startLine: 1, statements: [] });
    expect(unit("00005")?.down).toBeNull();
    expect(unit("00006")?.down).toBeNull();
  });

  it("is detected by its Go migrations, and only then", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(true);
    expect(layout.detect(["00001_a.sql", "00002_b.sql"])).toBe(false);
    expect(layout.detect(["001_create_users.sql", "002_x.ts", "helpers_test.go"])).toBe(false);
  });
});

describe("goose blocks on MySQL", () => {
  const file = [
    "-- +goose Up",
    "-- +goose StatementBegin",
    "CREATE TABLE owners (id INT PRIMARY KEY);",
    "",
    "CREATE TABLE repos (id INT PRIMARY KEY, owner_id INT REFERENCES owners (id));",
    "-- +goose StatementEnd",
    "-- +goose StatementBegin",
    "CREATE PROCEDURE touch_repos()",
    "BEGIN",
    "  UPDATE repos SET id = id;",
    "  UPDATE owners SET id = id;",
    "END;",
    "-- +goose StatementEnd",
    "",
  ].join("\n");

  it("runs a block's statements one by one (MySQL takes one per call), a stored program whole", () => {
    const { units, problems } = layout.read(inline({ "00001_tables.sql": file }), "mysql");
    expect(problems).toEqual([]);
    expect(statements(units[0]?.up)).toEqual([
      [3, "CREATE TABLE owners (id INT PRIMARY KEY)"],
      [5, "CREATE TABLE repos (id INT PRIMARY KEY, owner_id INT REFERENCES owners (id))"],
      [8, "CREATE PROCEDURE touch_repos()\nBEGIN\n  UPDATE repos SET id = id;\n  UPDATE owners SET id = id;\nEND;"],
    ]);
  });

  it("keeps a block whole on PostgreSQL and SQLite, which take it in one call", () => {
    const { units } = layout.read(inline({ "00001_tables.sql": file }), "postgres");
    expect(statements(units[0]?.up).map(([line]) => line)).toEqual([3, 8]);
  });
});

describe("goose problems", () => {
  it("skips a Go file without a version, as goose does (an embed.go beside the SQL files)", () => {
    const { units, problems } = layout.read(
      inline({
        "00001_a.sql": "-- +goose Up\nSELECT 1;\n",
        "embed.go": "package migrations\n\nimport \"embed\"\n\n//go:embed *.sql\nvar FS embed.FS\n",
      }),
      "postgres",
    );
    expect(problems).toEqual([]);
    expect(units.map((u) => u.version)).toEqual(["00001"]);
  });

  it("names the line of an unclosed block, a stray StatementEnd and an unknown annotation", () => {
    const { problems } = layout.read(
      inline({
        "1_a.sql": "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
        "2_b.sql": "-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Sideways\n",
      }),
      "postgres",
    );
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_SECTION", ["1_a.sql:2"]],
      ["BAD_SECTION", ["2_b.sql:4"]],
      ["BAD_SECTION", ["2_b.sql:3"]],
    ]);
    expect(problems[0]?.message).toContain("never closed");
  });

  it("requires an Up annotation and refuses ENVSUB", () => {
    const { units, problems } = layout.read(
      inline({ "1_a.sql": "CREATE TABLE a (id int);\n", "2_b.sql": "-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${HOME}';\n" }),
      "postgres",
    );
    expect(units.map((u) => u.version)).toEqual(["2"]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_SECTION", ["1_a.sql:1"]],
      ["BAD_DIRECTIVE", ["2_b.sql:1"]],
    ]);
  });
});
