import { describe, expect, it } from "vitest";
import { ConnectionError, MigrationError } from "../../../src/core/errors.js";
import { runCli } from "./cli-harness.js";

/**
 * The CLI keeps passwords out of what it prints at the source — a URL is shown through displayUrl,
 * foreign text (a driver error kept as the cause, an internal error, commander's echo of the command
 * line) has its URL credentials masked — and never searches its output for a password's text.
 */

const PASSWORD = `p@ss:w/rd%;'"`;
const ENCODED = encodeURIComponent(PASSWORD);

function expectClean(text: string, ...secrets: string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("the CLI prints what it was given, with no search-and-replace", () => {
  it("a password in the environment or the URL does not change any other text", async () => {
    const fail = new MigrationError({ version: "004", name: "apply_defaults" }, "migration 004_apply_defaults failed: value false is not an app");
    const without = await runCli(["up"], { fail });
    for (const env of [{ PGPASSWORD: "a" }, { MYSQL_PWD: "e" }, { PGPASSWORD: "false", MYSQL_PWD: "app" }]) {
      const result = await runCli(["up"], { fail }, { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(without.stderr);
    }
    const withUrl = await runCli(["up", "--url", "postgres://app:app@db/app"], { fail });
    expect(withUrl.stderr).toBe("error: migration 004_apply_defaults failed: value false is not an app\n");
  });

  it("--json stays valid JSON whatever the password", async () => {
    for (const password of ["false", "true", "null", '"', "1", ":", ","]) {
      const result = await runCli(["status", "--json", "--url", `postgres://u:${encodeURIComponent(password)}@db/app`], {
        status: { migrations: [], pending: 0, dirty: false, problems: [] },
      }, { env: { PGPASSWORD: password, MYSQL_PWD: password } });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ database: "postgres://u:***@db/app", migrations: [], pending: 0, dirty: false });
    }
  });
});

describe("foreign text has its URL credentials masked", () => {
  const url = `postgres://app:${ENCODED}@db.internal:5432/app`;

  it("a driver error kept as the cause, printed with --verbose", async () => {
    const cause = Object.assign(new Error(`could not connect to ${url}`), { code: "XX000" });
    const fail = new ConnectionError("cannot connect to PostgreSQL at db.internal:5432: something failed", { cause });
    const result = await runCli(["status", "--verbose", "--url", url], { fail });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("caused by: [XX000] could not connect to postgres://app:***@db.internal:5432/app");
    expectClean(result.stderr, ENCODED, PASSWORD);
  });

  it("an internal error's message and stack", async () => {
    const fail = new TypeError(`bad value in ${url}`);
    for (const extra of [[], ["--verbose"], ["--json"]]) {
      const result = await runCli(["status", ...extra], { fail });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("postgres://app:***@db.internal:5432/app");
      expectClean(result.stderr, ENCODED);
    }
  });

  it("a usage error echoing a URL", async () => {
    const result = await runCli(["status", "--bogus=postgres://u:hidden-1@h/db"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown option "--bogus=postgres://u:***@h/db"');
    expectClean(result.stderr, "hidden-1");
  });

  it("a bad flag value that is a URL (put in the wrong place) is echoed as URLs are shown", async () => {
    for (const argv of [["up", "--step", "postgres://u:hidden-2@h/db"], ["down", "--to", "mysql://root:hidden-2@h/db"], ["up", "--lock-timeout", "postgres://u:hidden-2@h/db"]]) {
      const result = await runCli(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/got "(postgres|mysql):\/\/(u|root):\*\*\*@h\/db"/);
      expectClean(result.stderr, "hidden-2");
    }
  });

  it("a usage error echoing a URL whose password is not encoded", async () => {
    const result = await runCli(["postgres://u:p'a@s s@h/db"]);
    expect(result.code).toBe(2);
    expectClean(result.stderr, "p'a", "s s");
  });
});

describe("a URL is shown with its password slot masked", () => {
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
