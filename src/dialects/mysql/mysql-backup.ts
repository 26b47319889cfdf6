// Backups through `mysqldump` / `mariadb-dump`. The password travels only in MYSQL_PWD, never
// on the command line (where `ps` would show it); the dump file is created 0600 and never
// through an existing path or planted symlink.

import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { open, unlink } from "node:fs/promises";
import { basename, delimiter, join } from "node:path";
import { BackupError } from "../../core/errors.js";
import { redactUrl } from "../../text/redact.js";
import { option } from "../../core/vocabulary.js";

export interface DumpTarget {
  readonly flavor: "mysql" | "mariadb";
  readonly host: string;
  readonly port: number;
  readonly socketPath?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly database?: string | undefined;
}

/** The dump programs to look for, the flavour's own first. */
function dumpPrograms(flavor: "mysql" | "mariadb"): string[] {
  return flavor === "mariadb" ? ["mariadb-dump", "mysqldump"] : ["mysqldump", "mariadb-dump"];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `mysqldump` or `mariadb-dump` on `pathEnv`, or null when neither is there. */
export function findDumpCommand(flavor: "mysql" | "mariadb", pathEnv: string = process.env["PATH"] ?? ""): string | null {
  const dirs = pathEnv.split(delimiter).filter((dir) => dir !== "");
  const suffixes = process.platform === "win32" ? [".exe", ".cmd", ""] : [""];
  for (const program of dumpPrograms(flavor)) {
    for (const dir of dirs) {
      for (const suffix of suffixes) {
        const candidate = join(dir, program + suffix);
        if (isExecutable(candidate)) return candidate;
      }
    }
  }
  return null;
}

/** Throws the BackupError `up --backup` should stop on before anything runs, when no dump tool exists. */
export function assertDumpAvailable(flavor: "mysql" | "mariadb", pathEnv?: string): string {
  const command = findDumpCommand(flavor, pathEnv);
  if (command === null) {
    throw new BackupError("mysqldump was not found on PATH; a backup of a MySQL/MariaDB database needs it", {
      fix: `install the MySQL or MariaDB client tools (mysqldump or mariadb-dump), or run without ${option("backup")}`,
    });
  }
  return command;
}

/** The command-line arguments (no password, ever). */
export function dumpArguments(target: DumpTarget): string[] {
  const args = ["--single-transaction", "--routines", "--triggers", "--no-tablespaces", "--default-character-set=utf8mb4"];
  if (target.socketPath) {
    args.push(`--socket=${target.socketPath}`);
  } else {
    // `localhost` would make the client use its default Unix socket, not the TCP port we use.
    args.push("--protocol=TCP", `--host=${target.host}`, `--port=${target.port}`);
  }
  if (target.user) args.push(`--user=${target.user}`);
  if (target.database) args.push(target.database);
  return args;
}

const MAX_STDERR = 64 * 1024;

/** Dumps `target.database` into `file` (created, mode 0600) and returns `file`. */
export async function dumpDatabase(target: DumpTarget, file: string): Promise<string> {
  const command = assertDumpAvailable(target.flavor);
  const program = basename(command);
  if (!target.database) {
    throw new BackupError("cannot back up: the connection names no database", {
      fix: "put the database name in the url",
    });
  }
  if (target.database.startsWith("-")) {
    throw new BackupError(`cannot back up database "${target.database}": ${program} would read its name as an option`, {
      fix: "back the database up by hand",
    });
  }

  let handle;
  try {
    handle = await open(file, "wx", 0o600);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "EEXIST" ? "the file already exists" : (error as Error).message;
    throw new BackupError(`cannot create backup file ${file}: ${reason}`, {
      fix: "choose a new backup path in a writable directory",
      cause: error,
    });
  }

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (target.password !== undefined && target.password !== "") env["MYSQL_PWD"] = target.password;

  let outcome: { code: number | null; signal: NodeJS.Signals | null; stderr: string; spawnError?: Error };
  try {
    outcome = await new Promise((resolve) => {
      let stderr = "";
      const child = spawn(command, dumpArguments(target), { env, stdio: ["ignore", handle.fd, "pipe"] });
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        if (stderr.length < MAX_STDERR) stderr += chunk;
      });
      child.on("error", (spawnError) => resolve({ code: null, signal: null, stderr, spawnError }));
      child.on("close", (code, signal) => resolve({ code, signal, stderr }));
    });
  } finally {
    await handle.close();
  }

  if (outcome.code === 0) {
    return file;
  }
  await unlink(file).catch(() => undefined);
  const detail = redactUrl(outcome.spawnError?.message ?? outcome.stderr)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/deprecated program name/i.test(line))
    .join(" ")
    .slice(0, 500);
  const status = outcome.signal ? `was killed by ${outcome.signal}` : outcome.code === null ? "could not start" : `exited with code ${outcome.code}`;
  throw new BackupError(`${program} ${status}${detail ? `: ${detail}` : ""}`, {
    fix: `fix the problem it reports, or run without ${option("backup")}`,
  });
}
