import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

/**
 * Acceptance of issue 10 as a new user meets it, for the close variants of its reproductions:
 * every config file name a user may write is found (none silently ignored); a config error points
 * at the user's own line and column, never at the loader's wrapper; an unterminated comment is
 * reported once.
 */
const migration = "-- migrate:up\nCREATE TABLE base (id INTEGER);\n-- migrate:down\nDROP TABLE base;\n";

describe("config files of every module kind", () => {
  let project: Project;

  beforeEach(() => {
    project = makeProject({ "001_base.sql": migration });
  });
  afterEach(() => project.cleanup());

  const files: ReadonlyArray<[string, string]> = [
    ["stratum.config.cjs", 'module.exports = { url: "sqlite:./from-config.db" };\n'],
    ["stratum.config.cts", 'const settings: { url: string } = { url: "sqlite:./from-config.db" };\nexport = settings;\n'],
    ["stratum.config.mts", 'export default { url: "sqlite:./from-config.db" };\n'],
  ];

  for (const [name, text] of files) {
    it(`${name} is read, not silently ignored`, async () => {
      project.write(name, text);
      const up = await runCli(["up"], { cwd: project.dir });
      expect(up.code, up.output).toBe(0);
      expect(existsSync(join(project.dir, "from-config.db"))).toBe(true);
      expect(existsSync(join(project.dir, "stratum.db"))).toBe(false);
    });

    it(`${name} next to stratum.config.json: exit 2 naming both, nothing created`, async () => {
      project.write(name, text);
      project.write("stratum.config.json", '{ "url": "sqlite:./json.db" }\n');
      const result = await runCli(["up"], { cwd: project.dir });
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toContain(`${name} and stratum.config.json`);
      expect(result.stderr).toContain("keep one");
      for (const file of ["from-config.db", "json.db", "stratum.db"]) expect(existsSync(join(project.dir, file))).toBe(false);
    });
  }

  for (const [name, text] of files) {
    it(`init next to ${name} writes no second config`, async () => {
      project.write(name, text);
      const init = await runCli(["init"], { cwd: project.dir });
      expect(init.code, init.output).toBe(2);
      expect(init.stderr).toContain(`${name} already exists`);
      expect(existsSync(join(project.dir, "stratum.config.json"))).toBe(false);
      const up = await runCli(["up"], { cwd: project.dir });
      expect(up.code, up.output).toBe(0);
    });
  }

  it("--help names every config file it looks for", async () => {
    const help = await runCli(["--help"], { cwd: project.dir });
    expect(help.code, help.output).toBe(0);
    const option = help.stdout.replace(/\s+/g, " ");
    for (const extension of ["ts", "mts", "cts", "js", "mjs", "cjs", "json"]) {
      expect(option).toMatch(new RegExp(`stratum\\.config\\.\\{[a-z,]*\\b${extension}\\b[a-z,]*\\}`));
    }
  });
});

describe("a config error points at the user's line", () => {
  let project: Project;

  beforeEach(() => {
    project = makeProject({ "001_base.sql": migration });
  });
  afterEach(() => project.cleanup());

  for (const name of ["stratum.config.ts", "stratum.config.mjs", "stratum.config.js"]) {
    it(`an error thrown on line 1 of ${name} names line 1, not a column of the loader's wrapper`, async () => {
      project.write(name, 'const where = "here"; throw new Error("no settings " + where);\nexport default {};\n');
      const result = await runCli(["status"], { cwd: project.dir });
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toContain(`cannot load ${name}:1: no settings here`);
      expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    });
  }

  it("an import that cannot be resolved names its line", async () => {
    project.write("stratum.config.ts", 'import { defineConfig } from "not-installed-here";\n\nexport default defineConfig({});\n');
    const result = await runCli(["status"], { cwd: project.dir });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain("cannot load stratum.config.ts:1: Cannot find module 'not-installed-here'");
  });

  it("a syntax error's column counts from 1, as an editor's does (and as the JSON config's does)", async () => {
    // line 4 is `  lockTimeout: "30s",`: the parser stops at the `l` in column 3
    project.write("stratum.config.ts", 'export default {\n  url: "sqlite:./stratum.db",\n  dir: "./migrations"\n  lockTimeout: "30s",\n};\n');
    const ts = await runCli(["status"], { cwd: project.dir });
    expect(ts.code, ts.output).toBe(2);
    expect(ts.stderr).toContain("cannot load stratum.config.ts:4:3: ");
    project.remove("stratum.config.ts");
    project.write("stratum.config.json", '{\n  "url": "sqlite:./stratum.db",\n  "dir": "./migrations"\n  "lockTimeout": "30s"\n}\n');
    const json = await runCli(["status"], { cwd: project.dir });
    expect(json.code, json.output).toBe(2);
    expect(json.stderr).toContain("stratum.config.json:4:3");
  });
});

