// `stratum lint` end to end: output formats, exit codes, suppressions, bad input, and the
// pending migrations read from each dialect's history (the rules themselves: test/unit/lint/).

import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target } from "../support/targets.js";

const URL = ["--url", "sqlite:./app.db"];

const USERS = "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n-- migrate:down\nDROP TABLE users;\n";
/** An error: drop-table at line 4 (audit is not created by any migration here). */
const RISKY = "-- migrate:up\nALTER TABLE users ADD COLUMN bio TEXT;\n\nDROP TABLE audit;\n-- migrate:down\nSELECT 1;\n";
/** A warning: missing-down at line 1. */
const WARNS = "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n";

async function lint(files: Readonly<Record<string, string>>, args: readonly string[]) {
  const project = makeProject(files);
  try {
    return await runCli(["lint", ...args, ...URL], { cwd: project.dir });
  } finally {
    project.cleanup();
  }
}

describe.concurrent("stratum lint on a project", () => {
  it("prints each finding at file:line with its fix, and exits 3 on an error", async () => {
    const r = await lint({ "001_users.sql": USERS, "002_risky.sql": RISKY }, []);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("002_risky.sql:4 error drop-table: table audit: dropping an existing table deletes its rows for good");
    expect(r.stdout).toContain("  fix: stop reading and writing the table");
    expect(r.stdout).toContain("2 migrations linted: 1 error, 0 warnings, 0 ignored");
  });
  it("exits 0 on warnings alone, and 3 with --strict", async () => {
    const files = { "001_tags.sql": WARNS };
    const plain = await lint(files, []);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("001_tags.sql:1 warning missing-down");
    const strict = await lint(files, ["--strict"]);
    expect(strict.code).toBe(3);
  });
  it("exits 0 with no finding", async () => {
    const r = await lint({ "001_users.sql": USERS }, ["--strict"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("1 migration linted: 0 errors, 0 warnings, 0 ignored");
  });
  it("--json gives the report", async () => {
    const r = await lint({ "001_users.sql": USERS, "002_risky.sql": RISKY }, ["--json"]);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { ok: boolean; errors: number; findings: { rule: string; location: string; severity: string }[] };
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => [f.rule, f.location, f.severity])).toEqual([["drop-table", "002_risky.sql:4", "error"]]);
  });
  it("--format github prints workflow annotations", async () => {
    const r = await lint({ "001_users.sql": USERS, "002_risky.sql": RISKY, "003_tags.sql": WARNS }, ["--format", "github"]);
    expect(r.code).toBe(3);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error file=002_risky\.sql,line=4,title=drop-table::table audit: dropping an existing table/);
    expect(lines[1]).toMatch(/^::warning file=003_tags\.sql,line=1,title=missing-down::/);
  });
  it("a lint-ignore with a reason silences the finding and is listed with it", async () => {
    const ignored = RISKY.replace("\nDROP TABLE audit;", "-- stratum:lint-ignore drop-table audit moved to the warehouse\nDROP TABLE audit;");
    const r = await lint({ "001_users.sql": USERS, "002_risky.sql": ignored }, ["--all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("002_risky.sql:4 ignored drop-table (002_risky.sql:3): audit moved to the warehouse");
  });
  it("a lint-ignore naming an unknown rule is an error at its line", async () => {
    const bad = RISKY.replace("\nDROP TABLE audit;", "-- stratum:lint-ignore drop-tabel typo\nDROP TABLE audit;");
    const r = await lint({ "002_risky.sql": bad }, []);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('002_risky.sql:3 error lint-ignore-invalid: the lint-ignore line names the unknown rule "drop-tabel", so it silences nothing');
    expect(r.stdout).toContain("002_risky.sql:4 error drop-table");
  });
  it("a lint-ignore without a reason is an error at its line", async () => {
    const bad = "-- stratum:lint-ignore drop-table\n" + RISKY;
    const r = await lint({ "002_risky.sql": bad }, []);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("002_risky.sql:1 error lint-ignore-invalid: the lint-ignore line gives no reason for ignoring drop-table");
  });
  it("lints only the files named", async () => {
    const r = await lint({ "001_tags.sql": WARNS, "002_risky.sql": RISKY }, ["migrations/001_tags.sql"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 migration linted: 0 errors, 1 warning, 0 ignored");
  });
  it("a file that is not a migration is a usage error, one sentence, no stack", async () => {
    const r = await lint({ "001_tags.sql": WARNS }, ["nosuch.sql"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"nosuch.sql" is not a migration file of the migrations directory');
    expect(r.output).not.toMatch(/\n\s+at /);
  });
  it("a bad --format, or --all with files, is a usage error", async () => {
    const format = await lint({ "001_tags.sql": WARNS }, ["--format", "xml"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format expects text or github, got "xml"');
    const both = await lint({ "001_tags.sql": WARNS }, ["--all", "001_tags.sql"]);
    expect(both.code).toBe(2);
  });
  it("validate and plan show lint findings as warnings", async () => {
    const project = makeProject({ "001_users.sql": USERS, "002_risky.sql": RISKY });
    try {
      const validate = await runCli(["validate", ...URL], { cwd: project.dir });
      expect(validate.code).toBe(0);
      expect(validate.stdout).toContain("002_risky.sql:4 [drop-table]");
      const plan = await runCli(["plan", ...URL], { cwd: project.dir });
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain("002_risky.sql:4 [drop-table]");
    } finally {
      project.cleanup();
    }
  });
});

// per dialect: a rule of its own at the right line; applied migrations are not linted by default
const CASES: Readonly<Record<Target["name"], { readonly first: string; readonly second: string; readonly rule: string }>> = {
  sqlite: {
    first: "-- migrate:up\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n-- migrate:down\nDROP TABLE t;\n",
    second: "-- migrate:up\nSELECT 1;\nALTER TABLE t ALTER COLUMN a TYPE INTEGER;\n-- migrate:down\nSELECT 1;\n",
    rule: "alter-needs-table-rebuild",
  },
  postgres: {
    first: "-- migrate:up\nCREATE TABLE t (id int PRIMARY KEY, a text);\n-- migrate:down\nDROP TABLE t;\n",
    second: "-- migrate:up\nSELECT 1;\nCREATE INDEX t_a ON t (a);\n-- migrate:down\nDROP INDEX t_a;\n",
    rule: "add-index-not-concurrently",
  },
  mysql: {
    first: "-- migrate:up\nCREATE TABLE t (id INT PRIMARY KEY, a TEXT);\n-- migrate:down\nDROP TABLE t;\n",
    second: "-- migrate:up\nSELECT 1;\nALTER TABLE t MODIFY a VARCHAR(300);\n-- migrate:down\nSELECT 1;\n",
    rule: "alter-algorithm-copy",
  },
};

const targets: readonly Target[] = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
eachTarget(targets, "lint of pending migrations", (target) => {
  it.concurrent(`${target.name}: a table an applied migration created is existing; the pending one is flagged at its line`, async () => {
    const db = await target.createDatabase();
    const c = CASES[target.name];
    const project = makeProject({ "001_t.sql": c.first });
    const cli = (args: readonly string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      project.migration("002_change.sql", c.second);
      // nothing applied: 001 is pending and creates t, so 002's change is on a new table
      const fresh = await cli(["lint", "--json"]);
      expect(JSON.parse(fresh.stdout).findings).toEqual([]);
      expect((await cli(["up", "--to", "001"])).code).toBe(0);
      const pending = await cli(["lint", "--json"]);
      const report = JSON.parse(pending.stdout) as { migrations: number; findings: { rule: string; location: string }[] };
      expect(pending.code).toBe(3);
      expect(report.migrations).toBe(1);
      expect(report.findings.map((f) => `${f.rule}@${f.location}`)).toContain(`${c.rule}@002_change.sql:3`);
      const all = JSON.parse((await cli(["lint", "--all", "--json"])).stdout) as { migrations: number };
      expect(all.migrations).toBe(2);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
