import { describe, expect, it } from "vitest";

import {
  checkUserConfig,
  parseDuration,
  suggestKey,
  validateSetting,
  validateUserConfig,
} from "../../../src/config/schema.js";
import { errorOf } from "../../support/config-errors.js";

describe("validateUserConfig: unknown keys", () => {
  const cases: readonly (readonly [string, unknown, string, string])[] = [
    // name, config, expected message, expected key
    ["a typo", { lockTimout: 5 }, 'unknown key "lockTimout" in stratum.config.json; did you mean "lockTimeout"?', "lockTimout"],
    ["snake case", { log_table: "x" }, 'unknown key "log_table" in stratum.config.json; did you mean "logTable"?', "log_table"],
    ["wrong case", { URL: "sqlite:x.db" }, 'unknown key "URL" in stratum.config.json; did you mean "url"?', "URL"],
    ["a transposition", { tabel: "x" }, 'unknown key "tabel" in stratum.config.json; did you mean "table"?', "tabel"],
    ["plural", { environment: {} }, 'unknown key "environment" in stratum.config.json; did you mean "environments"?', "environment"],
    ["nothing close", { colour: "blue" }, 'unknown key "colour" in stratum.config.json', "colour"],
    [
      "inside an environment",
      { environments: { production: { paralel: 2 } } },
      'unknown key "environments.production.paralel" in stratum.config.json; did you mean "parallel"?',
      "environments.production.paralel",
    ],
    [
      "nested environments",
      { environments: { production: { environments: {} } } },
      'unknown key "environments.production.environments" in stratum.config.json; environments cannot be nested',
      "environments.production.environments",
    ],
  ];
  it.each(cases)("%s", (_name, config, message, key) => {
    const error = errorOf(() => validateUserConfig(config, "stratum.config.json"));
    expect(error.message).toBe(message);
    expect(error.key).toBe(key);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.exitCode).toBe(2);
  });

  it("suggests hook names inside hooks", () => {
    const error = errorOf(() => validateUserConfig({ hooks: { beforeAl: () => undefined } }, "stratum.config.ts"));
    expect(error.message).toBe('unknown key "hooks.beforeAl" in stratum.config.ts; did you mean "beforeAll"?');
  });

  it("offers the valid keys as the fix when nothing is close", () => {
    const error = errorOf(() => validateUserConfig({ colour: "blue" }, "stratum.config.json"));
    expect(error.fix).toContain("url, dir, ordering");
  });
});

