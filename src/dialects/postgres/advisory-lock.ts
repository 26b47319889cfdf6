// The run lock on PostgreSQL: a session advisory lock, polled with pg_try_advisory_lock.
// Never a blocking pg_advisory_lock: it deadlocks with CREATE INDEX CONCURRENTLY in another
// session (Flyway #1654, golang-migrate #960).

import { sleepUnlessAborted } from "../sleep.js";
import { createHash } from "node:crypto";
import { EXIT, InterruptedError, LockTimeoutError, StratumError } from "../../core/errors.js";
import type { Lock, LockAssertion, LockOptions } from "../dialect.js";
import { option } from "../../core/vocabulary.js";

/** Runs a query with `$n` placeholders on the locking session. */
export type LockQuery = <Row>(text: string, values: readonly unknown[]) => Promise<Row[]>;

/**
 * The signed 64-bit advisory-lock key for `key` in one database and schema, as a decimal
 * string: the first 8 bytes of SHA-256(database NUL schema NUL key). Two databases or two
 * schemas on one server never share a key (Rails #31627).
 */
export function advisoryLockKey(database: string, schema: string, key: string): string {
  const digest = createHash("sha256").update(`${database}\u0000${schema}\u0000${key}`, "utf8").digest();
  return digest.readBigInt64BE(0).toString();
}

/** How pg_locks shows a bigint advisory key: high 32 bits in classid, low in objid. */
export function advisoryLockParts(key: string): { readonly classid: string; readonly objid: string } {
  const unsigned = BigInt.asUintN(64, BigInt(key));
  return { classid: (unsigned >> 32n).toString(), objid: (unsigned & 0xffffffffn).toString() };
}

/** A row of pg_locks joined with pg_stat_activity for the holder of a lock. */
export interface HolderRow {
  readonly pid: number | string | null;
  readonly usename?: string | null;
  readonly client_addr?: string | null;
  readonly client_hostname?: string | null;
  readonly client_port?: number | null;
  readonly application_name?: string | null;
  readonly backend_start?: Date | string | null;
}

function clock(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `pid 1234 (user@host, application stratum, since 12:00:01)`, leaving out what is unknown. */
export function formatHolder(row: HolderRow): string {
  const parts: string[] = [];
  if (row.usename) {
    const host = row.client_hostname || row.client_addr || (row.client_port === -1 || row.client_port === null ? "local socket" : null);
    parts.push(host ? `${row.usename}@${host}` : row.usename);
  }
  if (row.application_name) parts.push(`application ${row.application_name}`);
  const since = clock(row.backend_start);
  if (since) parts.push(`since ${since}`);
  return parts.length > 0 ? `pid ${row.pid} (${parts.join(", ")})` : `pid ${row.pid}`;
}

const HOLDER_SQL = `select l.pid, a.usename, host(a.client_addr) as client_addr, a.client_hostname, a.client_port,
       a.application_name, a.backend_start
  from pg_catalog.pg_locks l
  left join pg_catalog.pg_stat_activity a on a.pid = l.pid
 where l.locktype = 'advisory' and l.granted
   and l.database = (select oid from pg_catalog.pg_database where datname = current_database())
   and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 1
 limit 1`;

const HELD_SQL = `select pg_backend_pid() as pid,
  (select backend_start::text from pg_catalog.pg_stat_activity where pid = pg_backend_pid()) as started, exists (
  select 1 from pg_catalog.pg_locks l
   where l.locktype = 'advisory' and l.granted and l.pid = pg_backend_pid()
     and l.database = (select oid from pg_catalog.pg_database where datname = current_database())
     and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 1) as held`;

/** Who holds the lock, or null when nobody (or we cannot see). */
export async function lockHolder(query: LockQuery, key: string): Promise<string | null> {
  const { classid, objid } = advisoryLockParts(key);
  try {
    const rows = await query<HolderRow>(HOLDER_SQL, [classid, objid]);
    const row = rows[0];
    return row ? formatHolder(row) : null;
  } catch {
    return null;
  }
}

/** Advisory keys held by each raw client, so two handles on one session cannot both "win". */
const heldBySession = new WeakMap<object, Set<string>>();

export function sessionHolds(session: object, key: string): boolean {
  return heldBySession.get(session)?.has(key) ?? false;
}

function remember(session: object, key: string): void {
  let keys = heldBySession.get(session);
  if (!keys) {
    keys = new Set();
    heldBySession.set(session, keys);
  }
  keys.add(key);
}

function forget(session: object, key: string): void {
  heldBySession.get(session)?.delete(key);
}

function lockLost(displayUrl: string, detail: string, cause?: unknown): StratumError {
  return new StratumError(
    "LOCK_TIMEOUT",
    `the migration lock on ${displayUrl} was lost (${detail}); a connection pooler in transaction mode (e.g. PgBouncer) cannot hold session locks, so connect directly or use session pooling`,
    EXIT.lock,
    { fix: "connect directly to PostgreSQL or use a pooler in session mode", ...(cause === undefined ? {} : { cause }) },
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}


/** The wait before try number `attempt` (0-based): 25 ms doubling to 500 ms, with jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(500, 25 * 2 ** Math.min(attempt, 5));
  return Math.round(base / 2 + (random() * base) / 2);
}

export interface AdvisoryLockTarget {
  /** The raw driver client: the session the lock belongs to. */
  readonly session: object;
  readonly query: LockQuery;
  /** The signed bigint key, from advisoryLockKey(). */
  readonly key: string;
  readonly displayUrl: string;
  /** Called when the lock is released or found lost, so the connection forgets it. */
  readonly onRelease?: (lock: Lock) => void;
}

/** A held advisory lock. `abandon()` forgets it without a query, when its session is ending. */
export interface AdvisoryLock extends Lock {
  readonly pid: number;
  readonly key: string;
  abandon(): void;
}

/**
 * Polls pg_try_advisory_lock on one session until it succeeds, `timeoutMs` passes
 * (LockTimeoutError naming the holder) or `signal` aborts (InterruptedError).
 */
export async function acquireAdvisoryLock(target: AdvisoryLockTarget, options: LockOptions): Promise<AdvisoryLock> {
  const { session, query, key, displayUrl } = target;
  const started = Date.now();
  const timeoutMs = Math.max(0, options.timeoutMs);
  let nextReport = 0;
  let lastHolder: string | null = null;

  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) {
      throw new InterruptedError(`stopped waiting for the migration lock on ${displayUrl} because the run was interrupted`);
    }
    let pid: number | null = null;
    if (!sessionHolds(session, key)) {
      const rows = await query<{ locked: boolean; pid: number }>(
        "select pg_try_advisory_lock($1::bigint) as locked, pg_backend_pid() as pid",
        [key],
      );
      if (rows[0]?.locked === true) pid = Number(rows[0].pid);
    }
    if (pid !== null) return await confirm(target, pid);

    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      const holder = (await lockHolder(query, key)) ?? lastHolder;
      const who = holder === null ? "another session holds it" : holder.includes("application stratum") ? `another stratum run holds it: ${holder}` : `another session holds it: ${holder}`;
      throw new LockTimeoutError(
        `timed out after ${seconds(waited)} waiting for the migration lock on ${displayUrl}; ${who}; wait for it to finish or raise ${option("lockTimeout")}`,
        { fix: `wait for the other run to finish or raise ${option("lockTimeout")}` },
      );
    }
    if (options.onWait && waited >= nextReport) {
      lastHolder = await lockHolder(query, key);
      options.onWait(lastHolder, waited);
      nextReport = waited + 1000;
    }
    await sleepUnlessAborted(Math.min(backoffMs(attempt), Math.max(1, timeoutMs - (Date.now() - started))), options.signal);
  }
}

