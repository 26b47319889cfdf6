import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { createOutput } from "../../../src/cli/io.js";
import {
  createFleetLiveRenderer,
  fleetEta,
  fleetLiveLines,
  fleetPending,
  initialFleetState,
  reduceFleet,
  type FleetLiveState,
} from "../../../src/cli/render/fleet-live.js";
import { summaryLines } from "../../../src/cli/render/fleet-plain.js";
import type { Timers } from "../../../src/cli/render/live-renderer.js";
import type { FleetEvent, FleetSummary, TargetResult } from "../../../src/index.js";
import { captureStream, memoryIo } from "./cli-harness.js";

const colors = pc.createColors(false);

const ok = (name: string, changed = 1): TargetResult => ({ name, outcome: "ok", exitCode: 0, changed, ms: 10 });
const failed = (name: string): TargetResult => ({
  name,
  outcome: "failed",
  exitCode: 1,
  changed: 0,
  ms: 10,
  error: { message: `migration 004_backfill failed: relation "nosuch" does not exist`, location: "004_backfill.sql:41" },
});
const skipped = (name: string): TargetResult => ({ name, outcome: "skipped", exitCode: 0, changed: 0, ms: 0 });
const start = (total: number, concurrency = 8): FleetEvent => ({ type: "fleet-start", total, concurrency, canary: 0 });
const end = (result: TargetResult): FleetEvent => ({ type: "target-end", result });

function reduceAll(events: readonly (readonly [number, FleetEvent])[]): FleetLiveState {
  return events.reduce((state, [at, event]) => reduceFleet(state, event, at), initialFleetState());
}

