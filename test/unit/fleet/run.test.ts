// The fan-out's scheduling, with fake operations (pure engine logic: no database): the concurrency
// bound, canaries, fail-fast, an abort, one result per target, the exit code of the worst outcome.

import { describe, expect, it } from "vitest";
import { EXIT } from "../../../src/core/errors.js";
import { runTargets, worseExit, type TargetOperation, type TargetRunResult } from "../../../src/fleet/run.js";
import type { FleetEvent, FleetTarget, TargetResult } from "../../../src/fleet/types.js";

const fleet = (n: number): FleetTarget[] =>
  Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(3, "0")}`, url: `sqlite:./t${i}.db` }));

const ok: TargetRunResult = { outcome: "ok", exitCode: EXIT.ok, changed: 1 };
const failed = (exitCode: number = EXIT.migrationFailed): TargetRunResult => ({
  outcome: "failed",
  exitCode,
  changed: 0,
  error: { message: "boom", location: "002_b.sql:3" },
});

/** A scripted fleet: each target waits `delay(name)` ms (timers), then ends as `end(name)` says. */
function scripted(options: { delay?: (name: string) => number; end?: (name: string) => TargetRunResult } = {}) {
  const state = { active: 0, peak: 0, started: [] as string[], abortedWhileRunning: [] as string[] };
  const operation: TargetOperation = async (target, context) => {
    state.active += 1;
    state.peak = Math.max(state.peak, state.active);
    state.started.push(target.name);
    try {
      context.migration(`001_${target.name}`);
      await new Promise<void>((resolveWait) => {
        const onAbort = (): void => {
          clearTimeout(timer);
          state.abortedWhileRunning.push(target.name);
          resolveWait();
        };
        const timer = setTimeout(() => {
          context.signal.removeEventListener("abort", onAbort);
          resolveWait();
        }, options.delay?.(target.name) ?? 1);
        context.signal.addEventListener("abort", onAbort, { once: true });
      });
      if (context.signal.aborted) return { outcome: "failed", exitCode: EXIT.interrupted, changed: 0, error: { message: "interrupted" } };
      return options.end?.(target.name) ?? ok;
    } finally {
      state.active -= 1;
    }
  };
  return { operation, state };
}

function recorder() {
  const events: FleetEvent[] = [];
  const ends = (): TargetResult[] => events.flatMap((event) => (event.type === "target-end" ? [event.result] : []));
  return { events, ends, onEvent: (event: FleetEvent) => events.push(event) };
}

describe("runTargets", () => {
  it("never runs more than `concurrency` targets at once, and reaches it", async () => {
    for (const concurrency of [1, 3, 8]) {
      const { operation, state } = scripted({ delay: (name) => 1 + (Number(name.slice(1)) % 5) });
      const rec = recorder();
      const summary = await runTargets(fleet(40), operation, { concurrency, onEvent: rec.onEvent });
      expect(state.peak).toBe(concurrency);
      expect(state.started).toHaveLength(40);
      expect(summary).toMatchObject({ total: 40, ok: 40, failed: 0, skipped: 0, changed: 40, exitCode: 0, failures: [] });
      expect(rec.ends()).toHaveLength(40);
      expect(rec.events[0]).toMatchObject({ type: "fleet-start", total: 40, concurrency, canary: 0 });
      expect(rec.events.at(-1)).toMatchObject({ type: "fleet-end" });
    }
  });

  it("starts targets in the given order and reports each one's current migration", async () => {
    const { operation, state } = scripted();
    const rec = recorder();
    await runTargets(fleet(10), operation, { concurrency: 2, onEvent: rec.onEvent });
    expect(state.started).toEqual(fleet(10).map((t) => t.name));
    const migrations = rec.events.filter((e) => e.type === "target-migration");
    expect(migrations).toHaveLength(10);
    expect(migrations[0]).toEqual({ type: "target-migration", name: "t000", migration: "001_t000" });
  });

  it("on failures the others continue: 47 ok, 3 failed and named, exit 1", async () => {
    const bad = new Set(["t004", "t020", "t049"]);
    const { operation, state } = scripted({ end: (name) => (bad.has(name) ? failed() : ok) });
    const summary = await runTargets(fleet(50), operation, { concurrency: 4 });
    expect(state.started).toHaveLength(50);
    expect(summary).toMatchObject({ total: 50, ok: 47, failed: 3, skipped: 0, exitCode: EXIT.migrationFailed });
    expect(summary.failures.map((f) => f.name)).toEqual(["t004", "t020", "t049"]);
    expect(summary.failures[0]?.error?.location).toBe("002_b.sql:3");
    expect(summary.stopped).toBeUndefined();
  });

  it("--canary N: the first N run first; a failing canary skips all the rest", async () => {
    const { operation, state } = scripted({ end: (name) => (name === "t002" ? failed() : ok) });
    const rec = recorder();
    const summary = await runTargets(fleet(30), operation, { concurrency: 4, canary: 5, onEvent: rec.onEvent });
    expect(state.started.sort()).toEqual(["t000", "t001", "t002", "t003", "t004"]);
    expect(summary).toMatchObject({ total: 30, ok: 4, failed: 1, skipped: 25, exitCode: 1, stopped: "canary" });
    expect(rec.events.filter((e) => e.type === "canary-failed")).toEqual([{ type: "canary-failed", failed: ["t002"] }]);
    // one result per target, the skipped ones included
    const ends = rec.ends();
    expect(ends).toHaveLength(30);
    expect(ends.filter((r) => r.outcome === "skipped").map((r) => r.name)).toEqual(fleet(30).slice(5).map((t) => t.name));
  });

  it("--canary N: when the canaries succeed the rest run, and no canary overlaps a later target", async () => {
    const { operation, state } = scripted({ delay: (name) => (name === "t000" ? 30 : 1) });
    const order: string[] = [];
    const summary = await runTargets(fleet(12), operation, {
      concurrency: 4,
      canary: 3,
      onEvent: (e) => {
        if (e.type === "target-start" || e.type === "target-end") order.push(`${e.type}:${e.type === "target-start" ? e.name : e.result.name}`);
      },
    });
    expect(summary).toMatchObject({ ok: 12, skipped: 0 });
    expect(state.started).toHaveLength(12);
    // every canary ended before the fourth target started
    const firstLater = order.indexOf("target-start:t003");
    for (const name of ["t000", "t001", "t002"]) expect(order.indexOf(`target-end:${name}`)).toBeLessThan(firstLater);
  });

  it("--fail-fast: after the first failure nothing new starts, the running ones finish, the rest are skipped", async () => {
    const { operation, state } = scripted({
      delay: (name) => (name === "t005" ? 1 : 20),
      end: (name) => (name === "t005" ? failed() : ok),
    });
    const rec = recorder();
    const summary = await runTargets(fleet(40), operation, { concurrency: 4, failFast: true, onEvent: rec.onEvent });
    const started = new Set(state.started);
    expect(started.has("t005")).toBe(true);
    expect(state.started.length).toBeLessThan(12);
    expect(state.abortedWhileRunning).toEqual([]);
    expect(summary.failed).toBe(1);
    expect(summary.ok).toBe(state.started.length - 1);
    expect(summary.skipped).toBe(40 - state.started.length);
    expect(summary).toMatchObject({ exitCode: 1, stopped: "fail-fast" });
    // nothing started after the failure ended
    const failedAt = rec.events.findIndex((e) => e.type === "target-end" && e.result.outcome === "failed");
    expect(rec.events.slice(failedAt).some((e) => e.type === "target-start")).toBe(false);
  });

  it("an abort starts nothing more, aborts the running targets through their signal, and exits 130", async () => {
    const controller = new AbortController();
    let ended = 0;
    const { operation, state } = scripted({ delay: () => 15 });
    const summary = await runTargets(fleet(30), operation, {
      concurrency: 3,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "target-end" && ++ended === 6) controller.abort("SIGTERM");
      },
    });
    expect(state.started.length).toBeGreaterThanOrEqual(6);
    expect(state.started.length).toBeLessThanOrEqual(9);
    expect(state.abortedWhileRunning.length).toBe(state.started.length - 6);
    expect(summary.ok).toBe(6);
    expect(summary.skipped).toBe(30 - state.started.length);
    expect(summary).toMatchObject({ exitCode: EXIT.interrupted, stopped: "interrupted" });
  });

  it("an already aborted signal runs nothing", async () => {
    const controller = new AbortController();
    controller.abort("SIGINT");
    const { operation, state } = scripted();
    const summary = await runTargets(fleet(5), operation, { concurrency: 2, signal: controller.signal });
    expect(state.started).toEqual([]);
    expect(summary).toMatchObject({ skipped: 5, exitCode: EXIT.interrupted });
  });

  it("an operation that throws fails its own target only", async () => {
    const operation: TargetOperation = async (target) => {
      if (target.name === "t001") throw new Error("unexpected");
      return ok;
    };
    const summary = await runTargets(fleet(4), operation, { concurrency: 2 });
    expect(summary).toMatchObject({ ok: 3, failed: 1, exitCode: 1 });
    expect(summary.failures[0]).toMatchObject({ name: "t001", outcome: "failed", error: { message: "unexpected" } });
  });

  it("exits with the worst outcome's code", async () => {
    const codes: Record<string, number> = { t000: EXIT.validation, t001: EXIT.migrationFailed, t002: EXIT.lock, t003: EXIT.ok };
    const operation: TargetOperation = async (target) => {
      const code = codes[target.name] ?? 0;
      return code === 0 ? ok : failed(code);
    };
    expect((await runTargets(fleet(4), operation, { concurrency: 2 })).exitCode).toBe(EXIT.lock);
    expect(worseExit(EXIT.ok, EXIT.validation)).toBe(EXIT.validation);
    expect(worseExit(EXIT.validation, EXIT.migrationFailed)).toBe(EXIT.migrationFailed);
    expect(worseExit(EXIT.migrationFailed, EXIT.lock)).toBe(EXIT.lock);
    expect(worseExit(EXIT.connection, EXIT.lock)).toBe(EXIT.connection);
    expect(worseExit(EXIT.connection, EXIT.usage)).toBe(EXIT.usage);
    expect(worseExit(EXIT.interrupted, EXIT.usage)).toBe(EXIT.interrupted);
  });

  it("keeps no per-target result: the summary holds the failures only, however large the fleet", async () => {
    const { operation } = scripted({ delay: () => 0, end: (name) => (name.endsWith("7") ? { ...failed(), detail: { report: name } } : ok) });
    const summary = await runTargets(fleet(1000), operation, { concurrency: 8 });
    expect(summary).toMatchObject({ total: 1000, ok: 900, failed: 100 });
    expect(summary.failures).toHaveLength(100);
    expect(summary.failures.every((f) => f.outcome === "failed" && f.error?.location === "002_b.sql:3")).toBe(true);
    // a failure's detail went out with its target-end event; the summary keeps its name and error
    expect(summary.failures.some((f) => "detail" in f)).toBe(false);
  });

  it("an empty fleet is an empty summary", async () => {
    const summary = await runTargets([], async () => ok, { concurrency: 4, canary: 3 });
    expect(summary).toMatchObject({ total: 0, ok: 0, failed: 0, skipped: 0, exitCode: 0 });
  });
});
