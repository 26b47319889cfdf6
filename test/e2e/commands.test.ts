import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

describe("the stratum CLI on SQLite, as a new user runs it", () => {
  let project: Project;
  beforeEach(() => {
    project = makeProject();
  });
  afterEach(() => project.cleanup());
  const cli = (args: readonly string[], env: Record<string, string> = {}) => runCli(args, { cwd: project.dir, env });

  it("--help lists every command", async () => {
    const result = await cli(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["init", "create", "status", "plan", "up", "down", "redo", "validate", "history", "stats", "repair", "resolve", "baseline", "graph"]) {
      expect(result.stdout).toContain(command);
    }
  });

  it("every command has --help", async () => {
    for (const command of ["init", "create", "status", "plan", "up", "down", "redo", "validate", "history", "stats", "repair", "resolve", "baseline", "graph"]) {
      const result = await cli([command, "--help"]);
      expect(result.code, `${command}: ${result.output}`).toBe(0);
      expect(result.stdout).toMatch(/Usage|usage/);
    }
  });

  it("init writes a config and a migrations directory, and refuses to overwrite them", async () => {
    const dir = makeProject();
    try {
      const first = await runCli(["init"], { cwd: dir.dir });
      expect(first.code, first.output).toBe(0);
      expect(existsSync(join(dir.dir, "stratum.config.json"))).toBe(true);
      expect(existsSync(join(dir.dir, "migrations"))).toBe(true);
      const again = await runCli(["init"], { cwd: dir.dir });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("stratum.config.json");
    } finally {
      dir.cleanup();
    }
  });

  it("create follows the directory's numbering and writes a runnable template", async () => {
    const sql = await cli(["create", "add users"]);
    expect(sql.code, sql.output).toBe(0);
    const ts = await cli(["create", "backfill users", "--ts"]);
    expect(ts.code, ts.output).toBe(0);
    const files = readdirSync(project.migrations).sort();
    expect(files).toEqual(["001_add_users.sql", "002_backfill_users.ts"]);
    // a file for version control: the mode the umask leaves, like a file this test writes itself
    project.write("reference.txt", "");
    expect(statSync(join(project.migrations, files[0] as string)).mode & 0o777).toBe(statSync(join(project.dir, "reference.txt")).mode & 0o777);
    project.remove("reference.txt");
    expect(readFileSync(join(project.migrations, "001_add_users.sql"), "utf8")).toContain("-- migrate:up");
    project.migration("20261121093000_stamp.sql", "-- migrate:up\nSELECT 1;\n");
    project.remove("migrations/001_add_users.sql");
    project.remove("migrations/002_backfill_users.ts");
    const stamped = await cli(["create", "next one"]);
    expect(stamped.code, stamped.output).toBe(0);
    expect(readdirSync(project.migrations).some((f) => /^\d{14}_next_one\.sql$/.test(f) && !f.startsWith("20261121093000"))).toBe(true);
  });

  it("uses ./migrations and sqlite:./stratum.db with no configuration at all", async () => {
    project.migration("001_t.sql", "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n");
    const up = await cli(["up"]);
    expect(up.code, up.output).toBe(0);
    const db = new Database(join(project.dir, "stratum.db"));
    expect(db.prepare("select count(*) as n from stratum_migrations where state = 'applied'").get()).toEqual({ n: 1 });
    db.close();
    expect(statSync(join(project.dir, "stratum.db")).mode & 0o777).toBe(0o600);
  });

  it("up --backup writes a SQLite backup first and prints its path", async () => {
    project.migration("001_t.sql", "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n");
    expect((await cli(["up"])).code).toBe(0);
    project.migration("002_u.sql", "-- migrate:up\nCREATE TABLE u (id INTEGER);\n-- migrate:down\nDROP TABLE u;\n");
    const result = await cli(["up", "--backup"]);
    expect(result.code, result.output).toBe(0);
    const backups = readdirSync(join(project.dir, "backups"));
    expect(backups).toHaveLength(1);
    expect(result.output).toContain(backups[0]);
    const copy = new Database(join(project.dir, "backups", backups[0] as string), { readonly: true });
    expect(copy.prepare("select version from stratum_migrations").all()).toEqual([{ version: "001" }]);
    copy.close();
  });

  it("a protected environment refuses destructive commands without a terminal unless --yes", async () => {
    project.write("stratum.config.json", JSON.stringify({ environments: { production: { protected: true } } }));
    project.migration("001_t.sql", "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n");
    expect((await cli(["up", "--env", "production"])).code).toBe(0);
    const refused = await cli(["down", "--env", "production"]);
    expect(refused.code, refused.output).toBe(2);
    expect(refused.stderr).toContain("--yes");
    const allowed = await cli(["down", "--env", "production", "--yes"]);
    expect(allowed.code, allowed.output).toBe(0);
  });

  it("--json errors are one JSON object with a code and message on stderr", async () => {
    const result = await cli(["up", "--json", "--dir", "nowhere"]);
    expect(result.code).toBe(2);
    const error = JSON.parse(result.stderr.trim().split("\n").at(-1) as string) as { code: string; message: string };
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("nowhere");
  });

  it("plain output has no colour codes without a terminal", async () => {
    project.migration("001_t.sql", "-- migrate:up\nCREATE TABLE t (id INTEGER);\n");
    const result = await runCli(["up"], { cwd: project.dir, env: { NO_COLOR: "", FORCE_COLOR: "" } });
    expect(result.code).toBe(0);
    expect(result.output).not.toMatch(/\u001b\[/);
  });

  it("plan and validate describe what up would do", async () => {
    project.migration("001_t.sql", "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n");
    const plan = await cli(["plan", "--json"]);
    expect(plan.code, plan.output).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { steps: { version: string; direction: string }[] };
    expect(parsed.steps.map((s) => [s.version, s.direction])).toEqual([["001", "up"]]);
    const validate = await cli(["validate"]);
    expect(validate.code, validate.output).toBe(0);
  });
});
