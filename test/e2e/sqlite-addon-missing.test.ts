import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../support/cli.js";

/**
 * better-sqlite3 installed without its native addon — what a user gets when npm skipped its install
 * script (`--ignore-scripts`; npm 11.16+ lists it for approval and npm 12 skips unapproved scripts)
 * or the build failed — used to end in "internal error: Could not locate the bindings file. Tried:
 * …" with exit 1, since the addon loads only when the first database is opened. Expected: the
 * documented DRIVER_MISSING (exit 5), naming the package and what to run, and nothing created.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const MODULES = join(ROOT, "node_modules");
let app = "";

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "stratum-no-addon-"));
  // the bundled CLI beside a node_modules whose better-sqlite3 has no build/ (its JS and deps only)
  copyFileSync(BIN, join(app, "stratum.mjs"));
  copyFileSync(join(dirname(BIN), "stratum-cli.script"), join(app, "stratum-cli.script"));
  for (const name of ["bindings", "file-uri-to-path"]) cpSync(join(MODULES, name), join(app, "node_modules", name), { recursive: true });
  cpSync(join(MODULES, "better-sqlite3"), join(app, "node_modules", "better-sqlite3"), {
    recursive: true,
    filter: (source) => !source.includes(`${join("better-sqlite3", "build")}`) && !source.includes(`${join("better-sqlite3", "src")}`),
  });
  expect(existsSync(join(app, "node_modules", "better-sqlite3", "lib", "index.js"))).toBe(true);
  expect(existsSync(join(app, "node_modules", "better-sqlite3", "build"))).toBe(false);
  mkdirSync(join(app, "migrations"));
  writeFileSync(join(app, "migrations", "001_a.sql"), "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n");
});
afterAll(() => rmSync(app, { recursive: true, force: true }));

function stratum(...args: string[]) {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("STRATUM_") && key !== "DATABASE_URL" && !key.startsWith("npm_")) env[key] = value;
  }
  const result = spawnSync(process.execPath, [join(app, "stratum.mjs"), ...args], { cwd: app, env: { ...env, NO_COLOR: "1" }, encoding: "utf8" });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("better-sqlite3 without its native addon", () => {
  it.each(["up", "status", "up --dry-run=rehearse", "validate"])("`stratum %s` says which driver and what to run (DRIVER_MISSING, exit 5), creating nothing", (command) => {
    const result = stratum(...command.split(" "), "--url", "sqlite:./app.db");
    expect(result.code, result.output).toBe(5);
    expect(result.output).toMatch(/^error: the SQLite driver "better-sqlite3" is installed but its native addon could not be loaded: /m);
    expect(result.output).toMatch(/^fix: .*npm rebuild better-sqlite3/m);
    expect(result.output).toContain("npm approve-scripts better-sqlite3");
    expect(result.output).not.toContain("internal error");
    expect(result.output).not.toMatch(/^\s+at /m);
    expect(readdirSync(app).sort()).toEqual(["migrations", "node_modules", "stratum-cli.script", "stratum.mjs"]);
  });

  it("--json: one error object with the DRIVER_MISSING code", () => {
    const result = stratum("status", "--json", "--url", "sqlite:./app.db");
    expect(result.code, result.output).toBe(5);
    expect(result.output).toContain('"code":"DRIVER_MISSING"');
  });
});
