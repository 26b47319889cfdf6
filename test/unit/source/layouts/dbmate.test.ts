import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateLayout as layout } from "../../../../src/source/layouts/dbmate.js";
import { FIXTURES, inline, lineIn, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "dbmate");

describe("dbmate layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");
  const unit = (version: string) => result.units.find((u) => u.version === version);

  it("reads every file as one unit, in version order", () => {
    expect(result.problems).toEqual([]);
    expect(result.units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["20240101120000", "create_users", ["20240101120000_create_users.sql"]],
      ["20240102090000", "index_users_email", ["20240102090000_index_users_email.sql"]],
      ["20240103100000", "count_users", ["20240103100000_count_users.sql"]],
      ["20240104110000", "sqlite_only", ["20240104110000_sqlite_only.sql"]],
      ["20240105120000", "reserved", ["20240105120000_reserved.sql"]],
      ["20240106130000", "backfill_domains", ["20240106130000_backfill_domains.sql"]],
    ]);
  });

  it("cuts sections at the markers, keeping file lines", () => {
    const users = unit("20240101120000");
    expect(users?.up).toEqual({
      file: "20240101120000_create_users.sql",
      text: "CREATE TABLE users (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL\n);\n",
      startLine: 2,
    });
    expect(users?.down).toEqual({ file: "20240101120000_create_users.sql", text: "DROP TABLE users;\n", startLine: 8 });
    const fn = unit("20240103100000");
    expect(fn?.up?.startLine).toBe(lineIn(DIR, "20240103100000_count_users.sql", "CREATE FUNCTION"));
    expect(fn?.up?.text).toContain("END;\n$$ LANGUAGE plpgsql;");
    expect(fn?.up?.statements).toBeUndefined();
  });

  it("reads -- stratum: directives from the comment lines before the first marker", () => {
    expect(unit("20240103100000")?.directivesFrom).toEqual({
      file: "20240103100000_count_users.sql",
      text: "-- a function whose body holds semicolons",
      startLine: 1,
    });
    expect(unit("20240101120000")?.directivesFrom).toEqual({ file: "20240101120000_create_users.sql", text: "", startLine: 1 });
  });

  it("reads transaction:false on each marker line for its own direction", () => {
    const index = unit("20240102090000");
    expect(index?.transaction).toBe(false);
    expect(index?.downTransaction).toBe(false);
    expect(index?.up?.text).toBe("CREATE INDEX CONCURRENTLY users_email ON users (email);\n");
    expect(unit("20240101120000")).not.toHaveProperty("transaction");
  });

  it("empty sections are no-op scripts; an empty file is a no-op without a down", () => {
    const empty = unit("20240104110000");
    expect(empty?.up?.text).toBe("-- nothing to do on PostgreSQL: kept for the SQLite build\n");
    expect(empty?.down).toEqual({ file: "20240104110000_sqlite_only.sql", text: "", startLine: 5 });
    const reserved = unit("20240105120000");
    expect(reserved?.up).toEqual({ file: "20240105120000_reserved.sql", text: "", startLine: 1 });
    expect(reserved?.down).toBeNull();
    expect(unit("20240106130000")?.down).toBeNull();
  });

  it("never claims a directory by its paths (its files are Stratum's own format)", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(false);
  });
});

describe("dbmate problems", () => {
  it("requires -- migrate:up in a file holding SQL", () => {
    const { units, problems } = layout.read(inline({ "1_a.sql": "CREATE TABLE a (id int);\n" }), "postgres");
    expect(units).toEqual([]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([["BAD_SECTION", ["1_a.sql:1"]]]);
  });

  it("refuses SQL before the first marker", () => {
    const before = layout.read(inline({ "1_a.sql": "SELECT 1;\n-- migrate:up\nSELECT 2;\n" }), "postgres");
    expect(before.problems.map((p) => [p.code, p.files])).toEqual([["BAD_SECTION", ["1_a.sql:1"]]]);
  });

  it("reads a down section placed before the up, as dbmate does", () => {
    const { units, problems } = layout.read(
      inline({ "1_a.sql": "-- migrate:down\nDROP TABLE a;\n-- migrate:up\nCREATE TABLE a (id int);\n" }),
      "postgres",
    );
    expect(problems).toEqual([]);
    expect(units[0]?.up).toEqual({ file: "1_a.sql", text: "CREATE TABLE a (id int);\n", startLine: 4 });
    expect(units[0]?.down).toEqual({ file: "1_a.sql", text: "DROP TABLE a;", startLine: 2 });
  });

  it("reports a bad transaction value, a duplicate marker and a badly named file", () => {
    const { problems } = layout.read(
      inline({
        "1_a.sql": "-- migrate:up transaction:no\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
        "notes.sql": "SELECT 3;",
      }),
      "postgres",
    );
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_DIRECTIVE", ["1_a.sql:1"]],
      ["BAD_SECTION", ["1_a.sql:3"]],
      ["MALFORMED_NAME", ["notes.sql"]], // a warning: dbmate ignores it
    ]);
  });

  it("ignores free text after a marker but warns about an unknown option", () => {
    const { units, problems } = layout.read(inline({ "1_a.sql": "-- migrate:up create it lock:none\nSELECT 1;\n" }), "postgres");
    expect(units).toHaveLength(1);
    expect(problems.map((p) => [p.severity, p.message])).toEqual([
      ["warning", '"lock:none" at 1_a.sql:1 is not a dbmate option Stratum knows, so it is ignored.'],
    ]);
  });

  it("takes the leading digits as the version, as dbmate does, and warns about a file it ignores", () => {
    const { units, problems } = layout.read(
      inline({ "20240101-Create Users.sql": "-- migrate:up\nSELECT 1;\n", "seed.sql": "SELECT 2;" }),
      "postgres",
    );
    expect(units.map((u) => [u.version, u.name])).toEqual([["20240101", "create_users"]]);
    expect(problems.map((p) => [p.code, p.severity, p.files])).toEqual([["MALFORMED_NAME", "warning", ["seed.sql"]]]);
  });
});
