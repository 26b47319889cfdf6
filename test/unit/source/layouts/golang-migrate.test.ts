import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { golangMigrateLayout as layout } from "../../../../src/source/layouts/golang-migrate.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "golang-migrate");

describe("golang-migrate layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");

  it("reads every version, in order, with the files the checksum covers", () => {
    expect(result.problems).toEqual([]);
    expect(result.units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["000001", "create_users", ["000001_CreateUsers.up.sql", "000001_CreateUsers.down.sql"]],
      ["000002", "index_users_email", ["000002_IndexUsersEmail.up.sql", "000002_IndexUsersEmail.down.sql"]],
      ["000003", "touch_function", ["000003_TouchFunction.up.sql", "000003_TouchFunction.down.sql"]],
      ["000004", "mysql_only", ["000004_MysqlOnly.up.sql", "000004_MysqlOnly.down.sql"]],
      ["000005", "backfill_names", ["000005_BackfillNames.up.sql"]],
    ]);
  });

  it("gives whole files as scripts from line 1, leaving statements to the dialect's splitter", () => {
    const [users, index, fn] = result.units;
    expect(users?.up).toEqual({
      file: "000001_CreateUsers.up.sql",
      text: "CREATE TABLE users (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL,\n  display_name text\n);\n",
      startLine: 1,
    });
    expect(index?.up?.text).toContain("CREATE INDEX CONCURRENTLY users_email");
    expect(index?.down).toEqual({
      file: "000002_IndexUsersEmail.down.sql",
      text: "DROP INDEX CONCURRENTLY IF EXISTS users_email;\n",
      startLine: 1,
    });
    expect(fn?.up?.text).toContain("$$ LANGUAGE plpgsql;");
    expect(fn?.up?.statements).toBeUndefined();
    expect(index?.transaction).toBeUndefined();
  });

  it("reads -- stratum: directives from the up file, as Stratum's own pair layout does", () => {
    expect(result.units.every((u) => u.directivesFrom === u.up)).toBe(true);
  });

  it("an empty down file is an explicit no-op down; a missing one is no down", () => {
    const placeholder = result.units[3];
    expect(placeholder?.up).toEqual({ file: "000004_MysqlOnly.up.sql", text: "", startLine: 1 });
    expect(placeholder?.down).toEqual({ file: "000004_MysqlOnly.down.sql", text: "", startLine: 1 });
    expect(result.units[4]?.down).toBeNull();
    expect(result.units[4]?.downHint).toBe("a down file 000005_BackfillNames.down.sql");
    expect(result.units[3]?.downHint).toBeUndefined();
    expect(result.units.every((u) => u.verify === null)).toBe(true);
  });

  it("is detected by titles Stratum's own names refuse", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(true);
  });

  it("is detected by titles holding a dotted release number (as goharbor/harbor names them)", () => {
    expect(layout.detect(["0001_initial_schema.up.sql", "0002_1.7.0_schema.up.sql"])).toBe(true);
    const { units, problems } = layout.read(inline({ "0002_1.7.0_schema.up.sql": "SELECT 1;" }), "postgres");
    expect(problems).toEqual([]);
    expect(units.map((u) => [u.version, u.name])).toEqual([["0002", "1_7_0_schema"]]);
  });
});

describe("golang-migrate detection leaves Stratum's directories alone", () => {
  it("does not claim pairs Stratum's own layout reads the same way", () => {
    expect(layout.detect(["001_create_users.up.sql", "001_create_users.down.sql"])).toBe(false);
  });
  it("does not claim Stratum's per-dialect variants, single files or code migrations", () => {
    expect(layout.detect(["001_x.postgres.up.sql", "001_x.up.sql"])).toBe(false);
    expect(layout.detect(["001_Users.up.sql", "002_more.sql"])).toBe(false);
    expect(layout.detect(["001_Users.up.sql", "002_more.ts"])).toBe(false);
  });
});

describe("golang-migrate files that manage their own transaction", () => {
  it("runs an up or down wrapped in BEGIN; … COMMIT; as written, outside Stratum's transaction", () => {
    const { units, problems } = layout.read(
      inline({
        "1_backfill.up.sql": "BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\n",
        "1_backfill.down.sql": "UPDATE t SET a = NULL;\n",
        "2_more.up.sql": "UPDATE t SET b = 1;\n",
        "2_more.down.sql": "begin;\nUPDATE t SET b = NULL;\ncommit;\n",
      }),
      "postgres",
    );
    expect(problems).toEqual([]);
    expect(units.map((u) => [u.version, u.transaction, u.downTransaction])).toEqual([
      ["1", false, undefined],
      ["2", undefined, false],
    ]);
  });
});

describe("golang-migrate problems", () => {
  it("reports a second up file of one version, naming both", () => {
    const { problems, units } = layout.read(
      inline({ "1_a.up.sql": "SELECT 1;", "01_b.up.sql": "SELECT 2;" }),
      "postgres",
    );
    expect(units).toHaveLength(1);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe("DUPLICATE_VERSION");
    expect(problems[0]?.message).toMatch(/1_a\.up\.sql and 01_b\.up\.sql are both the up migration of version 01/);
  });

  it("reports a down file without its up file", () => {
    const { problems, units } = layout.read(inline({ "7_gone.down.sql": "DROP TABLE t;" }), "postgres");
    expect(units).toEqual([]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([["MISSING_FILE", ["7_gone.down.sql"]]]);
    expect(problems[0]?.fix).toContain("7_gone.up.sql");
  });

  it("warns about a SQL file golang-migrate would ignore", () => {
    const { problems } = layout.read(inline({ "1_a.up.sql": "SELECT 1;", "seed.sql": "SELECT 2;" }), "postgres");
    expect(problems.map((p) => [p.code, p.severity, p.files])).toEqual([["MALFORMED_NAME", "warning", ["seed.sql"]]]);
  });
});

describe("golang-migrate per-dialect variants", () => {
  const files = inline({
    "2_index.up.sql": "CREATE INDEX CONCURRENTLY i ON t (c);",
    "2_index.down.sql": "DROP INDEX CONCURRENTLY i;",
    "2_index.sqlite.up.sql": "CREATE INDEX i ON t (c);",
    "3_fts.mysql.up.sql": "ALTER TABLE t ADD FULLTEXT (c);",
  });

  it("the dialect's own file wins; other dialects' variants are skipped", () => {
    const sqlite = layout.read(files, "sqlite");
    expect(sqlite.problems).toEqual([]);
    expect(sqlite.units.map((u) => [u.version, u.name, u.files])).toEqual([["2", "index", ["2_index.sqlite.up.sql", "2_index.down.sql"]]]);
    expect(sqlite.units[0]?.up?.text).toBe("CREATE INDEX i ON t (c);");
    const mysql = layout.read(files, "mysql");
    expect(mysql.units.map((u) => [u.version, u.files])).toEqual([
      ["2", ["2_index.up.sql", "2_index.down.sql"]],
      ["3", ["3_fts.mysql.up.sql"]],
    ]);
  });

  it("two variants of one part for the same dialect are a duplicate", () => {
    const { problems } = layout.read(inline({ "2_a.sqlite.up.sql": "SELECT 1;", "02_b.sqlite.up.sql": "SELECT 2;" }), "sqlite");
    expect(problems.map((p) => p.code)).toEqual(["DUPLICATE_VERSION"]);
  });
});

