import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drizzleLayout as layout } from "../../../../src/source/layouts/drizzle.js";
import type { UnitScript } from "../../../../src/source/layouts/layout.js";
import { prismaLayout } from "../../../../src/source/layouts/prisma.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "drizzle");

/** [line, text] of each statement, after checking each offset points at its text. */
function statements(script: UnitScript | null | undefined): [number, string][] {
  if (!script?.statements) throw new Error("no explicit statements");
  for (const s of script.statements) expect(script.text.slice(s.offset, s.offset + s.text.length)).toBe(s.text);
  return script.statements.map((s) => [s.line, s.text]);
}

const journal = (...tags: string[]): string =>
  JSON.stringify({ version: "7", dialect: "sqlite", entries: tags.map((tag, idx) => ({ idx, version: "6", when: 1700000000000 + idx, tag, breakpoints: true })) }, null, 2);

describe("drizzle-kit layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");
  const unit = (version: string) => result.units.find((u) => u.version === version);

  it("reads the migrations in the journal's order, without downs", () => {
    expect(result.problems).toEqual([]);
    expect(result.units.map((u) => [u.version, u.name, u.files, u.down])).toEqual([
      ["0000", "lazy_wolverine", ["0000_lazy_wolverine.sql"], null],
      ["0001", "concurrent_index", ["0001_concurrent_index.sql"], null],
      ["0002", "touch_trigger", ["0002_touch_trigger.sql"], null],
      ["0003", "sqlite_only", ["0003_sqlite_only.sql"], null],
      ["0004", "backfill_updated", ["0004_backfill_updated.sql"], null],
    ]);
  });

  it("splits at --> statement-breakpoint, with file lines", () => {
    expect(statements(unit("0000")?.up)).toEqual([
      [1, 'CREATE TABLE IF NOT EXISTS "users" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"email" text NOT NULL,\n\t"updated_at" timestamp\n);'],
      [7, 'CREATE UNIQUE INDEX IF NOT EXISTS "users_email_idx" ON "users" USING btree ("email");'],
    ]);
    expect(statements(unit("0002")?.up)).toEqual([
      [2, "CREATE FUNCTION touch_updated_at() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;"],
      [8, 'CREATE TRIGGER users_touch BEFORE UPDATE ON "users"\n  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();'],
    ]);
  });

  it("leaves a file without breakpoints to the dialect's splitter; a comment-only file is a no-op", () => {
    expect(unit("0001")?.up?.statements).toBeUndefined();
    expect(unit("0001")?.up?.text).toContain("CREATE INDEX CONCURRENTLY");
    expect(unit("0001")).not.toHaveProperty("transaction");
    expect(unit("0003")?.up).toEqual({
      file: "0003_sqlite_only.sql",
      text: "-- Custom SQL migration file, put your code below! --\n",
      startLine: 1,
    });
  });

  it("is detected by meta/_journal.json only", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(true);
    expect(layout.detect(["0000_init.sql", "0001_next.sql"])).toBe(false);
  });
});

