import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prismaLayout as layout } from "../../../../src/source/layouts/prisma.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "prisma");

describe("Prisma layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");

  it("reads one unit per migration folder, in order, without downs", () => {
    expect(result.problems).toEqual([]);
    expect(result.units.map((u) => [u.version, u.name, u.files, u.down])).toEqual([
      ["20240101120000", "init", ["20240101120000_init/migration.sql"], null],
      ["20240102090000", "users_email_index", ["20240102090000_users_email_index/migration.sql"], null],
      ["20240103100000", "touch_function", ["20240103100000_touch_function/migration.sql"], null],
      ["20240104110000", "placeholder", ["20240104110000_placeholder/migration.sql"], null],
      ["20240105120000", "backfill_names", ["20240105120000_backfill_names/migration.sql"], null],
    ]);
  });

  it("gives each migration.sql whole, from line 1, statements left to the dialect", () => {
    const [init, index, fn, placeholder] = result.units;
    expect(init?.up?.startLine).toBe(1);
    expect(init?.up?.text).toContain('CREATE UNIQUE INDEX "User_email_key" ON "User"("email");');
    expect(index?.up?.text).toContain("CREATE INDEX CONCURRENTLY");
    expect(index).not.toHaveProperty("transaction");
    expect(fn?.up?.statements).toBeUndefined();
    expect(placeholder?.up).toEqual({
      file: "20240104110000_placeholder/migration.sql",
      text: "-- This is an empty migration.",
      startLine: 1,
    });
  });

  it("is detected by migration_lock.toml or its folders, never by Stratum's files", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(true);
    expect(layout.detect(["20240101120000_init/migration.sql"])).toBe(true);
    expect(layout.detect(["001_create_users.sql", "002_x.up.sql", "archive/001_old.sql"])).toBe(false);
  });
});

describe("Prisma folders as `prisma migrate dev` writes them", () => {
  // Seen in AgentFoundryExamples/af-auth: a migration created without a name is `<timestamp>_`.
  it("reads a folder whose name after the timestamp is empty", () => {
    const { units, problems } = layout.read(
      inline({ "20240101120000_init/migration.sql": "SELECT 1;", "20240102000000_/migration.sql": "SELECT 2;" }),
      "postgres",
    );
    expect(problems).toEqual([]);
    expect(units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["20240101120000", "init", ["20240101120000_init/migration.sql"]],
      ["20240102000000", "migration", ["20240102000000_/migration.sql"]],
    ]);
  });
});

describe("Prisma problems", () => {
  it("reports a folder without migration.sql", () => {
    const { units, problems } = layout.read(
      inline({ "20240101120000_init/migration.sql": "SELECT 1;", "20240102000000_next/README.md": "todo" }),
      "postgres",
    );
    expect(units).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.files])).toEqual([["MISSING_FILE", ["20240102000000_next"]]]);
    expect(problems[0]?.fix).toContain("20240102000000_next/migration.sql");
  });

  it("warns when migration_lock.toml names another database than the target", () => {
    const files = inline({ "migration_lock.toml": 'provider = "postgresql"\n', "1_a/migration.sql": "SELECT 1;" });
    const { problems } = layout.read(files, "sqlite");
    expect(problems.map((p) => [p.severity, p.files])).toEqual([["warning", ["migration_lock.toml:1"]]]);
    expect(problems[0]?.message).toContain("generated for postgresql, but the target database is sqlite");
    expect(layout.read(files, "postgres").problems).toEqual([]);
  });
});
