// The run lock as a lease: a row in a small table of Stratum's, `<state table>_lock`, where a
// session lock cannot be trusted (a Galera cluster grants GET_LOCK per node; a transaction pooler
// hands a session advisory lock to whichever client gets the server connection next).
//
// Every step is one autocommit statement, so it works through a transaction pooler, and every
// write is one the cluster certifies: two nodes inserting the same key at once cannot both commit
// (the loser gets a duplicate key, a deadlock or a certification failure: "held by someone else").
// The holder renews the row (a heartbeat) while the run goes on; a crashed holder stops renewing,
// and its lease is taken over once it has expired and has been seen unchanged for two heartbeats
// (so a live holder whose clock runs behind is never robbed). Release deletes the row.

import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { ConnectionError, InterruptedError, LockTimeoutError, type StratumError } from "../core/errors.js";
import { option } from "../core/vocabulary.js";
import type { Connection, Dialect, Lock, LockOptions, Queryable } from "./dialect.js";
import { sleepUnlessAborted } from "./sleep.js";

/** How long a lease lasts without a heartbeat. */
export const LEASE_TTL_MS = 30_000;
/** How often the holder renews it. */
export const LEASE_HEARTBEAT_MS = 5_000;

/** The lease row as the store reads it. */
export interface LeaseRow {
  /** A token unique to one holding (a UUID). */
  readonly holder: string;
  /** Who holds it, for people: `user@host pid 123`. */
  readonly owner: string;
  /** Counts renewals: a row whose beat does not move has no live holder. */
  readonly beat: number;
  /** Wall-clock milliseconds (the holder's clock) when the lease ends unless renewed. */
  readonly expiresAt: number;
}

export interface NewLease extends LeaseRow {
  readonly acquiredAt: number;
}

/** The lease table, one statement per method. */
export interface LeaseStore {
  /** Creates the table when it is missing. */
  ensure(): Promise<void>;
  /** Inserts the row; false when another holder's row is there (or the cluster refused the commit). */
  insert(row: NewLease): Promise<boolean>;
  read(): Promise<LeaseRow | null>;
  /** Replaces `previous` (same holder and beat) with `next`; true when `next` is now the row. */
  takeOver(previous: LeaseRow, next: NewLease): Promise<boolean>;
  /** Moves our row to `beat` and `expiresAt`; false when the row is no longer ours. */
  renew(holder: string, beat: number, expiresAt: number): Promise<boolean>;
  /** Deletes our row (nothing when it is not ours). */
  remove(holder: string): Promise<void>;
}

export interface LeaseClock {
  /** Wall-clock milliseconds, stored for other machines to read. */
  now(): number;
  /** Monotonic milliseconds, for this process's own waiting. */
  monotonic(): number;
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: LeaseClock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: sleepUnlessAborted,
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface LeaseOptions extends LockOptions {
  readonly displayUrl: string;
  readonly ttlMs?: number;
  readonly heartbeatMs?: number;
  /** Who we are, for other runs' messages; defaults to `user@host pid N`. */
  readonly owner?: string;
  readonly clock?: LeaseClock;
}

/** The pure rule: may a waiter take `row` over, having seen it unchanged since `seenSinceMs`? */
export function mayTakeOver(row: LeaseRow, nowMs: number, unchangedForMs: number, ttlMs: number, heartbeatMs: number): boolean {
  // Unchanged for a whole lease on our own clock: its holder is gone, whatever the clocks say.
  if (unchangedForMs >= ttlMs) return true;
  // Expired by the holder's clock, and no heartbeat for two periods: a live holder would have beaten.
  return nowMs >= row.expiresAt && unchangedForMs >= 2 * heartbeatMs;
}

function defaultOwner(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): the host and pid still identify the run
  }
  return `${user}@${hostname()} pid ${process.pid}`;
}

