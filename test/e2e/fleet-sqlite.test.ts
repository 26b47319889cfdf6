// A fleet of SQLite files through the built CLI (issue 15 acceptance): a migration failing on 3 of
// 50 targets leaves the other 47 at head and names the 3 with file:line (exit 1); a failing canary
// stops the run with the rest skipped; `--json` gives one result per target and a summary; bad
// fleet flags are one sentence and exit 2.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const MIGRATIONS = {
  "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
  // fails where a table `poison` was seeded: only in some targets
  "002_poison.sql": "-- migrate:up\nCREATE TABLE b (id int);\nCREATE TABLE poison (id int);\n-- migrate:down\nDROP TABLE poison;\nDROP TABLE b;\n",
  "003_c.sql": "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n",
};

const names = (n: number) => Array.from({ length: n }, (_, i) => `tenant_${String(i + 1).padStart(2, "0")}`);

interface Fleet {
  readonly project: Project;
  file(name: string): string;
  /** Applied versions of a target, in order. */
  applied(name: string): string[];
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

/** A project whose config lists `count` SQLite targets; the `poisoned` ones get a table 002 collides with. */
function fleet(count: number, poisoned: readonly string[]): Fleet {
  const project = makeProject(MIGRATIONS);
  cleanup = () => project.cleanup();
  mkdirSync(join(project.dir, "db"));
  const targets = names(count).map((name) => ({ name, url: `sqlite:./db/${name}.db` }));
  project.write("stratum.config.json", JSON.stringify({ targets }, null, 2));
  const file = (name: string) => join(project.dir, "db", `${name}.db`);
  for (const name of poisoned) {
    const db = new Database(file(name));
    db.exec("CREATE TABLE poison (id int)");
    db.close();
  }
  return {
    project,
    file,
    applied(name) {
      if (!existsSync(file(name))) return [];
      const db = new Database(file(name), { readonly: true, fileMustExist: true });
      try {
        const exists = db.prepare("select 1 from sqlite_master where name = 'stratum_migrations'").get();
        if (exists === undefined) return [];
        return db
          .prepare("select version from stratum_migrations where state = 'applied' order by version")
          .all()
          .map((row) => (row as { version: string }).version);
      } catch {
        return [];
      } finally {
        db.close();
      }
    },
  };
}

describe("stratum up over 50 SQLite targets", () => {
  it("a migration failing on 3 targets: the other 47 end at head, the 3 are named with file:line, exit 1", async () => {
    const poisoned = ["tenant_07", "tenant_23", "tenant_41"];
    const f = fleet(50, poisoned);
    const run = await runCli(["up", "--all-targets", "--concurrency", "4"], { cwd: f.project.dir });
    expect(run.code, run.output).toBe(1);
    for (const name of names(50)) {
      expect(f.applied(name), name).toEqual(poisoned.includes(name) ? ["001"] : ["001", "002", "003"]);
    }
    // one line per target as it ends, and the summary's table of failed targets
    expect(run.stdout).toMatch(/^up on 50 targets, 4 at a time$/m);
    expect(run.stdout.match(/^tenant_\d\d {2}ok {2}applied 3 migrations, now at 003 \(/gm)).toHaveLength(47);
    for (const name of poisoned) {
      expect(run.stdout).toMatch(new RegExp(`^${name} {2}failed {2}.*poison.*\\(`, "m"));
      expect(run.stdout).toMatch(new RegExp(`^ {2}${name} +002_poison\\.sql:3 +.*poison`, "m"));
    }
    expect(run.stdout).toMatch(/^ {2}ok +47$/m);
    expect(run.stdout).toMatch(/^ {2}failed +3$/m);
    expect(run.stdout).toMatch(/^fleet summary \(.*\):$/m);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);

    // re-running resumes: the 47 are a no-op, the 3 fail again at the same place
    const again = await runCli(["up", "--all-targets"], { cwd: f.project.dir });
    expect(again.code).toBe(1);
    expect(again.stdout.match(/ {2}ok {2}up to date \(/g)).toHaveLength(47);
  });

  it("--canary 5 with a failing canary: the run stops there and the 45 others are skipped, untouched", async () => {
    const f = fleet(50, ["tenant_03"]);
    const run = await runCli(["up", "--all-targets", "--canary", "5"], { cwd: f.project.dir });
    expect(run.code, run.output).toBe(1);
    for (const name of names(5)) expect(f.applied(name)).toEqual(name === "tenant_03" ? ["001"] : ["001", "002", "003"]);
    for (const name of names(50).slice(5)) expect(f.applied(name), name).toEqual([]);
    expect(run.stderr).toContain("canary failed on tenant_03: starting no other target");
    expect(run.stdout).toMatch(/^ {2}skipped +45$/m);
    expect(run.stdout).toContain("45 targets skipped: a canary failed");
    expect(run.stdout).toMatch(/^ {2}tenant_03 +002_poison\.sql:3 /m);
  });

  it("--canary 5 with good canaries runs the whole fleet", async () => {
    const f = fleet(12, []);
    const run = await runCli(["up", "--all-targets", "--canary", "5", "--concurrency", "3"], { cwd: f.project.dir });
    expect(run.code, run.output).toBe(0);
    for (const name of names(12)) expect(f.applied(name)).toEqual(["001", "002", "003"]);
  });

  it("--fail-fast: no target starts after the first failure", async () => {
    const f = fleet(20, ["tenant_01"]);
    const run = await runCli(["up", "--all-targets", "--fail-fast", "--concurrency", "1"], { cwd: f.project.dir });
    expect(run.code, run.output).toBe(1);
    for (const name of names(20).slice(1)) expect(f.applied(name)).toEqual([]);
    expect(run.stdout).toContain("19 targets skipped: --fail-fast stopped the run at the first failure");
  });

  it("--target takes names (repeatable); status --json gives one result per target, then the summary", async () => {
    const f = fleet(6, []);
    const up = await runCli(["up", "--target", "tenant_02", "--target", "tenant_05"], { cwd: f.project.dir });
    expect(up.code, up.output).toBe(0);
    expect(names(6).map((name) => f.applied(name).length)).toEqual([0, 3, 0, 0, 3, 0]);

    const status = await runCli(["status", "--all-targets", "--json"], { cwd: f.project.dir });
    expect(status.code, status.output).toBe(0);
    const lines = status.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(7);
    const results = lines.slice(0, 6).sort((a, b) => String(a["name"]).localeCompare(String(b["name"])));
    expect(results.map((r) => [r["type"], r["name"], r["outcome"], r["version"] ?? null, r["pending"]])).toEqual(
      names(6).map((name, i) => ["target", name, "ok", i === 1 || i === 4 ? "003" : null, i === 1 || i === 4 ? 0 : 3]),
    );
    expect(results[0]).toMatchObject({ operation: "status", exitCode: 0, changed: 0 });
    expect(typeof results[0]?.["ms"]).toBe("number");
    expect((results[1]?.["detail"] as { migrations: unknown[] }).migrations).toHaveLength(3);
    expect(lines[6]).toEqual({
      type: "summary",
      operation: "status",
      total: 6,
      ok: 6,
      failed: 0,
      skipped: 0,
      changed: 0,
      exitCode: 0,
      ms: expect.any(Number),
      failedTargets: [],
    });
  });

  it("up --json: a failed target carries its message and file:line", async () => {
    const f = fleet(3, ["tenant_02"]);
    const run = await runCli(["up", "--all-targets", "--json"], { cwd: f.project.dir });
    expect(run.code, run.output).toBe(1);
    const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = lines.find((line) => line["name"] === "tenant_02");
    expect(failed).toMatchObject({ type: "target", operation: "up", outcome: "failed", exitCode: 1, changed: 1, version: "001" });
    expect(failed?.["error"]).toMatchObject({ location: "002_poison.sql:3", message: expect.stringContaining("poison") });
    expect(lines.at(-1)).toMatchObject({ type: "summary", total: 3, ok: 2, failed: 1, exitCode: 1, failedTargets: ["tenant_02"] });
  });

  it("validate, plan and drift run over the fleet too", async () => {
    const f = fleet(4, []);
    const plan = await runCli(["plan", "--all-targets"], { cwd: f.project.dir });
    expect(plan.code, plan.output).toBe(0);
    expect(plan.stdout.match(/ {2}ok {2}3 migrations would run/g)).toHaveLength(4);
    expect((await runCli(["up", "--all-targets"], { cwd: f.project.dir })).code).toBe(0);
    const validate = await runCli(["validate", "--all-targets"], { cwd: f.project.dir });
    expect(validate.code, validate.output).toBe(0);
    expect(validate.stdout.match(/ {2}ok {2}no problems/g)).toHaveLength(4);
    const db = new Database(f.file("tenant_03"));
    db.exec("CREATE TABLE sneaky (id int)");
    db.close();
    const drift = await runCli(["drift", "--all-targets"], { cwd: f.project.dir });
    expect(drift.code, drift.output).toBe(3);
    expect(drift.stdout.match(/ {2}ok {2}no drift/g)).toHaveLength(3);
    expect(drift.stdout).toMatch(/^tenant_03 {2}failed {2}.*sneaky/m);
  });

  it("bad fleet flags: one sentence each, exit 2, nothing changed", async () => {
    const f = fleet(3, []);
    const noTargets = makeProject(MIGRATIONS);
    try {
      const cases: [args: string[], cwd: string, sentence: RegExp][] = [
        [["up", "--all-targets", "--concurrency", "0"], f.project.dir, /^error: --concurrency expects a positive integer, got "0"$/m],
        [["up", "--all-targets", "--canary", "-1"], f.project.dir, /^error: --canary expects a number of targets \(0 or more\), got "-1"$/m],
        [["up", "--target", "tenant_01"], noTargets.dir, /^error: --target runs on the targets of the "targets" setting, and there is no config file$/m],
        [["up", "--target", "nosuch"], f.project.dir, /^error: --target "nosuch" matches no target in .*stratum\.config\.json; /m],
        [["up", "--concurrency", "2"], f.project.dir, /^error: --concurrency only applies to a fleet run$/m],
        [["up", "--target", "tenant_01", "--all-targets"], f.project.dir, /^error: --target and --all-targets cannot be used together$/m],
      ];
      for (const [args, cwd, sentence] of cases) {
        const run = await runCli(args, { cwd });
        expect(run.code, `${args.join(" ")}: ${run.output}`).toBe(2);
        expect(run.stderr, args.join(" ")).toMatch(sentence);
        expect(run.stderr.split("\n").filter((line) => line.startsWith("error:"))).toHaveLength(1);
        expect(run.stdout).toBe("");
      }
      for (const name of names(3)) expect(f.applied(name)).toEqual([]);
    } finally {
      noTargets.cleanup();
    }
  });
});
