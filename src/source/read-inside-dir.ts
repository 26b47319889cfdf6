import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";

/** Reads a file named by a migration, refusing anything outside the migrations directory. */
export async function readInsideDir(dir: string, path: string): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(dir, path);
  const [realDir, realFile] = await Promise.all([realpath(dir), realpath(full).catch(() => full)]);
  const rel = relative(realDir, realFile);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new ConfigError(`${path} is outside the migrations directory ${dir}`, {
      fix: "keep files a migration reads inside the migrations directory",
    });
  }
  return readFile(realFile, "utf8");
}