function clockText(ms: number): string {
  const date = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `stratum run user@host pid 12 (lease renewed until 12:00:31)` */
export function describeLeaseHolder(row: LeaseRow): string {
  return `${row.owner} (lease until ${clockText(row.expiresAt)} unless renewed)`;
}

function lost(displayUrl: string, detail: string, cause?: unknown): StratumError {
  return new LockTimeoutError(`the migration lease on ${displayUrl} was lost (${detail})`, {
    fix: "stopped before the next migration; check `stratum status`, then run again",
    ...(cause === undefined ? {} : { cause }),
  });
}

function backoff(attempt: number): number {
  const base = Math.min(500, 25 * 2 ** Math.min(attempt, 5));
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

/** How many times an insert may fail with no row to show for it before its error is the answer. */
const INSERT_FAILURES = 5;

/**
 * Takes the lease: inserts the row, or waits for its holder to delete it, or takes it over once
 * it has expired. Throws LockTimeoutError naming the holder after `timeoutMs`.
 */
export async function acquireLease(store: LeaseStore, options: LeaseOptions): Promise<Lock> {
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const heartbeatMs = options.heartbeatMs ?? LEASE_HEARTBEAT_MS;
  const owner = options.owner ?? defaultOwner();
  const holder = randomUUID();
  const started = clock.monotonic();
  const timeoutMs = Math.max(0, options.timeoutMs);
  const fresh = (): NewLease => {
    const now = clock.now();
    return { holder, owner, beat: 0, acquiredAt: now, expiresAt: now + ttlMs };
  };
  await store.ensure();

  let seen: { row: LeaseRow; since: number } | null = null;
  let failedInserts = 0;
  let nextReport = 0;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) {
      throw new InterruptedError(`stopped waiting for the migration lock on ${options.displayUrl} because the run was interrupted`);
    }
    let row: LeaseRow | null;
    try {
      if (await store.insert(fresh())) return held(store, holder, options, clock, ttlMs, heartbeatMs);
      row = await store.read();
      failedInserts = 0;
    } catch (error) {
      // refused with no row to show for it: a conflict with a lease released meanwhile, or a real error
      if (++failedInserts >= INSERT_FAILURES) throw error;
      row = null;
    }
    const mono = clock.monotonic();
    if (row !== null) {
      if (seen === null || seen.row.holder !== row.holder || seen.row.beat !== row.beat) seen = { row, since: mono };
      if (mayTakeOver(row, clock.now(), mono - seen.since, ttlMs, heartbeatMs)) {
        let taken = false;
        try {
          taken = await store.takeOver(row, fresh());
        } catch {
          taken = false; // another waiter's takeover committed first
        }
        if (taken) return held(store, holder, options, clock, ttlMs, heartbeatMs);
        seen = null;
      }
    }
    const waited = clock.monotonic() - started;
    const who = row === null ? null : describeLeaseHolder(row);
    if (waited >= timeoutMs) {
      throw new LockTimeoutError(
        `timed out after ${(waited / 1000).toFixed(1)} s waiting for the migration lease on ${options.displayUrl}; ${
          who === null ? "another run holds it" : `another stratum run holds it: ${who}`
        }; wait for it to finish (a crashed run's lease is taken over after it expires) or raise ${option("lockTimeout")}`,
        { fix: `wait for the other run to finish or raise ${option("lockTimeout")}` },
      );
    }
    if (options.onWait && waited >= nextReport) {
      options.onWait(who, waited);
      nextReport = waited + 1000;
    }
    await clock.sleep(Math.min(row === null ? 5 : backoff(attempt), Math.max(1, timeoutMs - waited)), options.signal);
  }
}

function held(store: LeaseStore, holder: string, options: LeaseOptions, clock: LeaseClock, ttlMs: number, heartbeatMs: number): Lock {
  let beat = 0;
  let renewedAt = clock.monotonic();
  let failure: StratumError | null = null;
  let released = false;
  // one statement at a time on the lock's connection
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const renew = (): Promise<void> =>
    serial(async () => {
      if (released || failure !== null) return;
      const next = beat + 1;
      try {
        if (await store.renew(holder, next, clock.now() + ttlMs)) {
          beat = next;
          renewedAt = clock.monotonic();
        } else {
          failure = lost(options.displayUrl, "another run took it over");
        }
      } catch (error) {
        // a failed heartbeat is retried at the next one; the lease is lost only once it expired
        if (clock.monotonic() - renewedAt >= ttlMs) failure = lost(options.displayUrl, `it was not renewed for ${ttlMs / 1000} s`, error);
      }
    });
  const stop = clock.every(heartbeatMs, () => void renew());
  return {
    async check(): Promise<void> {
      if (released) throw lost(options.displayUrl, "it was released before this check");
      if (failure !== null) throw failure;
      if (clock.monotonic() - renewedAt >= ttlMs) throw lost(options.displayUrl, `it was not renewed for ${ttlMs / 1000} s`);
      const row = await serial(() => store.read()).catch((error: unknown) => {
        throw lost(options.displayUrl, "its connection failed", error);
      });
      if (row === null || row.holder !== holder) throw lost(options.displayUrl, row === null ? "its row is gone" : `now held by ${row.owner}`);
    },
    async release(): Promise<void> {
      if (released) return;
      stop();
      await queue;
      released = true;
      await serial(() => store.remove(holder));
      if (failure !== null) throw failure;
    },
  };
}

