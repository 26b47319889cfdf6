// `stratum lint --measure` end to end: the measurement per statement in text and --json, findings
// the measurement contradicts listed as dropped, unpredicted effects reported as measured-* rules,
// and --format github unchanged in shape (the per-case measurements: test/integration/lint-measure-*).

import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject } from "../support/project.js";
import { MYSQL_URL, PG_URL, mysqlTarget, postgresTarget } from "../support/targets.js";

const SQLITE_TABLE = "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);\n-- migrate:down\nDROP TABLE users;\n";
/** The twelve-step rebuild written out: no rule predicts the rebuild; the measurement sees users' root page change at line 5. */
const SQLITE_REBUILD =
  "-- migrate:up\nCREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\nINSERT INTO users_new SELECT id, coalesce(name, ''), email FROM users;\nDROP TABLE users;\n" +
  "ALTER TABLE users_new RENAME TO users;\n-- migrate:down\nSELECT 1;\n";

async function inProject<T>(files: Readonly<Record<string, string>>, work: (dir: string) => Promise<T>): Promise<T> {
  const project = makeProject(files);
  try {
    return await work(project.dir);
  } finally {
    project.cleanup();
  }
}

interface Json {
  findings: { rule: string; location: string }[];
  measurement: { shadow: { description: string }; rows: number; statements: { location: string; summary: string; rewritten?: string[] }[]; dropped: { finding: { rule: string; location: string }; reason: string }[] };
}

describe.concurrent("stratum lint --measure", () => {
  it("SQLite: a rebuild no rule predicted is a measured-rebuild finding; text shows each statement", async () => {
    await inProject({ "001_users.sql": SQLITE_TABLE }, async (dir) => {
      const url = ["--url", "sqlite:./app.db"];
      expect((await runCli(["up", ...url], { cwd: dir })).code).toBe(0);
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${dir}/migrations/002_rebuild.sql`, SQLITE_REBUILD);
      const text = await runCli(["lint", "--measure", ...url], { cwd: dir });
      expect(text.code).toBe(3); // drop-table at line 4
      expect(text.stdout).toContain("002_rebuild.sql:5 warning measured-rebuild: users: the shadow rebuilt the table");
      expect(text.stdout).toContain("  measured: ");
      expect(text.stdout).toMatch(/measured on SQLite.*seeded with 5000 rows:/);
      expect(text.stdout).toMatch(/ {2}002_rebuild\.sql:3 INSERT INTO users_new .*\n {4}\d+ ms; no rebuild/);
      const json = await runCli(["lint", "--measure", "--json", ...url], { cwd: dir });
      const report = JSON.parse(json.stdout) as Json;
      expect(report.findings.map((f) => [f.rule, f.location])).toEqual([
        ["drop-table", "002_rebuild.sql:4"],
        ["measured-rebuild", "002_rebuild.sql:5"],
      ]);
      expect(report.measurement.statements.find((s) => s.location === "002_rebuild.sql:5")?.rewritten).toEqual(["users"]);
      const github = await runCli(["lint", "--measure", "--format", "github", ...url], { cwd: dir });
      const annotations = github.stdout.trim().split("\n");
      expect(annotations[0]).toMatch(/^::error file=002_rebuild\.sql,line=4,title=drop-table::/);
      expect(annotations[1]).toMatch(/^::warning file=002_rebuild\.sql,line=5,title=measured-rebuild::users: the shadow rebuilt/);
    });
  });

  it("PostgreSQL: lock modes and rewrites per statement; a rewrite no rule predicted is reported", async () => {
    const target = await postgresTarget();
    if (target.unreachable !== null) throw new Error(target.unreachable);
    const db = await target.createDatabase();
    try {
      await inProject({ "001_users.sql": "-- migrate:up\nCREATE TABLE users (id int PRIMARY KEY, name text, email text);\n-- migrate:down\nDROP TABLE users;\n" }, async (dir) => {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(`${dir}/stratum.config.json`, JSON.stringify({ shadow: { url: PG_URL } }));
        expect((await runCli(["up", "--url", db.url], { cwd: dir })).code).toBe(0);
        writeFileSync(
          `${dir}/migrations/002_change.sql`,
          "-- migrate:up\nSET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE users SET UNLOGGED;\n-- migrate:down\nSELECT 1;\n",
        );
        const r = await runCli(["lint", "--measure", "--json", "--url", db.url], { cwd: dir });
        expect(r.code).toBe(3);
        const report = JSON.parse(r.stdout) as Json;
        expect(report.measurement.shadow.description).toMatch(/^database stratum_shadow_/);
        const at3 = report.measurement.statements.find((s) => s.location === "002_change.sql:3");
        expect(at3?.summary).toMatch(/locks users: .*AccessExclusiveLock.*rewritten: users/);
        // SET UNLOGGED rewrites the table, and no rule says so
        expect(report.findings.map((f) => `${f.rule} ${f.location}`)).toEqual(
          expect.arrayContaining(["alter-column-type-rewrite 002_change.sql:3", "measured-rewrite 002_change.sql:4"]),
        );
      });
    } finally {
      await db.drop();
    }
  });

  it("MariaDB: a finding the server contradicts is listed as dropped by measurement", async () => {
    const target = await mysqlTarget();
    if (target.unreachable !== null) throw new Error(target.unreachable);
    const db = await target.createDatabase();
    try {
      await inProject({ "001_users.sql": "-- migrate:up\nCREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(200));\n-- migrate:down\nDROP TABLE users;\n" }, async (dir) => {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(`${dir}/stratum.config.json`, JSON.stringify({ shadow: { url: MYSQL_URL } }));
        expect((await runCli(["up", "--url", db.url], { cwd: dir })).code).toBe(0);
        // widening a VARCHAR that keeps its length prefix: MODIFY reads as a copy to the rule, the server does it in place
        writeFileSync(`${dir}/migrations/002_widen.sql`, "-- migrate:up\nALTER TABLE users MODIFY email VARCHAR(300);\n-- migrate:down\nSELECT 1;\n");
        const text = await runCli(["lint", "--measure", "--url", db.url], { cwd: dir });
        expect(text.code, text.output).toBe(0);
        expect(text.stdout).toMatch(/002_widen\.sql:2 dropped by measurement alter-algorithm-copy: the server accepted ALGORITHM=(INSTANT|INPLACE), LOCK=NONE/);
        const plain = await runCli(["lint", "--url", db.url], { cwd: dir });
        expect(plain.stdout).toContain("002_widen.sql:2 error alter-algorithm-copy");
      });
    } finally {
      await db.drop();
    }
  });
});
