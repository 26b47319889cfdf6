// The CLI is a client of the library like any other: files under src/cli/ import the package's
// public entry (src/index.ts, or src/basics.ts, its light part that --help loads alone), other
// files of src/cli/ and packages, nothing else from src/.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src");
const CLI = join(SRC, "cli");
const PUBLIC = new Set(["index.ts", "basics.ts"]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

describe("src/cli/ reaches the library only through its public API", () => {
  it("imports nothing from src/ but index.ts, basics.ts and src/cli/", () => {
    const outside: string[] = [];
    for (const file of files(CLI)) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
        const target = relative(SRC, resolve(dirname(file), (match[1] ?? "").replace(/\.js$/, ".ts")));
        if (!target.startsWith("cli/") && !PUBLIC.has(target)) outside.push(`${relative(SRC, file)} → ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
