// Discovery reads each file as text in one call and falls back to its bytes only when the text
// holds U+FFFD or a NUL (issue 16): a real U+FFFD is kept, and the checksum is still SHA-256 of
// the normalised UTF-8 text, as every recorded checksum was taken.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checksumOf } from "../../../src/core/checksum.js";
import { discoverMigrations } from "../../../src/source/discover.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "stratum-discover-read-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

describe("reading migration files", () => {
  it("keeps a real U+FFFD character and checksums the text as written", async () => {
    const text = "-- migrate:up\nselect '\uFFFD é';\n\n-- migrate:down\nselect 1;\n";
    await writeFile(join(dir, "001_replacement.sql"), text, "utf8");
    const { migrations, problems } = await discoverMigrations(dir);
    expect(problems).toEqual([]);
    expect(migrations[0]?.up?.text).toContain("select '\uFFFD é';");
    expect(migrations[0]?.checksum).toBe(sha256(text));
  });

  it("still reports bad UTF-8 next to good text at file:line", async () => {
    await writeFile(join(dir, "001_bad.sql"), Uint8Array.from([...Buffer.from("select 1;\nselect '"), 0xc3, ...Buffer.from("';\n")]));
    const { problems } = await discoverMigrations(dir);
    expect(problems.map((p) => [p.code, p.files])).toEqual([["BAD_SECTION", ["001_bad.sql:2"]]]);
  });
});

describe("checksumOf", () => {
  it.each([
    ["one text", ["select 1;\n"], "select 1;\n"],
    ["a BOM and CRLF, normalised", ["\uFEFFselect 1;\r\nselect 2;\r"], "select 1;\nselect 2;\n"],
    ["several texts joined with NUL", ["a\r\n", "b", "ü"], "a\n\u0000b\u0000ü"],
    ["an empty text", [""], ""],
  ])("%s: SHA-256 of the normalised UTF-8 text", (_, texts, hashed) => {
    expect(checksumOf(texts)).toBe(sha256(hashed));
  });
});
