// MySQL's and MariaDB's shadow (issue 13): with `shadow.url`, a scratch database created on that
// server and dropped after; without, a throwaway server started from a `mariadbd`/`mysqld` binary
// found on the machine (STRATUM_SHADOW_MYSQLD, the PATH, /usr/sbin), with a new data directory in
// a temporary directory and a socket there (no network), stopped and removed after.

import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync } from "node:fs";
import { basename, delimiter, dirname, join } from "node:path";
import type { Connection, ConnectionOptions } from "mysql2/promise";
import { ConfigError } from "../../core/errors.js";
import { parseDatabaseUrl } from "../registry.js";
import type { ShadowDatabase, ShadowRequest } from "../shadow.js";
import { makeTempDir, programVersion, removeShadowDir, runAsFor, runProgram, shadowUrlText, startServer, type RunAs } from "../shadow-process.js";
import { maskPassword } from "../url-parts.js";
import { mysqlConnection, type MysqlUrl } from "./url.js";

export const MYSQLD_ENV = "STRATUM_SHADOW_MYSQLD";
const START_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
const SHADOW_DATABASE = "stratum_shadow";
/** A small redo log and buffer pool: a 22 MB data directory instead of 114 MB, made faster. */
const INNODB_SIZES = ["--innodb-log-file-size=16M", "--innodb-buffer-pool-size=32M"];

export async function openMysqlShadow(request: ShadowRequest): Promise<ShadowDatabase> {
  return request.url === undefined ? startMysqlServer(request) : createScratchDatabase(request, request.url);
}