/** Applies the cursor movements the renderer writes; returns the visible screen. */
function screen(text: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  // eslint-disable-next-line no-control-regex
  const tokens = text.match(/\u001b\[[0-9;]*[A-Za-z]|\n|\r|[^\u001b\n\r]+/g) ?? [];
  for (const token of tokens) {
    if (token === "\n") {
      row += 1;
      if (lines[row] === undefined) lines[row] = "";
    } else if (token.startsWith("\u001b[")) {
      const code = token.at(-1);
      const n = Number(token.slice(2, -1) || "1");
      if (code === "A") row = Math.max(0, row - n);
      if (code === "J") {
        lines.length = row + 1;
        lines[row] = "";
      }
    } else if (token !== "\r") {
      lines[row] = (lines[row] ?? "") + token;
    }
  }
  return lines.map((line) => line.replace(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /, "* "));
}

describe("fleet live view: the state", () => {
  it("counts targets done, running, failed, skipped and pending", () => {
    const state = reduceAll([
      [0, start(10, 3)],
      [0, { type: "target-start", name: "a" }],
      [0, { type: "target-start", name: "b" }],
      [5, { type: "target-migration", name: "a", migration: "002_orders" }],
      [10, end(ok("a"))],
      [10, { type: "target-start", name: "c" }],
      [20, end(failed("b"))],
      [20, end(skipped("d"))],
    ]);
    expect([state.ok, state.failed, state.skipped, state.running.size, fleetPending(state)]).toEqual([1, 1, 1, 1, 6]);
    expect([...state.running.keys()]).toEqual(["c"]);
    expect(state.changed).toBe(1);
  });

  it("never changes a state in place", () => {
    const before = reduceFleet(initialFleetState(), start(2), 0);
    const after = reduceFleet(before, { type: "target-start", name: "a" }, 1);
    expect(before.running.size).toBe(0);
    expect(after.running.size).toBe(1);
  });

  it("keeps only the newest failures, however many fail (memory does not grow with the fleet)", () => {
    let state = reduceFleet(initialFleetState(), start(1000), 0);
    for (let i = 0; i < 500; i++) {
      state = reduceFleet(state, { type: "target-start", name: `t${i}` }, i);
      state = reduceFleet(state, end(failed(`t${i}`)), i + 1);
    }
    expect(state.failed).toBe(500);
    expect(state.recentFailures.map((r) => r.name)).toEqual(["t497", "t498", "t499"]);
    expect(state.running.size).toBe(0);
  });

  it("estimates the time left from the completion rate", () => {
    let state = reduceFleet(initialFleetState(), start(100), 1000);
    expect(fleetEta(state, 1500)).toBeNull();
    for (let i = 0; i < 25; i++) state = reduceFleet(state, end(ok(`t${i}`)), 2000);
    // 25 done in 10 s → 75 left take 30 s
    expect(fleetEta(state, 11_000)).toBe(30_000);
    for (let i = 0; i < 75; i++) state = reduceFleet(state, end(skipped(`s${i}`)), 12_000);
    expect(fleetEta(state, 12_000)).toBe(0);
  });
});

describe("fleet live view: the lines", () => {
  it("draws the progress, the counts, each running target with its migration, and the failures", () => {
    const state = reduceAll([
      [0, start(10, 3)],
      [0, { type: "target-start", name: "tenant_a" }],
      [0, { type: "target-start", name: "tenant_b" }],
      [1000, { type: "target-migration", name: "tenant_a", migration: "003_add_orders" }],
      [2000, end(ok("tenant_c"))],
      [3000, end(failed("tenant_d"))],
    ]);
    expect(fleetLiveLines(state, 4000, { columns: 120, rows: 24, colors })).toEqual([
      "2/10 targets [████░░░░░░░░░░░░░░░░] 20%  ETA 16.0 s  (4.0 s)",
      "ok 1  failed 1  skipped 0  running 2  pending 6",
      "⠋ tenant_a  003_add_orders  4.0 s",
      "⠋ tenant_b  starting  4.0 s",
      '✖ tenant_d: migration 004_backfill failed: relation "nosuch" does not exist (004_backfill.sql:41)',
    ]);
  });

  it("with 1,000 targets fits the terminal: the oldest running ones, a count of the rest, the last failures", () => {
    const events: [number, FleetEvent][] = [[0, start(1000, 50)]];
    for (let i = 0; i < 50; i++) events.push([i, { type: "target-start", name: `tenant_${String(i).padStart(4, "0")}` }]);
    for (let i = 0; i < 10; i++) events.push([100 + i, end(failed(`gone_${i}`))]);
    const state = reduceAll(events);
    const lines = fleetLiveLines(state, 1000, { columns: 60, rows: 12, colors });
    expect(lines).toHaveLength(11);
    expect(lines.slice(2, 7).map((line) => line.slice(2, 13))).toEqual(["tenant_0000", "tenant_0001", "tenant_0002", "tenant_0003", "tenant_0004"]);
    expect(lines[7]).toBe("  … 45 more targets running");
    expect(lines.slice(8).map((line) => line.slice(2, 9))).toEqual(["gone_7:", "gone_8:", "gone_9:"]);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(59);
    // a tiny terminal keeps the progress line only
    expect(fleetLiveLines(state, 1000, { columns: 60, rows: 2, colors })).toHaveLength(1);
    // whatever the height, never more than rows - 1 lines (one line at the least)
    for (let rows = 1; rows <= 70; rows++) {
      expect(fleetLiveLines(state, 1000, { columns: 60, rows, colors }).length, `rows ${rows}`).toBeLessThanOrEqual(Math.max(1, rows - 1));
    }
    // every running target shown when they fit
    expect(fleetLiveLines(state, 1000, { columns: 60, rows: 80, colors }).filter((line) => line.includes("tenant_"))).toHaveLength(50);
  });

});

describe("fleet live renderer", () => {
  function live(options: { tty?: boolean; rows?: number } = {}) {
    let now = 0;
    const ticks: (() => void)[] = [];
    let cleared = 0;
    const timers: Timers = {
      setInterval: (callback, ms) => {
        expect(ms).toBe(100);
        ticks.push(callback);
        return ticks.length;
      },
      clearInterval: () => void (cleared += 1),
    };
    const memory = memoryIo({ stdoutTTY: options.tty ?? true });
    const stdout = Object.assign(captureStream(options.tty ?? true, 80), { rows: options.rows ?? 24 });
    const output = createOutput({ ...memory.io, stdout }, { color: false, verbosity: "normal", json: false });
    const renderer = createFleetLiveRenderer(output, { clock: () => now, timers });
    return {
      renderer,
      stdout,
      writes: () => stdout.text().split("\u001b[J").length - 1,
      ticks,
      cleared: () => cleared,
      advance(ms: number) {
        now += ms;
        for (const tick of ticks) tick();
      },
    };
  }

  it("redraws in place on a timer, never on each event, and leaves the summary", () => {
    const { renderer, stdout, writes, advance, cleared } = live();
    renderer.event(start(1000, 8));
    for (let i = 0; i < 8; i++) renderer.event({ type: "target-start", name: `t${i}` });
    const before = stdout.text().length;
    // a thousand events between two ticks draw nothing
    for (let i = 0; i < 500; i++) {
      renderer.event(end(ok(`t${i}`)));
      renderer.event({ type: "target-start", name: `t${i + 8}` });
    }
    expect(stdout.text().length).toBe(before);
    advance(100);
    const drawnOnce = writes();
    advance(100);
    expect(writes()).toBe(drawnOnce + 1);
    expect(screen(stdout.text())).toEqual([
      "run on 1000 targets, 8 at a time",
      "500/1,000 targets [██████████░░░░░░░░░░] 50%  ETA 200 ms  (200 ms)",
      "ok 500  failed 0  skipped 0  running 8  pending 492",
      ...[500, 501, 502, 503, 504, 505, 506, 507].map((i) => `* t${i}  starting  200 ms`),
      "",
    ]);
    const summary: FleetSummary = { total: 1000, ok: 999, failed: 1, skipped: 0, changed: 999, exitCode: 4, ms: 400, failures: [failed("t9")] };
    renderer.event({ type: "fleet-end", summary });
    renderer.close();
    expect(cleared()).toBe(1);
    // the headline and the plain renderer's summary stay; the live region is gone
    expect(screen(stdout.text())).toEqual(["run on 1000 targets, 8 at a time", ...summaryLines(summary, colors), ""]);
  });

  it("never draws more lines than the terminal has", () => {
    const { renderer, stdout, advance } = live({ rows: 6 });
    renderer.event(start(1000, 8));
    for (let i = 0; i < 8; i++) renderer.event({ type: "target-start", name: `t${i}` });
    advance(100);
    const visible = screen(stdout.text());
    // the headline stays above; the live region has rows - 1 lines
    expect(visible.filter((line) => line !== "")).toHaveLength(1 + 5);
    expect(visible).toContain("  … 6 more targets running");
  });

  it("prints a failed canary above the live region", () => {
    const { renderer, stdout, advance } = live();
    renderer.event({ type: "fleet-start", total: 20, concurrency: 2, canary: 2 });
    renderer.event({ type: "target-start", name: "a" });
    renderer.event(end(failed("a")));
    renderer.event({ type: "canary-failed", failed: ["a"] });
    advance(100);
    const visible = screen(stdout.text());
    expect(visible[0]).toBe("run on 20 targets, 2 at a time; canary: the first 2, the rest only if they all succeed");
    expect(visible[1]).toBe("canary failed on a: starting no other target");
    expect(visible[3]).toBe("ok 0  failed 1  skipped 0  running 0  pending 19");
  });

  it("draws nothing live when stdout is not a terminal: no timer, no cursor movement", () => {
    const { renderer, stdout, ticks } = live({ tty: false });
    renderer.event(start(3, 2));
    renderer.event({ type: "target-start", name: "a" });
    renderer.event(end(ok("a")));
    renderer.event({ type: "fleet-end", summary: { total: 3, ok: 3, failed: 0, skipped: 0, changed: 3, exitCode: 0, ms: 5, failures: [] } });
    renderer.close();
    expect(ticks).toHaveLength(0);
    expect(stdout.text()).not.toContain("\u001b[");
    const summary: FleetSummary = { total: 3, ok: 3, failed: 0, skipped: 0, changed: 3, exitCode: 0, ms: 5, failures: [] };
    expect(stdout.text()).toBe(["run on 3 targets, 2 at a time", ...summaryLines(summary, colors)].map((line) => `${line}\n`).join(""));
  });
});