describe("validateUserConfig: bad values", () => {
  const cases: readonly (readonly [string, unknown, string])[] = [
    ["url", { url: 5 }, 'invalid value for "url" in stratum.config.json: expected a database URL string, got 5'],
    ["url empty", { url: "" }, 'invalid value for "url" in stratum.config.json: expected a database URL string, got an empty string'],
    ["dir", { dir: ["a"] }, 'invalid value for "dir" in stratum.config.json: expected a non-empty path, got an array'],
    ["ordering", { ordering: "lineer" }, 'invalid value for "ordering" in stratum.config.json: expected "linear" or "graph", got "lineer"'],
    ["table: empty", { table: "" }, 'invalid value for "table" in stratum.config.json: expected a non-empty table name of at most 63 characters without NUL bytes, got an empty string'],
    ["table: NUL", { table: "x\u0000y" }, 'invalid value for "table" in stratum.config.json'],
    ["table: too long", { table: "t".repeat(64) }, 'invalid value for "table"'],
    ["table: too long", { table: "t".repeat(64) }, 'invalid value for "table"'],
    ["logTable", { logTable: null }, 'invalid value for "logTable" in stratum.config.json: expected a non-empty table name of at most 63 characters without NUL bytes, got null'],
    ["schema", { schema: 1 }, 'invalid value for "schema" in stratum.config.json: expected a non-empty schema name, got 1'],
    ["lockTimeout negative", { lockTimeout: -1 }, 'invalid value for "lockTimeout" in stratum.config.json: expected a whole number of milliseconds (0 or more) or a duration such as "500ms", "10s" or "2m", got -1'],
    ["lockTimeout fraction", { lockTimeout: 1.5 }, 'invalid value for "lockTimeout" in stratum.config.json: expected a whole number'],
    ["lockTimeout unit", { lockTimeout: "10 days" }, 'invalid value for "lockTimeout" in stratum.config.json: expected a whole number of milliseconds (0 or more) or a duration such as "500ms", "10s" or "2m", got "10 days"'],
    ["migrationLockTimeout", { migrationLockTimeout: true }, 'invalid value for "migrationLockTimeout" in stratum.config.json: expected a whole number'],
    ["statementTimeout", { statementTimeout: "-5s" }, 'invalid value for "statementTimeout" in stratum.config.json: expected a whole number'],
    ["parallel zero", { parallel: 0 }, 'invalid value for "parallel" in stratum.config.json: expected an integer from 1 to 64, got 0'],
    ["parallel too many", { parallel: 65 }, 'invalid value for "parallel" in stratum.config.json: expected an integer from 1 to 64, got 65'],
    ["parallel string", { parallel: "many" }, 'invalid value for "parallel" in stratum.config.json: expected an integer from 1 to 64, got "many"'],
    ["parallel fraction", { parallel: 2.5 }, 'invalid value for "parallel" in stratum.config.json: expected an integer from 1 to 64, got 2.5'],
    ["transaction", { transaction: "some" }, 'invalid value for "transaction" in stratum.config.json: expected "each", "all" or "none", got "some"'],
    ["allowOutOfOrder", { allowOutOfOrder: "yes" }, 'invalid value for "allowOutOfOrder" in stratum.config.json: expected true or false, got "yes"'],
    ["protected", { protected: 1 }, 'invalid value for "protected" in stratum.config.json: expected true or false, got 1'],
    ["passwordFile", { passwordFile: {} }, 'invalid value for "passwordFile" in stratum.config.json: expected a non-empty path, got an object'],
    ["format", { format: "liquibase" }, 'invalid value for "format" in stratum.config.json: expected one of "auto", "stratum", "golang-migrate", "dbmate", "goose", "flyway", "node-pg-migrate", "prisma", "drizzle", "sqitch", got "liquibase"'],
    ["backupDir", { backupDir: "" }, 'invalid value for "backupDir" in stratum.config.json: expected a non-empty path, got an empty string'],
    ["environments", { environments: [] }, 'invalid value for "environments" in stratum.config.json: expected an object mapping environment names to settings, got an empty array'],
    ["one environment", { environments: { production: "prod" } }, 'invalid value for "environments.production" in stratum.config.json: expected an object of settings, got "prod"'],
    ["in an environment", { environments: { production: { parallel: 100 } } }, 'invalid value for "environments.production.parallel" in stratum.config.json: expected an integer from 1 to 64, got 100'],
    ["the whole file", [], "invalid configuration in stratum.config.json: expected an object of settings, got an empty array"],
    ["null file", null, "invalid configuration in stratum.config.json: expected an object of settings, got null"],
    ["hooks in JSON", { hooks: { beforeAll: "echo hi" } }, '"hooks" in stratum.config.json cannot hold functions; define hooks in stratum.config.ts or stratum.config.js'],
    ["hooks in a JSON environment", { environments: { ci: { hooks: { after: 1 } } } }, '"environments.ci.hooks" in stratum.config.json cannot hold functions'],
  ];
  it.each(cases)("%s", (_name, config, message) => {
    const error = errorOf(() => validateUserConfig(config, "stratum.config.json"));
    expect(error.message.startsWith(message)).toBe(true);
  });

  it("names hooks that are not functions in a code config", () => {
    const error = errorOf(() => validateUserConfig({ hooks: { afterAll: "echo" } }, "stratum.config.ts"));
    expect(error.message).toBe('invalid value for "hooks.afterAll" in stratum.config.ts: expected a function, got "echo"');
    expect(error.key).toBe("hooks.afterAll");
  });

  it("sets key to the full path", () => {
    const error = errorOf(() => validateUserConfig({ environments: { production: { parallel: 100 } } }, "stratum.config.json"));
    expect(error.key).toBe("environments.production.parallel");
  });

  it("never echoes a password it was given in the wrong place", () => {
    const error = errorOf(() => validateUserConfig({ parallel: "postgres://bob:hunter2@h/db" }, "stratum.config.json"));
    expect(error.message).not.toContain("hunter2");
  });
});

describe("validateUserConfig: several problems", () => {
  it("lists every problem in file order, each with its fix", () => {
    const config = { parallel: 0, lockTimout: 1, environments: { production: { parallel: 100, foo: 1 } }, ordering: "x" };
    const error = errorOf(() => validateUserConfig(config, "stratum.config.json"));
    expect(error.message).toBe(
      [
        "5 problems in stratum.config.json:",
        '- invalid value for "parallel" in stratum.config.json: expected an integer from 1 to 64, got 0',
        '  fix: Set "parallel" to an integer from 1 to 64.',
        '- unknown key "lockTimout" in stratum.config.json; did you mean "lockTimeout"?',
        '  fix: Rename "lockTimout" to "lockTimeout".',
        '- invalid value for "environments.production.parallel" in stratum.config.json: expected an integer from 1 to 64, got 100',
        '  fix: Set "environments.production.parallel" to an integer from 1 to 64.',
        '- unknown key "environments.production.foo" in stratum.config.json',
        "  fix: Remove it; valid keys here are url, dir, ordering, table, logTable, schema, lockTimeout, migrationLockTimeout, statementTimeout, parallel, transaction, allowOutOfOrder, protected, passwordFile, backupDir, format, hooks, adoptUserVersion, schemaFile, shadow, driftCheck, lock, targets.",
        '- invalid value for "ordering" in stratum.config.json: expected "linear" or "graph", got "x"',
        '  fix: Set "ordering" to "linear" or "graph".',
      ].join("\n"),
    );
    expect(error.key).toBe("parallel");
    expect(error.exitCode).toBe(2);
  });

  it("reports a value failing several checks once", () => {
    const error = errorOf(() => validateUserConfig({ table: "" }, "stratum.config.json"));
    expect(error.message).not.toContain("problems");
    expect(error.fix).toBe('Set "table" to a non-empty table name of at most 63 characters without NUL bytes.');
  });

  it("lists every problem with checkUserConfig", () => {
    const config = { ordering: "x", parallel: 0, lockTimout: 1, environments: { production: { parallel: 100, foo: 1 } } };
    const check = checkUserConfig(config, "stratum.config.json");
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.issues.map((i) => i.path.join("."))).toEqual([
      "ordering",
      "parallel",
      "lockTimout",
      "environments.production.parallel",
      "environments.production.foo",
    ]);
    expect(check.issues.map((i) => i.kind)).toEqual(["invalid-value", "invalid-value", "unknown-key", "invalid-value", "unknown-key"]);
    expect(check.issues[2]?.suggestion).toBe("lockTimeout");
  });
});

