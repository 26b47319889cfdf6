// `stratum adopt` and the user_version adoption of `up`, through the built CLI on real SQLite files.

import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const migration = (n: number) => `-- migrate:up\nCREATE TABLE t${n} (id INTEGER);\nCREATE INDEX t${n}_id ON t${n} (id);\n-- migrate:down\nDROP TABLE t${n};\n`;

describe("a SQLite database kept by PRAGMA user_version alone", () => {
  let project: Project;
  let file: string;
  const cli = (...args: string[]) => runCli([...args, "--url", `sqlite:${file}`], { cwd: project.dir });
  const query = <T>(sql: string): T[] => {
    const db = new Database(file);
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  const tables = () => query<{ name: string }>("select name from sqlite_master where type = 'table' order by name").map((r) => r.name);

  beforeEach(() => {
    project = makeProject();
    for (const n of [1, 2, 3, 4, 5]) project.migration(`00${n}_t${n}.sql`, migration(n));
    file = join(project.dir, "app.db");
    // what the older system did: ran the first three migrations, then set user_version
    const db = new Database(file);
    for (const n of [1, 2, 3]) db.exec(`CREATE TABLE t${n} (id INTEGER);\nCREATE INDEX t${n}_id ON t${n} (id);`);
    db.pragma("user_version = 3");
    db.close();
  });
  afterEach(() => project.cleanup());

  it("up applies only migration 4 and later, and says it adopted 1–3 from user_version", async () => {
    const up = await cli("up");
    expect(up.code, up.output).toBe(0);
    expect(up.output).toContain("adopted 1–3 from PRAGMA user_version = 3");
    expect(up.output.indexOf("adopted 1–3")).toBeLessThan(up.output.indexOf("applying 004_t4"));
    expect(up.output).not.toContain("applying 001");
    const status = await cli("status", "--json");
    const entries = (JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] }).migrations;
    expect(entries.map((m) => [m.version, m.state])).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"], ["004", "applied"], ["005", "applied"]]);
    const log = query<{ operation: string; version: string; details: string }>("select operation, version, details from stratum_log order by id");
    expect(log.map((r) => [r.operation, r.version])).toEqual([["adopt", "001"], ["adopt", "002"], ["adopt", "003"], ["apply", "004"], ["apply", "005"]]);
    expect(log[0]?.details).toBe("adopted from user-version: PRAGMA user_version = 3");
    expect(query<{ user_version: number }>("pragma user_version")[0]?.user_version).toBe(5);
  });

  it("with adoptUserVersion: false, up refuses with the fix and creates nothing; adopt --from user-version does it explicitly", async () => {
    project.write("stratum.config.json", JSON.stringify({ adoptUserVersion: false }));
    const before = tables();
    const up = await cli("up");
    expect(up.code, up.output).toBe(3);
    expect(up.stderr).toContain("PRAGMA user_version = 3 but stratum_migrations does not exist");
    expect(up.stderr).toContain("stratum adopt --from user-version");
    expect(tables()).toEqual(before);

    const dry = await cli("adopt", "--from", "user-version", "--dry-run");
    expect(dry.code, dry.output).toBe(0);
    expect(dry.stdout).toContain("PRAGMA user_version = 3 → 001_t1.sql → would be recorded as applied");
    expect(dry.stdout).toContain("still pending (not in user-version's history): 004_t4, 005_t5");
    expect(tables()).toEqual(before);

    const adopt = await cli("adopt", "--from", "user-version", "--json");
    expect(adopt.code, adopt.output).toBe(0);
    expect(JSON.parse(adopt.stdout)).toEqual({
      source: "user-version",
      read: "PRAGMA user_version = 3",
      dryRun: false,
      migrations: [1, 2, 3].map((n) => ({ entry: "PRAGMA user_version = 3", version: `00${n}`, name: `t${n}`, file: `00${n}_t${n}.sql`, appliedAt: null, state: "recorded" })),
      reverted: [],
      pending: ["004_t4", "005_t5"],
    });
    const again = await cli("adopt", "--from", "user-version");
    expect(again.stdout).toContain("nothing to adopt: the history already records every migration user-version applied");
    const next = await cli("up");
    expect(next.code, next.output).toBe(0);
    expect(next.output).toContain("applying 004_t4");
    expect(next.output).not.toContain("adopted");
  });

  it("a rehearsal does not adopt: it refuses with the fix and creates nothing", async () => {
    const before = tables();
    const up = await cli("up", "--dry-run=rehearse");
    expect(up.code, up.output).toBe(3);
    expect(up.stderr).toContain("PRAGMA user_version = 3 but stratum_migrations does not exist: another system migrated this database, and a rehearsal does not adopt it");
    expect(up.stderr).toContain("stratum adopt --from user-version");
    expect(tables()).toEqual(before);
  });

  it("a user_version above every migration: up refuses in one sentence and changes nothing", async () => {
    const db = new Database(file);
    db.pragma("user_version = 9");
    db.close();
    const before = tables();
    const up = await cli("up");
    expect(up.code, up.output).toBe(3);
    expect(up.stderr).toContain("PRAGMA user_version = 9 is above the highest migration (005)");
    expect(up.output).not.toMatch(/\n\s+at /);
    expect(tables()).toEqual(before);
  });
});

describe("stratum adopt: bad input", () => {
  let project: Project;
  beforeEach(() => {
    project = makeProject({ "001_a.sql": migration(1) });
  });
  afterEach(() => project.cleanup());
  const cli = (...args: string[]) => runCli([...args, "--url", `sqlite:${join(project.dir, "app.db")}`], { cwd: project.dir });

  it("an unknown tool: one sentence listing the known sources, exit 2", async () => {
    const result = await cli("adopt", "--from", "nosuchtool");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/stratum cannot adopt from "nosuchtool": the known sources are [a-z, -]*user-version/);
    expect(result.output).not.toMatch(/\n\s+at /);
  });

  it("no --from: a usage error, exit 2", async () => {
    const result = await cli("adopt");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("adopt needs --from <tool>");
  });

  it("adopt --help documents its options", async () => {
    const result = await cli("adopt", "--help");
    expect(result.code).toBe(0);
    for (const flag of ["--from <tool>", "--from-table <name>", "--from-schema <name>", "--dry-run"]) expect(result.stdout).toContain(flag);
  });
});
