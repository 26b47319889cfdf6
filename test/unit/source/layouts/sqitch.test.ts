import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sqitchLayout as layout } from "../../../../src/source/layouts/sqitch.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "sqitch");
const PLANNER = "2024-01-01T12:00:00Z Marge <marge@example.com>";

describe("Sqitch layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");
  const unit = (name: string) => result.units.find((u) => u.name === name);

  it("reads the plan's changes in order, versioned by position, with their scripts", () => {
    expect(result.units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["0001", "appschema", ["deploy/appschema.sql", "revert/appschema.sql", "verify/appschema.sql"]],
      ["0002", "users", ["deploy/users.sql", "revert/users.sql", "verify/users.sql"]],
      ["0003", "users_email_index", ["deploy/users_email_index.sql", "revert/users_email_index.sql"]],
      ["0004", "insert_user", ["deploy/insert_user.sql", "revert/insert_user.sql"]],
      ["0005", "placeholder", ["deploy/placeholder.sql", "revert/placeholder.sql"]],
      ["0006", "backfill_names", ["deploy/backfill_names.sql"]],
    ]);
  });

  it("maps the plan's dependencies onto the versions of those changes", () => {
    expect(result.units.map((u) => u.dependsOn ?? [])).toEqual([[], ["0001"], ["0002"], ["0002", "0001"], [], ["0002"]]);
  });

  it("warns that a conflict is not checked, naming the plan line", () => {
    expect(result.problems.map((p) => [p.code, p.severity, p.files])).toEqual([["BAD_DIRECTIVE", "warning", ["sqitch.plan:12"]]]);
    expect(result.problems[0]?.message).toContain("conflict with legacy_names");
  });

  it("deploy and revert scripts are the up and down, whole; verify scripts are checksummed, not run", () => {
    const users = unit("users");
    expect(users?.up?.file).toBe("deploy/users.sql");
    expect(users?.up?.startLine).toBe(1);
    expect(users?.up?.text).toContain("CREATE TABLE flipr.users (");
    expect(users?.down?.text).toContain("DROP TABLE flipr.users;");
    expect(users?.verify).toBeNull();
    expect(users?.files).toContain("verify/users.sql");
    expect(unit("insert_user")?.up?.statements).toBeUndefined();
    expect(unit("backfill_names")?.down).toBeNull();
    expect(unit("insert_user")?.verify).toBeNull();
  });

  it("a script wrapped in Sqitch's BEGIN; … COMMIT; runs in Stratum's transaction, the two lines blank, line numbers kept", () => {
    // OpenFn/db: a failing statement inside the wrapper was reported as a half-applied (dirty)
    // change, though its own transaction had rolled everything back
    const appschema = unit("appschema");
    expect(appschema).not.toHaveProperty("transaction");
    expect(appschema).not.toHaveProperty("downTransaction");
    expect(appschema?.up?.text.split("\n")).toEqual(["-- Deploy flipr:appschema to pg", "", "", "", "CREATE SCHEMA flipr;", "", "", ""]);
    expect(appschema?.down?.text).not.toMatch(/BEGIN|COMMIT/);
    expect(unit("backfill_names")).not.toHaveProperty("transaction");
    const index = unit("users_email_index");
    expect(index).not.toHaveProperty("transaction");
    expect(index?.up?.text).toContain("CREATE INDEX CONCURRENTLY");
  });

  it("empty deploy and revert scripts are a no-op and an explicit no-op down", () => {
    expect(unit("placeholder")?.up).toEqual({ file: "deploy/placeholder.sql", text: "", startLine: 1 });
    expect(unit("placeholder")?.down).toEqual({ file: "revert/placeholder.sql", text: "", startLine: 1 });
  });

  it("is detected by sqitch.plan (or sqitch.conf with a plan below), nothing else", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(true);
    expect(layout.detect(["deploy/x.sql", "001_x.sql"])).toBe(false);
  });
});

