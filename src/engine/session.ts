import { InterruptedError } from "../core/errors.js";
import { abortReason } from "./migration-context.js";
import type { Connection, Lock, LockAssertion, LockOptions } from "../dialects/dialect.js";
import { acquireLease, chooseLock, sqlLeaseStore, type LockChoice } from "../dialects/lease-lock.js";
import type { Engine } from "./ports.js";

/** A work connection under the run lock. */
export interface Session {
  readonly conn: Connection;
  readonly dbUser: string | null;
  /** Throws when the run lock was lost. */
  readonly lockCheck: (() => Promise<void>) | undefined;
  /** The same check, as a statement a migration's own batch can run. */
  readonly lockAssertion: LockAssertion | undefined;
}

/** Throws an InterruptedError when the operation was cancelled (before anything changed). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new InterruptedError(`interrupted by ${abortReason(signal)}; nothing was changed`);
}

/**
 * A read-only connection opened now, so the server's start of the session (and the driver's
 * loading) overlaps the work before the first query, the reading of the migration files (issue
 * 16). `withConnection` takes it once; `discard` closes it when nothing took it.
 */
export interface EarlyConnection {
  take(): Promise<Connection>;
  discard(): Promise<void>;
}

/**
 * Starts opening a read-only connection; its failure is reported to the one who takes it. An
 * untaken one is closed at once when it is open, else as soon as it opens: an error found before
 * the first query (a missing directory) is not held up by a slow or unreachable server.
 */
function openEarly(engine: Engine): EarlyConnection {
  const opening = engine.target.dialect.connect({ readOnly: true });
  let opened: Connection | null = null;
  let settled = false;
  opening.then(
    (conn) => {
      opened = conn;
      settled = true;
    },
    () => {
      settled = true; // not an unhandled rejection while discovery runs
    },
  );
  let taken = false;
  return {
    take() {
      if (taken) throw new Error("an early connection is taken once");
      taken = true;
      return opening;
    },
    async discard() {
      if (taken) return;
      taken = true;
      if (settled) {
        await (opened as Connection | null)?.close().catch(() => undefined);
        return;
      }
      opening.then((conn) => conn.close()).catch(() => undefined);
    },
  };
}

/** Runs `fn` with an early connection, closed afterwards when `fn` did not take it. */
export async function withEarlyConnection<T>(engine: Engine, fn: (early: EarlyConnection) => Promise<T>): Promise<T> {
  const early = openEarly(engine);
  try {
    return await fn(early);
  } finally {
    await early.discard();
  }
}

/** Opens a connection (or takes the `early` one), runs `fn`, closes it. */
export async function withConnection<T>(
  engine: Engine,
  fn: (conn: Connection) => Promise<T>,
  readOnly = false,
  early?: EarlyConnection,
): Promise<T> {
  const conn = await (early === undefined ? engine.target.dialect.connect({ readOnly }) : early.take());
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/**
 * Takes the run lock on a connection of its own, then hands a work connection to `fn`. The
 * history tables are created under the lock, and only once something is about to be written.
 * `changesNothing` (a rehearsal, which rolls back all it writes) lets the dialect create nothing
 * (SQLite: no database file where there is none).
 */
export async function withLock<T>(engine: Engine, fn: (session: Session) => Promise<T>, signal?: AbortSignal, changesNothing = false): Promise<T> {
  const { dialect, history } = engine.target;
  const { policy, emit } = engine;
  return withConnection(engine, async (lockConn) => {
    const started = Date.now();
    const { lock, choice } = await takeRunLock(engine, lockConn, {
      timeoutMs: policy.lockTimeoutMs,
      onWait: (holder, waitedMs) => emit({ type: "lock:wait", holder, waitedMs }),
      ...(signal === undefined ? {} : { signal }),
    });
    let failed = false;
    try {
      emit({ type: "lock:acquired", waitedMs: Date.now() - started, lock: choice });
      await engine.deps.faults.at("after-lock", null);
      const work = async (conn: Connection, checked: boolean): Promise<T> => {
        if (dialect.capabilities.settleWrites && (await history.exists(conn))) await dialect.settleWrites!(conn, dialect.qualifiedTable(policy.table));
        // checked once per migration, on the lock's own connection while the migration runs
        const lockCheck = checked && lock.check ? () => (lock.check as () => Promise<void>)() : undefined;
        return fn({ conn, dbUser: await conn.currentUser(), lockCheck, lockAssertion: checked ? lock.assertion : undefined });
      };
      // One session (a fleet's target): the work runs on the connection holding the session lock,
      // so the lock cannot be lost without the work's connection, and there is nothing to check.
      // A lease's heartbeat must commit on its own, so a lease always keeps its own connection.
      if (policy.oneSession === true && choice.kind === "session") return await work(lockConn, false);
      return await withConnection(engine, (conn) => work(conn, true), changesNothing);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      await engine.deps.faults.at("before-unlock", null);
      // after a failure (a lost connection, often the lock's too) the failure is what to report
      await lock.release().catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
  }, changesNothing);
}

/**
 * The run lock the setup needs: the connection's session lock, or a lease (a row in
 * `<table>_lock`) where the session lock would not exclude other runs (Galera, transaction poolers).
 */
async function takeRunLock(engine: Engine, lockConn: Connection, options: LockOptions): Promise<{ lock: Lock; choice: LockChoice }> {
  const { dialect } = engine.target;
  const { policy } = engine;
  const key = `${policy.schema ?? ""}:${policy.table}`;
  const choice = await chooseLock(lockConn, policy.lock ?? "auto");
  if (choice.kind === "session") return { lock: await lockConn.acquireLock(key, options), choice };
  const store = sqlLeaseStore(lockConn, dialect, policy.table, key);
  return { lock: await acquireLease(store, { ...options, displayUrl: dialect.displayUrl }), choice };
}

/** Runs `fn` in a transaction of its own: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(conn: Connection, fn: () => Promise<T>): Promise<T> {
  await conn.begin();
  let result: T;
  try {
    result = await fn();
    await conn.commit();
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  }
  return result;
}
