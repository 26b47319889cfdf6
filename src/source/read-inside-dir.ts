import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { ConfigError } from "../core/errors.js";

/** `root/fileName` for a plain file name (readdir's): path.join's normalising is wasted on it. */
export function inDir(root: string, fileName: string): string {
  return root.endsWith(sep) ? root + fileName : root + sep + fileName;
}

/**
 * Whether `path` is `dir` or lies below it (both real paths). A name that merely starts with two
 * dots, such as `..notes.sql`, is inside.
 */
export function isInsideDir(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Reads a file named by a migration, refusing anything outside the migrations directory. */
export async function readInsideDir(dir: string, path: string): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(dir, path);
  const [realDir, realFile] = await Promise.all([realpath(dir), realpath(full).catch(() => full)]);
  if (!isInsideDir(realDir, realFile)) {
    throw new ConfigError(`${path} is outside the migrations directory ${dir}`, {
      fix: "keep files a migration reads inside the migrations directory",
    });
  }
  return readFile(realFile, "utf8");
}