describe("drizzle-kit problems", () => {
  it("names both sides of a journal entry without its file and a file missing from the journal", () => {
    const { units, problems } = layout.read(
      inline({ "meta/_journal.json": journal("0000_init", "0001_gone"), "0000_init.sql": "SELECT 1;", "0002_stray.sql": "SELECT 2;" }),
      "sqlite",
    );
    expect(units.map((u) => u.version)).toEqual(["0000"]);
    expect(problems.map((p) => [p.code, p.files, p.message])).toEqual([
      ["MISSING_FILE", ["meta/_journal.json:16"], "meta/_journal.json:16 lists migration 0001_gone, but 0001_gone.sql does not exist."],
      ["MISSING_FILE", ["0002_stray.sql"], "0002_stray.sql is not listed in meta/_journal.json, so it is not a migration and is skipped (as drizzle-kit skips it)."],
    ]);
    // Seen in mantodeus/mantodeus-manager: rollback scripts and hand-run fixes beside the journal's
    // files. drizzle-kit runs only the journal's entries, so a stray file only warns.
    expect(problems.map((p) => p.severity)).toEqual(["error", "warning"]);
  });

  // Seen in mantodeus/mantodeus-manager: two branches each generated a 0009 migration and both
  // entries stayed in the journal; drizzle-kit runs them in the journal's order.
  it("numbers the migrations by their place in the journal when the tags' numbers repeat", () => {
    const files = inline({
      "meta/_journal.json": journal("0000_a", "0001_b", "0001_c", "0002_d"),
      "0000_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;", "0001_c.sql": "SELECT 3;", "0002_d.sql": "SELECT 4;",
    });
    const { units, problems } = layout.read(files, "sqlite");
    expect(units.map((u) => [u.version, u.name, u.files[0]])).toEqual([
      ["0000", "a", "0000_a.sql"], ["0001", "b", "0001_b.sql"], ["0002", "c", "0001_c.sql"], ["0003", "d", "0002_d.sql"],
    ]);
    expect(problems.map((p) => [p.severity, p.files])).toEqual([["warning", ["meta/_journal.json:23"]]]);
    expect(problems[0]?.message).toContain("lists 0001_c after 0001_b");
    expect(problems[0]?.message).toContain("by their place in the journal instead (0000 to 0003)");
  });

  it("keeps the tags' numbers when they rise along the journal, gaps included", () => {
    const files = inline({ "meta/_journal.json": journal("0000_a", "0005_b"), "0000_a.sql": "SELECT 1;", "0005_b.sql": "SELECT 2;" });
    const { units, problems } = layout.read(files, "sqlite");
    expect(problems).toEqual([]);
    expect(units.map((u) => u.version)).toEqual(["0000", "0005"]);
  });

  it("orders by the journal, not by the file names", () => {
    const { units } = layout.read(
      inline({ "meta/_journal.json": journal("0001_b", "0000_a"), "0000_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;" }),
      "sqlite",
    );
    expect(units.map((u) => u.files[0])).toEqual(["0001_b.sql", "0000_a.sql"]);
  });

  it("reports a journal that is not JSON, and warns about a journal for another database", () => {
    const broken = layout.read(inline({ "meta/_journal.json": "{ nope" }), "sqlite");
    expect(broken.problems.map((p) => [p.code, p.files])).toEqual([["BAD_SECTION", ["meta/_journal.json"]]]);
    const other = layout.read(inline({ "meta/_journal.json": journal("0000_a"), "0000_a.sql": "SELECT 1;" }), "postgres");
    expect(other.problems.map((p) => [p.severity, p.files])).toEqual([["warning", ["meta/_journal.json:3"]]]);
  });
});

describe("drizzle-kit 1.x folders (no journal)", () => {
  // drizzle-kit 1.0 (in use as 1.0.0-beta) writes <timestamp>_<name>/migration.sql + snapshot.json.
  const files = {
    "20250102090000_add_posts/migration.sql": 'CREATE TABLE "posts" ("id" serial);\n--> statement-breakpoint\nCREATE INDEX "posts_id" ON "posts" ("id");\n',
    "20250102090000_add_posts/snapshot.json": "{}",
    "20250101120000_init/migration.sql": 'CREATE TABLE "users" ("id" serial);\n',
    "20250101120000_init/snapshot.json": "{}",
  };

  it("reads one unit per folder, in the folders' order, split at breakpoints", () => {
    const { units, problems } = layout.read(inline(files), "postgres");
    expect(problems).toEqual([]);
    expect(units.map((u) => [u.version, u.name, u.files, u.down])).toEqual([
      ["20250101120000", "init", ["20250101120000_init/migration.sql"], null],
      ["20250102090000", "add_posts", ["20250102090000_add_posts/migration.sql"], null],
    ]);
    expect(units[1]?.up?.statements?.map((st) => [st.line, st.text])).toEqual([
      [1, 'CREATE TABLE "posts" ("id" serial);'],
      [3, 'CREATE INDEX "posts_id" ON "posts" ("id");'],
    ]);
  });

  it("is detected as drizzle, not Prisma, by the snapshot.json in its folders", () => {
    const paths = Object.keys(files);
    expect(layout.detect(paths)).toBe(true);
    expect(prismaLayout.detect(paths)).toBe(false);
    expect(prismaLayout.detect(paths.filter((p) => !p.endsWith("snapshot.json")))).toBe(true);
  });
});

