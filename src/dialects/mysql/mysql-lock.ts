// The run lock on MySQL/MariaDB: GET_LOCK polled with a zero timeout, so waiting is ours to
// bound, report and abort, and every result is checked (0 = held elsewhere, NULL = error).
// The server drops the lock when the session ends, so a crashed holder never leaves it behind.

import { createHash } from "node:crypto";
import { InterruptedError, LockTimeoutError } from "../../core/errors.js";
import type { Lock, LockOptions } from "../dialect.js";
import { option } from "../../core/vocabulary.js";

/** MySQL refuses lock names longer than 64 characters. */
export const MAX_LOCK_NAME = 64;

/**
 * `stratum:<database>:<key>`; when longer than 64 characters, its head and a SHA-256 prefix of
 * the whole, so different databases never share a name and the name stays readable.
 */
export function lockName(database: string, key: string): string {
  const full = `stratum:${database}:${key}`;
  const chars = Array.from(full);
  if (chars.length <= MAX_LOCK_NAME) return full;
  const hash = createHash("sha256").update(full, "utf8").digest("hex").slice(0, 24);
  return `${chars.slice(0, MAX_LOCK_NAME - hash.length - 1).join("")}#${hash}`;
}

/** What the lock needs from a session. */
export interface LockSession {
  /** Runs a query with `?` parameters and returns its rows. */
  query(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** The server's id of this session (`CONNECTION_ID()`). */
  readonly sessionId: number;
  /** The driver connection object: identifies the session inside this process. */
  readonly identity: object;
  /** Where, for messages. */
  readonly displayUrl: string;
}

const FIRST_DELAY_MS = 25;
const MAX_DELAY_MS = 500;
const REPORT_EVERY_MS = 1000;

// GET_LOCK is re-entrant within one session: a second acquire on a shared connection (a user's
// single client used by two runs in one process) would succeed. Track what each session holds.
const heldBySession = new WeakMap<object, Set<string>>();

function resultOf(rows: readonly Record<string, unknown>[]): number | null {
  const value = rows[0]?.["r"];
  if (value === null || value === undefined) return null;
  return Number(value);
}

function sleep(ms: number, signal: AbortSignal | undefined, displayUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(interrupted(displayUrl));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted(displayUrl));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Worded as on PostgreSQL and SQLite. */
function interrupted(displayUrl: string): InterruptedError {
  return new InterruptedError(`stopped waiting for the migration lock on ${displayUrl} because the run was interrupted`);
}

export interface LockHolder {
  readonly id: number;
  /** `connection 42 (app@10.0.0.7:51234)` */
  readonly description: string;
}

/** Who holds `name`, or null when nobody does (or it was freed meanwhile). */
export async function lockHolder(session: LockSession, name: string): Promise<LockHolder | null> {
  const rows = await session.query("select is_used_lock(?) as r", [name]);
  const id = resultOf(rows);
  if (id === null) return null;
  if (id === session.sessionId) return { id, description: `connection ${id} (this process)` };
  try {
    const who = await session.query(
      "select user as u, host as h from information_schema.processlist where id = ?",
      [id],
    );
    const row = who[0];
    if (row && typeof row["u"] === "string") {
      const host = typeof row["h"] === "string" && row["h"] !== "" ? `@${row["h"]}` : "";
      return { id, description: `connection ${id} (${row["u"]}${host})` };
    }
  } catch {
    // Without the PROCESS privilege the id alone still lets an operator find the session.
  }
  return { id, description: `connection ${id}` };
}

/** Takes the lock `name` on `session`, polling with backoff until `options.timeoutMs`. */
export async function acquireMysqlLock(session: LockSession, name: string, options: LockOptions): Promise<Lock> {
  const started = Date.now();
  const deadline = started + Math.max(0, options.timeoutMs);
  let delay = FIRST_DELAY_MS;
  let lastReport = -Infinity;
  let holder: LockHolder | null = null;
  let finalTry = false;

  for (;;) {
    if (options.signal?.aborted) throw interrupted(session.displayUrl);
    const local = heldBySession.get(session.identity);
    if (!local?.has(name)) {
      const result = resultOf(await session.query("select get_lock(?, 0) as r", [name]));
      if (result === 1) {
        const names = local ?? new Set<string>();
        names.add(name);
        heldBySession.set(session.identity, names);
        return heldLock(session, name);
      }
      if (result !== 0) {
        throw new LockTimeoutError(
          `could not take the migration lock "${name}" on ${session.displayUrl}: GET_LOCK returned NULL, a server-side error`,
          { fix: "check the server's error log, then retry" },
        );
      }
    }

    const now = Date.now();
    const waited = now - started;
    if (now - lastReport >= REPORT_EVERY_MS || now >= deadline) {
      holder = await lockHolder(session, name);
      lastReport = now;
      if (now < deadline) options.onWait?.(holder?.description ?? null, waited);
    }
    if (now >= deadline) {
      // Freed between our last try and the holder lookup: one more try before giving up.
      if (holder === null && !finalTry) {
        finalTry = true;
        continue;
      }
      const by = holder?.description ?? "another session";
      throw new LockTimeoutError(
        `could not take the migration lock on ${session.displayUrl} within ${options.timeoutMs} ms: it is held by ${by}`,
        {
          fix: `wait for the other run to finish, or if it is stuck end it${holder ? ` (KILL ${holder.id})` : ""}, or raise ${option("lockTimeout")}`,
        },
      );
    }
    const jitter = 0.75 + Math.random() * 0.5;
    // Wake for the deadline and for the next report, whichever comes first.
    const nextReport = lastReport + REPORT_EVERY_MS;
    await sleep(Math.max(1, Math.min(Math.round(delay * jitter), deadline - now, nextReport - now)), options.signal, session.displayUrl);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

function heldLock(session: LockSession, name: string): Lock {
  let released = false;
  return {
    async check(): Promise<void> {
      let mine: number | null;
      try {
        mine = resultOf(await session.query("select is_used_lock(?) = connection_id() as r", [name]));
      } catch (error) {
        throw new LockTimeoutError(`the migration lock "${name}" on ${session.displayUrl} was lost: its connection failed`, {
          fix: "stopped before the next migration; check `stratum status`, then run again",
          cause: error,
        });
      }
      if (released || mine !== 1) {
        throw new LockTimeoutError(`the migration lock "${name}" on ${session.displayUrl} is no longer held by this run`, {
          fix: "stopped before the next migration; check `stratum status`, then run again",
        });
      }
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      const names = heldBySession.get(session.identity);
      names?.delete(name);
      if (names?.size === 0) heldBySession.delete(session.identity);
      let result: number | null;
      try {
        result = resultOf(await session.query("select release_lock(?) as r", [name]));
      } catch (error) {
        throw new LockTimeoutError(
          `the migration lock "${name}" on ${session.displayUrl} could not be released because its connection failed`,
          { fix: "the server dropped the lock with the session; check `stratum status` before running again", cause: error },
        );
      }
      if (result !== 1) {
        throw new LockTimeoutError(
          `the migration lock "${name}" on ${session.displayUrl} was lost before it was released (RELEASE_LOCK returned ${result ?? "NULL"})`,
          { fix: "another run may have started meanwhile: check `stratum status` before running again" },
        );
      }
    },
  };
}

/** Forgets what a session held: its server-side locks end with it. */
export function forgetSession(identity: object): void {
  heldBySession.delete(identity);
}

