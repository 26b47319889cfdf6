// The layout framework: which layout reads a directory, what a foreign layout is given, and how
// its units become migrations. A tiny fake layout ("goose"-named, one `<n>-<name>.tool.sql` file
// per migration) stands in for the real ones.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checksumOf } from "../../../../src/core/checksum.js";
import { ConfigError } from "../../../../src/core/errors.js";
import { discoverMigrations } from "../../../../src/source/discover.js";
import { chooseLayout } from "../../../../src/source/layouts/detect.js";
import type { Layout, LayoutName, LayoutUnit, ListedFile } from "../../../../src/source/layouts/layout.js";

let outside: string;
let dir: string;

beforeEach(async () => {
  outside = await mkdtemp(join(tmpdir(), "stratum-layouts-"));
  dir = join(outside, "migrations");
  await mkdir(dir);
});

afterEach(async () => {
  await rm(outside, { recursive: true, force: true });
});

async function files(entries: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(entries)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

const TOOL_FILE = /^(?:.*\/)?(\d+)-([a-z_]+)\.tool\.sql$/;

/** A fake layout: `<n>-<name>.tool.sql` anywhere below the directory, `-- down` splits the file. */
function fakeLayout(name: LayoutName, seen: ListedFile[][] = [], dialects: string[] = []): Layout {
  return {
    name,
    detect: (paths) => paths.some((path) => TOOL_FILE.test(path)),
    wants: (path) => TOOL_FILE.test(path),
    read(listed, dialect) {
      seen.push([...listed]);
      dialects.push(dialect);
      const units: LayoutUnit[] = [];
      for (const file of listed) {
        const match = TOOL_FILE.exec(file.path);
        if (match === null || file.text === null) continue;
        const lines = file.text.split("\n");
        const split = lines.indexOf("-- down");
        const upText = (split < 0 ? lines : lines.slice(0, split)).join("\n");
        const up = { file: file.path, text: upText, startLine: 1 };
        const down = split < 0 ? null : { file: file.path, text: lines.slice(split + 1).join("\n"), startLine: split + 2 };
        units.push({
          version: match[1] ?? "",
          name: match[2] ?? "",
          files: [file.path],
          up,
          down,
          verify: null,
          ...(upText.includes("NO TRANSACTION") ? { transaction: false } : {}),
          ...(upText.includes("after 1") ? { dependsOn: ["1"] } : {}),
          directivesFrom: up,
        });
      }
      const problems = listed.some((file) => file.path.endsWith("bad.tool.sql"))
        ? [{ code: "BAD_SECTION" as const, message: "bad.tool.sql is bad.", files: ["sub/bad.tool.sql:2"], fix: "Fix it.", severity: "error" as const }]
        : [];
      return { units, problems };
    },
  };
}

describe("choosing the layout", () => {
  it("is Stratum's own when no layout claims the directory, and the foreign one that does", async () => {
    await files({ "001_a.sql": "CREATE TABLE a (id INT);\n" });
    const own = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(own.layout).toBeUndefined();
    expect(own.migrations.map((m) => m.id)).toEqual(["001_a"]);

    await files({ "2-users.tool.sql": "CREATE TABLE users (id INT);\n" });
    const foreign = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(foreign.layout).toEqual({ name: "goose", detected: true });
    expect(foreign.migrations.map((m) => m.id)).toEqual(["2_users"]);
  });

  it("a tool whose names are Stratum's own is detected by its marker lines in the first SQL files", async () => {
    const seen: ListedFile[][] = [];
    const byText: Layout = { ...fakeLayout("goose", seen), detect: () => false, wants: (path) => path.endsWith(".sql"), read: () => ({ units: [], problems: [] }) };
    await files({ "00001_a.sql": "SELECT 1;\n" });
    expect((await discoverMigrations(dir, { layouts: [byText] })).layout).toBeUndefined();
    await files({ "00002_b.sql": "-- +goose Up\nSELECT 2;\n-- +goose Down\nSELECT 3;\n" });
    expect((await discoverMigrations(dir, { layouts: [byText] })).layout).toEqual({ name: "goose", detected: true });
    // only when detecting: format stratum reads the files as Stratum's own
    expect((await discoverMigrations(dir, { layouts: [byText], format: "stratum" })).layout).toBeUndefined();
  });

  it("two layouts claiming one directory is one sentence naming both and the fix", async () => {
    await files({ "1-a.tool.sql": "SELECT 1;\n" });
    const error = await discoverMigrations(dir, { layouts: [fakeLayout("goose"), fakeLayout("dbmate")] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`the migrations directory ${dir} looks like both goose and dbmate migrations`);
    expect((error as ConfigError).fix).toContain('format: "goose"');
  });

  it("format names the layout; a directory without its files is refused; an empty one is fine", async () => {
    const goose = fakeLayout("goose");
    expect((await discoverMigrations(dir, { format: "goose", layouts: [goose] })).layout).toEqual({ name: "goose", detected: false });
    await files({ "001_a.sql": "SELECT 1;\n" });
    const error = await discoverMigrations(dir, { format: "goose", layouts: [goose] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`format is "goose" but the migrations directory ${dir} holds no goose migrations`);
    expect((error as ConfigError).key).toBe("format");
  });

  it("format stratum reads Stratum's own layout even where another layout would claim it", async () => {
    await files({ "001_a.sql": "SELECT 1;\n", "2-b.tool.sql": "SELECT 2;\n" });
    const result = await discoverMigrations(dir, { format: "stratum", layouts: [fakeLayout("goose")] });
    expect(result.layout).toBeUndefined();
    expect(result.migrations.map((m) => m.id)).toEqual(["001_a"]);
  });

  it("a format no registered layout reads is refused with the ones that are", () => {
    expect(() => chooseLayout("db", ["V1__a.sql"], "flyway", [fakeLayout("goose")])).toThrow(
      'format "flyway" is not a layout Stratum can read yet',
    );
  });
});

describe("what a foreign layout is given", () => {
  it("every file below the directory, sorted, with the text of the files it wants; hidden names and node_modules skipped", async () => {
    const seen: ListedFile[][] = [];
    const dialects: string[] = [];
    await files({
      "sub/deeper/3-c.tool.sql": "SELECT 3;\n",
      "1-a.tool.sql": "SELECT 1;\n",
      "README.md": "notes\n",
      ".hidden/9-x.tool.sql": "SELECT 9;\n",
      "node_modules/8-y.tool.sql": "SELECT 8;\n",
    });
    await symlink(join(outside), join(dir, "outside-link"));
    const result = await discoverMigrations(dir, { layouts: [fakeLayout("goose", seen, dialects)], dialect: "postgres" });
    expect(seen[0]).toEqual([
      { path: "1-a.tool.sql", text: "SELECT 1;\n" },
      { path: "README.md", text: null },
      { path: "sub/deeper/3-c.tool.sql", text: "SELECT 3;\n" },
    ]);
    expect(dialects).toEqual(["postgres"]);
    expect(result.migrations.map((m) => m.files)).toEqual([["1-a.tool.sql"], ["sub/deeper/3-c.tool.sql"]]);
    expect(result.migrations[1]?.path).toBe(join(dir, "sub/deeper/3-c.tool.sql"));
  });

  it("a wanted file that is not UTF-8 is a problem naming file:line, and the layout's problems are passed on", async () => {
    await files({ "sub/5-bin.tool.sql": Buffer.from([0x53, 0x0a, 0xff, 0x0a]), "sub/6-fine.tool.sql": "SELECT 1;\n" });
    const result = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(result.problems.map((p) => p.files)).toEqual([["sub/5-bin.tool.sql:2"]]);
    await files({ "sub/bad.tool.sql": "x\n" });
    const again = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(again.problems.map((p) => p.message)).toContain("bad.tool.sql is bad.");
  });
});

describe("units become migrations", () => {
  it("checksum over the files' texts, sections with their lines, options from the tool's markers", async () => {
    const text = "-- NO TRANSACTION after 1\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- down\nDROP INDEX i;\n";
    await files({ "1-first.tool.sql": "SELECT 1;\n", "2-second.tool.sql": text });
    const { migrations, problems } = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(problems).toEqual([]);
    const [first, second] = migrations;
    expect(first?.options.irreversible).toBe(false);
    expect(first?.down).toBeNull();
    expect(second).toMatchObject({
      version: "2",
     
      name: "second",
      id: "2_second",
      kind: "sql",
      files: ["2-second.tool.sql"],
      checksum: checksumOf([text]),
      up: { file: "2-second.tool.sql", startLine: 1 },
      down: { file: "2-second.tool.sql", text: "DROP INDEX i;\n", startLine: 4 },
      verify: null,
      options: { transaction: false, dependsOn: ["1"], irreversible: false, requires: [] },
    });
  });

  it("an empty down script is kept: an explicit no-op rollback, reversible", async () => {
    await files({ "1-a.tool.sql": "SELECT 1;\n-- down\n" });
    const [migration] = (await discoverMigrations(dir, { layouts: [fakeLayout("goose")] })).migrations;
    expect(migration?.down).toEqual({ file: "1-a.tool.sql", text: "", startLine: 3 });
    expect(migration?.options.irreversible).toBe(false);
  });

  it("-- stratum: directives at the top of the unit's script are read, and a bad one names file:line", async () => {
    await files({
      "1-a.tool.sql": "SELECT 1;\n",
      "2-b.tool.sql": "-- a comment\n-- stratum:depends 1\n-- stratum:transaction off\n-- stratum:description Adds b\nSELECT 2;\n",
      "3-c.tool.sql": "\n-- stratum:frobnicate\nSELECT 3;\n",
    });
    const { migrations, problems } = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(migrations[1]?.options).toMatchObject({ dependsOn: ["1"], transaction: false, description: "Adds b" });
    expect(problems.map((p) => [p.code, p.files])).toEqual([["BAD_DIRECTIVE", ["3-c.tool.sql:2"]]]);
  });

  it("two units with one version are a duplicate version", async () => {
    await files({ "1-a.tool.sql": "SELECT 1;\n", "sub/1-b.tool.sql": "SELECT 1;\n" });
    const { problems } = await discoverMigrations(dir, { layouts: [fakeLayout("goose")] });
    expect(problems.map((p) => p.code)).toEqual(["DUPLICATE_VERSION"]);
  });
});
