// The sources `stratum adopt --from <source>` reads: another tool's history table, or SQLite's
// `PRAGMA user_version`.

import { ConfigError } from "../core/errors.js";
import type { ForeignHistoryReader } from "./foreign-history.js";
import { foreignReaders } from "./readers/index.js";

/** `--from user-version`: the database's own head version (SQLite `PRAGMA user_version`). */
import { USER_VERSION_SOURCE } from "./user-version.js";

export { USER_VERSION_SOURCE };

/** Every name `--from` takes, in order. */
export function adoptSourceNames(readers: readonly ForeignHistoryReader[] = foreignReaders): string[] {
  return [...readers.map((r) => r.tool), USER_VERSION_SOURCE];
}

/** The reader of `tool`'s history; `null` for `user-version`; one sentence listing the known ones otherwise. */
export function readerFor(tool: string, readers: readonly ForeignHistoryReader[] = foreignReaders): ForeignHistoryReader | null {
  const name = tool.trim().toLowerCase();
  if (name === USER_VERSION_SOURCE) return null;
  const reader = readers.find((r) => r.tool === name);
  if (reader !== undefined) return reader;
  throw new ConfigError(`stratum cannot adopt from "${tool}": the known sources are ${adoptSourceNames(readers).join(", ")}`, {
    code: "USAGE",
    key: "from",
    fix: "pass one of them to --from",
  });
}

export type { ForeignChecksum, ForeignEntry, ForeignHistoryReader, ForeignTable, ForeignTool } from "./foreign-history.js";
