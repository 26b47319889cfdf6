// The live view of a fleet run on a terminal: counts of targets done / running / failed / skipped /
// pending, a progress bar with an ETA from the completion rate, a line per running target with its
// current migration and the last failures, redrawn in place at most 10 times a second and never
// taller than the terminal. The drawing is a pure function of the state (`fleetLiveLines`); the
// renderer only feeds it events and moves the cursor. The headline and the summary (the plain
// renderer's, so every view ends alike) stay on screen.

import type { FleetEvent, FleetRenderer, FleetSummary, TargetResult } from "../../index.js";
import type { Colors, Output } from "../io.js";
import { fleetHeadline, summaryLines } from "./fleet-plain.js";
import { formatCount, formatDuration, plural, printable, truncate } from "./format.js";
import { defaultTimers, progressBar, type Timers } from "./live-renderer.js";

/** One redraw per tick: at most 10 a second, however fast targets finish. */
export const FLEET_FRAME_MS = 100;
/** The failures the live region can show (the newest); the summary names all of them. */
const FAILURES_KEPT = 3;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;
const BAR_WIDTH = 20;
const ESC = "\u001b[";

export interface RunningTarget {
  readonly startedAt: number;
  /** The migration being applied or rolled back; null until the first one starts. */
  readonly migration: string | null;
}

/** What the live view knows of the run: a few counters and at most `concurrency` running targets. */
export interface FleetLiveState {
  readonly total: number;
  readonly concurrency: number;
  readonly canary: number;
  readonly startedAt: number | null;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  /** Targets that applied or rolled back something. */
  readonly changed: number;
  /** In the order they started. */
  readonly running: ReadonlyMap<string, RunningTarget>;
  /** The newest failures, oldest first (at most FAILURES_KEPT). */
  readonly recentFailures: readonly TargetResult[];
  readonly summary: FleetSummary | null;
}

export function initialFleetState(): FleetLiveState {
  return {
    total: 0,
    concurrency: 1,
    canary: 0,
    startedAt: null,
    ok: 0,
    failed: 0,
    skipped: 0,
    changed: 0,
    running: new Map(),
    recentFailures: [],
    summary: null,
  };
}

function without<V>(map: ReadonlyMap<string, V>, key: string): Map<string, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

function afterTargetEnd(state: FleetLiveState, result: TargetResult): FleetLiveState {
  const running = without(state.running, result.name);
  const changed = state.changed + (result.changed > 0 ? 1 : 0);
  switch (result.outcome) {
    case "ok":
      return { ...state, running, changed, ok: state.ok + 1 };
    case "skipped":
      return { ...state, running, changed, skipped: state.skipped + 1 };
    case "failed":
      return { ...state, running, changed, failed: state.failed + 1, recentFailures: [...state.recentFailures, result].slice(-FAILURES_KEPT) };
  }
}

/** The state after `event`, received at `now`. Pure: the state is never changed in place. */
export function reduceFleet(state: FleetLiveState, event: FleetEvent, now: number): FleetLiveState {
  switch (event.type) {
    case "fleet-start":
      return { ...initialFleetState(), total: event.total, concurrency: event.concurrency, canary: event.canary, startedAt: now };
    case "target-start":
      return { ...state, running: new Map(state.running).set(event.name, { startedAt: now, migration: null }) };
    case "target-migration": {
      const item = state.running.get(event.name);
      if (item === undefined) return state;
      return { ...state, running: new Map(state.running).set(event.name, { ...item, migration: event.migration }) };
    }
    case "target-end":
      return afterTargetEnd(state, event.result);
    case "canary-failed":
      return state;
    case "fleet-end":
      return { ...state, running: new Map(), summary: event.summary };
  }
}

/** Targets that ended (ok, failed or skipped). */
export function fleetDone(state: FleetLiveState): number {
  return state.ok + state.failed + state.skipped;
}

/** Targets not started yet. */
export function fleetPending(state: FleetLiveState): number {
  return Math.max(0, state.total - fleetDone(state) - state.running.size);
}

/**
 * Milliseconds left at the completion rate so far (targets finished per millisecond since the
 * start); null until one target has finished. Skipped targets cost nothing and are not counted.
 */
export function fleetEta(state: FleetLiveState, now: number): number | null {
  if (state.startedAt === null) return null;
  const finished = state.ok + state.failed;
  const elapsed = now - state.startedAt;
  if (finished === 0 || elapsed <= 0) return null;
  const left = state.total - fleetDone(state);
  return left <= 0 ? 0 : (left / finished) * elapsed;
}

export interface FleetView {
  readonly columns: number;
  readonly rows: number;
  readonly colors: Colors;
}

/** `text` when it fits, else the plain text cut to `width` (colour escapes are never cut in half). */
function fit(styled: string, plain: string, width: number): string {
  return [...plain].length <= width ? styled : truncate(plain, width);
}

