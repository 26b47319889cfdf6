// SQLite through better-sqlite3: a file (or memory) database, locked by a companion lock file.

import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { BackupError, ConnectionError, StratumError } from "../../core/errors.js";
import { sqliteSql } from "./sql/sqlite-sql.js";
import type { Capabilities, DescribeSchemaOptions, Dialect, HistoryTypes, Queryable } from "../dialect.js";
import { DescriptionMemo, describeSchema } from "./describe-schema.js";
import { catalogFingerprint } from "./describe-memo.js";
import { dumpSchema } from "./dump-schema.js";
import { loadDriver, type Database } from "./driver.js";
import { checkAccess, sqliteEnvironmentFix } from "./file-problems.js";
import { SqliteConnection } from "./sqlite-connection.js";
import { option } from "../../core/vocabulary.js";

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

const HISTORY_TYPES: HistoryTypes = {
  key: "text",
  text: "text",
  integer: "integer",
  bigint: "integer",
  // no AUTOINCREMENT: log rows are never deleted, so rowids only grow, without the extra
  // sqlite_sequence write on every insert
  autoId: "integer primary key",
  upsert: "on-conflict",
};

const CAPABILITIES: Capabilities = {
  transactionalDdl: true,
  concurrentConnections: false,
  backup: true,
  batchRoundTrip: false,
  schemaIntrospection: true,
  headVersion: true,
  lockCapacity: false,
  settleWrites: false,
  sessionLoss: false,
  commitRefusal: true,
  environmentFixes: true,
};

export function sqliteDialect(options: SqliteDialectOptions): Dialect {
  const memory = options.filename === ":memory:" || options.filename === "";
  const given = options.client as Database | undefined;
  // An in-memory database exists only inside its connection: every session shares one.
  let shared: Database | undefined = given;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  // the last descriptions, so that describing again reads only the tables whose text changed
  const described = new DescriptionMemo();

  async function open(write = true): Promise<Database> {
    if (shared) return shared;
    const db = await openDatabase(options.filename, memory, write, busyTimeoutMs);
    if (memory) shared = db;
    return db;
  }

  const dialect: Dialect = {
    name: "sqlite",
    capabilities: CAPABILITIES,
    historyTypes: HISTORY_TYPES,
    displayUrl: options.displayUrl,
    backupExtension: "db",
    // SQLite names no constraint: a deferred foreign key fails at COMMIT with this code alone
    isCommitGuardFailure: (error) => (error as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_FOREIGNKEY",
    commitGuardNote: "on SQLite, a row that breaks a foreign key fails the same way",
    async connect(connectOptions = {}) {
      if (connectOptions.readOnly && !memory && !shared && !existsSync(options.filename)) {
        // nothing to read yet: an empty database, without creating the file
        const Driver = await loadDriver();
        return new SqliteConnection(new Driver(":memory:"), false, null);
      }
      const db = await open(connectOptions.readOnly !== true);
      return new SqliteConnection(db, db === shared, memory ? null : options.filename);
    },
    sql: sqliteSql,
    quoteIdentifier,
    qualifiedTable: quoteIdentifier,
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
        return await backupTo(db, file);
      } finally {
        if (db !== shared) db.close();
      }
    },
    describeSchema: (db: Queryable, options?: DescribeSchemaOptions) => describeSchema(db, options, described),
    dumpSchema: (db: Queryable, options?: DescribeSchemaOptions) => dumpSchema(db, options),
    catalogFingerprint: (db: Queryable, options?: DescribeSchemaOptions) => catalogFingerprint(db, options),
    async recordHead(db: Queryable, version: bigint) {
      // user_version is a signed 32-bit integer: timestamp versions do not fit and are not recorded.
      if (version >= 0n && version <= INT32_MAX) await db.exec(`pragma user_version = ${version.toString()}`);
    },
    async readHead(db: Queryable) {
      const [row] = await db.query<{ user_version: number | bigint }>("pragma user_version");
      return BigInt(row?.user_version ?? 0);
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

/** Opens the database file (or a new in-memory database), refusing what this user cannot do with it. */
async function openDatabase(filename: string, memory: boolean, write: boolean, busyTimeoutMs: number): Promise<Database> {
  const Driver = await loadDriver();
  try {
    if (!memory) {
      const dir = dirname(filename);
      if (!existsSync(dir)) {
        throw new ConnectionError(`cannot open SQLite database ${filename}: directory ${dir} does not exist`, {
          fix: "create the directory or fix the url",
        });
      }
      checkAccess(filename, write);
    }
    const created = !memory && !existsSync(filename);
    const db = new Driver(memory ? ":memory:" : filename);
    if (created) chmodSync(filename, 0o600);
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma("foreign_keys = ON");
    return db;
  } catch (error) {
    if (error instanceof StratumError) throw error;
    throw new ConnectionError(`cannot open SQLite database ${filename}: ${(error as Error).message}`, {
      fix: "check the path in the url and the file's permissions",
      cause: error,
    });
  }
}

/** Copies the database to a new file `file` with SQLite's online backup. */
async function backupTo(db: Database, file: string): Promise<string> {
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
}
