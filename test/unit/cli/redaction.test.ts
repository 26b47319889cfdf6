import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { argvSecrets, environmentSecrets, fallbackRedactor, passwordFileSecrets, urlSecrets } from "../../../src/cli/redaction.js";
import { ConnectionError, MigrationError } from "../../../src/core/errors.js";
import { runCli } from "./cli-harness.js";

const PASSWORD = `p@ss:w/rd%;'"`;
const ENCODED = encodeURIComponent(PASSWORD);

describe("secrets found in text", () => {
  it.each([
    ["postgres://u:s3cret@host/db", ["s3cret"]],
    [`postgres://u:${ENCODED}@host/db`, [ENCODED, PASSWORD]],
    ["postgres://u:p@ss@host/db", ["p@ss", "p%40ss"]],
    ["postgres://u@host/db?password=qwerty", ["qwerty"]],
    ["mysql://root@host/db", []],
    ["sqlite:./stratum.db", []],
  ])("urlSecrets(%j)", (url, expected) => {
    expect(new Set(urlSecrets(url))).toEqual(new Set(expected));
  });

  it("environment: password variables and URL-shaped values", () => {
    const secrets = environmentSecrets({
      PGPASSWORD: "pg-pass",
      MYSQL_PWD: "my-pass",
      DATABASE_URL: "postgres://app:db-pass@host/app",
      HOME: "/root",
    });
    expect(secrets).toEqual(expect.arrayContaining(["pg-pass", "my-pass", "db-pass"]));
    expect(secrets).not.toContain("/root");
  });

  it("argv: --url values in both spellings", () => {
    expect(argvSecrets(["--url", "postgres://u:one@h/d", "--url=postgres://u:two@h/d", "status"])).toEqual(["one", "two"]);
  });

  it("password file content, with and without its newline", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stratum-cli-"));
    writeFileSync(join(dir, "pw.txt"), "file-secret\n");
    expect(await passwordFileSecrets("pw.txt", dir)).toEqual(["file-secret\n", "file-secret"]);
    expect(await passwordFileSecrets("missing.txt", dir)).toEqual([]);
    expect(await passwordFileSecrets(undefined, dir)).toEqual([]);
  });

  it("the fallback redactor hides raw and encoded forms", () => {
    const redact = fallbackRedactor([PASSWORD]);
    expect(redact(`a ${PASSWORD} b ${ENCODED} c`)).toBe("a *** b *** c");
  });
});

describe("nothing printed contains a password", () => {
  const url = `postgres://app:${ENCODED}@db.internal:5432/app`;

  function expectClean(text: string, ...secrets: string[]): void {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it("an error message quoting the URL and the raw password, with --verbose stack and cause", async () => {
    const cause = Object.assign(new Error(`password authentication failed for "${PASSWORD}"`), { code: "28P01" });
    const fail = new ConnectionError(`cannot connect to ${url.replace(ENCODED, PASSWORD)} with ${PASSWORD}`, {
      cause,
      fix: `check the password ${ENCODED}`,
    });
    for (const extra of [[], ["--verbose"], ["--json"]]) {
      const result = await runCli(["status", "--url", url, ...extra], { fail });
      expect(result.code).toBe(5);
      expectClean(result.stdout + result.stderr, PASSWORD, ENCODED, "ss:w/rd");
      expect(result.stderr).toContain("***");
    }
  });

  it("the password of the resolved configuration (not given on the command line)", async () => {
    const fail = new ConnectionError("cannot connect with password 'conf-secret-42'");
    const result = await runCli(["status"], { config: { url: "postgres://app:conf-secret-42@db/app" }, fail });
    expectClean(result.stderr, "conf-secret-42");
  });

  it("PGPASSWORD, MYSQL_PWD and the password file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stratum-cli-"));
    writeFileSync(join(dir, "pw"), "from-file-77\n");
    const fail = new MigrationError(
      { version: "004", name: "x" },
      "migration 004_x failed: role used from-file-77 / env-pg-99 / env-my-55",
    );
    const result = await runCli(
      ["up"],
      { config: { passwordFile: join(dir, "pw") }, fail },
      { env: { PGPASSWORD: "env-pg-99", MYSQL_PWD: "env-my-55" } },
    );
    expect(result.code).toBe(1);
    expectClean(result.stderr, "from-file-77", "env-pg-99", "env-my-55");
    expect(result.stderr).toBe("error: migration 004_x failed: role used *** / *** / ***\n");
  });

  it("events and tables are redacted too", async () => {
    const result = await runCli(["up", "--json", "--url", url], {
      events: [
        { type: "log", level: "info", version: null, message: `connected as ${PASSWORD}` },
        { type: "statement", version: "001", index: 1, count: 1, location: "001_x.sql:1", sql: `CREATE ROLE r PASSWORD '${PASSWORD}'`, dryRun: true },
      ],
    });
    expectClean(result.stdout, PASSWORD, ENCODED);
    expect(result.stdout.split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("a usage error echoing a URL", async () => {
    const result = await runCli(["status", "--bogus=postgres://u:hidden-1@h/db"]);
    expect(result.code).toBe(2);
    expectClean(result.stderr, "hidden-1");
  });

  it("the confirmation question shows the masked URL", async () => {
    const result = await runCli(
      ["baseline", "003"],
      { config: { protected: true, env: "production", url: "postgres://u:q-secret@host/db" } },
      { stdinTTY: true, input: "y\n" },
    );
    expect(result.stderr).toContain("on production (postgres://u:***@host/db)? [y/N]");
    expectClean(result.stderr + result.stdout, "q-secret");
  });
});
