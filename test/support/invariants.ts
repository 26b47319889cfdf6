import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { expect } from "vitest";
import type { TargetName, TestDb } from "./targets.js";

/**
 * One observable effect of a migration: a table, or a query whose first column counts what the
 * migration made (present when > 0). A query that fails (its table is missing) counts as absent.
 */
export type Probe = { readonly what: string; readonly table: string } | { readonly what: string; readonly sql: string };

export interface ExpectedMigration {
  readonly version: string;
  /** SHA-256 the state row must carry. */
  readonly checksum?: string;
  /** Its effects, in the order its statements make them. */
  readonly effects?: readonly Probe[];
  /**
   * SQL migrations: how many effects exist after i statements (index i, 0…n). Lets the checker
   * hold a MariaDB `running` row's statement counter against what the catalog shows.
   */
  readonly effectsAfter?: readonly number[];
  /** User tables it creates. */
  readonly tables?: readonly string[];
}

export interface ExpectedState {
  /** Exactly these are applied, no more, no fewer (in version order). */
  readonly migrations: readonly ExpectedMigration[];
  /** Exactly these user tables exist (history tables aside), plus what a tolerated dirty migration made. */
  readonly tables: readonly string[];
  /** Migrations that must have left no trace (unless one is the tolerated dirty one). */
  readonly absent?: readonly ExpectedMigration[];
  /**
   * Versions that may be recorded `running` or `failed` (MariaDB after a kill or a cut
   * connection). At most one such row may exist, and it must be one of these.
   */
  readonly allowRunning?: readonly string[];
  /** `free` (default): nobody holds the run lock (waits up to `lockWaitMs` for a dead holder's session to end). */
  readonly lock?: "free" | "held" | "any";
  readonly lockWaitMs?: number;
  /** PostgreSQL: the schema of the stratum tables (`--schema`). */
  readonly schema?: string;
  readonly table?: string;
  readonly logTable?: string;
}

export interface StateRow {
  readonly version: string;
  readonly state: string;
  readonly checksum: string;
  readonly statementsDone: number | null;
  readonly error: string | null;
}

export interface Observed {
  /** Applied versions, in order. */
  readonly applied: readonly string[];
  /** The dirty (running/failed) row, if any. */
  readonly dirty: StateRow | null;
  /** For the dirty row: how many of its effects exist (a prefix of them). */
  readonly dirtyEffects: number;
  /** How long the finished runs' sessions took to end and the lock to become free (when checked). */
  readonly lockWaitedMs: number;
}

// the state table, the log, and the schema snapshot drift compares with (`<table>_schema`)
const HISTORY = (table: string, logTable: string) => new Set([table.toLowerCase(), logTable.toLowerCase(), `${table.toLowerCase()}_schema`]);

