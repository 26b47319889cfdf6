// Detection across the layouts, in the registry's order: each sample project is claimed by its own
// tool's layout (or by none, for the tools chosen only with `format:`), and no Stratum directory in
// the repository is ever claimed by a foreign layout.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { foreignLayouts } from "../../../../src/source/layouts/index.js";
import { FIXTURES, pathsUnder } from "./listing.js";

const ROOT = join(__dirname, "..", "..", "..", "..");

function detected(paths: readonly string[]): string | null {
  return foreignLayouts.find((layout) => layout.detect(paths))?.name ?? null;
}

describe("foreign layout detection", () => {
  it("registers every foreign layout once, most specific first", () => {
    expect(foreignLayouts.map((l) => l.name)).toEqual([
      "sqitch",
      "drizzle",
      "prisma",
      "flyway",
      "goose",
      "golang-migrate",
      "node-pg-migrate",
      "dbmate",
    ]);
  });

  it.each([
    ["sqitch", "sqitch"],
    ["drizzle", "drizzle"],
    ["prisma", "prisma"],
    ["flyway", "flyway"],
    ["goose", "goose"],
    ["golang-migrate", "golang-migrate"],
    ["node-pg-migrate", null],
    ["dbmate", null],
  ])("the %s sample is claimed by %s", (fixture, expected) => {
    expect(detected(pathsUnder(join(FIXTURES, fixture)))).toBe(expected);
  });

  it.each([
    "examples/shop/migrations",
    "test/fixtures/source/migrations",
    "test/fixtures/source/migrations/archive",
    "test/fixtures/source/code",
    "test/fixtures/source",
  ])("no foreign layout claims Stratum's own %s", (dir) => {
    const paths = pathsUnder(join(ROOT, dir));
    expect(paths.length).toBeGreaterThan(0);
    expect(foreignLayouts.filter((l) => l.detect(paths)).map((l) => l.name)).toEqual([]);
  });

  it("no foreign layout claims Stratum's own names of every kind", () => {
    const stratum = [
      "001_create_users.sql",
      "002_add_orders.up.sql",
      "002_add_orders.down.sql",
      "003_index.postgres.up.sql",
      "003_index.up.sql",
      "004_backfill.ts",
      "005_more.mjs",
      "_helpers.ts",
      "README.md",
      "stratum.config.json",
    ];
    expect(foreignLayouts.filter((l) => l.detect(stratum)).map((l) => l.name)).toEqual([]);
  });
});
