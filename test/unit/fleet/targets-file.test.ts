// `targets: { file }`: a JSON list of targets in a file of its own. Every problem names the file
// and the line (the config loader's JSON line mapping), says what is wrong and what to do.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import type { ResolvedConfig } from "../../../src/config/types.js";
import { resolveTargets } from "../../../src/fleet/targets.js";
import { rejection } from "../../support/config-errors.js";

const root = mkdtempSync(join(tmpdir(), "stratum-targets-file-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A project with a config file and `targets.json` holding `text`; the resolved config of it. */
function project(text: string | undefined, url = "postgres://app:secret@db.example/app"): { config: ResolvedConfig; dir: string } {
  const dir = join(root, `p${++counter}`);
  mkdirSync(join(dir, "fleet"), { recursive: true });
  if (text !== undefined) writeFileSync(join(dir, "fleet", "targets.json"), text);
  const config = {
    url,
    cwd: dir,
    configFile: join(dir, "stratum.config.json"),
    schema: undefined,
    targets: { file: join(dir, "fleet", "targets.json") },
    origins: { targets: '"targets" in stratum.config.json' },
  } as unknown as ResolvedConfig;
  return { config, dir };
}

const ALL = { patterns: [], all: true } as const;

const lines = (...rows: string[]) => rows.join("\n");

describe("targets file: bad input", () => {
  it("names a file that cannot be read, and where it was named", async () => {
    const { config } = project(undefined);
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe('cannot read the targets file fleet/targets.json (named by "targets" in stratum.config.json): ENOENT');
    expect(error.fix).toBe("Create the file, or correct \"targets.file\"; a relative path is relative to the config file's directory.");
    expect(error.exitCode).toBe(2);
  });

  it("names the line and column of invalid JSON", async () => {
    const { config } = project(lines("[", '  { "name": "eu", },', "]"));
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe("invalid JSON in fleet/targets.json:2:19: trailing comma before }");
  });

  it("refuses a file that is not a list", async () => {
    const { config } = project('{ "targets": [] }');
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe('fleet/targets.json must hold a JSON list of targets such as [{ "name": "eu", "url": "postgres://…" }], got an object');
  });

  it("refuses an empty list", async () => {
    const { config } = project("[]\n");
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe("fleet/targets.json lists no targets");
    expect(error.fix).toBe('Add the targets to it: [{ "name": "eu", "url": "postgres://…" }, { "name": "us", "schema": "us" }].');
  });

  it("names the line of each bad entry", async () => {
    const { config } = project(
      lines(
        "[",
        '  { "name": "eu", "url": "postgres://db/eu" },',
        '  { "name": "us",',
        '    "url": 5 },',
        '  "ap",',
        '  { "url": "postgres://db/x" },',
        '  { "name": "sa", "shema": "sa" }',
        "]",
      ),
    );
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.items.map((item) => item.message)).toEqual([
      'invalid target in fleet/targets.json:4: "url" must be a database URL string, got 5',
      'invalid target in fleet/targets.json:5: expected an object such as { "name": "eu", "url": "postgres://…" }, got "ap"',
      'invalid target in fleet/targets.json:6: "name" must be a non-empty target name, got nothing',
      'unknown key "shema" in the target at fleet/targets.json:7; did you mean "schema"?',
    ]);
    expect(error.message.split("\n")[0]).toBe("4 problems in fleet/targets.json:");
  });

  it("names both lines of a name used twice", async () => {
    const { config } = project(lines("[", '  { "name": "eu", "schema": "eu" },', '  { "name": "us", "schema": "us" },', '  { "name": "eu", "schema": "eu2" }', "]"));
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe('duplicate target name "eu" in fleet/targets.json:4; line 2 has it too');
    expect(error.fix).toBe("Give each target its own name.");
  });

  it("names the target and line of a URL that does not parse, its password hidden", async () => {
    const { config } = project(lines("[", '  { "name": "eu", "url": "postgres://db/eu" },', '  { "name": "us", "url": "oracle://scott:tiger@db/us" }', "]"));
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toMatch(/^unsupported database URL "oracle:\/\/scott:\*\*\*@db\/us" \(from target "us" at fleet\/targets\.json:3\); use one of /);
    expect(error.message).not.toContain("tiger");
  });

  it("refuses a schema on a kind of database that has none", async () => {
    const { config } = project(lines("[", '  { "name": "eu", "url": "sqlite:./eu.db", "schema": "eu" }', "]"));
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe('target "eu" at fleet/targets.json:2 has the schema "eu", but a sqlite database has no schemas');
    expect(error.fix).toBe("Give the target a url of its own and no schema.");
  });

  it("caps a long list of problems", async () => {
    const { config } = project(JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ name: `t${i}`, url: i }))));
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.items).toHaveLength(11);
    expect(error.items.at(-1)?.message).toBe("… and 20 more problems in fleet/targets.json");
  });
});

describe("targets file: targets", () => {
  it("reads names, URLs and schemas in file order; a target without url takes the config's, relative SQLite paths are relative to the file", async () => {
    const { config, dir } = project(
      lines("\ufeff[", '  { "name": "b", "url": "sqlite:./b.db" },', '  { "name": "a", "schema": "tenant_a" },', '  { "name": "c", "url": "postgres://db/c", "schema": "s" }', "]"),
    );
    expect(await resolveTargets(config, ALL)).toEqual([
      { name: "b", url: `sqlite:${join(dir, "fleet", "b.db")}` },
      { name: "a", url: "postgres://app:secret@db.example/app", schema: "tenant_a" },
      { name: "c", url: "postgres://db/c", schema: "s" },
    ]);
    expect(await resolveTargets(config, { patterns: ["c", "b"], all: false })).toEqual([
      { name: "b", url: `sqlite:${join(dir, "fleet", "b.db")}` },
      { name: "c", url: "postgres://db/c", schema: "s" },
    ]);
  });

  it("reads 1,000 targets quickly", async () => {
    const { config } = project(JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ name: `tenant-${i}`, schema: `tenant_${i}` })), null, 2));
    const started = performance.now();
    const fleet = await resolveTargets(config, ALL);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fleet).toHaveLength(1000);
    expect(fleet[999]).toEqual({ name: "tenant-999", url: "postgres://app:secret@db.example/app", schema: "tenant_999" });
  });
});
