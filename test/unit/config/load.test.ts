import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { findConfigFile, locateJsonError, readConfigFile } from "../../../src/config/load.js";
import { ConfigError } from "../../../src/core/errors.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { useVocabulary } from "../../../src/core/vocabulary.js";
import { rejection } from "../../support/config-errors.js";

// The messages as the CLI shows them: it is the caller that passes flags (library wording: test/unit/config/vocabulary.test.ts).
useVocabulary(cliVocabulary);

const root = mkdtempSync(join(tmpdir(), "stratum-config-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory holding `files`. */
function project(files: Readonly<Record<string, string>>): string {
  const dir = join(root, `p${++counter}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("findConfigFile", () => {
  const cases: readonly (readonly [string, readonly string[], string | undefined])[] = [
    ["none", [], undefined],
    ["json only", ["stratum.config.json"], "stratum.config.json"],
    ["ts only", ["stratum.config.ts"], "stratum.config.ts"],
    ["mts only", ["stratum.config.mts"], "stratum.config.mts"],
    ["js only", ["stratum.config.js"], "stratum.config.js"],
    ["mjs only", ["stratum.config.mjs"], "stratum.config.mjs"],
    ["ignores other names", ["stratum.json", "stratum.config.yaml"], undefined],
  ];
  it.each(cases)("%s", (_name, names, expected) => {
    const dir = project(Object.fromEntries(names.map((n) => [n, "{}"])));
    expect(findConfigFile(dir)).toBe(expected === undefined ? undefined : join(dir, expected));
  });

  const pairs: readonly (readonly string[])[] = [
    ["stratum.config.ts", "stratum.config.json"],
    ["stratum.config.mts", "stratum.config.js"],
    ["stratum.config.js", "stratum.config.mjs"],
    ["stratum.config.ts", "stratum.config.mjs", "stratum.config.json"],
  ];
  it.each(pairs)("refuses two config files side by side: %s + %s", (...names) => {
    const dir = project(Object.fromEntries(names.map((n) => [n, "{}"])));
    const error = (() => {
      try {
        findConfigFile(dir);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toBe(`found ${names.length} config files in ${dir}: ${names.join(" and ")}; keep one`);
    expect((error as ConfigError).fix).toContain("--config");
    // an explicit file is not a search: it is used as given
    expect(findConfigFile(dir, names[1])).toBe(join(dir, names[1] ?? ""));
  });

  it("uses an explicit path relative to cwd", () => {
    const dir = project({ "config/custom.json": "{}", "stratum.config.json": "{}" });
    expect(findConfigFile(dir, "config/custom.json")).toBe(join(dir, "config/custom.json"));
  });

  it("searches an explicit directory", () => {
    const dir = project({ "sub/stratum.config.json": "{}" });
    expect(findConfigFile(dir, "sub")).toBe(join(dir, "sub/stratum.config.json"));
  });

  it("rejects an explicit path that does not exist", () => {
    const dir = project({});
    expect(() => findConfigFile(dir, "nope.json")).toThrow(ConfigError);
    expect(() => findConfigFile(dir, "nope.json")).toThrow("config file nope.json does not exist");
  });

  it("rejects an explicit directory without a config file", () => {
    const dir = project({ "empty/readme.txt": "" });
    expect(() => findConfigFile(dir, "empty")).toThrow("no stratum.config file in empty");
  });
});

describe("readConfigFile: JSON", () => {
  it("reads and validates JSON (with a BOM)", async () => {
    const dir = project({ "stratum.config.json": '\uFEFF{ "dir": "db", "lockTimeout": "3s" }' });
    expect(await readConfigFile(join(dir, "stratum.config.json"), dir)).toEqual({ dir: "db", lockTimeout: 3000 });
  });

  it("names the file relative to the display base in validation errors", async () => {
    const dir = project({ "conf/stratum.config.json": '{ "lockTimout": 5 }' });
    const error = await rejection(readConfigFile(join(dir, "conf/stratum.config.json"), dir));
    expect(error.message).toBe(`unknown key "lockTimout" in ${join("conf", "stratum.config.json")}:1; did you mean "lockTimeout"?`);
  });

  const syntax: readonly (readonly [string, string, string, string])[] = [
    // name, text, position, reason
    ["a bare word", '{\n  "dir": "migrations",\n  oops\n}', "3:3", 'expected a property name in double quotes, found "o"'],
    ["a missing value", '{ "dir": }', "1:10", 'expected a value, found "}"'],
    ["a trailing comma", '{\n  "dir": "m",\n}', "3:1", "trailing comma before }"],
    ["a missing comma", '{\n  "dir": "m"\n  "table": "t"\n}', "3:3", 'expected "," or "}" after a property value, found """'],
    ["a missing colon", '{ "dir" "m" }', "1:9", 'expected ":" after the property name'],
    ["a comment", '// settings\n{ "dir": "m" }', "1:1", "comments are not allowed in JSON"],
    ["a comment inside", '{\n  // the url\n  "url": "x"\n}', "2:3", "comments are not allowed in JSON"],
    ["single quotes", "{ 'dir': 'm' }", "1:3", 'expected a property name in double quotes, found "\'"'],
    ["an unterminated string", '{ "dir": "m }', "1:10", "unterminated string"],
    ["a bad literal", '{ "protected": tru }', "1:16", "expected true"],
    ["a bad escape", '{ "dir": "a\\qb" }', "1:12", "invalid escape \\q"],
    ["content after", '{ "dir": "m" } x', "1:16", 'unexpected "x" after the end of the JSON value'],
    ["an empty file", "", "1:1", "unexpected end of the file"],
    ["an unclosed object", '{ "dir": "m"', "1:13", 'expected "," or "}" after a property value, found the end of the file'],
    ["a leading zero", '{ "parallel": 01 }', "1:16", 'expected "," or "}"'],
  ];
  it.each(syntax)("reports line:column of %s", async (_name, text, position, reason) => {
    const dir = project({ "stratum.config.json": text });
    const error = await rejection(readConfigFile(join(dir, "stratum.config.json"), dir));
    expect(error.message).toContain(`invalid JSON in stratum.config.json:${position}: ${reason}`);
  });

  it("does not quote the file's text (which may hold a password)", async () => {
    const dir = project({ "stratum.config.json": '{ "url": "postgres://u:hunter2@h/db", }' });
    const error = await rejection(readConfigFile(join(dir, "stratum.config.json"), dir));
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("stratum.config.json:1:");
  });

  it("finds no error in valid JSON", () => {
    for (const text of ['{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"],"b":{}}', "  []  ", '"x"', "0"]) {
      expect(locateJsonError(text)).toBeUndefined();
    }
  });
});

describe("readConfigFile: code configs through jiti", () => {
  it("loads a .ts config with types, defineConfig-style default export and hooks", async () => {
    const dir = project({
      "stratum.config.ts": [
        "interface Settings { readonly url: string; readonly parallel: number }",
        "const base: Settings = { url: 'sqlite:./app.db', parallel: 4 };",
        "const calls: string[] = [];",
        "export default {",
        "  ...base,",
        "  ordering: 'graph' as const,",
        "  lockTimeout: '2s',",
        "  hooks: {",
        "    beforeAll: (event: { type: string }) => { calls.push(event.type); return calls.length; },",
        "    afterAll: async () => 'done',",
        "  },",
        "  environments: { production: { protected: true } },",
        "};",
      ].join("\n"),
    });
    const config = await readConfigFile(join(dir, "stratum.config.ts"), dir);
    expect(config).toMatchObject({
      url: "sqlite:./app.db",
      parallel: 4,
      ordering: "graph",
      lockTimeout: 2000,
      environments: { production: { protected: true } },
    });
    expect(typeof config.hooks?.beforeAll).toBe("function");
    const beforeAll = config.hooks?.beforeAll as unknown as (event: { type: string }) => number;
    expect(beforeAll({ type: "run:start" })).toBe(1);
    expect(beforeAll({ type: "run:start" })).toBe(2);
    const afterAll = config.hooks?.afterAll as unknown as () => Promise<string>;
    expect(await afterAll()).toBe("done");
  });

  it("loads an .mts config", async () => {
    const dir = project({ "stratum.config.mts": "const dir: string = 'db/m';\nexport default { dir };\n" });
    expect(await readConfigFile(join(dir, "stratum.config.mts"), dir)).toEqual({ dir: "db/m" });
  });

  it("loads a .mjs config", async () => {
    const dir = project({ "stratum.config.mjs": "export default { table: 'history', transaction: 'all' };\n" });
    expect(await readConfigFile(join(dir, "stratum.config.mjs"), dir)).toEqual({ table: "history", transaction: "all" });
  });

  it("uses named exports when there is no default export", async () => {
    const dir = project({ "stratum.config.mjs": "export const dir = 'named';\nexport const parallel = 2;\n" });
    expect(await readConfigFile(join(dir, "stratum.config.mjs"), dir)).toEqual({ dir: "named", parallel: 2 });
  });

  it("validates a code config, naming the file", async () => {
    const dir = project({ "stratum.config.ts": "export default { lockTimout: 5 };\n" });
    const error = await rejection(readConfigFile(join(dir, "stratum.config.ts"), dir));
    expect(error.message).toBe('unknown key "lockTimout" in stratum.config.ts; did you mean "lockTimeout"?');
  });

  it("reports a config that throws", async () => {
    const dir = project({ "stratum.config.ts": "throw new Error('no postgres://u:hunter2@h here');\nexport default {};\n" });
    const error = await rejection(readConfigFile(join(dir, "stratum.config.ts"), dir));
    // a thrown error names its line only: the stack's column is the transformed code's
    expect(error.message).toMatch(/^cannot load stratum\.config\.ts:1: no postgres:/);
    expect(error.message).not.toContain("hunter2");
  });

  it("reports a syntax error", async () => {
    const dir = project({ "stratum.config.ts": "export default {\n  url: 'x' ;\n};\n" });
    const error = await rejection(readConfigFile(join(dir, "stratum.config.ts"), dir));
    expect(error.message).toMatch(/^cannot load stratum\.config\.ts:2:\d+: /);
  });

  it("rejects an unsupported extension", async () => {
    const dir = project({ "stratum.config.yaml": "dir: m\n" });
    const error = await rejection(readConfigFile(join(dir, "stratum.config.yaml"), dir));
    expect(error.message).toBe("unsupported config file type stratum.config.yaml");
  });
});