describe("Sqitch problems", () => {
  it("refuses a reworked change, naming both plan lines", () => {
    const plan = `%project=p\na ${PLANNER}\n@v1 ${PLANNER}\na [a@v1] ${PLANNER}\n`;
    const { units, problems } = layout.read(
      inline({ "sqitch.plan": plan, "deploy/a.sql": "SELECT 2;", "deploy/a@v1.sql": "SELECT 1;" }),
      "postgres",
    );
    expect(units.map((u) => u.name)).toEqual(["a"]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([["BAD_DIRECTIVE", ["sqitch.plan:4"]]]);
    expect(problems[0]?.message).toBe("change a is reworked (sqitch.plan:2 and sqitch.plan:4), and reworked Sqitch changes are not supported yet.");
  });

  it("reports a missing deploy script, an unknown dependency, another project's change and a bad line", () => {
    const plan = `%project=p\na ${PLANNER}\nb [nosuch other:c] ${PLANNER}\nthis is not a plan line\n`;
    const { units, problems } = layout.read(inline({ "sqitch.plan": plan, "deploy/b.sql": "SELECT 1;" }), "postgres");
    expect(units.map((u) => u.name)).toEqual(["b"]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_SECTION", ["sqitch.plan:4"]],
      ["MISSING_FILE", ["sqitch.plan:2"]],
      ["UNKNOWN_DEPENDENCY", ["sqitch.plan:3"]],
      ["BAD_DIRECTIVE", ["sqitch.plan:3"]],
    ]);
    expect(problems[1]?.message).toBe("change a (sqitch.plan:2) has no deploy/a.sql.");
  });

  it("refuses psql meta-commands, by file and line", () => {
    const { problems } = layout.read(
      inline({ "sqitch.plan": `a ${PLANNER}\n`, "deploy/a.sql": "\\set ON_ERROR_STOP on\nSELECT 1;\n" }),
      "postgres",
    );
    expect(problems.map((p) => [p.code, p.files])).toEqual([["BAD_DIRECTIVE", ["deploy/a.sql:1"]]]);
  });

  it("a script with other transaction control runs as it is, outside Stratum's transaction", () => {
    const files = inline({
      "sqitch.plan": `a ${PLANNER}\nb ${PLANNER}\n`,
      "deploy/a.sql": "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nBEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n",
      "deploy/b.sql": "CREATE TABLE u (id int);\nBEGIN;\nINSERT INTO u VALUES (1);\nCOMMIT;\n",
      "revert/b.sql": "-- Revert b\nBEGIN; -- the template's\nDROP TABLE u;\nCOMMIT;\n",
    });
    const [a, b] = layout.read(files, "postgres").units;
    expect(a).toMatchObject({ transaction: false });
    expect(a?.up?.text).toContain("COMMIT;\nBEGIN;");
    expect(b).toMatchObject({ transaction: false });
    expect(b).not.toHaveProperty("downTransaction");
    expect(b?.down?.text).toBe("-- Revert b\n\nDROP TABLE u;\n\n");
  });

  it("honours sqitch.conf's top_dir: the plan and scripts are read from there, not a stale plan beside it", () => {
    // Tamarou/Registry: sqitch.conf says `top_dir = ./sql`, and an old sqitch.plan sits beside it
    const files = inline({
      "sqitch.conf": "[core]\n\tengine = pg\n\t# plan_file = sqitch.plan\n\t top_dir = ./sql\n[engine \"pg\"]\n\ttarget = dev\n",
      "sqitch.plan": `old ${PLANNER}\n`,
      "sql/sqitch.plan": `%project=reg\nschema ${PLANNER}\nusers [schema] ${PLANNER}\n`,
      "sql/deploy/schema.sql": "CREATE SCHEMA reg;\n",
      "sql/deploy/users.sql": "CREATE TABLE reg.users (id int);\n",
      "sql/revert/users.sql": "DROP TABLE reg.users;\n",
      "sql/verify/users.sql": "SELECT id FROM reg.users WHERE false;\n",
    });
    expect(layout.detect(files.map((f) => f.path))).toBe(true);
    expect(["sqitch.conf", "sql/sqitch.plan", "sql/deploy/users.sql"].every((p) => layout.wants(p))).toBe(true);
    const { units, problems } = layout.read(files, "postgres");
    expect(problems).toEqual([]);
    expect(units.map((u) => [u.version, u.name, u.files, u.dependsOn ?? []])).toEqual([
      ["0001", "schema", ["sql/deploy/schema.sql"], []],
      ["0002", "users", ["sql/deploy/users.sql", "sql/revert/users.sql", "sql/verify/users.sql"], ["0001"]],
    ]);
    expect(units[0]?.downHint).toBe("sql/revert/schema.sql");
  });

  it("detects a directory holding only sqitch.conf and its top_dir, and names the plan file sqitch.conf points at", () => {
    expect(layout.detect(["sqitch.conf", "db/sqitch.plan", "db/deploy/a.sql"])).toBe(true);
    expect(layout.detect(["sqitch.conf", "README.md"])).toBe(false);
    const files = inline({ "sqitch.conf": "[core]\n  top_dir = db\n  plan_file = db/main.plan\n", "db/deploy/a.sql": "SELECT 1;\n" });
    const { problems } = layout.read(files, "postgres");
    expect(problems.map((p) => [p.code, p.files])).toEqual([["MISSING_FILE", ["db/main.plan"]]]);
    expect(problems[0]?.message).toBe("db/main.plan (where sqitch.conf puts it) is missing, so the Sqitch changes and their order are unknown.");
  });

  it("reads a change whose name holds a slash from its sub-folder", () => {
    const files = [
      { path: "sqitch.plan", text: `tables/users ${PLANNER}\n` },
      { path: "deploy/tables/users.sql", text: "CREATE TABLE users (id int);\n" },
    ];
    expect(layout.wants("deploy/tables/users.sql")).toBe(true);
    const { units, problems } = layout.read(files, "postgres");
    expect(problems).toEqual([]);
    expect(units.map((u) => [u.version, u.name, u.files])).toEqual([["0001", "tables_users", ["deploy/tables/users.sql"]]]);
  });
});

