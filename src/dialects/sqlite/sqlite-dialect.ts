import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { BackupError, ConnectionError, InterruptedError, LockTimeoutError, StratumError } from "../../core/errors.js";
import type { Statement } from "../../core/types.js";
import { splitSqlite } from "../../sql/split-sqlite.js";
import { transactionControlOf } from "../../sql/transaction-control.js";
import { StatementFailure, type BatchOptions, type Connection, type Dialect, type Lock, type LockOptions, type Queryable, type ServerInfo, type SessionGuards } from "../dialect.js";
import { option } from "../../core/vocabulary.js";

type Database = BetterSqlite3.Database;
type DatabaseConstructor = typeof BetterSqlite3;

export interface SqliteDialectOptions {
  /** A file path or `:memory:`. */
  readonly filename: string;
  readonly displayUrl: string;
  /** An existing better-sqlite3 Database the user passed. */
  readonly client?: unknown;
  /** How long a statement waits for another writer (ms). */
  readonly busyTimeoutMs?: number;
}

const INT32_MAX = 2_147_483_647n;

let driver: DatabaseConstructor | undefined;

async function loadDriver(): Promise<DatabaseConstructor> {
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

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; map the rest. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

export function sqliteDialect(options: SqliteDialectOptions): Dialect {
  const memory = options.filename === ":memory:" || options.filename === "";
  const given = options.client as Database | undefined;
  // An in-memory database exists only inside its connection: every session shares one.
  let shared: Database | undefined = given;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;

  async function open(write = true): Promise<Database> {
    if (shared) return shared;
    const Driver = await loadDriver();
    try {
      if (!memory) {
        const dir = dirname(options.filename);
        if (!existsSync(dir)) {
          throw new ConnectionError(`cannot open SQLite database ${options.filename}: directory ${dir} does not exist`, {
            fix: "create the directory or fix the url",
          });
        }
        checkAccess(options.filename, write);
      }
      const created = !memory && !existsSync(options.filename);
      const db = new Driver(memory ? ":memory:" : options.filename);
      if (created) chmodSync(options.filename, 0o600);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma("foreign_keys = ON");
      if (memory) shared = db;
      return db;
    } catch (error) {
      if (error instanceof StratumError) throw error;
      throw new ConnectionError(`cannot open SQLite database ${options.filename}: ${(error as Error).message}`, {
        fix: "check the path in the url and the file's permissions",
        cause: error,
      });
    }
  }

  const dialect: Dialect = {
    name: "sqlite",
    capabilities: { transactionalDdl: true, concurrentConnections: false },
    historyTypes: {
      key: "text",
      text: "text",
      integer: "integer",
      bigint: "integer",
      // no AUTOINCREMENT: log rows are never deleted, so rowids only grow, without the extra
      // sqlite_sequence write on every insert
      autoId: "integer primary key",
      upsert: "on-conflict",
    },
    displayUrl: options.displayUrl,
    async connect(connectOptions = {}) {
      if (connectOptions.readOnly && !memory && !shared && !existsSync(options.filename)) {
        // nothing to read yet: an empty database, without creating the file
        const Driver = await loadDriver();
        return new SqliteConnection(new Driver(":memory:"), false, null);
      }
      const db = await open(connectOptions.readOnly !== true);
      return new SqliteConnection(db, db === shared, memory ? null : options.filename);
    },
    splitStatements(sql: string): Statement[] {
      return splitSqlite(sql);
    },
    quoteIdentifier,
    qualifiedTable: quoteIdentifier,
    transactionControl(statement: string) {
      return transactionControlOf("sqlite", statement);
    },
    nonTransactionalReason(statement: string) {
      return /^\s*vacuum\b/i.test(statement) ? "VACUUM cannot run inside a transaction" : null;
    },
    errorPosition() {
      return null;
    },
    // SQLite's COMMIT is atomic: when it fails, nothing of the transaction was written (a full
    // disk rolls it back; a busy database leaves it open, and the caller rolls it back)
    commitRefused() {
      return true;
    },
    environmentFix(error: unknown) {
      return memory ? null : sqliteEnvironmentFix(error, options.filename);
    },
    isRetryable(error: unknown) {
      const code = (error as { code?: unknown }).code;
      return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
    },
    async checkBackup() {
      if (memory) {
        throw new BackupError("an in-memory SQLite database cannot be backed up", {
          fix: `use a file database or run without ${option("backup")}`,
        });
      }
    },
    async backup(file: string) {
      const db = await open();
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        // The backup holds the data: created here exclusively, mode 0600 from the start, never
        // through a planted link (as pg_dump's and mysqldump's files are); SQLite keeps the mode.
        try {
          closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
        } catch (error) {
          const reason = (error as NodeJS.ErrnoException).code === "EEXIST" ? "the file already exists" : (error as Error).message;
          throw new BackupError(`cannot create backup file ${file}: ${reason}`, {
            fix: "choose a new backup path in a writable directory",
            cause: error,
          });
        }
        await db.backup(file);
        chmodSync(file, 0o600);
        return file;
      } finally {
        if (db !== shared) db.close();
      }
    },
    async describeSchema(db: Queryable) {
      const objects = await db.query<{ type: string; name: string; tbl_name: string; sql: string | null }>(
        "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name",
      );
      const tables = [];
      for (const object of objects.filter((o) => o.type === "table")) {
        const columns = await db.query<{ name: string; type: string; notnull: number; dflt_value: unknown; pk: number }>(
          "select name, type, \"notnull\", dflt_value, pk from pragma_table_info(?) order by cid",
          [object.name],
        );
        tables.push({
          name: object.name,
          columns: columns.map((c) => ({ name: c.name, type: c.type, nullable: c.notnull === 0, default: c.dflt_value ?? null, primaryKey: c.pk > 0 })),
        });
      }
      const others = objects
        .filter((o) => o.type !== "table")
        .map((o) => ({ type: o.type, name: o.name, table: o.tbl_name, definition: (o.sql ?? "").replace(/\s+/g, " ").trim() }));
      return { tables, indexes: others.filter((o) => o.type === "index"), views: others.filter((o) => o.type === "view"), triggers: others.filter((o) => o.type === "trigger") };
    },
    async recordHead(db: Queryable, version: bigint) {
      // user_version is a signed 32-bit integer: timestamp versions do not fit and are not recorded.
      if (version >= 0n && version <= INT32_MAX) await db.exec(`pragma user_version = ${version.toString()}`);
    },
    async dispose() {
      if (shared && shared !== given && shared.open) shared.close();
      shared = given;
    },
  };
  return dialect;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class SqliteConnection implements Connection {
  readonly #db: Database;
  readonly #shared: boolean;
  readonly #filename: string | null;

  constructor(db: Database, shared: boolean, filename: string | null) {
    this.#db = db;
    this.#shared = shared;
    this.#filename = filename;
  }

  get client(): unknown {
    return this.#db;
  }

  /** Prepared statements by text: the history writes repeat for every migration of a run. */
  readonly #prepared = new Map<string, BetterSqlite3.Statement>();

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#prepared.size >= 64) this.#prepared.clear();
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const statement = this.#prepare(sql);
    const bound = params.map(bindable);
    if (statement.reader) return statement.all(...bound) as Row[];
    statement.run(...bound);
    return [];
  }

  async exec(sql: string): Promise<void> {
    this.#db.exec(sql);
  }

  /**
   * The statements in one exec call, inside a savepoint. SQLite does not say which statement of
   * a script failed, so on failure they are undone and replayed one by one to find it.
   */
  async execBatch(statements: readonly string[], options: BatchOptions = {}): Promise<void> {
    const db = this.#db;
    if (options.begin === true) db.exec("begin immediate");
    if (statements.length === 0) return;
    db.exec("savepoint stratum_batch");
    try {
      db.exec(statements.join("\n;\n"));
      db.exec("release stratum_batch");
      return;
    } catch (whole) {
      // some errors (a full disk, an interrupt) end the transaction, savepoint and all
      if (!db.inTransaction) throw new StatementFailure(null, null, whole);
      db.exec("rollback to stratum_batch");
      let failure = new StatementFailure(null, null, whole);
      for (const [i, statement] of statements.entries()) {
        try {
          db.exec(statement);
        } catch (error) {
          failure = new StatementFailure(i, null, error);
          break;
        }
      }
      if (db.inTransaction) {
        db.exec("rollback to stratum_batch");
        db.exec("release stratum_batch");
      }
      throw failure;
    }
  }

  async begin(): Promise<void> {
    this.#db.exec("begin immediate");
  }

  async commit(): Promise<void> {
    this.#db.exec("commit");
  }

  async rollback(): Promise<void> {
    if (this.#db.inTransaction) this.#db.exec("rollback");
  }

  async acquireLock(key: string, options: LockOptions): Promise<Lock> {
    if (this.#filename === null) return { release: async () => {} };
    return acquireFileLock(await loadDriver(), `${this.#filename}-stratum.lock`, key, options);
  }

  async serverInfo(): Promise<ServerInfo> {
    const row = this.#db.prepare("select sqlite_version() as v").get() as { v: string };
    return { flavor: "sqlite", version: row.v };
  }

  async currentUser(): Promise<string | null> {
    return null;
  }

  async tableExists(name: string): Promise<boolean> {
    const row = this.#db
      .prepare("select 1 from sqlite_master where type in ('table', 'view') and lower(name) = lower(?)")
      .get(name);
    return row !== undefined;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    const rows = this.#db.prepare("select name from pragma_table_info(?)").all(table) as { name: string }[];
    return rows.some((row) => row.name.toLowerCase() === column.toLowerCase());
  }

  async indexExists(name: string): Promise<boolean> {
    const row = this.#db.prepare("select 1 from sqlite_master where type = 'index' and lower(name) = lower(?)").get(name);
    return row !== undefined;
  }

  async setGuards(guards: SessionGuards): Promise<void> {
    if (guards.lockTimeoutMs !== undefined) this.#db.pragma(`busy_timeout = ${Math.max(0, Math.floor(guards.lockTimeoutMs))}`);
  }

  async close(): Promise<void> {
    if (!this.#shared && this.#db.open) this.#db.close();
  }
}

/**
 * The run lock on SQLite: an exclusive transaction on a small companion database. The operating
 * system drops the file lock when the process dies, so a killed holder never leaves it behind.
 */
async function acquireFileLock(Driver: DatabaseConstructor, path: string, key: string, options: LockOptions): Promise<Lock> {
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

type FileProblemKind = "permission" | "read-only" | "full";

/** What the operating system (or SQLite, reporting it) said about a file: `permission denied (EACCES)`. */
function fileProblem(error: unknown): { readonly kind: FileProblemKind; readonly reason: string } | null {
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
function ownerHint(path: string): string {
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
function checkAccess(file: string, write: boolean): void {
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
function sqliteEnvironmentFix(error: unknown, file: string): string | null {
  const problem = fileProblem(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (problem?.kind === "full") return `free space on the file system holding ${dirname(file)}`;
  if (problem !== null) return `make ${file} and ${dirname(file)} writable by this user`;
  if (typeof code === "string" && code.startsWith("SQLITE_IOERR")) return `check the disk holding ${file} (the operating system reported an I/O error, ${code})`;
  return null;
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
