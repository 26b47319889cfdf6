// The run lock on SQLite, on a companion file next to the database.

import { accessSync, closeSync, constants, existsSync, lstatSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { ConnectionError, InterruptedError, LockTimeoutError, StratumError } from "../../core/errors.js";
import type { Lock, LockOptions } from "../dialect.js";
import type { Database, DatabaseConstructor } from "./driver.js";
import { fileProblem, ownerHint } from "./file-problems.js";
import { option } from "../../core/vocabulary.js";

/**
 * The run lock on SQLite: an exclusive transaction on a small companion database. The operating
 * system drops the file lock when the process dies, so a killed holder never leaves it behind.
 */
export async function acquireFileLock(Driver: DatabaseConstructor, path: string, key: string, options: LockOptions): Promise<Lock> {
  const holderFile = `${path}.holder`;
  const started = Date.now();
  // the first wait is reported at once (as on PostgreSQL and MySQL), then every second
  let lastReport = -Infinity;
  let delay = 25;
  refuseUnlessPlainFile(path);
  refuseUnlessPlainFile(holderFile);
  if (!existsSync(path)) {
    // create it ourselves, exclusively and without following links, mode 0600
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw lockFileError(path, error);
    }
  }
  refuseUnlessPlainFile(path);
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw lockFileError(path, error);
  }
  let lockDb: Database;
  try {
    lockDb = new Driver(path, { timeout: 0 });
  } catch (error) {
    throw lockFileError(path, error);
  }
  for (;;) {
    try {
      lockDb.exec("begin exclusive");
      break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") {
        lockDb.close();
        throw lockFileError(path, error);
      }
    }
    const waited = Date.now() - started;
    const holder = readHolder(holderFile);
    if (options.signal?.aborted) {
      // Ctrl-C while waiting: an interruption (exit 130/143), not a timeout to raise
      lockDb.close();
      throw new InterruptedError(`stopped waiting for the migration lock on ${path} because the run was interrupted`);
    }
    if (waited >= options.timeoutMs) {
      lockDb.close();
      throw new LockTimeoutError(
        `could not take the migration lock on ${path} within ${options.timeoutMs} ms; it is held by ${holder ?? "another stratum process"}`,
        { fix: `wait for the other run to finish, or raise ${option("lockTimeout")}` },
      );
    }
    if (options.onWait && waited - lastReport >= 1000) {
      lastReport = waited;
      options.onWait(holder, waited);
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay * 0.5));
    delay = Math.min(500, delay * 2);
  }
  try {
    // O_NOFOLLOW: a link planted at the holder file's name is never written through
    const fd = openSync(holderFile, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `pid ${process.pid} on ${hostname()} (${key}) since ${new Date().toISOString()}`);
    } finally {
      closeSync(fd);
    }
  } catch {
    // informational only
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        rmSync(holderFile, { force: true });
      } finally {
        if (lockDb.inTransaction) lockDb.exec("rollback");
        lockDb.close();
      }
    },
  };
}

/**
 * The lock file cannot be created, opened or locked. This user's permissions, a read-only file
 * system or a full disk stop it as an unreachable server would (exit 5), with a fix for each;
 * anything else planted at that path is refused as a lock problem (exit 4).
 */
function lockFileError(path: string, cause: unknown): StratumError {
  const problem = fileProblem(cause);
  if (problem === null) {
    return new StratumError("LOCK_TIMEOUT", `cannot use the lock file ${path}: ${(cause as Error).message}`, 4, {
      cause,
      fix: "remove whatever is at that path (the lock file is recreated as needed)",
    });
  }
  const dir = dirname(path);
  const fix =
    problem.kind === "permission"
      ? existsSync(path)
        ? `remove ${path} (stratum creates it again) or make it writable by this user${ownerHint(path)}`
        : `make ${dir} writable by this user${ownerHint(dir)}`
      : problem.kind === "read-only"
        ? "remount the file system read-write, or move the database to a writable one"
        : `free space on the file system holding ${dir}, then run again`;
  return new ConnectionError(`cannot use the lock file ${path}: ${problem.reason}`, { cause, fix });
}

/** The lock files must be plain files: a symbolic link or anything else planted there is refused. */
function refuseUnlessPlainFile(path: string): void {
  let info;
  try {
    info = lstatSync(path);
  } catch {
    return; // absent: fine
  }
  if (!info.isFile()) {
    throw new StratumError("LOCK_TIMEOUT", `the lock file ${path} is ${info.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; stratum does not follow or write through it`, 4, {
      fix: "remove it; stratum creates the lock file itself",
    });
  }
}

function readHolder(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim() || null;
  } catch {
    return null;
  }
}
