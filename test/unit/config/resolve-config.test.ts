import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { resolveConfig, type FlagSettings, type ResolveConfigInput } from "../../../src/config/load.js";
import type { ResolvedConfig, UserConfig } from "../../../src/config/types.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { useVocabulary } from "../../../src/core/vocabulary.js";
import { rejection } from "../../support/config-errors.js";

// The messages as the CLI shows them: it is the caller that passes flags (library wording: test/unit/config/vocabulary.test.ts).
useVocabulary(cliVocabulary);

const root = mkdtempSync(join(tmpdir(), "stratum-resolve-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function project(files: Readonly<Record<string, unknown>> = {}): string {
  const dir = join(root, `p${++counter}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

function resolveIn(cwd: string, input: Partial<Omit<ResolveConfigInput, "cwd">> = {}): Promise<ResolvedConfig> {
  return resolveConfig({ cwd, flags: {}, environment: {}, ...input });
}

describe("resolveConfig: defaults", () => {
  it("fills every default when there is no configuration at all", async () => {
    const cwd = project();
    expect(await resolveIn(cwd)).toEqual({
      url: `sqlite:${join(cwd, "stratum.db")}`,
      dir: join(cwd, "migrations"),
      adoptUserVersion: true,
      ordering: "linear",
      table: "stratum_migrations",
      logTable: "stratum_log",
      schema: undefined,
      lockTimeoutMs: 10_000,
      migrationLockTimeoutMs: undefined,
      statementTimeoutMs: undefined,
      parallel: 1,
      transaction: "each",
      allowOutOfOrder: false,
      protected: false,
      passwordFile: undefined,
      backupDir: join(cwd, "backups"),
      hooks: {},
      env: "development",
      configFile: undefined,
      cwd,
      origins: {},
    });
  });

  it("reads every file key", async () => {
    const cwd = project({
      "stratum.config.json": {
        url: "postgres://u@h/db",
        ordering: "graph",
        table: "t",
        logTable: "l",
        schema: "app",
        lockTimeout: "1m",
        migrationLockTimeout: 2000,
        statementTimeout: "30s",
        parallel: 8,
        transaction: "all",
        allowOutOfOrder: true,
        protected: true,
      },
    });
    expect(await resolveIn(cwd)).toMatchObject({
      url: "postgres://u@h/db",
      ordering: "graph",
      table: "t",
      logTable: "l",
      schema: "app",
      lockTimeoutMs: 60_000,
      migrationLockTimeoutMs: 2000,
      statementTimeoutMs: 30_000,
      parallel: 8,
      transaction: "all",
      allowOutOfOrder: true,
      protected: true,
      configFile: join(cwd, "stratum.config.json"),
    });
  });
});

describe("resolveConfig: precedence", () => {
  type Layer = "file" | "overrides" | "fileEnv" | "overridesEnv" | "variable" | "flag";
  // Each layer sets `table` to its own name; the highest layer present wins.
  const cases: readonly (readonly [readonly Layer[], string])[] = [
    [[], "stratum_migrations"],
    [["file"], "from_file"],
    [["overrides"], "from_overrides"],
    [["file", "overrides"], "from_overrides"],
    [["file", "fileEnv"], "from_fileEnv"],
    [["overrides", "fileEnv"], "from_fileEnv"],
    [["fileEnv", "overridesEnv"], "from_overridesEnv"],
    [["file", "overrides", "fileEnv", "overridesEnv"], "from_overridesEnv"],
    [["file", "fileEnv", "variable"], "from_variable"],
    [["overridesEnv", "variable"], "from_variable"],
    [["variable", "flag"], "from_flag"],
    [["file", "flag"], "from_flag"],
    [["file", "overrides", "fileEnv", "overridesEnv", "variable", "flag"], "from_flag"],
  ];
  it.each(cases)("%j → %s", async (layers, expected) => {
    const has = (layer: Layer) => layers.includes(layer);
    const file: Record<string, unknown> = {};
    if (has("file")) file["table"] = "from_file";
    file["environments"] = { staging: has("fileEnv") ? { table: "from_fileEnv" } : {} };
    const overrides: Record<string, unknown> = {};
    if (has("overrides")) overrides["table"] = "from_overrides";
    if (has("overridesEnv")) overrides["environments"] = { staging: { table: "from_overridesEnv" } };
    const cwd = project({ "stratum.config.json": file });
    const config = await resolveIn(cwd, {
      envName: "staging",
      overrides: overrides as UserConfig,
      environment: has("variable") ? { STRATUM_TABLE: "from_variable" } : {},
      flags: has("flag") ? { table: "from_flag" } : {},
    });
    expect(config.table).toBe(expected);
  });

  it("applies precedence per key, not per layer", async () => {
    const cwd = project({
      "stratum.config.json": { table: "t_file", logTable: "l_file", schema: "s_file", environments: { production: { logTable: "l_env" } } },
    });
    const config = await resolveIn(cwd, {
      envName: "production",
      environment: { STRATUM_SCHEMA: "s_var" },
      flags: { parallel: 3 },
    });
    expect([config.table, config.logTable, config.schema, config.parallel]).toEqual(["t_file", "l_env", "s_var", 3]);
  });

  it("prefers STRATUM_URL over DATABASE_URL, and --url over both", async () => {
    const cwd = project();
    const both = { DATABASE_URL: "postgres://a/db", STRATUM_URL: "postgres://b/db" };
    expect((await resolveIn(cwd, { environment: { DATABASE_URL: "postgres://a/db" } })).url).toBe("postgres://a/db");
    expect((await resolveIn(cwd, { environment: both })).url).toBe("postgres://b/db");
    expect((await resolveIn(cwd, { environment: both, flags: { url: "mysql://c/db" } })).url).toBe("mysql://c/db");
  });

  it("ignores flags and variables that are undefined or empty", async () => {
    const cwd = project({ "stratum.config.json": { table: "t_file", url: "postgres://f/db" } });
    const config = await resolveIn(cwd, {
      environment: { STRATUM_TABLE: "", DATABASE_URL: "  " },
      flags: { table: undefined, url: undefined } as Partial<FlagSettings>,
    });
    expect([config.table, config.url]).toEqual(["t_file", "postgres://f/db"]);
  });

  it("merges hooks by name, higher layers replacing lower ones", async () => {
    const cwd = project();
    const fileLike = () => "overrides";
    const envLike = () => "env";
    const keep = () => "kept";
    const config = await resolveIn(cwd, {
      envName: "ci",
      overrides: {
        hooks: { beforeAll: fileLike, afterAll: keep },
        environments: { ci: { hooks: { beforeAll: envLike } } },
      },
    });
    expect(config.hooks.beforeAll).toBe(envLike);
    expect(config.hooks.afterAll).toBe(keep);
  });
});

describe("resolveConfig: environment variables", () => {
  const cases: readonly (readonly [string, string, keyof ResolvedConfig, unknown])[] = [
    ["DATABASE_URL", "postgres://u@h/db", "url", "postgres://u@h/db"],
    ["STRATUM_URL", "mysql://u@h/db", "url", "mysql://u@h/db"],
    ["STRATUM_DIR", "db/migrations", "dir", "<cwd>/db/migrations"],
    ["STRATUM_ENV", "production", "env", "production"],
    ["STRATUM_TABLE", "history", "table", "history"],
    ["STRATUM_LOG_TABLE", "audit", "logTable", "audit"],
    ["STRATUM_SCHEMA", "app", "schema", "app"],
    ["STRATUM_LOCK_TIMEOUT", "30s", "lockTimeoutMs", 30_000],
    ["STRATUM_LOCK_TIMEOUT", "2500", "lockTimeoutMs", 2500],
    ["STRATUM_PARALLEL", "4", "parallel", 4],
    ["STRATUM_PARALLEL", " 8 ", "parallel", 8],
    ["STRATUM_ORDERING", "graph", "ordering", "graph"],
    ["STRATUM_TRANSACTION", "none", "transaction", "none"],
  ];
  it.each(cases)("%s=%s sets %s", async (name, value, key, expected) => {
    const cwd = project();
    const config = await resolveIn(cwd, { environment: { [name]: value } });
    expect(config[key]).toEqual(typeof expected === "string" ? expected.replace("<cwd>", cwd) : expected);
  });

  const bad: readonly (readonly [string, string, string])[] = [
    ["STRATUM_PARALLEL", "many", 'invalid value for environment variable STRATUM_PARALLEL: expected an integer from 1 to 64, got "many"'],
    ["STRATUM_PARALLEL", "0", "invalid value for environment variable STRATUM_PARALLEL: expected an integer from 1 to 64, got 0"],
    ["STRATUM_PARALLEL", "2.5", 'invalid value for environment variable STRATUM_PARALLEL: expected an integer from 1 to 64, got "2.5"'],
    ["STRATUM_LOCK_TIMEOUT", "soon", 'invalid value for environment variable STRATUM_LOCK_TIMEOUT: expected a whole number of milliseconds (0 or more) or a duration such as "500ms", "10s" or "2m", got "soon"'],
    ["STRATUM_ORDERING", "random", 'invalid value for environment variable STRATUM_ORDERING: expected "linear" or "graph", got "random"'],
    ["STRATUM_TRANSACTION", "some", 'invalid value for environment variable STRATUM_TRANSACTION: expected "each", "all" or "none", got "some"'],
    ["STRATUM_TABLE", "t".repeat(64), "invalid value for environment variable STRATUM_TABLE: expected a non-empty table name"],
    ["STRATUM_LOG_TABLE", "a\u0000b", "invalid value for environment variable STRATUM_LOG_TABLE: expected a non-empty table name"],
    ["STRATUM_URL", "oracle://scott:tiger@db/orcl", 'unsupported database URL "oracle://scott:***@db/orcl" (from environment variable STRATUM_URL)'],
    ["DATABASE_URL", "postgres://u:p/w@h/db", 'cannot parse the database URL "postgres://u:***@h/db" (from environment variable DATABASE_URL)'],
  ];
  it.each(bad)("rejects %s=%s", async (name, value, message) => {
    const error = await rejection(resolveIn(project(), { environment: { [name]: value } }));
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.key).toBe(name === "STRATUM_URL" || name === "DATABASE_URL" ? name : `environment variable ${name}`);
    expect(error.message).not.toContain("tiger");
  });
});

describe("resolveConfig: flags", () => {
  const cases: readonly (readonly [Partial<FlagSettings>, keyof ResolvedConfig, unknown])[] = [
    [{ lockTimeout: "5s" }, "lockTimeoutMs", 5000],
    [{ lockTimeout: 750 }, "lockTimeoutMs", 750],
    [{ parallel: "3" }, "parallel", 3],
    [{ parallel: 5 }, "parallel", 5],
    [{ allowOutOfOrder: true }, "allowOutOfOrder", true],
    [{ allowOutOfOrder: "false" }, "allowOutOfOrder", false],
    [{ ordering: "graph" }, "ordering", "graph"],
    [{ transaction: "all" }, "transaction", "all"],
    [{ schema: "s" }, "schema", "s"],
    [{ logTable: "my_log" }, "logTable", "my_log"],
  ];
  it.each(cases)("%j sets %s", async (flags, key, expected) => {
    expect((await resolveIn(project(), { flags }))[key]).toEqual(expected);
  });

  const bad: readonly (readonly [Partial<FlagSettings>, string])[] = [
    [{ parallel: "lots" }, 'invalid value for --parallel: expected an integer from 1 to 64, got "lots"'],
    [{ parallel: 100 }, "invalid value for --parallel: expected an integer from 1 to 64, got 100"],
    [{ lockTimeout: "-1" }, 'invalid value for --lock-timeout: expected a whole number'],
    [{ table: "x\u0000y" }, "invalid value for --table: expected a non-empty table name"],
    [{ url: "ftp://x" }, 'unsupported database URL "ftp://x" (from --url)'],
  ];
  it.each(bad)("rejects %j", async (flags, message) => {
    const error = await rejection(resolveIn(project(), { flags }));
    expect(error.message.startsWith(message)).toBe(true);
  });
});

describe("resolveConfig: environments", () => {
  const file = {
    url: "postgres://dev/db",
    environments: { production: { url: "postgres://prod/db", protected: true }, staging: { url: "postgres://staging/db" } },
  };
  const cases: readonly (readonly [string, { envName?: string; environment: Record<string, string> }, string, string])[] = [
    ["nothing given", { environment: {} }, "development", "postgres://dev/db"],
    ["--env", { envName: "production", environment: {} }, "production", "postgres://prod/db"],
    ["STRATUM_ENV", { environment: { STRATUM_ENV: "staging" } }, "staging", "postgres://staging/db"],
    ["NODE_ENV", { environment: { NODE_ENV: "production" } }, "production", "postgres://prod/db"],
    ["--env beats STRATUM_ENV", { envName: "production", environment: { STRATUM_ENV: "staging" } }, "production", "postgres://prod/db"],
    ["STRATUM_ENV beats NODE_ENV", { environment: { STRATUM_ENV: "staging", NODE_ENV: "production" } }, "staging", "postgres://staging/db"],
    ["NODE_ENV not in the file is fine", { environment: { NODE_ENV: "test" } }, "test", "postgres://dev/db"],
    ["empty STRATUM_ENV is unset", { environment: { STRATUM_ENV: "", NODE_ENV: "staging" } }, "staging", "postgres://staging/db"],
  ];
  it.each(cases)("%s", async (_name, input, env, url) => {
    const cwd = project({ "stratum.config.json": file });
    const config = await resolveIn(cwd, input);
    expect(config.env).toBe(env);
    expect(config.url).toBe(url);
    expect(config.protected).toBe(env === "production");
  });

  const unknown: readonly (readonly [string, { envName?: string; environment: Record<string, string> }, string])[] = [
    ["--env", { envName: "qa", environment: {} }, "--env"],
    ["STRATUM_ENV", { environment: { STRATUM_ENV: "qa" } }, "STRATUM_ENV"],
  ];
  it.each(unknown)("an unknown environment from %s is an error naming the known ones", async (_name, input, given) => {
    const cwd = project({ "stratum.config.json": file });
    const error = await rejection(resolveIn(cwd, input));
    expect(error.message).toBe(
      `environment "qa" (from ${given}) is not defined in stratum.config.json; known environments: production, staging`,
    );
    expect(error.key).toBe("environments.qa");
  });

  it("an explicit environment is fine when the file defines no environments", async () => {
    const cwd = project({ "stratum.config.json": { url: "postgres://dev/db" } });
    const config = await resolveIn(cwd, { envName: "qa" });
    expect([config.env, config.url]).toEqual(["qa", "postgres://dev/db"]);
  });

  it("an explicit environment is fine with no config file", async () => {
    expect((await resolveIn(project(), { envName: "qa" })).env).toBe("qa");
  });

  it("knows the environments the library options define", async () => {
    const cwd = project();
    const config = await resolveIn(cwd, { envName: "ci", overrides: { environments: { ci: { table: "ci_history" } } } });
    expect(config.table).toBe("ci_history");
    const error = await rejection(resolveIn(cwd, { envName: "qa", overrides: { environments: { ci: {} } } }));
    expect(error.message).toBe('environment "qa" (from --env) is not defined in the migrator options; known environments: ci');
  });
});

describe("resolveConfig: relative paths", () => {
  it("resolves paths from the file against the file's directory", async () => {
    const cwd = project({
      "config/stratum.config.json": {
        url: "sqlite:./data/app.db",
        dir: "./db/migrations",
        backupDir: "../backups",
        passwordFile: "secrets/pw",
      },
    });
    const config = await resolveIn(cwd, { configPath: "config/stratum.config.json" });
    const configDir = join(cwd, "config");
    expect(config.url).toBe(`sqlite:${join(configDir, "data/app.db")}`);
    expect(config.dir).toBe(join(configDir, "db/migrations"));
    expect(config.backupDir).toBe(join(cwd, "backups"));
    expect(config.passwordFile).toBe(join(configDir, "secrets/pw"));
    expect(config.configFile).toBe(join(configDir, "stratum.config.json"));
    expect(config.cwd).toBe(cwd);
  });

  it("resolves paths from an environment block against the file's directory", async () => {
    const cwd = project({ "config/stratum.config.json": { environments: { test: { url: "sqlite:test.db", dir: "m" } } } });
    const config = await resolveIn(cwd, { configPath: "config", envName: "test" });
    expect(config.url).toBe(`sqlite:${join(cwd, "config/test.db")}`);
    expect(config.dir).toBe(join(cwd, "config/m"));
  });

  it("resolves defaults, variables, flags and library options against cwd", async () => {
    const cwd = project({ "config/stratum.config.json": { url: "sqlite:./file.db", dir: "file-m" } });
    const fromVariable = await resolveIn(cwd, { configPath: "config", environment: { STRATUM_URL: "sqlite:var.db", STRATUM_DIR: "var-m" } });
    expect([fromVariable.url, fromVariable.dir]).toEqual([`sqlite:${join(cwd, "var.db")}`, join(cwd, "var-m")]);
    const fromFlag = await resolveIn(cwd, { configPath: "config", flags: { url: "./flag.sqlite", dir: "flag-m" } });
    expect([fromFlag.url, fromFlag.dir]).toEqual([`sqlite:${join(cwd, "flag.sqlite")}`, join(cwd, "flag-m")]);
    const fromOptions = await resolveIn(cwd, { configPath: "config", overrides: { url: "file:opt.db", backupDir: "bk" } });
    expect([fromOptions.url, fromOptions.dir, fromOptions.backupDir]).toEqual([
      `sqlite:${join(cwd, "opt.db")}`,
      join(cwd, "config/file-m"),
      join(cwd, "bk"),
    ]);
  });

  it("leaves absolute paths, memory databases and server URLs alone", async () => {
    const cwd = project({ "sub/stratum.config.json": { url: "sqlite:///var/tmp/x.db", dir: "/abs/m" } });
    const config = await resolveIn(cwd, { configPath: "sub" });
    expect([config.url, config.dir]).toEqual(["sqlite:///var/tmp/x.db", "/abs/m"]);
    expect((await resolveIn(cwd, { flags: { url: "sqlite::memory:" } })).url).toBe("sqlite::memory:");
    expect((await resolveIn(cwd, { flags: { url: "postgres://u:p@h/db" } })).url).toBe("postgres://u:p@h/db");
  });
});

describe("resolveConfig: errors", () => {
  it("names the file and key of a bad value", async () => {
    const cwd = project({ "stratum.config.json": { environments: { production: { parallel: 100 } } } });
    const error = await rejection(resolveIn(cwd));
    expect(error.message).toBe(
      'invalid value for "environments.production.parallel" in stratum.config.json:1: expected an integer from 1 to 64, got 100',
    );
  });

  it("validates the library options", async () => {
    const error = await rejection(resolveIn(project(), { overrides: { lockTimout: 1 } as UserConfig }));
    expect(error.message).toBe('unknown key "lockTimout" in the migrator options; did you mean "lockTimeout"?');
  });

  it("names where a bad URL came from, without its password", async () => {
    const cwd = project({ "stratum.config.json": { environments: { production: { url: "oracle://scott:tiger@db/orcl" } } } });
    const error = await rejection(resolveIn(cwd, { envName: "production" }));
    expect(error.message).toMatch(
      /^unsupported database URL "oracle:\/\/scott:\*\*\*@db\/orcl" \(from "environments\.production\.url" in stratum\.config\.json\); use one of /,
    );
    expect(error.key).toBe("environments.production.url");
  });

  it("does not check a URL that a higher layer replaces", async () => {
    const cwd = project({ "stratum.config.json": { url: "oracle://x" } });
    expect((await resolveIn(cwd, { flags: { url: "postgres://h/db" } })).url).toBe("postgres://h/db");
  });

  it("rejects the same name for both tables", async () => {
    const error = await rejection(resolveIn(project(), { flags: { logTable: "stratum_migrations" } }));
    expect(error.message).toBe('table and logTable are both "stratum_migrations" (from --log-table); they must differ');
  });

  it("rejects a --config that does not exist", async () => {
    const error = await rejection(resolveIn(project(), { configPath: "missing.json" }));
    expect(error.message).toBe("config file missing.json does not exist");
  });
});
