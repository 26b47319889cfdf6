import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MigrationContext } from "../../../src/core/context.js";
import { ValidationError } from "../../../src/core/errors.js";
import type { MigrationFile } from "../../../src/core/types.js";
import { loadCodeMigration, readModule } from "../../../src/source/code-loader.js";
import { defineMigration, isDefinedMigration } from "../../../src/source/define-migration.js";
import { discoverMigrations } from "../../../src/source/discover.js";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/source/code");
let byId: Map<string, MigrationFile>;

beforeAll(async () => {
  const { migrations, problems } = await discoverMigrations(FIXTURE);
  expect(problems).toEqual([]);
  byId = new Map(migrations.map((m) => [m.id, m]));
});

function fixture(id: string): MigrationFile {
  const migration = byId.get(id);
  if (!migration) throw new Error(`no fixture ${id}`);
  return migration;
}

const ctx = { version: "v" } as unknown as MigrationContext;

async function loadError(id: string): Promise<ValidationError> {
  const error = await loadCodeMigration(fixture(id)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe("loadCodeMigration", () => {
  it("loads named exports from a .ts module", async () => {
    const loaded = await loadCodeMigration(fixture("001_named"));
    expect(loaded.options).toEqual({
      description: "named exports in TypeScript",
      dependsOn: ["000", "7"],
      transaction: false,
      irreversible: false,
      requires: [
        { dialect: "postgres", op: ">=", version: "13", source: "001_named.ts" },
        { dialect: "sqlite", op: ">=", version: "0", source: "001_named.ts" },
      ],
      tables: ["users"],
    });
    expect(await loaded.up(ctx)).toBe("up v");
    expect(await loaded.down?.(ctx)).toBe("down v");
    expect(loaded.before).toBeNull();
    expect(loaded.after).toBeNull();
  });

  it("loads a defineMigration default export from a .ts module", async () => {
    const loaded = await loadCodeMigration(fixture("002_defined"));
    expect(loaded.options).toEqual({
      description: "defineMigration in TypeScript",
      dependsOn: ["001_named"],
      irreversible: true,
      requires: [{ dialect: "mysql", op: ">=", version: "8.0", source: "002_defined.ts" }],
    });
    expect(await loaded.up(ctx)).toBe("up v");
    expect(loaded.down).toBeNull();
    expect(typeof loaded.before).toBe("function");
    expect(typeof loaded.after).toBe("function");
  });

  it("loads named exports from a .mjs module", async () => {
    const loaded = await loadCodeMigration(fixture("003_named"));
    expect(loaded.options).toEqual({ dependsOn: [], transaction: true, irreversible: false, requires: [] });
    expect(await loaded.up(ctx)).toBe("up v");
    expect(loaded.down).toBeNull();
  });

  it("loads a plain default object from a .mjs module", async () => {
    const loaded = await loadCodeMigration(fixture("004_defined"));
    expect(loaded.options).toEqual({
      description: "plain default object in an .mjs module",
      dependsOn: [],
      irreversible: false,
      requires: [],
      tables: ["orders", "order_items"],
    });
    expect(await loaded.down?.(ctx)).toBe("down");
  });

  it("loads a .mts module", async () => {
    const loaded = await loadCodeMigration(fixture("011_typed"));
    expect(loaded.options.dependsOn).toEqual(["010"]);
    expect(await loaded.up(ctx)).toBe("mts v");
  });

  it("reads a default-exported function as up", async () => {
    const loaded = await loadCodeMigration(fixture("010_default_fn"));
    expect(await loaded.up(ctx)).toBe("default v");
  });

  it("names the file and the error when the module throws on import", async () => {
    const error = await loadError("005_broken");
    expect(error.message).toContain("005_broken.ts could not be loaded: database helpers are not configured");
    expect(error.problems).toEqual([
      expect.objectContaining({ code: "BAD_SECTION", files: ["005_broken.ts:4"], fix: "Fix the error in 005_broken.ts:4 and run the command again." }),
    ]);
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
    expect(error.message).not.toContain(FIXTURE);
  });

  it("names the file and line of a syntax error", async () => {
    const error = await loadError("007_syntax");
    expect(error.problems[0]?.files).toEqual(["007_syntax.ts:2"]);
    expect(error.problems[0]?.message).toMatch(/^007_syntax\.ts could not be loaded: /);
  });

  it("says what to export when there is no up function", async () => {
    const error = await loadError("006_no_up");
    expect(error.problems).toEqual([
      expect.objectContaining({ code: "BAD_SECTION", files: ["006_no_up.ts"], message: "006_no_up.ts does not export an up function." }),
    ]);
    expect(error.problems[0]?.fix).toMatch(/export async function up\(ctx\).*defineMigration/);
  });

  it("reports every bad option at once", async () => {
    const error = await loadError("008_bad_options");
    expect(error.problems.map((p) => [p.code, p.message])).toEqual([
      ["BAD_DIRECTIVE", '008_bad_options.ts defines an unknown migration option "dependOn".'],
      ["BAD_DIRECTIVE", '"down" in 008_bad_options.ts must be a function.'],
      ["BAD_DIRECTIVE", '"transaction" in 008_bad_options.ts must be true or false.'],
      ["BAD_DIRECTIVE", '"dependsOn" in 008_bad_options.ts has an invalid entry "not a version".'],
      ["BAD_DIRECTIVE", 'unknown database "oracle" in requirement "oracle>=19" in 008_bad_options.ts.'],
      ["BAD_DIRECTIVE", '"abc" is not a version number in requirement "postgres>=abc" in 008_bad_options.ts.'],
    ]);
  });

  it("reports a declared version that disagrees with the file name", async () => {
    const error = await loadError("009_version");
    expect(error.problems).toEqual([
      expect.objectContaining({ code: "VERSION_MISMATCH", versions: ["009"], message: "009_version.mjs declares version 10 but its file name says 009." }),
    ]);
  });

  it("refuses a SQL migration", async () => {
    const sql = { ...fixture("001_named"), kind: "sql" as const };
    await expect(loadCodeMigration(sql)).rejects.toBeInstanceOf(ValidationError);
  });

  describe("re-reading an edited file", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "stratum-loader-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("loads the new content", async () => {
      const file = join(dir, "001_edit.ts");
      await writeFile(file, 'export const description: string = "first";\nexport async function up() {}\n');
      const [first] = (await discoverMigrations(dir)).migrations;
      expect((await loadCodeMigration(first!)).options.description).toBe("first");
      await writeFile(file, 'export const description: string = "second";\nexport async function up() {}\n');
      const [second] = (await discoverMigrations(dir)).migrations;
      expect((await loadCodeMigration(second!)).options.description).toBe("second");
    });
  });
});

