import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

/**
 * An environment whose URL reads an unset variable never falls back to another URL: the README's
 * own configuration, with PROD_DATABASE_URL unset, must refuse `up --env production` and
 * `down --env production --yes` (exit 2, naming the variable) and change nothing.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const migration = "-- migrate:up\nCREATE TABLE base (id INTEGER);\n-- migrate:down\nDROP TABLE base;\n";

/** The README's configuration block, with its top-level URL pointed at a SQLite file. */
function readmeConfig(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Configuration"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README.md has no ```ts block under ## Configuration");
  expect(block).toContain("process.env.PROD_DATABASE_URL");
  const local = block.replace(/^(\s*url:\s*)"[^"]*",/m, '$1"sqlite:./dev.db",');
  expect(local, "the README's top-level url was replaced").toContain('"sqlite:./dev.db"');
  return local;
}

function fingerprint(file: string): string {
  return existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex") : "absent";
}

describe("an environment URL read from an unset variable (README configuration, SQLite)", () => {
  let project: Project;
  let devDb: string;

  beforeEach(async () => {
    project = makeProject({ "001_base.sql": migration });
    // `import { defineConfig } from "stratumdb"` resolves to this package, as in an installed project.
    mkdirSync(join(project.dir, "node_modules"));
    symlinkSync(ROOT, join(project.dir, "node_modules", "stratumdb"), "dir");
    project.write("stratum.config.ts", readmeConfig());
    devDb = join(project.dir, "dev.db");
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(0);
    expect(up.output).toContain("001");
  });
  afterEach(() => project.cleanup());

  const refusals: readonly (readonly [string, readonly string[], Readonly<Record<string, string>>])[] = [
    ["up --env production", ["up", "--env", "production"], {}],
    ["down --env production --yes", ["down", "--env", "production", "--yes"], {}],
    ["status --env production", ["status", "--env", "production"], {}],
    ["up with STRATUM_ENV=production", ["up"], { STRATUM_ENV: "production" }],
    ["down --yes with NODE_ENV=production", ["down", "--yes"], { NODE_ENV: "production" }],
    ["up --env production with PROD_DATABASE_URL empty", ["up", "--env", "production"], { PROD_DATABASE_URL: "" }],
  ];

  it.each(refusals)("%s: exit 2 naming PROD_DATABASE_URL and production, nothing changed", async (_label, args, env) => {
    project.migration("002_more.sql", "-- migrate:up\nCREATE TABLE more (id INTEGER);\n-- migrate:down\nDROP TABLE more;\n");
    const before = fingerprint(devDb);
    const result = await runCli(args, { cwd: project.dir, env: { PROD_DATABASE_URL: undefined, ...env } });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toMatch(/it reads PROD_DATABASE_URL, which is (not set|empty)/);
    expect(result.stderr).toContain("environments.production.url");
    expect(result.stderr).toMatch(/stratum\.config\.ts/);
    expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(fingerprint(devDb)).toBe(before);
    expect(existsSync(join(project.dir, "stratum.db")), "no default database was created").toBe(false);
    const status = await runCli(["status", "--json"], { cwd: project.dir });
    expect(status.code, status.output).toBe(0);
    const parsed = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
    expect(parsed.migrations.map((m) => [m.version, m.state])).toEqual([
      ["001", "applied"],
      ["002", "pending"],
    ]);
  });

  it("uses the variable when it is set, and never touches the development database", async () => {
    const before = fingerprint(devDb);
    const result = await runCli(["up", "--env", "production"], { cwd: project.dir, env: { PROD_DATABASE_URL: "sqlite:./prod.db" } });
    expect(result.code, result.output).toBe(0);
    expect(fingerprint(devDb)).toBe(before);
    expect(existsSync(join(project.dir, "prod.db"))).toBe(true);
  });

  it("a flag or DATABASE_URL outranks the environment block, so an explicit URL still works", async () => {
    const viaFlag = await runCli(["up", "--env", "production", "--url", "sqlite:./flag.db"], { cwd: project.dir, env: { PROD_DATABASE_URL: undefined } });
    expect(viaFlag.code, viaFlag.output).toBe(0);
    expect(existsSync(join(project.dir, "flag.db"))).toBe(true);
    const viaVariable = await runCli(["up", "--env", "production"], { cwd: project.dir, env: { PROD_DATABASE_URL: undefined, DATABASE_URL: "sqlite:./var.db" } });
    expect(viaVariable.code, viaVariable.output).toBe(0);
    expect(existsSync(join(project.dir, "var.db"))).toBe(true);
  });

  it("names the variable of the selected environment only, when several are unset", async () => {
    project.write(
      "stratum.config.ts",
      readmeConfig().replace("environments: {", "environments: {\n    staging: { url: process.env.STAGING_DATABASE_URL },"),
    );
    const env = { PROD_DATABASE_URL: undefined, STAGING_DATABASE_URL: undefined };
    const production = await runCli(["up", "--env", "production"], { cwd: project.dir, env });
    expect(production.code, production.output).toBe(2);
    expect(production.stderr).toContain("it reads PROD_DATABASE_URL, which is not set");
    expect(production.stderr).not.toContain("STAGING_DATABASE_URL");
    const staging = await runCli(["up", "--env", "staging"], { cwd: project.dir, env });
    expect(staging.code, staging.output).toBe(2);
    expect(staging.stderr).toContain("it reads STAGING_DATABASE_URL, which is not set");
    expect(staging.stderr).not.toContain("PROD_DATABASE_URL");
  });

  it("other environments are unaffected by production's unset variable", async () => {
    const result = await runCli(["status"], { cwd: project.dir, env: { PROD_DATABASE_URL: undefined } });
    expect(result.code, result.output).toBe(0);
  });
});