/** After pg_try_advisory_lock said yes: check the same backend really holds it (poolers). */
async function confirm(target: AdvisoryLockTarget, pid: number): Promise<AdvisoryLock> {
  const { session, query, key, displayUrl } = target;
  const { classid, objid } = advisoryLockParts(key);
  const rows = await query<{ pid: number; held: boolean; started: string | null }>(HELD_SQL, [classid, objid]);
  const row = rows[0];
  if (!row || Number(row.pid) !== pid || row.held !== true) {
    await query("select pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
    throw lockLost(displayUrl, `taken by backend pid ${pid}, but the next query ran on pid ${row?.pid ?? "unknown"}`);
  }
  remember(session, key);

  let released = false;
  const settle = (): boolean => {
    if (released) return false;
    released = true;
    forget(session, key);
    target.onRelease?.(lock);
    return true;
  };
  // The backend holding the lock is alive exactly while the lock is held (it is never released
  // mid-run): a migration's transaction can check that itself, with no round trip of its own.
  const started = row.started;
  const assertion: LockAssertion | undefined =
    started === null
      ? undefined
      : {
          statement: {
            // division by zero when the backend is gone (or its pid was reused by another)
            sql: "select 1 / count(*)::int as held from pg_catalog.pg_stat_get_activity(?::int) where backend_start = ?::timestamptz",
            params: [pid, started],
          },
          lost: (cause) => lockLost(displayUrl, `the session of backend pid ${pid} holding it ended`, cause),
        };
  const lock: AdvisoryLock = {
    pid,
    key,
    ...(assertion === undefined ? {} : { assertion }),
    abandon(): void {
      settle();
    },
    async check(): Promise<void> {
      // Runs once per migration: a session lock lives as long as its backend, so checking that
      // the same backend still answers is enough (and costs no scan of pg_locks).
      if (released) throw lockLost(displayUrl, `it was released before this check`);
      let row: { pid: number } | undefined;
      try {
        row = (await query<{ pid: number }>("select pg_backend_pid() as pid", []))[0];
      } catch (error) {
        throw lockLost(displayUrl, `the session of backend pid ${pid} holding it ended`, error);
      }
      if (!row || Number(row.pid) !== pid) {
        throw lockLost(displayUrl, `backend pid ${pid} no longer answers on the lock's connection`);
      }
    },
    async release(): Promise<void> {
      if (!settle()) return;
      let result: { unlocked: boolean; pid: number } | undefined;
      try {
        const unlockRows = await query<{ unlocked: boolean; pid: number }>(
          "select pg_advisory_unlock($1::bigint) as unlocked, pg_backend_pid() as pid",
          [key],
        );
        result = unlockRows[0];
      } catch (error) {
        throw lockLost(displayUrl, `the session of backend pid ${pid} ended before the lock was released`, error);
      }
      if (!result || Number(result.pid) !== pid) {
        throw lockLost(displayUrl, `taken by backend pid ${pid}, released from pid ${result?.pid ?? "unknown"}`);
      }
      if (result.unlocked !== true) {
        throw lockLost(displayUrl, `backend pid ${pid} no longer held it when releasing`);
      }
    },
  };
  return lock;
}
