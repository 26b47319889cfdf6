// The lease lock's own logic, over an in-memory lease table and a clock the test moves: who may
// take a lease over and when, the heartbeat, losing a lease, releasing it. (The real thing runs
// through PgBouncer and on a Galera cluster in test/e2e/lock-pgbouncer and lock-galera.)

import { describe, expect, it } from "vitest";
import { LockTimeoutError } from "../../../src/core/errors.js";
import { acquireLease, mayTakeOver, type LeaseClock, type LeaseRow, type LeaseStore, type NewLease } from "../../../src/dialects/lease-lock.js";

/** One lease row in memory; `failInserts` makes the next inserts throw with no row written. */
class MemoryStore implements LeaseStore {
  row: (LeaseRow & { acquiredAt: number }) | null = null;
  failInserts = 0;
  ensured = 0;
  async ensure(): Promise<void> {
    this.ensured++;
  }
  async insert(row: NewLease): Promise<boolean> {
    if (this.failInserts > 0) {
      this.failInserts--;
      throw new Error("permission denied for table stratum_migrations_lock");
    }
    if (this.row !== null) return false;
    this.row = { ...row };
    return true;
  }
  async read(): Promise<LeaseRow | null> {
    return this.row === null ? null : { ...this.row };
  }
  async takeOver(previous: LeaseRow, next: NewLease): Promise<boolean> {
    if (this.row === null || this.row.holder !== previous.holder || this.row.beat !== previous.beat) return false;
    this.row = { ...next };
    return true;
  }
  async renew(holder: string, beat: number, expiresAt: number): Promise<boolean> {
    if (this.row === null || this.row.holder !== holder) return false;
    this.row = { ...this.row, beat, expiresAt };
    return true;
  }
  async remove(holder: string): Promise<void> {
    if (this.row?.holder === holder) this.row = null;
  }
}

/** Time moves only when someone sleeps or the test advances it; `every` timers fire as it passes. */
class TestClock implements LeaseClock {
  t = 1_000_000;
  private timers: { every: number; next: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    await this.advance(ms);
  }
  every(ms: number, fn: () => void): () => void {
    const timer = { every: ms, next: this.t + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.next <= end).sort((a, b) => a.next - b.next)[0];
      if (due === undefined) break;
      this.t = due.next;
      due.next += due.every;
      due.fn();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.t = end;
  }
}

const TTL = 30_000;
const BEAT = 5_000;

function options(clock: LeaseClock, owner: string, timeoutMs: number) {
  return { displayUrl: "postgres://db/app", timeoutMs, owner, clock, ttlMs: TTL, heartbeatMs: BEAT };
}

describe("mayTakeOver", () => {
  const row: LeaseRow = { holder: "h", owner: "o", beat: 3, expiresAt: 100_000 };
  it("takes over a lease unchanged for a whole TTL on the waiter's clock, whatever the holder's clock said", () => {
    expect(mayTakeOver(row, 0, TTL, TTL, BEAT)).toBe(true);
  });
  it("takes over an expired lease once no heartbeat came for two periods", () => {
    expect(mayTakeOver(row, 100_000, 2 * BEAT, TTL, BEAT)).toBe(true);
    expect(mayTakeOver(row, 100_000, 2 * BEAT - 1, TTL, BEAT)).toBe(false);
  });
  it("never takes over an unexpired lease seen for less than a TTL", () => {
    expect(mayTakeOver(row, 99_999, TTL - 1, TTL, BEAT)).toBe(false);
  });
});

