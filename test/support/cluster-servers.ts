// Servers the cluster-lock tests start themselves, on 127.0.0.1 only, bounded in time, stopped and
// removed after: PgBouncer in transaction pooling mode in front of the local PostgreSQL, and a
// MariaDB Galera cluster (Debian's mariadbd with galera-4, rsync state transfer).
// Each start either resolves with a running server or rejects with one sentence saying why.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { PG_URL } from "./targets.js";

/** A free TCP port on 127.0.0.1 (the OS picks one; we close it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The uid/gid of a system account, or null when there is none. */
function account(name: string): { uid: number; gid: number } | null {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith(`${name}:`));
    if (line === undefined) return null;
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}

function findBinary(candidates: readonly string[]): string | null {
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** Stops a child: `signal`, then SIGKILL after `graceMs`; resolves when it has exited. */
function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** A directory the server's own user may use (a mkdtemp directory is root's alone). */
function sharedTempDir(prefix: string, owner: { uid: number; gid: number } | null): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (owner !== null && process.getuid?.() === 0) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

// ---------------------------------------------------------------- PgBouncer

export interface PgBouncer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` through the pooler. */
  url(database: string): string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer with pool_mode=transaction and a pool of `poolSize` server connections per
 * database in front of the PostgreSQL at PG_URL, as the `postgres` account when we are root (it
 * refuses root). Rejects within `timeoutMs` when it cannot.
 */
export async function startPgBouncer(options: { poolSize?: number; timeoutMs?: number } = {}): Promise<PgBouncer> {
  const binary = findBinary(["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]);
  if (binary === null) throw new Error("pgbouncer is not installed (.ci/run installs Debian's pgbouncer package)");
  const server = new URL(PG_URL);
  const user = decodeURIComponent(server.username || "postgres");
  const runAs = process.getuid?.() === 0 ? account("postgres") ?? account("nobody") : null;
  const dir = sharedTempDir("stratum-pgbouncer-", runAs);
  const port = await freePort();
  writeFileSync(join(dir, "users.txt"), `"${user}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 2}`,
      "max_client_conn = 200",
      "server_reset_query =",
      "ignore_startup_parameters = extra_float_digits,options,statement_timeout,lock_timeout",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  for (const file of ["users.txt", "pgbouncer.ini"]) if (runAs !== null) chownSync(join(dir, file), runAs.uid, runAs.gid);
  const child = spawn(binary, [join(dir, "pgbouncer.ini")], { stdio: ["ignore", "pipe", "pipe"], ...(runAs ?? {}) });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = (database: string) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  const stop = async () => {
    await stopChild(child, "SIGTERM", 5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const client = new pg.Client({ connectionString: url("postgres"), connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return { url, port, stop };
    } catch (error) {
      lastError = (error as Error).message;
      await client.end().catch(() => undefined);
      await sleep(150);
    }
  }
  const log = `${output.trim()}\n${tail(join(dir, "pgbouncer.log"))}`;
  await stop();
  throw new Error(`PgBouncer did not start on 127.0.0.1:${port} (${lastError || "it exited"}): ${log}`);
}

// ---------------------------------------------------------------- Galera

export interface GaleraNode {
  readonly port: number;
  /** `mysql://stratum@127.0.0.1:<port>/<database>` */
  url(database: string): string;
}

export interface GaleraCluster {
  readonly nodes: readonly GaleraNode[];
  /** Runs SQL on node `index` as root over its socket (the `mariadb` client). */
  sql(index: number, text: string): Promise<string>;
  stop(): Promise<void>;
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
  });
}

interface NodeFiles {
  readonly dir: string;
  readonly cnf: string;
  readonly socket: string;
  readonly log: string;
  readonly port: number;
}

/**
 * Starts a Galera cluster of `size` MariaDB nodes on 127.0.0.1: node 0 bootstraps it
 * (--wsrep-new-cluster), the others join by rsync state transfer. A user `stratum` without a
 * password, allowed everything from 127.0.0.1, is created on node 0 before the others join.
 * Rejects within `timeoutMs` with the failing node's error log.
 */