describe("an unterminated comment in the up section", () => {
  let project: Project;

  beforeEach(() => {
    project = makeProject({ "001_base.sql": migration });
  });
  afterEach(() => project.cleanup());

  it("is reported once by validate, as by up", async () => {
    project.migration("002_b.sql", "-- migrate:up\n/* oops\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n");
    const validate = await runCli(["validate"], { cwd: project.dir });
    expect(validate.code, validate.output).toBe(3);
    expect(validate.stdout.match(/unterminated block comment starting at 002_b\.sql:2/g), validate.stdout).toHaveLength(1);
    expect(validate.stdout).toContain("validation failed: 1 error");
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(3);
    expect(up.stderr.match(/unterminated block comment starting at 002_b\.sql:2/g), up.stderr).toHaveLength(1);
  });
});

describe("a renamed half of an applied .up.sql/.down.sql pair", () => {
  let project: Project;

  beforeEach(async () => {
    project = makeProject({
      "001_base.sql": migration,
      "002_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
      "002_b.down.sql": "DROP TABLE b;\n",
    });
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(0);
  });
  afterEach(() => project.cleanup());

  it("repair refuses to record 002 without its down file, naming the stray file; nothing changes", async () => {
    project.remove("migrations/002_b.down.sql");
    project.migration("002_bb.down.sql", "DROP TABLE b;\n");
    const before = await runCli(["status", "--json"], { cwd: project.dir });
    for (const args of [["repair", "--dry-run"], ["repair"]]) {
      const repair = await runCli(args, { cwd: project.dir });
      expect(repair.code, repair.output).toBe(3);
      expect(repair.stderr).toContain("002_bb.down.sql has no matching 002_bb.up.sql");
      expect(repair.stderr).toContain("fix: Add 002_bb.up.sql, or rename 002_bb.down.sql to match its up file.");
      expect(repair.stdout).not.toContain("re-record");
    }
    const after = await runCli(["status", "--json"], { cwd: project.dir });
    expect(after.stdout).toBe(before.stdout);
    const history = await runCli(["history", "--json"], { cwd: project.dir });
    expect(history.stdout).not.toContain('"repair"');
    // renamed back, nothing is left to repair
    project.remove("migrations/002_bb.down.sql");
    project.migration("002_b.down.sql", "DROP TABLE b;\n");
    const validate = await runCli(["validate"], { cwd: project.dir });
    expect(validate.code, validate.output).toBe(0);
  });
});

