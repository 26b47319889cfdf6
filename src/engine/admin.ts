import type { OperationOptions } from "../api-types.js";
import { baselineAction, resolveAction } from "../core/confirm-actions.js";
import { ConfigError, ValidationError } from "../core/errors.js";
import type { AppliedMigration, MigrationFile } from "../core/types.js";
import { compareVersions, idReadings, indexByVersion, isVersionRef, matchesVersion, VERSION_EXAMPLES, versionKey } from "../core/version.js";
import { confirmProtected } from "./confirm.js";
import type { Engine } from "./ports.js";
import { instantLog } from "./report.js";
import { inTransaction, throwIfAborted, withConnection, withLock, type Session } from "./session.js";
import { appliedSet, discover, readHistory, type Discovered } from "./workspace.js";
import { recordedWithoutRunning } from "../core/applied-row.js";

/** Settles a dirty (running or failed) migration as applied or rolled back, running nothing. */
export async function resolve(
  engine: Engine,
  version: string,
  outcome: "applied" | "rolled-back",
  options: OperationOptions = {},
): Promise<AppliedMigration> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  // a refusal is decided from one read, without the lock, so it creates nothing (SQLite: no
  // database file where there is none)
  dirtyRow(engine, found, version, await withConnection(engine, (conn) => readHistory(engine, conn, found), true));
  throwIfAborted(options.signal);
  return withLock(engine, async (session) => {
    const applied = await readHistory(engine, session.conn, found);
    const row = dirtyRow(engine, found, version, applied);
    await confirmProtected(engine, options.confirm, resolveAction(version, outcome));
    const rowKey = versionKey(row.version);
    const migration = found.migrations.find((m) => versionKey(m.version) === rowKey);
    const next: AppliedMigration = {
      ...row,
      state: outcome === "applied" ? "applied" : "rolled_back",
      checksum: migration?.checksum ?? row.checksum,
      appliedAt: outcome === "applied" ? new Date().toISOString() : row.appliedAt,
      error: null,
    };
    await writeResolved(engine, session, applied, row, next, outcome);
    return next;
  }, options.signal);
}

/** The dirty row to settle, or the refusal: the same answer before the lock and under it. */
function dirtyRow(engine: Engine, found: Discovered, version: string, applied: readonly AppliedMigration[]): AppliedMigration {
  const corrupt = found.problems.filter((p) => p.code === "CORRUPT_HISTORY");
  if (corrupt.length > 0) throw new ValidationError(corrupt);
  const index = indexByVersion(applied);
  const ref = checkedRef(version);
  // an id names its row by the version alone (the recorded name may be an older one)
  const row = index.resolve(ref)[0] ?? idReadings(ref).map((r) => index.resolve(r.version)[0]).find((r) => r !== undefined);
  if (!row) {
    throw new ValidationError([
      {
        code: "UNKNOWN_VERSION",
        message: `no migration ${version} is recorded in ${engine.policy.table}`,
        files: [],
        fix: "run `stratum status` to see the recorded versions",
        severity: "error",
      },
    ]);
  }
  if (row.state !== "running" && row.state !== "failed") {
    throw new ValidationError([
      {
        code: "UNKNOWN_VERSION",
        message: `migration ${row.version}_${row.name} is ${row.state}, not dirty; there is nothing to resolve`,
        files: [],
        fix: "resolve only migrations that `stratum status` shows as running or failed",
        severity: "error",
      },
    ]);
  }
  return row;
}

async function writeResolved(
  engine: Engine,
  { conn, dbUser }: Session,
  applied: readonly AppliedMigration[],
  row: AppliedMigration,
  next: AppliedMigration,
  outcome: "applied" | "rolled-back",
): Promise<void> {
  const { dialect, history } = engine.target;
  await inTransaction(conn, async () => {
    await history.write(conn, next);
    await history.log(conn, instantLog(engine, dbUser, {
      operation: "resolve",
      version: row.version,
      name: row.name,
      checksum: next.checksum,
      details: `marked ${outcome} (was ${row.state} after ${row.statementsDone} statement(s))`,
    }));
    if (dialect.capabilities.headVersion) await dialect.recordHead!(conn, appliedSet(applied.map((r) => (r.version === row.version ? next : r))).head);
  });
}

/** Records every migration up to `version` as applied without running it; returns the versions marked. */
export async function baseline(engine: Engine, version: string, options: OperationOptions = {}): Promise<readonly string[]> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  const target = found.migrations.find((m) => matchesVersion(m, version));
  if (!target) {
    throw new ValidationError([
      {
        code: "UNKNOWN_VERSION",
        message: `there is no migration ${version} in ${engine.policy.dir}`,
        files: [],
        fix: "give the version of a migration file (see `stratum status`)",
        severity: "error",
      },
    ]);
  }
  throwIfAborted(options.signal);
  return withLock(engine, async (session) => {
    // asked before anything is created: a baseline always writes (its log row at least)
    await confirmProtected(engine, options.confirm, baselineAction(version));
    return writeBaseline(engine, session, found, target);
  }, options.signal);
}

async function writeBaseline(engine: Engine, session: Session, found: Discovered, target: MigrationFile): Promise<string[]> {
  await engine.target.history.ensureTables(session.conn);
  return inTransaction(session.conn, () => recordBaseline(engine, session, found, target));
}

/**
 * Records every migration up to `target` as applied without running it, with its log row and
 * the dialect's head version, in the caller's transaction (the history tables exist); returns
 * the versions marked. What `baseline` and `schema load` write.
 */
export async function recordBaseline(engine: Engine, { conn, dbUser }: Session, found: Discovered, target: MigrationFile): Promise<string[]> {
  const { dialect, history } = engine.target;
  const done = appliedSet(await history.read(conn));
  const batch = await history.nextBatch(conn);
  const marked: string[] = [];
  for (const migration of found.migrations) {
    if (compareVersions(migration.version, target.version) > 0 || done.has(migration.version)) continue;
    await history.write(conn, recordedWithoutRunning(migration, { appliedAt: new Date().toISOString(), batch, appliedBy: dbUser }));
    done.add(migration.version);
    marked.push(migration.version);
  }
  await history.log(conn, instantLog(engine, dbUser, {
    operation: "baseline",
    version: target.version,
    name: target.name,
    checksum: target.checksum,
    details: `baseline at ${target.version}: marked ${marked.length} migration(s) applied without running them`,
  }));
  if (dialect.capabilities.headVersion) await dialect.recordHead!(conn, done.head);
  return marked;
}

/** `ref` when it is a version or `<version>_<name>` (`003`, `1.1`, `003_add_users`); else a usage error. */
function checkedRef(ref: string): string {
  if (!isVersionRef(ref)) {
    throw new ConfigError(`"${ref}" is not a migration version`, { code: "USAGE", fix: `give ${VERSION_EXAMPLES}, or a migration id such as 003_add_users` });
  }
  return ref;
}
