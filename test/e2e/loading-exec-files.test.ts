import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject } from "../support/project.js";
import { sqliteTarget } from "../support/targets.js";

/**
 * Item 17: the files a code migration runs through `ctx.execFile("…")` are part of its checksum,
 * so editing one after the migration was applied is a CHECKSUM_MISMATCH like any edit.
 */
const SEED = "CREATE TABLE seeded (id INTEGER);\nINSERT INTO seeded VALUES (1);\n";
const MIGRATION = [
  "// the seed data lives beside the migrations; old.sql is no longer used:",
  '// await ctx.execFile("sql/old.sql");',
  "export async function up(ctx: { execFile(path: string): Promise<void> }) {",
  '  await ctx.execFile("sql/seed.sql");',
  "}",
  "export async function down(ctx: { sql(text: string): Promise<unknown> }) {",
  '  await ctx.sql("DROP TABLE seeded");',
  "}",
  "",
].join("\n");
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("files run through ctx.execFile are part of the checksum (sqlite)", () => {
  it.concurrent("editing an applied migration's execFile file stops validate and up until repair", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({ "001_seed.ts": MIGRATION, "sql/seed.sql": SEED, "002_plain.mjs": "export async function up() {}\n" });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      expect(await db.query("select id from seeded")).toEqual([{ id: 1 }]);
      const status = await cli("status", "--json");
      const checksums = Object.fromEntries((JSON.parse(status.stdout) as { migrations: { version: string; checksum: string }[] }).migrations.map((m) => [m.version, m.checksum]));
      // the migration's text, then each file it runs, joined by NUL; a migration running no file keeps its plain checksum
      expect(checksums).toEqual({ "001": sha(`${MIGRATION}\0${SEED}`), "002": sha("export async function up() {}\n") });

      writeFileSync(join(project.migrations, "sql", "seed.sql"), SEED.replace("VALUES (1)", "VALUES (2)"));
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(3);
      expect(validate.output).toContain("CHECKSUM_MISMATCH");
      expect(validate.output).toContain("001_seed (with sql/seed.sql, run through ctx.execFile) was changed after it was applied");
      expect(validate.output).toContain("stratum repair");
      const again = await cli("up");
      expect(again.code, again.output).toBe(3);
      expect(again.output).toContain("sql/seed.sql");
      const states = await cli("status", "--json");
      expect((JSON.parse(states.stdout) as { migrations: { state: string }[] }).migrations.map((m) => m.state)).toEqual(["changed", "applied"]);

      const repair = await cli("repair", "--yes");
      expect(repair.code, repair.output).toBe(0);
      const after = await cli("validate");
      expect(after.code, after.output).toBe(0);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a file named in ctx.execFile that does not exist is MISSING_FILE at file:line before anything runs", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({ "001_seed.ts": MIGRATION });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      for (const args of [["validate"], ["up"]]) {
        const result = await cli(...args);
        expect(result.code, result.output).toBe(3);
        expect(result.output).toContain("001_seed.ts runs sql/seed.sql through ctx.execFile at 001_seed.ts:4, but there is no such file");
        // the commented-out call is not read
        expect(result.output).not.toContain("old.sql");
      }
      expect(await db.tables()).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a file outside the migrations directory is refused before anything runs", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({ "001_seed.ts": MIGRATION.replace('"sql/seed.sql"', '"../outside.sql"') });
    project.write("outside.sql", SEED);
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(3);
      expect(up.output).toContain("001_seed.ts runs ../outside.sql through ctx.execFile at 001_seed.ts:4, which is outside the migrations directory");
      expect(await db.tables()).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a path computed at run time is refused: the file could change unnoticed", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    // in the migration's own source: found before anything runs
    const computed = MIGRATION.replace('ctx.execFile("sql/seed.sql")', 'ctx.execFile(["sql", "seed.sql"].join("/"))');
    const project = makeProject({ "001_seed.ts": computed, "sql/seed.sql": SEED });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(3);
      expect(up.stderr).toContain("001_seed.ts runs a file through ctx.execFile at 001_seed.ts:");
      expect(up.stderr).toContain("with a path computed at run time");
      expect(up.stderr).toContain('ctx.execFile("seed/users.sql")');
      expect(up.stderr).not.toMatch(/\n\s+at /);
      expect((await db.tables()).filter((t) => t === "seeded")).toEqual([]);
      // in a module it imports, out of sight of the source scan: refused when called
      project.migration("001_seed.ts", 'import { seed } from "./lib/seed.js";\nexport async function up(ctx) { await seed(ctx); }\n');
      project.migration("lib/seed.js", 'export async function seed(ctx) { await ctx.execFile("sql/seed.sql"); }\n');
      const helper = await cli("up");
      expect(helper.code, helper.output).toBe(1);
      expect(helper.stderr).toContain("001_seed.ts runs sql/seed.sql through ctx.execFile, but only files named by a string literal");
      expect(helper.stderr).toContain('ctx.execFile("sql/seed.sql")');
      expect(helper.stderr).not.toMatch(/\n\s+at /);
      expect((await db.tables()).filter((t) => t === "seeded")).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