function qualified(dialect: TargetName, name: string, schema: string | undefined): string {
  if (dialect === "mysql") return "`" + name.replace(/`/g, "``") + "`";
  const quote = (part: string) => `"${part.replace(/"/g, '""')}"`;
  return schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`;
}

/** The state table's rows (empty when the table does not exist yet). */
export async function readState(
  db: TestDb,
  dialect: TargetName,
  options: { readonly schema?: string; readonly table?: string } = {},
): Promise<StateRow[]> {
  const table = options.table ?? "stratum_migrations";
  if (!(await historyTableExists(db, dialect, table, options.schema))) return [];
  const rows = await db.query<{ version: string; state: string; checksum: string; statements_done: unknown; error: string | null }>(
    `select version, state, checksum, statements_done, error from ${qualified(dialect, table, options.schema)} order by version`,
  );
  return rows.map((row) => ({
    version: String(row.version),
    state: String(row.state),
    checksum: String(row.checksum),
    statementsDone: row.statements_done === null || row.statements_done === undefined ? null : Number(row.statements_done),
    error: row.error ?? null,
  }));
}

/** Log rows of one kind, counted per version. */
export async function logCounts(
  db: TestDb,
  dialect: TargetName,
  where: { readonly operation: string; readonly outcome?: string },
  options: { readonly schema?: string; readonly logTable?: string } = {},
): Promise<Map<string, number>> {
  const table = options.logTable ?? "stratum_log";
  const counts = new Map<string, number>();
  if (!(await historyTableExists(db, dialect, table, options.schema))) return counts;
  const params: unknown[] = [where.operation];
  let sql = `select version, count(*) as n from ${qualified(dialect, table, options.schema)} where operation = ?`;
  if (where.outcome !== undefined) {
    sql += " and outcome = ?";
    params.push(where.outcome);
  }
  sql += " group by version";
  for (const row of await db.query<{ version: string | null; n: unknown }>(sql, params)) {
    counts.set(String(row.version), Number(row.n));
  }
  return counts;
}

async function historyTableExists(db: TestDb, dialect: TargetName, table: string, schema: string | undefined): Promise<boolean> {
  if (dialect === "postgres") {
    const rows = await db.query<{ n: unknown }>(
      "select count(*) as n from information_schema.tables where table_name = ? and table_schema = coalesce(?::text, current_schema())",
      [table, schema ?? null],
    );
    return Number(rows[0]?.n) > 0;
  }
  return (await db.tables()).includes(table.toLowerCase());
}

/** Whether one probe's effect exists. */
export async function probePresent(db: TestDb, probe: Probe, tables?: readonly string[]): Promise<boolean> {
  if ("table" in probe) return (tables ?? (await db.tables())).includes(probe.table.toLowerCase());
  try {
    const rows = await db.query<Record<string, unknown>>(probe.sql);
    const first = rows[0] === undefined ? undefined : Object.values(rows[0])[0];
    return Number(first) > 0;
  } catch {
    return false;
  }
}

/** Which of a migration's effects exist, in order. */
export async function effectsPresent(db: TestDb, migration: ExpectedMigration): Promise<boolean[]> {
  const tables = await db.tables();
  const present: boolean[] = [];
  for (const probe of migration.effects ?? []) present.push(await probePresent(db, probe, tables));
  return present;
}

/** The MariaDB lock name for the default key (`stratum:<database>:<schema>:<table>`). */
export function mysqlLockName(database: string, table = "stratum_migrations", schema = ""): string {
  return `stratum:${database}:${schema}:${table}`;
}

/**
 * Whether somebody holds the run lock right now. PostgreSQL: any granted advisory lock in the
 * database; MariaDB: IS_USED_LOCK on stratum's lock name; SQLite: an exclusive transaction on the
 * lock file cannot be had.
 */
export async function lockHeld(db: TestDb, dialect: TargetName, options: { readonly table?: string; readonly schema?: string } = {}): Promise<boolean> {
  switch (dialect) {
    case "postgres": {
      const rows = await db.query<{ n: unknown }>(
        "select count(*) as n from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())",
      );
      return Number(rows[0]?.n) > 0;
    }
    case "mysql": {
      const rows = await db.query<{ holder: unknown }>("select is_used_lock(?) as holder", [
        mysqlLockName(db.name, options.table ?? "stratum_migrations", options.schema ?? ""),
      ]);
      return rows[0]?.holder !== null && rows[0]?.holder !== undefined;
    }
    case "sqlite": {
      const path = `${db.name}-stratum.lock`;
      if (!existsSync(path)) return false;
      const lockDb = new Database(path, { timeout: 0, fileMustExist: true });
      try {
        lockDb.exec("begin exclusive");
        lockDb.exec("rollback");
        return false;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") return true;
        throw error;
      } finally {
        lockDb.close();
      }
    }
  }
}

/** Polls until the lock is free; returns how long that took, or -1 if it stayed held for `waitMs`. */
export async function waitForLockFree(db: TestDb, dialect: TargetName, waitMs = 5000, options: { readonly table?: string; readonly schema?: string } = {}): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (!(await lockHeld(db, dialect, options))) return Date.now() - started;
    if (Date.now() - started >= waitMs) return -1;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Other sessions on the test database (PostgreSQL, MariaDB). A killed client's server session
 * can still be finishing its last statement — a COMMIT already sent — so the state is only
 * final once they are gone.
 */
export async function otherSessions(db: TestDb, dialect: TargetName): Promise<number> {
  if (dialect === "postgres") {
    const rows = await db.query<{ n: unknown }>(
      "select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'",
    );
    return Number(rows[0]?.n);
  }
  if (dialect === "mysql") {
    const rows = await db.query<{ n: unknown }>(
      "select count(*) as n from information_schema.processlist where db = database() and id <> connection_id()",
    );
    return Number(rows[0]?.n);
  }
  return 0;
}

/** Waits until no other session is on the test database; returns the ms waited, or -1 after `waitMs`. */
export async function waitForQuiet(db: TestDb, dialect: TargetName, waitMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await otherSessions(db, dialect)) === 0) return Date.now() - started;
    if (Date.now() - started >= waitMs) return -1;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The invariant every reliability test ends with: the schema is what exactly the expected
 * migrations make; the state table has exactly those applied, with their checksums, each applied
 * exactly once according to the log; no `running`/`failed` row unless tolerated (and then its
 * effects are a prefix of its statements, matching its statement counter); SQLite's file is sound
 * and its user_version is the head; and the run lock is free.
 */
export async function checkInvariants(db: TestDb, expected: ExpectedState, dialect: TargetName): Promise<Observed> {
  const table = expected.table ?? "stratum_migrations";
  const logTable = expected.logTable ?? "stratum_log";
  const names = { ...(expected.schema === undefined ? {} : { schema: expected.schema }) };
  const where = `${dialect} ${db.name}`;
  const lock = expected.lock ?? "free";
  let quietMs = 0;
  if (lock === "free") {
    // the runs are over: let their server sessions end (a COMMIT sent just before a kill still lands)
    quietMs = await waitForQuiet(db, dialect, expected.lockWaitMs ?? 5000);
    expect(quietMs, `${where}: sessions of finished runs still connected ${expected.lockWaitMs ?? 5000} ms later`).toBeGreaterThanOrEqual(0);
  }

  // the state table: exactly the expected applied rows, with their checksums
  const rows = await readState(db, dialect, { ...names, table });
  const applied = rows.filter((r) => r.state === "applied");
  expect(applied.map((r) => r.version), `${where}: applied versions`).toEqual(expected.migrations.map((m) => m.version));
  for (const migration of expected.migrations) {
    if (migration.checksum === undefined) continue;
    const row = applied.find((r) => r.version === migration.version);
    expect(row?.checksum, `${where}: checksum of ${migration.version}`).toBe(migration.checksum);
  }
  const dirtyRows = rows.filter((r) => r.state === "running" || r.state === "failed");
  expect(dirtyRows.length, `${where}: dirty rows ${JSON.stringify(dirtyRows)}`).toBeLessThanOrEqual(
    (expected.allowRunning ?? []).length > 0 ? 1 : 0,
  );
  const dirty = dirtyRows[0] ?? null;
  if (dirty !== null) expect(expected.allowRunning ?? [], `${where}: unexpected dirty row ${dirty.version}`).toContain(dirty.version);
  for (const row of rows) {
    expect(["applied", "running", "failed", "rolled_back"], `${where}: state of ${row.version}`).toContain(row.state);
    if (row.state === "rolled_back") {
      expect(expected.migrations.map((m) => m.version), `${where}: ${row.version} is rolled back yet expected applied`).not.toContain(row.version);
    }
  }
  if (expected.absent !== undefined) {
    const known = new Set([...expected.migrations, ...expected.absent].map((m) => m.version));
    for (const row of rows) expect(known.has(row.version), `${where}: unknown state row ${row.version}`).toBe(true);
  }

  // the log: each applied migration applied exactly once (or settled by one `resolve`); nothing else succeeded
  const successes = await logCounts(db, dialect, { operation: "apply", outcome: "success" }, { ...names, logTable });
  const resolves = await logCounts(db, dialect, { operation: "resolve" }, { ...names, logTable });
  for (const migration of expected.migrations) {
    const count = successes.get(migration.version) ?? 0;
    if (count === 0 && (resolves.get(migration.version) ?? 0) > 0) continue;
    expect(count, `${where}: successful applies of ${migration.version} in the log`).toBe(1);
  }
  for (const migration of expected.absent ?? []) {
    expect(successes.get(migration.version) ?? 0, `${where}: ${migration.version} is not applied yet logged as applied`).toBe(0);
  }

  // the schema: the applied migrations' effects all present, the absent ones' none
  const tables = (await db.tables()).filter((t) => !HISTORY(table, logTable).has(t));
  for (const migration of expected.migrations) {
    const present = await effectsPresent(db, migration);
    expect(present, `${where}: effects of applied ${migration.version} (${(migration.effects ?? []).map((p) => p.what).join(", ")})`).toEqual(
      present.map(() => true),
    );
  }
  let dirtyEffects = 0;
  let dirtyTables: readonly string[] = [];
  for (const migration of expected.absent ?? []) {
    const present = await effectsPresent(db, migration);
    if (dirty !== null && migration.version === dirty.version) {
      dirtyEffects = present.filter(Boolean).length;
      dirtyTables = migration.tables ?? [];
      // a prefix: statements ran in order, none after the interruption
      expect(present, `${where}: effects of dirty ${migration.version} must be a prefix`).toEqual(present.map((_, i) => i < dirtyEffects));
      if (migration.effectsAfter !== undefined && dirty.statementsDone !== null && dirty.state === "running") {
        // the counter is written after each statement, so the one statement between a DDL's
        // implicit commit and the counter's write may be done yet uncounted — never more
        const low = migration.effectsAfter[dirty.statementsDone] ?? Number.NaN;
        const high = migration.effectsAfter[Math.min(dirty.statementsDone + 1, migration.effectsAfter.length - 1)] ?? Number.NaN;
        expect(
          dirtyEffects >= low && dirtyEffects <= high,
          `${where}: dirty ${migration.version} records ${dirty.statementsDone} statement(s) done but the catalog shows ${dirtyEffects} effect(s) (expected ${low}…${high})`,
        ).toBe(true);
      }
      continue;
    }
    expect(present, `${where}: effects of not-applied ${migration.version}`).toEqual(present.map(() => false));
  }
  const allowedExtra = new Set(dirtyTables.map((t) => t.toLowerCase()));
  const expectedTables = [...expected.tables].map((t) => t.toLowerCase()).sort();
  expect(
    tables.filter((t) => !allowedExtra.has(t) || expectedTables.includes(t)),
    `${where}: user tables`,
  ).toEqual(expectedTables);

  // SQLite: the file is sound and user_version is the head
  if (dialect === "sqlite") {
    const integrity = await db.query<{ integrity_check: string }>("pragma integrity_check");
    expect(integrity.map((r) => r.integrity_check), `${where}: integrity_check`).toEqual(["ok"]);
    const head = await db.query<{ user_version: number }>("pragma user_version");
    const last = expected.migrations.at(-1);
    expect(head[0]?.user_version, `${where}: PRAGMA user_version`).toBe(last === undefined ? 0 : Number(last.version));
  }

  // the lock
  let lockWaitedMs = 0;
  if (lock === "free") {
    const lockMs = await waitForLockFree(db, dialect, expected.lockWaitMs ?? 5000, { table, ...names });
    expect(lockMs, `${where}: the run lock is still held ${expected.lockWaitMs ?? 5000} ms later`).toBeGreaterThanOrEqual(0);
    lockWaitedMs = quietMs + lockMs;
  } else if (lock === "held") {
    expect(await lockHeld(db, dialect, { table, ...names }), `${where}: the run lock should be held`).toBe(true);
  }

  return { applied: applied.map((r) => r.version), dirty, dirtyEffects, lockWaitedMs };
}
