// better-sqlite3, loaded (and its native addon checked) on first use.

import type BetterSqlite3 from "better-sqlite3";
import { ConnectionError } from "../../core/errors.js";

export type Database = BetterSqlite3.Database;
export type DatabaseConstructor = typeof BetterSqlite3;

let driver: DatabaseConstructor | undefined;

export async function loadDriver(): Promise<DatabaseConstructor> {
  if (driver) return driver;
  let loaded: DatabaseConstructor;
  try {
    const module = (await import("better-sqlite3")) as { default: DatabaseConstructor };
    loaded = module.default;
  } catch (error) {
    throw new ConnectionError('the SQLite driver "better-sqlite3" is not installed or failed to load', {
      code: "DRIVER_MISSING",
      fix: "run `npm install better-sqlite3`",
      cause: error,
    });
  }
  try {
    // The package loads its native addon only when a first database opens: open one in memory
    // now, so an addon that is missing (an install script npm skipped or that failed) or built for
    // another Node.js is this error, before any file is touched — not an internal error later.
    new loaded(":memory:").close();
  } catch (error) {
    // "Could not locate the bindings file. Tried: <13 paths>", or "The module '…' was compiled
    // against a different Node.js version using NODE_MODULE_VERSION 115. … Please try re-compiling…"
    const message = error instanceof Error ? error.message : String(error);
    const reason = (message.split(/\s+Tried:|\s*Please try/)[0] ?? message).replace(/\s+/g, " ").trim().replace(/\.$/, "");
    throw new ConnectionError(
      `the SQLite driver "better-sqlite3" is installed but its native addon could not be loaded: ${reason}`,
      {
        code: "DRIVER_MISSING",
        fix:
          "build it for this Node.js with `npm rebuild better-sqlite3` (npm 11.16 and later hold back dependency install scripts until approved: `npm approve-scripts better-sqlite3` first)",
        cause: error,
      },
    );
  }
  driver = loaded;
  return driver;
}
