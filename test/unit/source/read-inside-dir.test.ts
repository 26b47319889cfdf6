// The one rule for "inside the migrations directory", shared by discovery's symbolic links and
// the files a code migration reads.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isInsideDir, readInsideDir } from "../../../src/source/read-inside-dir.js";

describe("isInsideDir", () => {
  const dir = `${sep}project${sep}migrations`;

  it.each([
    [dir, true],
    [join(dir, "001_a.sql"), true],
    [join(dir, "nested", "seed.sql"), true],
    [join(dir, "..notes.sql"), true],
    [join(dir, ".."), false],
    [join(dir, "..", "secrets.sql"), false],
    [`${sep}elsewhere${sep}x.sql`, false],
  ])("%s: %s", (path, inside) => {
    expect(isInsideDir(dir, path)).toBe(inside);
  });
});

describe("readInsideDir", () => {
  const root = mkdtempSync(join(tmpdir(), "stratum-inside-"));
  const dir = join(root, "migrations");
  mkdirSync(dir);
  writeFileSync(join(dir, "..notes.sql"), "select 1;\n");
  writeFileSync(join(root, "secret.sql"), "select 2;\n");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads a file whose name starts with two dots", async () => {
    expect(await readInsideDir(dir, "..notes.sql")).toBe("select 1;\n");
  });

  it("refuses a file above the directory", async () => {
    await expect(readInsideDir(dir, "../secret.sql")).rejects.toThrow(/outside the migrations directory/);
  });
});