function headerLines(state: FleetLiveState, now: number, colors: Colors, width: number): string[] {
  const done = fleetDone(state);
  const bar = progressBar(done, state.total, BAR_WIDTH) ?? "";
  const percent = state.total === 0 ? 100 : Math.floor((done / state.total) * 100);
  const eta = fleetEta(state, now);
  const etaText = eta === null ? "ETA -" : `ETA ${formatDuration(eta)}`;
  const elapsed = state.startedAt === null ? 0 : now - state.startedAt;
  const first = `${formatCount(done)}/${formatCount(state.total)} targets ${bar} ${percent}%  ${etaText}  (${formatDuration(elapsed)})`;
  const counts = [
    { text: `ok ${formatCount(state.ok)}`, style: colors.green },
    { text: `failed ${formatCount(state.failed)}`, style: state.failed > 0 ? colors.red : (t: string) => t },
    { text: `skipped ${formatCount(state.skipped)}`, style: state.skipped > 0 ? colors.yellow : (t: string) => t },
    { text: `running ${formatCount(state.running.size)}`, style: colors.cyan },
    { text: `pending ${formatCount(fleetPending(state))}`, style: (t: string) => t },
  ];
  const plain = counts.map((c) => c.text).join("  ");
  const styled = counts.map((c) => c.style(c.text)).join("  ");
  return [fit(colors.bold(first), first, width), fit(styled, plain, width)];
}

function failureText(result: TargetResult): string {
  const error = result.error;
  if (error === undefined) return printable(`${result.name}: failed (exit code ${result.exitCode})`);
  const where = error.location !== undefined && !error.message.includes(error.location) ? ` (${error.location})` : "";
  return printable(`${result.name}: ${error.message}${where}`);
}

/**
 * The live region at `now`: two header lines (progress, counts), a line per running target, then the
 * newest failures; never more than `rows - 1` lines, each cut to the width. When the running targets
 * do not all fit, the oldest are shown and one line counts the rest.
 */
export function fleetLiveLines(state: FleetLiveState, now: number, view: FleetView): string[] {
  const { colors } = view;
  const width = Math.max(20, view.columns - 1);
  const budget = Math.max(1, view.rows - 1);
  const header = headerLines(state, now, colors, width);
  if (budget <= header.length) return header.slice(0, budget);
  let room = budget - header.length;
  // the failures take at most half the room left (slice(-0) would take them all)
  const keep = Math.min(FAILURES_KEPT, Math.floor(room / 2));
  const failures = keep === 0 ? [] : state.recentFailures.slice(-keep);
  room -= failures.length;
  const frame = SPINNER[Math.floor(now / FLEET_FRAME_MS) % SPINNER.length] ?? "-";
  const running = [...state.running];
  const shown = running.length <= room ? running : running.slice(0, Math.max(0, room - 1));
  const lines = [...header];
  for (const [name, item] of shown) {
    const text = printable(`${name}  ${item.migration ?? "starting"}  ${formatDuration(now - item.startedAt)}`);
    lines.push(`${colors.cyan(frame)} ${truncate(text, width - 2)}`);
  }
  if (shown.length < running.length) lines.push(colors.dim(truncate(`  … ${plural(running.length - shown.length, "more target")} running`, width)));
  for (const result of failures) lines.push(`${colors.red("✖")} ${truncate(failureText(result), width - 2)}`);
  return lines;
}

/** Said once, above the live region, when a canary fails (as the plain lines say it). */
export function canaryLine(failed: readonly string[], colors: Colors): string {
  return colors.red(`canary failed on ${failed.map(printable).join(", ")}: starting no other target`);
}

export interface FleetLiveOptions {
  readonly clock?: () => number;
  readonly timers?: Timers;
}

export interface FleetLiveRenderer extends FleetRenderer {
  /** Redraws the live region (the timer calls it; tests call it directly). */
  redraw(): void;
}

/**
 * The live view. Events only change the state; the region is drawn on `fleet-start` and then by a
 * 100 ms timer, so a thousand targets ending in a second cost ten redraws. Not on a terminal, it
 * draws nothing live and prints only the lines that stay (the headline, a failed canary, the summary).
 */
export function createFleetLiveRenderer(output: Output, options: FleetLiveOptions = {}): FleetLiveRenderer {
  const clock = options.clock ?? Date.now;
  const timers = options.timers ?? defaultTimers;
  let state = initialFleetState();
  let drawn = 0;
  let timer: unknown = null;
  const clearRegion = (): string => {
    const text = drawn === 0 ? "" : `${ESC}${drawn}A\r${ESC}J`;
    drawn = 0;
    return text;
  };
  const region = (): string => {
    if (!output.interactive || state.startedAt === null || state.summary !== null) return "";
    const lines = fleetLiveLines(state, clock(), { columns: output.columns(), rows: output.rows(), colors: output.colors });
    drawn = lines.length;
    return lines.map((line) => `${line}\n`).join("");
  };
  const stop = (): void => {
    if (timer !== null) timers.clearInterval(timer);
    timer = null;
  };
  const redraw = (): void => {
    const text = clearRegion() + region();
    if (text !== "") output.write(text);
  };
  const print = (lines: readonly string[]): void => {
    output.write(clearRegion() + lines.map((line) => `${line}\n`).join("") + region());
  };
  return {
    event(event) {
      state = reduceFleet(state, event, clock());
      if (event.type === "fleet-start") {
        print([output.colors.bold(fleetHeadline(event))]);
        if (output.interactive && timer === null) timer = timers.setInterval(redraw, FLEET_FRAME_MS);
      } else if (event.type === "canary-failed") {
        print([canaryLine(event.failed, output.colors)]);
      } else if (event.type === "fleet-end") {
        stop();
        print(summaryLines(event.summary, output.colors));
      }
    },
    redraw,
    close() {
      stop();
      const cleared = clearRegion();
      if (cleared !== "") output.write(cleared);
    },
  };
}
