// A database kept by `PRAGMA user_version` alone (SQLite): the migrations up to that version are
// its applied set. Pure: the version is read by the dialect, the entries adopted by the engine.

import type { MigrationFile, Problem } from "../core/types.js";
import { compareVersions } from "../core/version.js";
import type { ForeignEntry } from "./foreign-history.js";

/** How messages name the source. */
/** The source name of a `PRAGMA user_version` adoption (`stratum adopt --from user-version`). */
export const USER_VERSION_SOURCE = "user-version";

export function userVersionWhere(head: bigint): string {
  return `PRAGMA user_version = ${head.toString()}`;
}

/**
 * One applied entry per migration whose version is at most `head`, or the refusal when `head` is
 * above every migration (the database is newer than the files).
 */
export function userVersionEntries(head: bigint, migrations: readonly MigrationFile[]): { entries: ForeignEntry[]; problems: Problem[] } {
  const limit = head.toString();
  const highest = migrations.reduce<MigrationFile | null>((top, m) => (top === null || compareVersions(m.version, top.version) > 0 ? m : top), null);
  if (head > 0n && (highest === null || compareVersions(highest.version, limit) < 0)) {
    return {
      entries: [],
      problems: [
        {
          code: "UNKNOWN_VERSION",
          message: `${userVersionWhere(head)} is above the highest migration (${highest === null ? "there is none" : highest.version}): the database was migrated with files that are not in the migrations directory`,
          files: [],
          fix: "add the missing migration files (or use the directory that made this database), then run again",
          severity: "error",
        },
      ],
    };
  }
  const entries = migrations
    .filter((m) => compareVersions(m.version, limit) <= 0)
    .map<ForeignEntry>((m) => ({
      key: m.id,
      version: m.version,
      name: m.name,
      state: "applied",
      checksum: null,
      where: userVersionWhere(head),
      appliedAt: null,
    }));
  return { entries, problems: [] };
}

/** `1–3`, `1`, or `1, 2, 5` when the versions are not a run of consecutive integers. */
export function versionRange(versions: readonly string[]): string {
  if (versions.length === 0) return "none";
  const first = versions[0] as string;
  const last = versions[versions.length - 1] as string;
  if (versions.length === 1) return first;
  const consecutive = versions.every((v, i) => /^\d+$/.test(v) && BigInt(v) === BigInt(first) + BigInt(i));
  return consecutive ? `${first}–${last}` : versions.join(", ");
}

/**
 * Why `up` will not adopt a database kept by `PRAGMA user_version` (`why`: "adoptUserVersion is
 * false", "a rehearsal does not adopt it"), with the fix: one wording for `up` and for the
 * read-only reports that say beforehand what `up` will do.
 */
export function userVersionRefusal(table: string, head: bigint, why: string): Problem {
  return {
    code: "UNKNOWN_VERSION",
    message: `${userVersionWhere(head)} but ${table} does not exist: another system migrated this database, and ${why}`,
    files: [],
    fix: `run \`stratum adopt --from ${USER_VERSION_SOURCE}\` to record the migrations up to ${head.toString()} as applied, or set adoptUserVersion: true`,
    severity: "error",
  };
}
