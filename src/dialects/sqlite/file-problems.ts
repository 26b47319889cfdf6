// What the operating system (or SQLite, reporting it) says about a database file or its directory,
// turned into messages with a fix: permissions, a read-only file system, a full disk.

import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConnectionError } from "../../core/errors.js";

export type FileProblemKind = "permission" | "read-only" | "full";

/** What the operating system (or SQLite, reporting it) said about a file: `permission denied (EACCES)`. */
export function fileProblem(error: unknown): { readonly kind: FileProblemKind; readonly reason: string } | null {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return { kind: "permission", reason: `permission denied (${code})` };
    case "EROFS":
      return { kind: "read-only", reason: "read-only file system (EROFS)" };
    case "ENOSPC":
    case "EDQUOT":
      return { kind: "full", reason: `the disk is full (${code})` };
    case "SQLITE_FULL":
      return { kind: "full", reason: "the disk is full (SQLITE_FULL)" };
    default:
      if (typeof code === "string" && code.startsWith("SQLITE_READONLY")) return { kind: "read-only", reason: `the file is read-only (${code})` };
      return null;
  }
}

/** `(uid 65534), or run stratum as its owner (uid 0)`, where the owner is another user. */
export function ownerHint(path: string): string {
  const uid = process.getuid?.();
  if (uid === undefined) return "";
  let owner: number | undefined;
  try {
    owner = statSync(path).uid;
  } catch {
    owner = undefined;
  }
  return owner === undefined || owner === uid ? ` (uid ${uid})` : ` (uid ${uid}), or run stratum as its owner (uid ${owner})`;
}

/**
 * Before SQLite opens a database: can this user read it and, to migrate, write it and write in its
 * directory (SQLite's journal and the lock file live there)? SQLite alone would open a file it
 * cannot write read-only and fail at the first statement, or say "unable to open database file".
 */
export function checkAccess(file: string, write: boolean): void {
  const dir = dirname(file);
  const fail = (message: string, error: unknown, about: string): never => {
    const problem = fileProblem(error);
    const reason = problem?.reason ?? (error as Error).message;
    const fix =
      problem?.kind === "read-only"
        ? "remount the file system read-write, or move the database to a writable one"
        : problem?.kind === "full"
          ? `free space on the file system holding ${dir}, then run again`
          : `make ${about} ${write ? "writable" : "readable"} by this user${ownerHint(about)}`;
    throw new ConnectionError(message.replace("%s", reason), { cause: error, fix });
  };
  const exists = existsSync(file);
  if (exists) {
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      fail(`cannot read SQLite database ${file}: %s`, error, file);
    }
  }
  if (!write) return;
  if (exists) {
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      fail(`cannot write to SQLite database ${file}: %s`, error, file);
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (exists) fail(`cannot write in ${dir}, the directory of SQLite database ${file}: %s; SQLite keeps its journal there, and stratum its lock file`, error, dir);
    fail(`cannot create SQLite database ${file}: %s in ${dir}`, error, dir);
  }
}

/** The start of a fix for a statement or COMMIT that failed because of the machine, not the SQL. */
export function sqliteEnvironmentFix(error: unknown, file: string): string | null {
  const problem = fileProblem(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (problem?.kind === "full") return `free space on the file system holding ${dirname(file)}`;
  if (problem !== null) return `make ${file} and ${dirname(file)} writable by this user`;
  if (typeof code === "string" && code.startsWith("SQLITE_IOERR")) return `check the disk holding ${file} (the operating system reported an I/O error, ${code})`;
  return null;
}
