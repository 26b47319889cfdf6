// Test helper: a fixture directory as a layout receives it (relative `/` paths, texts of the files
// the layout wants, `null` for the rest). The only file-system access of the layout tests.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Layout, ListedFile } from "../../../../src/source/layouts/layout.js";

export const FIXTURES = join(__dirname, "..", "..", "..", "fixtures", "layouts");

/** Every file under `dir`, recursively, as relative `/`-separated paths, sorted. */
export function pathsUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** The listing of `dir` for `layout`. */
export function listing(layout: Layout, dir: string): ListedFile[] {
  return pathsUnder(dir).map((path) => ({
    path,
    text: layout.wants(path) ? readFileSync(join(dir, path), "utf8") : null,
  }));
}

/** A listing from inline files (path → text), every file read. */
export function inline(files: Record<string, string>): ListedFile[] {
  return Object.entries(files).map(([path, text]) => ({ path, text }));
}

/** The 1-based file line of the first line of `text` holding `needle`, by reading the fixture file. */
export function lineIn(dir: string, file: string, needle: string): number {
  const index = readFileSync(join(dir, file), "utf8").split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}