async function connect(options: ConnectionOptions): Promise<Connection> {
  const mysql = (await import("mysql2/promise")).default;
  return mysql.createConnection({ ...options, connectTimeout: CONNECT_TIMEOUT_MS, multipleStatements: false });
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

// --- shadow.url: a scratch database on a given server ---------------------------------------------

function serverOnly(url: MysqlUrl, scheme: string): string {
  return url.socketPath === undefined ? `${scheme}://${url.host}:${url.port}` : `${scheme}://localhost (socket ${url.socketPath})`;
}

async function createScratchDatabase(request: ShadowRequest, url: string): Promise<ShadowDatabase> {
  const started = performance.now();
  const where = shadowUrlText(maskPassword(url), request.urlOrigin);
  const parsed = parseDatabaseUrl(url, "shadow.url");
  if (parsed.dialect !== "mysql") {
    throw new ConfigError(`${where} is not a MySQL or MariaDB server, as the target is`, {
      key: "shadow.url",
      fix: "Set shadow.url to a mysql:// or mariadb:// URL of a server where Stratum may create databases.",
    });
  }
  const options = mysqlConnection({ ...parsed, database: undefined }, request.environment["MYSQL_PWD"]);
  const name = `stratum_shadow_${randomBytes(4).toString("hex")}`;
  let admin: Connection;
  try {
    admin = await connect(options);
  } catch (error) {
    throw new ConfigError(`cannot connect to ${where} to create the shadow database: ${reason(error)}`, {
      key: "shadow.url",
      fix: "Start that server or correct shadow.url, or remove shadow.url to let Stratum start a server of its own.",
      cause: error,
    });
  }
  try {
    await admin.query(`create database \`${name}\``);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const denied = code === "ER_DBACCESS_DENIED_ERROR" || code === "ER_ACCESS_DENIED_ERROR" || code === "ER_SPECIFIC_ACCESS_DENIED_ERROR";
    throw new ConfigError(
      denied
        ? `the user of ${where} may not create databases, so no shadow database can be made there`
        : `cannot create the shadow database on ${where}: ${reason(error)}`,
      {
        key: "shadow.url",
        fix: denied
          ? `Grant it the right (GRANT ALL ON \`stratum_shadow_%\`.* TO ${parsed.user ?? "<user>"}), use another user in shadow.url, or remove shadow.url to let Stratum start a server of its own.`
          : "Correct shadow.url, or remove it to let Stratum start a server of its own.",
        cause: error,
      },
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  let closing: Promise<void> | undefined;
  const scheme = parsed.flavorHint === "mariadb" ? "mariadb" : "mysql";
  return {
    url: withDatabase(url, name),
    description: `database ${name} on ${serverOnly(parsed, scheme)}`,
    startMs: Math.round(performance.now() - started),
    close: () =>
      (closing ??= (async () => {
        const again = await connect(options);
        try {
          await again.query(`drop database if exists \`${name}\``);
        } finally {
          await again.end().catch(() => undefined);
        }
      })()),
    another: () => createScratchDatabase(request, url),
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  for (const key of [...parsed.searchParams.keys()]) if (key.toLowerCase() === "database") parsed.searchParams.delete(key);
  return parsed.toString();
}

// --- no shadow.url: a throwaway server ----------------------------------------------------------------

interface ServerBinary {
  readonly path: string;
  readonly flavor: "mariadb" | "mysql";
  readonly version: string;
}

/** The server binary at `path`, when `--version` runs (as the user the server will run as). */
async function describeBinary(path: string, runAs: RunAs | undefined): Promise<ServerBinary | undefined> {
  if (!existsSync(path)) return undefined;
  const text = await programVersion(path, ["--version"], runAs);
  if (text === undefined) return undefined;
  const version = /Ver\s+(\d+(?:\.\d+)*)/.exec(text)?.[1];
  return version === undefined ? undefined : { path, flavor: /mariadb/i.test(text) ? "mariadb" : "mysql", version };
}

function candidatePaths(request: ShadowRequest): string[] {
  const dirs = [...(request.environment["PATH"] ?? "").split(delimiter).filter((d) => d !== ""), "/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"];
  return [...new Set(dirs.flatMap((dir) => ["mariadbd", "mysqld"].map((name) => join(dir, name))))];
}

async function findServer(request: ShadowRequest, runAs: RunAs | undefined): Promise<ServerBinary> {
  const wanted = request.server?.flavor === "mariadb" || request.server?.flavor === "mysql" ? request.server.flavor : undefined;
  const fromEnv = request.environment[MYSQLD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    const found = await describeBinary(fromEnv, runAs);
    if (found === undefined) {
      const as = runAs === undefined ? "" : ` as the user ${runAs.name}`;
      const what = existsSync(fromEnv) ? `is not a mariadbd or mysqld program that runs${as}` : "does not exist";
      throw new ConfigError(`${MYSQLD_ENV}=${fromEnv} ${what}, so no shadow server can be started`, {
        fix: `Point ${MYSQLD_ENV} at a mariadbd or mysqld binary, unset it, or set shadow.url in the config to a server where Stratum may create databases.`,
      });
    }
    return found;
  }
  const found: ServerBinary[] = [];
  for (const path of candidatePaths(request)) {
    const binary = await describeBinary(path, runAs);
    if (binary !== undefined && !found.some((f) => f.flavor === binary.flavor && f.version === binary.version)) found.push(binary);
  }
  const pick = found.find((f) => wanted === undefined || f.flavor === wanted);
  if (pick !== undefined) return pick;
  const name = wanted === "mysql" ? "MySQL" : "MariaDB";
  const seen = found.length === 0 ? "no mariadbd or mysqld was found on the PATH or in /usr/sbin" : `only ${found.map((f) => f.path).join(", ")} was found`;
  throw new ConfigError(`the shadow database needs a ${name} server binary and ${seen}`, {
    key: "shadow.url",
    fix: `Install ${name} server (e.g. apt-get install ${wanted === "mysql" ? "mysql-server" : "mariadb-server"}) or point ${MYSQLD_ENV} at its binary, or set shadow.url in the config to a server where Stratum may create databases.`,
  });
}

/** The data directory initialiser: mariadb-install-db / mysql_install_db next to the binary or on the PATH, or mysqld --initialize-insecure. */
function initCommand(binary: ServerBinary, data: string, tmp: string, request: ShadowRequest): { command: string; args: string[] } {
  if (binary.flavor === "mysql") {
    return { command: binary.path, args: ["--no-defaults", "--initialize-insecure", `--datadir=${data}`, `--tmpdir=${tmp}`] };
  }
  const base = dirname(dirname(binary.path));
  const dirs = [join(base, "bin"), join(base, "scripts"), ...(request.environment["PATH"] ?? "").split(delimiter), "/usr/bin"];
  const script = dirs.flatMap((d) => ["mariadb-install-db", "mysql_install_db"].map((n) => join(d, n))).find((p) => isFile(p));
  return {
    command: script ?? "mariadb-install-db",
    args: [
      "--no-defaults",
      `--basedir=${base}`,
      `--datadir=${data}`,
      `--tmpdir=${tmp}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      "--skip-name-resolve",
      ...INNODB_SIZES,
    ],
  };
}
const isFile = (path: string) => path !== "" && existsSync(path);

async function startMysqlServer(request: ShadowRequest): Promise<ShadowDatabase> {
  const started = performance.now();
  const runAs = runAsFor("mysql");
  const binary = await findServer(request, runAs);
  const name = binary.flavor === "mariadb" ? "MariaDB" : "MySQL";
  const dir = makeTempDir("stratum-shadow-my-", runAs);
  const data = join(dir, "data");
  const socket = join(dir, "mysqld.sock");
  const what = `the throwaway ${name} ${binary.version} shadow server (${binary.path})`;
  const fix = `Check that ${binary.path} runs${runAs === undefined ? "" : ` as the user ${runAs.name}`}, or set shadow.url in the config to a server where Stratum may create databases.`;
  const env = { ...process.env, TZ: "UTC" };
  // Its own tmpdir: a server starting deletes every `#sql*` file in its tmpdir, and in a shared
  // /tmp those are the temporary tables of the machine's other MySQL/MariaDB servers (which then crash).
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  if (runAs !== undefined) chownSync(tmp, runAs.uid, runAs.gid);
  const init = initCommand(binary, data, tmp, request);
  try {
    await runProgram(init.command, init.args, { runAs, env, timeoutMs: START_TIMEOUT_MS, what: `${basename(init.command)} for ${what}`, fix, signal: request.signal });
  } catch (error) {
    removeShadowDir(dir);
    throw error;
  }
  const server = await startServer({
    command: binary.path,
    args: [
      "--no-defaults",
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--tmpdir=${tmp}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      "--skip-networking",
      "--skip-log-bin",
      ...INNODB_SIZES,
      "--innodb-flush-log-at-trx-commit=0",
      ...(binary.flavor === "mysql" ? ["--mysqlx=OFF"] : ["--skip-name-resolve"]),
    ],
    runAs,
    env,
    ready: /d: ready for connections/,
    timeoutMs: START_TIMEOUT_MS,
    what,
    fix,
    dir,
    stopSignal: "SIGTERM",
    abort: request.signal,
  });
  try {
    const admin = await connect({ socketPath: socket, user: "root" });
    try {
      await admin.query(`create database \`${SHADOW_DATABASE}\``);
    } finally {
      await admin.end().catch(() => undefined);
    }
  } catch (error) {
    await server.stop();
    throw new ConfigError(`${what} started but does not let root create a database: ${reason(error)}`, { fix, cause: error });
  }
  const scheme = binary.flavor === "mariadb" ? "mariadb" : "mysql";
  const url = `${scheme}://root@localhost/${SHADOW_DATABASE}?socket=${encodeURIComponent(socket)}`;
  return {
    url,
    description: `throwaway ${name} ${binary.version} (${binary.path}) on socket ${socket}`,
    startMs: Math.round(performance.now() - started),
    close: () => server.stop(),
    another: () => createScratchDatabase({ ...request, urlOrigin: what }, url),
  };
}