describe("readModule", () => {
  const migration = { version: "003", versionNumber: 3n };
  const up = async (): Promise<void> => {};

  it.each([
    ["named exports", { up, dependsOn: "001" }, { dependsOn: ["001"] }],
    ["a default definition", { default: defineMigration({ up, transaction: false }) }, { transaction: false }],
    ["an unbranded default object", { default: { up, irreversible: true } }, { irreversible: true }],
    ["a matching declared version", { up, version: 3 }, {}],
    ["duplicate dependencies", { up, dependsOn: ["1", "1", 2] }, { dependsOn: ["1", "2"] }],
  ])("accepts %s", (_label, namespace, options) => {
    const result = readModule(migration, "003_x.ts", namespace);
    expect(result.problems).toEqual([]);
    expect(result.functions?.up).toBe(up);
    expect(result.options).toEqual({ dependsOn: [], irreversible: false, requires: [], ...options });
  });

  it.each([
    ["no exports", {}, ["BAD_SECTION"]],
    ["not a module", null, ["BAD_SECTION"]],
    ["up that is not a function", { up: "CREATE TABLE t" }, ["BAD_SECTION"]],
    ["both default and named up", { up, default: { up } }, ["BAD_SECTION"]],
    ["non-string description", { up, description: 5 }, ["BAD_DIRECTIVE"]],
    ["non-boolean irreversible", { up, irreversible: "yes" }, ["BAD_DIRECTIVE"]],
    ["non-string table", { up, tables: [1] }, ["BAD_DIRECTIVE"]],
    ["non-digit version", { up, version: "v3" }, ["BAD_DIRECTIVE"]],
    ["negative dependency", { up, dependsOn: [-1] }, ["BAD_DIRECTIVE"]],
    ["non-function after", { up, after: true }, ["BAD_DIRECTIVE"]],
  ])("rejects %s", (_label, namespace, codes) => {
    const result = readModule(migration, "003_x.ts", namespace);
    expect(result.problems.map((p) => p.code)).toEqual(codes);
    for (const problem of result.problems) expect(problem.files).toEqual(["003_x.ts"]);
  });
});

describe("defineMigration", () => {
  it("returns the same definition, branded", () => {
    const definition = { up: async () => {} };
    expect(defineMigration(definition)).toBe(definition);
    expect(isDefinedMigration(definition)).toBe(true);
    expect(Object.keys(definition)).toEqual(["up"]);
    expect(isDefinedMigration({ up: definition.up })).toBe(false);
  });

  it("accepts a frozen definition unchanged", () => {
    const definition = Object.freeze({ up: async () => {} });
    expect(defineMigration(definition)).toBe(definition);
  });
});
