// The `targets` key as the config loader checks it: each problem one sentence naming the key path
// inside the list (targets.2.url), the file and line, and the fix.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { resolveConfig } from "../../../src/config/load.js";
import { validateUserConfig } from "../../../src/config/schema.js";
import { errorOf, rejection } from "../../support/config-errors.js";

const LIST = 'a list of { "name", "url", "schema" } targets, { "file": "targets.json" } or { "query": "select …", "url": "…" }';

describe("validateUserConfig: targets", () => {
  const cases: readonly (readonly [string, unknown, string, string, string])[] = [
    // name, targets, message, key, fix
    [
      "an entry's url of the wrong type",
      [{ name: "eu", url: 5 }],
      'invalid value for "targets.0.url" in stratum.config.json: expected a database URL string, got 5',
      "targets.0.url",
      'Set "targets.0.url" to a database URL string.',
    ],
    [
      "an entry without a name",
      [{ name: "eu" }, { url: "postgres://db/x" }],
      'invalid value for "targets.1.name" in stratum.config.json: expected a non-empty target name, got nothing',
      "targets.1.name",
      'Set "targets.1.name" to a non-empty target name.',
    ],
    [
      "an entry that is not an object",
      [{ name: "eu" }, "us"],
      'invalid value for "targets.1" in stratum.config.json: expected an object such as { "name": "eu", "url": "postgres://…" }, got "us"',
      "targets.1",
      'Set "targets.1" to an object such as { "name": "eu", "url": "postgres://…" }.',
    ],
    [
      "a misspelt key in an entry",
      [{ name: "eu", shema: "eu" }],
      'unknown key "targets.0.shema" in stratum.config.json; did you mean "schema"?',
      "targets.0.shema",
      'Rename "shema" to "schema".',
    ],
    [
      "a key nothing like an entry's",
      [{ name: "eu", colour: "blue" }],
      'unknown key "targets.0.colour" in stratum.config.json',
      "targets.0.colour",
      "Remove it; valid keys here are name, url, schema.",
    ],
    [
      "two entries with one name",
      [{ name: "eu" }, { name: "us" }, { name: "eu", schema: "eu2" }],
      'invalid value for "targets.2.name" in stratum.config.json: the target name "eu" is already taken by targets.0',
      "targets.2.name",
      "Give each target its own name.",
    ],
    ["an empty list", [], `invalid value for "targets" in stratum.config.json: expected ${LIST}, got an empty array`, "targets", `Set "targets" to ${LIST}.`],
    [
      "a file that is not a string",
      { file: 3 },
      'invalid value for "targets.file" in stratum.config.json: expected a non-empty path, got 3',
      "targets.file",
      'Set "targets.file" to a non-empty path.',
    ],
    [
      "an empty query",
      { query: "" },
      'invalid value for "targets.query" in stratum.config.json: expected a non-empty SQL query, got an empty string',
      "targets.query",
      'Set "targets.query" to a non-empty SQL query.',
    ],
    [
      "a query's url of the wrong type",
      { query: "select url from tenants", url: false },
      'invalid value for "targets.url" in stratum.config.json: expected a database URL string, got false',
      "targets.url",
      'Set "targets.url" to a database URL string.',
    ],
    [
      "a misspelt query",
      { qery: "select url from tenants" },
      'unknown key "targets.qery" in stratum.config.json; did you mean "query"?',
      "targets.qery",
      'Rename "qery" to "query".',
    ],
    [
      "both a file and a query",
      { file: "t.json", query: "select 1" },
      `invalid value for "targets" in stratum.config.json: expected ${LIST}, got an object`,
      "targets",
      `Set "targets" to ${LIST}.`,
    ],
    ["a string", "eu,us", `invalid value for "targets" in stratum.config.json: expected ${LIST}, got "eu,us"`, "targets", `Set "targets" to ${LIST}.`],
  ];
  it.each(cases)("%s", (_name, targets, message, key, fix) => {
    const error = errorOf(() => validateUserConfig({ targets }, "stratum.config.json"));
    expect(error.message).toBe(message);
    expect(error.key).toBe(key);
    expect(error.fix).toBe(fix);
    expect(error.exitCode).toBe(2);
  });

  it("checks targets inside an environment block the same way", () => {
    const error = errorOf(() => validateUserConfig({ environments: { production: { targets: [{ name: "a" }, { name: "a" }] } } }, "stratum.config.ts"));
    expect(error.message).toBe('invalid value for "environments.production.targets.1.name" in stratum.config.ts: the target name "a" is already taken by targets.0');
  });

  it("accepts the three forms", () => {
    expect(validateUserConfig({ targets: [{ name: "eu", url: "postgres://db/eu" }, { name: "us", schema: "us" }] }, "x.json").targets).toHaveLength(2);
    expect(validateUserConfig({ targets: { file: "targets.json" } }, "x.json").targets).toEqual({ file: "targets.json" });
    expect(validateUserConfig({ targets: { query: "select url from t", url: "sqlite:control.db" } }, "x.json").targets).toEqual({
      query: "select url from t",
      url: "sqlite:control.db",
    });
  });

  it("lists every problem of several entries at once, in file order", () => {
    const error = errorOf(() => validateUserConfig({ targets: [{ name: "" }, { name: "b", url: 1 }] }, "stratum.config.json"));
    expect(error.items.map((item) => item.message)).toEqual([
      'invalid value for "targets.0.name" in stratum.config.json: expected a non-empty target name, got an empty string',
      'invalid value for "targets.1.url" in stratum.config.json: expected a database URL string, got 1',
    ]);
  });
});