describe("ctx.execFile with a path computed at run time", () => {
  let project: Project;

  beforeEach(() => {
    project = makeProject({ "001_base.sql": migration, "sql/seed.sql": "CREATE TABLE seed (id INTEGER);\n" });
  });
  afterEach(() => project.cleanup());

  it("is found before anything runs (validate and up, exit 3, file:line), not half-way through the migration", async () => {
    project.migration(
      "002_seed.mjs",
      [
        'const dir = "sql";',
        "export async function up(ctx) {",
        '  await ctx.sql("CREATE TABLE before_seed (id INTEGER)");',
        "  await ctx.execFile(`${dir}/seed.sql`);",
        "}",
        "",
      ].join("\n"),
    );
    const validate = await runCli(["validate"], { cwd: project.dir });
    expect(validate.code, validate.output).toBe(3);
    expect(validate.stdout).toContain("002_seed.mjs:4");
    expect(validate.stdout).toContain('ctx.execFile("seed/users.sql")');
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(3);
    expect(up.stderr).toContain("002_seed.mjs:4");
    expect(existsSync(join(project.dir, "stratum.db"))).toBe(false);
  });

  it("a literal path, another call's arguments and a comment are not taken for one", async () => {
    project.migration(
      "002_seed.mjs",
      [
        'import { execFile } from "node:child_process";',
        "export async function up(ctx) {",
        '  await ctx.execFile("sql/seed.sql");',
        "  // ctx.execFile(somePath) once ran here",
        "  if (false) execFile(process.execPath, [\"--version\"]);",
        "}",
        "",
      ].join("\n"),
    );
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(0);
  });
});

describe("configuration problems from several places", () => {
  let project: Project;

  beforeEach(() => {
    project = makeProject({ "001_base.sql": migration });
  });
  afterEach(() => project.cleanup());

  it("the config file's and the environment variables' problems are listed together, each with its fix", async () => {
    project.write("stratum.config.json", '{\n  "parallel": "many",\n  "lockTimout": 5\n}\n');
    const result = await runCli(["up"], { cwd: project.dir, env: { STRATUM_TRANSACTION: "maybe" } });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain("3 problems in stratum.config.json and the environment variables and flags:");
    const lines = result.stderr.split("\n");
    for (const [problem, fix] of [
      ['invalid value for "parallel" in stratum.config.json:2', 'fix: Set "parallel" to an integer from 1 to 64.'],
      ['unknown key "lockTimout" in stratum.config.json:3', 'fix: Rename "lockTimout" to "lockTimeout".'],
      ["invalid value for environment variable STRATUM_TRANSACTION", "fix: Set STRATUM_TRANSACTION to"],
    ]) {
      const at = lines.findIndex((line) => line.includes(problem as string));
      expect(at, `${problem} in:\n${result.stderr}`).toBeGreaterThan(0);
      expect(lines[at + 1], result.stderr).toContain(fix);
    }
    expect(existsSync(join(project.dir, "stratum.db"))).toBe(false);
  });
});

describe("a duration means the same as a flag, an environment variable and in the config", () => {
  let project: Project;

  beforeEach(async () => {
    project = makeProject({ "001_base.sql": migration });
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(0);
  });
  afterEach(() => project.cleanup());

  for (const value of ["1h", "3 s", "10S", "1.5m", "250ms", "0"]) {
    it(`"${value}" is accepted by --lock-timeout, STRATUM_LOCK_TIMEOUT and "lockTimeout"`, async () => {
      const flag = await runCli(["status", "--lock-timeout", value], { cwd: project.dir });
      expect(flag.code, flag.output).toBe(0);
      const variable = await runCli(["status"], { cwd: project.dir, env: { STRATUM_LOCK_TIMEOUT: value } });
      expect(variable.code, variable.output).toBe(0);
      project.write("stratum.config.json", JSON.stringify({ lockTimeout: value }));
      const config = await runCli(["status"], { cwd: project.dir });
      expect(config.code, config.output).toBe(0);
    });
  }

  for (const value of ["soon", "-1", "1e3", "10d"]) {
    it(`"${value}" is refused by each, exit 2`, async () => {
      const flag = await runCli(["status", "--lock-timeout", value], { cwd: project.dir });
      expect(flag.code, flag.output).toBe(2);
      expect(flag.stderr).toContain(`--lock-timeout expects a duration such as 5000 (ms), 10s or 2m, got "${value}"`);
      const variable = await runCli(["status"], { cwd: project.dir, env: { STRATUM_LOCK_TIMEOUT: value } });
      expect(variable.code, variable.output).toBe(2);
      project.write("stratum.config.json", JSON.stringify({ lockTimeout: value }));
      const config = await runCli(["status"], { cwd: project.dir });
      expect(config.code, config.output).toBe(2);
    });
  }
});
