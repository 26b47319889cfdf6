// `--backup` on PostgreSQL: pg_dump in custom format, the password only in PGPASSWORD.

import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, chmod, mkdir, open, stat, unlink } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { BackupError } from "../../core/errors.js";
import { redactUrl } from "../../text/redact.js";
import { option } from "../../core/vocabulary.js";

/** Where pg_dump should connect. The password is never put on the command line. */
export interface PgDumpTarget {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly user?: string | undefined;
  readonly database?: string | undefined;
  readonly password?: string | undefined;
  /** libpq sslmode (`require`, `verify-full`, …), when the connection uses SSL. */
  readonly sslmode?: string | undefined;
}

export interface PgDumpOptions {
  /** The URL without its password, for messages. */
  readonly displayUrl: string;
  /** The environment to search PATH in and to pass on (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const notFound = (): string => `pg_dump was not found on PATH; install the PostgreSQL client tools or run without ${option("backup")}`;

/** Finds an executable `pg_dump` on PATH without running anything; null when there is none. */
export async function findPgDump(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const dirs = (env.PATH ?? env.Path ?? "").split(delimiter).filter((dir) => dir.length > 0);
  const names = process.platform === "win32"
    ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean).map((ext) => `pg_dump${ext.toLowerCase()}`)
    : ["pg_dump"];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        if ((await stat(candidate)).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** Whether `pg_dump` is on PATH (checked before anything runs). */
export async function pgDumpAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return (await findPgDump(env)) !== null;
}

/** A libpq conninfo value: single-quoted, with `\` and `'` escaped. */
function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The pg_dump argument list. Connection settings travel as one conninfo string in
 * `--dbname`, so a database name containing `=` or looking like a URL is never reinterpreted.
 */
export function pgDumpArgs(target: PgDumpTarget): string[] {
  const conninfo: string[] = [];
  if (target.host) conninfo.push(`host=${conninfoValue(target.host)}`);
  if (target.port !== undefined) conninfo.push(`port=${conninfoValue(String(target.port))}`);
  if (target.user) conninfo.push(`user=${conninfoValue(target.user)}`);
  if (target.database) conninfo.push(`dbname=${conninfoValue(target.database)}`);
  if (target.sslmode) conninfo.push(`sslmode=${conninfoValue(target.sslmode)}`);
  conninfo.push(`application_name=${conninfoValue("stratum")}`);
  return ["--format=custom", "--no-password", `--dbname=${conninfo.join(" ")}`];
}

function firstLines(text: string, max = 3): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/^pg_dump:\s*(error:\s*)?/, "").trim())
    .filter((line) => line.length > 0)
    .slice(0, max)
    .join(" ")
    .replace(/[.\s]+$/, "");
}

/**
 * Runs pg_dump into `file` (created with mode 0600, never over an existing file or symlink)
 * and returns its absolute path. Throws BackupError when pg_dump is missing or fails.
 */
export async function runPgDump(target: PgDumpTarget, file: string, options: PgDumpOptions): Promise<string> {
  const env = options.env ?? process.env;
  const bin = await findPgDump(env);
  if (bin === null) {
    throw new BackupError(notFound(), { fix: `install the PostgreSQL client tools or run without ${option("backup")}` });
  }
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "EEXIST" ? "it already exists" : (error as Error).message;
    throw new BackupError(`cannot create the backup file ${path}: ${why}; choose another path`, {
      fix: "choose another backup path",
      cause: error,
    });
  }

  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (target.password !== undefined && target.password !== "") childEnv.PGPASSWORD = target.password;

  let stderr = "";
  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error };
  try {
    exit = await new Promise((done) => {
      const child = spawn(bin, pgDumpArgs(target), { stdio: ["ignore", handle.fd, "pipe"], env: childEnv });
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        if (stderr.length < 65_536) stderr += chunk;
      });
      child.on("error", (error) => done({ code: null, signal: null, error }));
      child.on("close", (code, signal) => done({ code, signal }));
    });
  } finally {
    await handle.close();
  }

  if (exit.error !== undefined || exit.code !== 0) {
    await unlink(path).catch(() => undefined);
    const reason = exit.error !== undefined
      ? exit.error.message
      : exit.signal !== null
        ? `killed by ${exit.signal}`
        : `exit code ${exit.code}: ${redactUrl(firstLines(stderr)) || "no message"}`;
    throw new BackupError(
      `pg_dump failed while backing up ${options.displayUrl} (${reason}); fix the problem or run without ${option("backup")}`,
      { fix: `fix the problem pg_dump reported or run without ${option("backup")}` },
    );
  }
  await chmod(path, 0o600);
  return path;
}