describe("acquireLease", () => {
  it("inserts the row, renews it while held, and deletes it on release", async () => {
    const store = new MemoryStore();
    const clock = new TestClock();
    const lock = await acquireLease(store, options(clock, "alice@a pid 1", 1_000));
    expect(store.ensured).toBe(1);
    expect(store.row).toMatchObject({ owner: "alice@a pid 1", beat: 0, expiresAt: clock.t + TTL });
    await clock.advance(3 * BEAT);
    expect(store.row).toMatchObject({ beat: 3, expiresAt: clock.t + TTL });
    await lock.check?.();
    await lock.release();
    expect(store.row).toBeNull();
  });

  it("waits for a live holder and times out naming it, never taking over while it beats (even with its clock far behind)", async () => {
    const store = new MemoryStore();
    const clock = new TestClock();
    const held = await acquireLease(store, options(clock, "alice@a pid 1", 0));
    // the holder's clock is an hour behind: its expiry looks long past to everyone else
    store.row = { ...store.row!, expiresAt: clock.t - 3_600_000 };
    const waits: (string | null)[] = [];
    const error = await acquireLease(store, { ...options(clock, "bob@b pid 2", 2 * TTL), onWait: (holder) => waits.push(holder) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toMatch(/^timed out after 60\.\d s waiting for the migration lease on postgres:\/\/db\/app; another stratum run holds it: alice@a pid 1 \(lease until/);
    expect(waits.length).toBeGreaterThan(10);
    expect(waits[0]).toContain("alice@a pid 1");
    expect(store.row?.owner).toBe("alice@a pid 1");
    await held.check?.();
    await held.release();
  });

  it("takes over a crashed holder's lease after it expired, and the crashed holder finds it lost", async () => {
    const store = new MemoryStore();
    const clock = new TestClock();
    const crashed = await acquireLease(store, options(clock, "alice@a pid 1", 0));
    const crashedHolder = store.row!.holder;
    // the process hangs: its heartbeat stops (the timer is gone with it)
    const stopBeating = clock as unknown as { timers: unknown[] };
    stopBeating.timers = [];
    const startedAt = clock.t;
    const lock = await acquireLease(store, options(clock, "bob@b pid 2", 2 * TTL));
    // not before the lease expired
    expect(clock.t - startedAt).toBeGreaterThanOrEqual(TTL);
    expect(clock.t - startedAt).toBeLessThan(TTL + 2 * BEAT);
    expect(store.row).toMatchObject({ owner: "bob@b pid 2", beat: 0 });
    expect(store.row!.holder).not.toBe(crashedHolder);
    // the old holder wakes up: its check fails and its release leaves bob's row alone
    await expect(crashed.check!()).rejects.toThrow(/the migration lease on postgres:\/\/db\/app was lost \(it was not renewed for 30 s\)/);
    await crashed.release().catch(() => undefined);
    expect(store.row?.owner).toBe("bob@b pid 2");
    await lock.release();
    expect(store.row).toBeNull();
  });

  it("a holder whose row another run replaced stops at its next check", async () => {
    const store = new MemoryStore();
    const clock = new TestClock();
    const lock = await acquireLease(store, options(clock, "alice@a pid 1", 0));
    store.row = { ...store.row!, holder: "someone-else", owner: "carol@c pid 3" };
    await expect(lock.check!()).rejects.toThrow(/was lost \(now held by carol@c pid 3\)/);
    await clock.advance(BEAT);
    await expect(lock.check!()).rejects.toThrow(/was lost \(another run took it over\)/);
    await lock.release().catch(() => undefined);
    expect(store.row?.owner).toBe("carol@c pid 3");
  });

  it("an insert that keeps failing with no row to show for it is the error to report", async () => {
    const store = new MemoryStore();
    store.failInserts = 100;
    const clock = new TestClock();
    await expect(acquireLease(store, options(clock, "alice@a pid 1", TTL))).rejects.toThrow("permission denied for table stratum_migrations_lock");
    // a conflict that clears (a lease released meanwhile, a certification failure) is retried
    store.failInserts = 2;
    const lock = await acquireLease(store, options(clock, "alice@a pid 1", TTL));
    expect(store.row?.owner).toBe("alice@a pid 1");
    await lock.release();
  });

  it("stops waiting when the run is interrupted", async () => {
    const store = new MemoryStore();
    const clock = new TestClock();
    const held = await acquireLease(store, options(clock, "alice@a pid 1", 0));
    const controller = new AbortController();
    controller.abort();
    await expect(acquireLease(store, { ...options(clock, "bob@b pid 2", TTL), signal: controller.signal })).rejects.toThrow(/because the run was interrupted/);
    await held.release();
  });
});