/** The name of the lease table for a state table: `<table>_lock`. */
export function leaseTableName(stateTable: string): string {
  return `${stateTable}_lock`;
}

function asNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

/** The lease table in SQL every dialect speaks; identifiers quoted, values bound. */
export function sqlLeaseStore(
  conn: Queryable,
  dialect: Pick<Dialect, "quoteIdentifier" | "qualifiedTable" | "historyTypes" | "displayUrl">,
  stateTable: string,
  name: string,
): LeaseStore {
  const table = dialect.qualifiedTable(leaseTableName(stateTable));
  const q = (id: string): string => dialect.quoteIdentifier(id);
  const t = dialect.historyTypes;
  const cols = ["name", "holder", "owner", "beat", "acquired_at", "expires_at"] as const;
  const [cName, cHolder, cOwner, cBeat, cAcquired, cExpires] = cols.map(q) as [string, string, string, string, string, string];
  const read = async (): Promise<LeaseRow | null> => {
    const rows = await conn.query<Record<string, unknown>>(
      `select ${cHolder} as h, ${cOwner} as o, ${cBeat} as b, ${cExpires} as e from ${table} where ${cName} = ?`,
      [name],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return { holder: String(row["h"]), owner: String(row["o"]), beat: asNumber(row["b"]), expiresAt: asNumber(row["e"]) };
  };
  return {
    async ensure(): Promise<void> {
      const usable = () => conn.query(`select 1 from ${table} where 1 = 0`).then(
        () => true,
        () => false,
      );
      // looked for first: the everyday case runs no DDL (on Galera every DDL runs in total order, cluster-wide)
      if (await usable()) return;
      try {
        await conn.exec(
          `create table if not exists ${table} (${cName} ${t.key} not null primary key, ${cHolder} ${t.key} not null, ${cOwner} ${t.text} not null, ` +
            `${cBeat} ${t.bigint} not null, ${cAcquired} ${t.bigint} not null, ${cExpires} ${t.bigint} not null)`,
        );
      } catch (error) {
        // another run created it at the same moment (a cluster may refuse the second CREATE)
        if (!(await usable())) {
          throw new ConnectionError(`cannot create the lock table ${table} on ${dialect.displayUrl}: ${(error as Error).message}`, {
            fix: "grant the migration user CREATE on the schema, or create the table once by hand",
            cause: error,
          });
        }
      }
    },
    async insert(row: NewLease): Promise<boolean> {
      try {
        await conn.query(`insert into ${table} (${cols.map(q).join(", ")}) values (?, ?, ?, ?, ?, ?)`, [
          name,
          row.holder,
          row.owner,
          row.beat,
          row.acquiredAt,
          row.expiresAt,
        ]);
        return true;
      } catch (error) {
        if ((await read()) !== null) return false;
        throw error;
      }
    },
    read,
    async takeOver(previous: LeaseRow, next: NewLease): Promise<boolean> {
      await conn.query(
        `update ${table} set ${cHolder} = ?, ${cOwner} = ?, ${cBeat} = ?, ${cAcquired} = ?, ${cExpires} = ? where ${cName} = ? and ${cHolder} = ? and ${cBeat} = ?`,
        [next.holder, next.owner, next.beat, next.acquiredAt, next.expiresAt, name, previous.holder, previous.beat],
      );
      return (await read())?.holder === next.holder;
    },
    async renew(holder: string, beat: number, expiresAt: number): Promise<boolean> {
      await conn.query(`update ${table} set ${cBeat} = ?, ${cExpires} = ? where ${cName} = ? and ${cHolder} = ?`, [beat, expiresAt, name, holder]);
      const row = await read();
      return row !== null && row.holder === holder;
    },
    async remove(holder: string): Promise<void> {
      await conn.query(`delete from ${table} where ${cName} = ? and ${cHolder} = ?`, [name, holder]);
    },
  };
}

/** Which lock a run takes, and why (shown by `up` and in `--json`). */
export interface LockChoice {
  readonly kind: "lease" | "session";
  readonly reason: string;
}

/** The `lock` setting: `lease`, `session`, or `auto` (ask the connection whether a session lock holds). */
export type LockMode = "lease" | "session" | "auto";

export async function chooseLock(conn: Connection, mode: LockMode): Promise<LockChoice> {
  if (mode === "lease") return { kind: "lease", reason: 'the lock setting is "lease"' };
  if (mode === "session") return { kind: "session", reason: 'the lock setting is "session"' };
  const unsafe = conn.sessionLockUnsafe ? await conn.sessionLockUnsafe() : null;
  return unsafe === null ? { kind: "session", reason: "the server's own lock excludes other runs here" } : { kind: "lease", reason: unsafe };
}