const root = mkdtempSync(join(tmpdir(), "stratum-targets-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function project(files: Readonly<Record<string, string>>): string {
  const dir = join(root, `p${++counter}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("resolveConfig: targets", () => {
  it("names the line of a bad entry in stratum.config.json", async () => {
    const text = ["{", '  "targets": [', '    { "name": "eu", "url": "postgres://db/eu" },', '    { "name": "eu", "schema": "x" }', "  ]", "}"].join("\n");
    const cwd = project({ "stratum.config.json": text });
    const error = await rejection(resolveConfig({ cwd, flags: {}, environment: {} }));
    expect(error.message).toBe('invalid value for "targets.1.name" in stratum.config.json:4: the target name "eu" is already taken by targets.0');
  });

  it("refuses a target url written from an unset variable in stratum.config.ts, naming the variable", async () => {
    const name = "STRATUM_TEST_FLEET_UNSET_EU_URL";
    delete process.env[name];
    const cwd = project({
      "stratum.config.ts": `export default { url: "sqlite:./app.db", targets: [{ name: "eu", url: process.env.${name} }] };\n`,
    });
    const error = await rejection(resolveConfig({ cwd, flags: {}, environment: {} }));
    expect(error.message).toBe(`invalid value for "targets.0.url" in stratum.config.ts: expected a database URL string, got nothing; it reads ${name}, which is not set`);
    expect(error.fix).toBe(`Set ${name}, or set "targets.0.url" to a database URL string.`);
  });

  it("refuses a query url written from an unset variable", async () => {
    const name = "STRATUM_TEST_FLEET_UNSET_CONTROL_URL";
    delete process.env[name];
    const cwd = project({
      "stratum.config.ts": `export default { url: "sqlite:./app.db", targets: { query: "select url from t", url: process.env.${name} } };\n`,
    });
    const error = await rejection(resolveConfig({ cwd, flags: {}, environment: {} }));
    expect(error.message).toBe(`invalid value for "targets.url" in stratum.config.ts: expected a database URL string, got nothing; it reads ${name}, which is not set`);
  });

  it("makes a relative file, a relative SQLite url of an entry and of the query absolute against the config file's directory", async () => {
    const cwd = project({
      "conf/stratum.config.json": JSON.stringify({
        targets: [{ name: "a", url: "sqlite:./a.db" }, { name: "b", url: "postgres://db/b" }, { name: "c", schema: "c" }],
        environments: { files: { targets: { file: "fleet/targets.json" } }, query: { targets: { query: "select 1", url: "sqlite:control.db" } } },
      }),
    });
    const configPath = "conf/stratum.config.json";
    const list = await resolveConfig({ cwd, configPath, flags: {}, environment: {} });
    expect(list.targets).toEqual([{ name: "a", url: `sqlite:${join(cwd, "conf", "a.db")}` }, { name: "b", url: "postgres://db/b" }, { name: "c", schema: "c" }]);
    const file = await resolveConfig({ cwd, configPath, envName: "files", flags: {}, environment: {} });
    expect(file.targets).toEqual({ file: join(cwd, "conf", "fleet", "targets.json") });
    const query = await resolveConfig({ cwd, configPath, envName: "query", flags: {}, environment: {} });
    expect(query.targets).toEqual({ query: "select 1", url: `sqlite:${join(cwd, "conf", "control.db")}` });
    expect(query.origins?.targets).toBe('"environments.query.targets" in conf/stratum.config.json');
  });
});