export async function startGalera(options: { size?: number; timeoutMs?: number } = {}): Promise<GaleraCluster> {
  const size = options.size ?? 2;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  const mariadbd = findBinary(["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]);
  const provider = findBinary(["/usr/lib/galera/libgalera_smm.so", "/usr/lib/libgalera_smm.so", "/usr/lib64/galera-4/libgalera_smm.so"]);
  const installDb = findBinary(["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"]);
  const client = findBinary(["/usr/bin/mariadb", "/usr/bin/mysql"]);
  if (mariadbd === null || installDb === null || client === null) throw new Error("mariadbd, mariadb-install-db or the mariadb client is missing (Debian's mariadb-server)");
  if (provider === null) throw new Error("libgalera_smm.so is missing: install Debian's galera-4 package (.ci/run does)");
  if (findBinary(["/usr/bin/rsync"]) === null) throw new Error("rsync is missing: Galera's rsync state transfer needs it (.ci/run installs it)");
  const asRoot = process.getuid?.() === 0;
  const mysqlUser = asRoot ? account("mysql") : null;
  if (asRoot && mysqlUser === null) throw new Error("there is no mysql account to run mariadbd as");
  const root = sharedTempDir("stratum-galera-", mysqlUser);
  const ports = await Promise.all(Array.from({ length: size * 4 }, () => freePort()));
  const gcomm = Array.from({ length: size }, (_, i) => `127.0.0.1:${ports[i * 4 + 1]}`).join(",");
  const files: NodeFiles[] = [];
  for (let i = 0; i < size; i++) {
    const dir = join(root, `node${i}`);
    mkdirSync(join(dir, "data"), { recursive: true });
    const [port, group, ist, sst] = ports.slice(i * 4, i * 4 + 4) as [number, number, number, number];
    const cnf = join(dir, "my.cnf");
    const socket = join(dir, "mysqld.sock");
    const log = join(dir, "error.log");
    writeFileSync(
      cnf,
      [
        "[mysqld]",
        `datadir=${join(dir, "data")}`,
        `socket=${socket}`,
        `port=${port}`,
        "bind-address=127.0.0.1",
        `pid-file=${join(dir, "mysqld.pid")}`,
        `log-error=${log}`,
        `tmpdir=${dir}`,
        "skip-name-resolve",
        "binlog_format=ROW",
        "default_storage_engine=InnoDB",
        "innodb_autoinc_lock_mode=2",
        "innodb_buffer_pool_size=32M",
        "innodb_log_file_size=8M",
        "performance_schema=OFF",
        "wsrep_on=ON",
        `wsrep_provider=${provider}`,
        `wsrep_cluster_name=stratum_${process.pid}`,
        `wsrep_cluster_address=gcomm://${gcomm}`,
        "wsrep_node_address=127.0.0.1",
        `wsrep_node_name=node${i}`,
        `wsrep_provider_options="base_port=${group};gmcast.listen_addr=tcp://127.0.0.1:${group};ist.recv_addr=127.0.0.1:${ist};gcache.size=16M;pc.wait_prim_timeout=PT30S"`,
        "wsrep_sst_method=rsync",
        `wsrep_sst_receive_address=127.0.0.1:${sst}`,
        "",
      ].join("\n"),
    );
    files.push({ dir, cnf, socket, log, port });
  }
  if (mysqlUser !== null) await run("/bin/chown", ["-R", `${mysqlUser.uid}:${mysqlUser.gid}`, root], 10_000);

  const children: ChildProcess[] = [];
  const stop = async () => {
    // the joiners first, the bootstrap node last: a clean shutdown of the whole cluster
    for (const child of [...children].reverse()) await stopChild(child, "SIGTERM", 20_000);
    rmSync(root, { recursive: true, force: true });
  };
  const sql = (index: number, text: string) =>
    run(client, ["--no-defaults", `--socket=${files[index]!.socket}`, "-uroot", "-N", "-B", "-e", text], 20_000);
  const status = async (index: number, name: string): Promise<string | null> => {
    try {
      return (await sql(index, `show status like '${name}'`)).trim().split("\t")[1] ?? null;
    } catch {
      return null;
    }
  };
  const waitFor = async (index: number, what: string, ok: () => Promise<boolean>) => {
    while (Date.now() < deadline) {
      if (children[index]!.exitCode !== null) break;
      if (await ok()) return;
      await sleep(250);
    }
    const reason = children[index]!.exitCode !== null ? `mariadbd exited with code ${children[index]!.exitCode}` : "timed out";
    const log = tail(files[index]!.log, 25);
    await stop();
    throw new Error(`Galera node ${index} (127.0.0.1:${files[index]!.port}) did not become ${what} (${reason}); its error log ends:\n${log}`);
  };

  try {
    await run(
      installDb,
      ["--no-defaults", `--datadir=${join(files[0]!.dir, "data")}`, ...(mysqlUser ? ["--user=mysql"] : []), "--auth-root-authentication-method=socket", "--skip-test-db"],
      Math.max(1_000, deadline - Date.now()),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  for (let i = 0; i < size; i++) {
    const args = [`--defaults-file=${files[i]!.cnf}`, ...(mysqlUser ? ["--user=mysql"] : []), ...(i === 0 ? ["--wsrep-new-cluster"] : [])];
    children.push(spawn(mariadbd, args, { stdio: "ignore" }));
    await waitFor(i, "a synced member", async () => (await status(i, "wsrep_local_state_comment")) === "Synced" && (await status(i, "wsrep_ready")) === "ON");
    if (i === 0) await sql(0, "create user 'stratum'@'127.0.0.1'; grant all on *.* to 'stratum'@'127.0.0.1' with grant option");
  }
  await waitFor(0, `part of a ${size}-node cluster`, async () => (await status(0, "wsrep_cluster_size")) === String(size));
  const nodes = files.map((file) => ({ port: file.port, url: (database: string) => `mysql://stratum@127.0.0.1:${file.port}/${database}` }));
  return { nodes, sql, stop };
}