describe("validateUserConfig: valid input", () => {
  it("accepts every key and converts durations to milliseconds", () => {
    const beforeAll = () => undefined;
    const config = validateUserConfig(
      {
        url: "postgres://localhost/app",
        dir: "db/migrations",
        ordering: "graph",
        table: "schema_history$1",
        logTable: "_log",
        schema: "app",
        lockTimeout: "10s",
        migrationLockTimeout: "500ms",
        statementTimeout: "2m",
        parallel: 64,
        transaction: "none",
        allowOutOfOrder: true,
        protected: false,
        passwordFile: "/run/secrets/db",
        backupDir: "./bk",
        hooks: { beforeAll },
        environments: { production: { url: "postgres://prod/app", protected: true, lockTimeout: 0, parallel: 1 } },
      },
      "stratum.config.ts",
    );
    expect(config).toEqual({
      url: "postgres://localhost/app",
      dir: "db/migrations",
      ordering: "graph",
      table: "schema_history$1",
      logTable: "_log",
      schema: "app",
      lockTimeout: 10_000,
      migrationLockTimeout: 500,
      statementTimeout: 120_000,
      parallel: 64,
      transaction: "none",
      allowOutOfOrder: true,
      protected: false,
      passwordFile: "/run/secrets/db",
      backupDir: "./bk",
      hooks: { beforeAll },
      environments: { production: { url: "postgres://prod/app", protected: true, lockTimeout: 0, parallel: 1 } },
    });
    expect(config.hooks?.beforeAll).toBe(beforeAll);
  });

  it("drops keys set to undefined", () => {
    expect(validateUserConfig({ url: undefined, dir: "m", environments: { ci: { url: undefined } } }, "stratum.config.ts")).toEqual({
      dir: "m",
      environments: { ci: {} },
    });
  });

  it("accepts an empty object and an empty hooks object in JSON", () => {
    expect(validateUserConfig({}, "stratum.config.json")).toEqual({});
    expect(validateUserConfig({ hooks: {} }, "stratum.config.json")).toEqual({ hooks: {} });
  });
});

describe("parseDuration", () => {
  const cases: readonly (readonly [unknown, number | undefined])[] = [
    [0, 0],
    [10_000, 10_000],
    ["10000", 10_000],
    ["500ms", 500],
    ["10s", 10_000],
    [" 10 s ", 10_000],
    ["1.5s", 1500],
    ["1.1s", 1100],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["10S", 10_000],
    [2_147_483_647, 2_147_483_647],
    [2_147_483_648, undefined],
    ["30d", undefined],
    ["0.5ms", undefined],
    [-1, undefined],
    [1.5, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    ["", undefined],
    ["s", undefined],
    ["-5s", undefined],
    [true, undefined],
    [null, undefined],
  ];
  it.each(cases)("%j → %j", (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });
});

describe("validateSetting", () => {
  it("returns the parsed value", () => {
    expect(validateSetting("lockTimeout", "5s", "--lock-timeout")).toBe(5000);
    expect(validateSetting("parallel", 4, "--parallel")).toBe(4);
    expect(validateSetting("ordering", "graph", "--ordering")).toBe("graph");
  });

  it("names the variable or flag", () => {
    const error = errorOf(() => validateSetting("parallel", "abc", "environment variable STRATUM_PARALLEL"));
    expect(error.message).toBe('invalid value for environment variable STRATUM_PARALLEL: expected an integer from 1 to 64, got "abc"');
    expect(error.key).toBe("environment variable STRATUM_PARALLEL");
  });
});

describe("suggestKey", () => {
  const keys = ["url", "dir", "lockTimeout", "logTable", "parallel", "transaction"];
  const cases: readonly (readonly [string, string | undefined])[] = [
    ["uri", "url"],
    ["lock_timeout", "lockTimeout"],
    ["LOCKTIMEOUT", "lockTimeout"],
    ["paralell", "parallel"],
    ["transation", "transaction"],
    ["xyz", undefined],
    ["database", undefined],
  ];
  it.each(cases)("%s → %s", (word, expected) => {
    expect(suggestKey(word, keys)).toBe(expected);
  });
});
