// The terminal display: finished lines scroll up and stay; below them a small live region redrawn
// in place shows each running migration with a spinner and elapsed time, and a progress bar with
// ETA for batched data migrations.

import type { EventOf, MigratorEvent } from "../../index.js";
import type { Output } from "../io.js";
import { formatDuration, migrationId, truncate } from "./format.js";
import {
  endLine,
  failureLine,
  isInterruption,
  headline,
  idFromLocation,
  lockKindLine,
  lockWaitLine,
  progressText,
  statementLines,
  summaryLine,
  verbFor,
  type DryRun,
  type RunRenderer,
} from "./run-text.js";

export interface Timers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface LiveRendererOptions {
  readonly verbose: boolean;
  readonly clock?: () => number;
  readonly timers?: Timers;
}

export interface LiveRenderer extends RunRenderer {
  /** Redraws the live region (the timer calls it; tests call it directly). */
  redraw(): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;
const FRAME_MS = 80;
const BAR_WIDTH = 20;
const ESC = "\u001b[";

interface Running {
  readonly id: string;
  readonly direction: "up" | "down";
  readonly startedAt: number;
  readonly worker: number;
  statement: string | null;
  progress: EventOf<"progress"> | null;
}

/** Real timers that do not keep the process alive. */
export const defaultTimers: Timers = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

/** `[████████░░░░░░░░░░░░]`, or null when the total is unknown. */
export function progressBar(done: number, total: number | null, width = BAR_WIDTH): string | null {
  if (total === null || total <= 0) return null;
  const filled = Math.max(0, Math.min(width, Math.round((done / total) * width)));
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}

/** What the live renderer knows of the run so far. */
interface LiveState {
  readonly failures: Map<string, EventOf<"migration:error">>;
  readonly running: Map<string, Running>;
  /** Migration ids (`001_users`) by version, for statement and log lines. */
  readonly names: Map<string, string>;
  lockWait: { event: EventOf<"lock:wait">; at: number } | null;
  dryRun: DryRun;
  parallel: number;
  planned: number;
  ended: number;
  dirty: number;
  interrupted: number;
  /** The migration whose header a dry run printed last. */
  shownVersion: string | null;
}

function initialState(): LiveState {
  return {
    failures: new Map(),
    running: new Map(),
    names: new Map(),
    lockWait: null,
    dryRun: false,
    parallel: 1,
    planned: 0,
    ended: 0,
    dirty: 0,
    interrupted: 0,
    shownVersion: null,
  };
}

/** The lines of the live region at `now`: the lock wait, then each running migration. */
function liveLines(state: LiveState, now: number, output: Output): string[] {
  const width = Math.max(20, output.columns() - 1);
  const frame = output.colors.cyan(SPINNER[Math.floor(now / FRAME_MS) % SPINNER.length] ?? "-");
  const lines: string[] = [];
  if (state.lockWait !== null) {
    const waited = state.lockWait.event.waitedMs + (now - state.lockWait.at);
    lines.push(`${frame} ${truncate(lockWaitLine({ ...state.lockWait.event, waitedMs: waited }), width - 2)}`);
  }
  for (const item of state.running.values()) {
    const worker = state.parallel > 1 ? `[${item.worker}] ` : "";
    const elapsed = formatDuration(now - item.startedAt);
    const statement = item.statement === null ? "" : `  ${item.statement}`;
    const text = `${worker}${verbFor(item.direction, state.dryRun)} ${item.id}  ${elapsed}${statement}`;
    lines.push(`${frame} ${truncate(text, width - 2)}`);
    if (item.progress !== null) {
      const bar = progressBar(item.progress.done, item.progress.total);
      const detail = progressText(item.progress);
      lines.push(`  ${truncate(bar === null ? detail : `${bar} ${detail}`, width - 2)}`);
    }
  }
  return lines;
}

/** The screen: lines that stay, printed above a live region that is cleared and redrawn in place. */
interface Screen {
  /** Prints lines that stay on screen above the live region, then redraws the region. */
  print(lines: readonly string[], stream?: "out" | "err"): void;
  redraw(): void;
  /** Erases the live region. */
  clear(): void;
}

function createScreen(output: Output, state: LiveState, clock: () => number): Screen {
  let drawn = 0;
  const clearRegion = (): string => {
    if (drawn === 0) return "";
    const text = `${ESC}${drawn}A\r${ESC}J`;
    drawn = 0;
    return text;
  };
  const region = (): string => {
    const lines = liveLines(state, clock(), output);
    drawn = lines.length;
    return lines.map((line) => `${line}\n`).join("");
  };
  return {
    print(lines, stream = "out") {
      if (stream === "err") {
        const cleared = clearRegion();
        if (cleared !== "") output.write(cleared);
        for (const line of lines) output.errorLine(line);
        output.write(region());
        return;
      }
      output.write(clearRegion() + lines.map((line) => `${line}\n`).join("") + region());
    },
    redraw() {
      if (drawn === 0 && state.running.size === 0 && state.lockWait === null) return;
      output.write(clearRegion() + region());
    },
    clear() {
      const cleared = clearRegion();
      if (cleared !== "") output.write(cleared);
    },
  };
}

/** The timer that animates the spinner while something runs. */
function createTicker(timers: Timers, tick: () => void): { start(): void; stop(): void } {
  let timer: unknown = null;
  return {
    start() {
      if (timer === null) timer = timers.setInterval(tick, FRAME_MS);
    },
    stop() {
      if (timer !== null) timers.clearInterval(timer);
      timer = null;
    },
  };
}

/** What the event handlers share. */
interface LiveContext {
  readonly state: LiveState;
  readonly screen: Screen;
  readonly ticker: { start(): void; stop(): void };
  readonly output: Output;
  readonly clock: () => number;
  readonly verbose: boolean;
}

function onRunStart(ctx: LiveContext, event: EventOf<"run:start">): void {
  const { state } = ctx;
  state.dryRun = event.dryRun;
  state.parallel = event.parallel;
  state.planned = event.planned;
  state.ended = 0;
  state.dirty = 0;
  state.interrupted = 0;
  state.shownVersion = null;
  const line = headline(event);
  if (line !== null) ctx.screen.print([ctx.output.colors.bold(line)]);
}

function onLockAcquired(ctx: LiveContext, event: EventOf<"lock:acquired">): void {
  const waited = ctx.state.lockWait !== null;
  ctx.state.lockWait = null;
  const kind = lockKindLine(event, ctx.verbose);
  if (kind !== null) ctx.screen.print([kind]);
  if (waited) ctx.screen.print([`lock acquired after ${formatDuration(event.waitedMs)}`]);
  else ctx.screen.redraw();
}

function onMigrationStart(ctx: LiveContext, event: EventOf<"migration:start">): void {
  const { state } = ctx;
  const id = migrationId(event.version, event.name);
  state.names.set(event.version, id);
  if (state.dryRun === true) {
    state.shownVersion = event.version;
    ctx.screen.print(["", ctx.output.colors.dim(`-- ${verbFor(event.direction, state.dryRun)} ${id} (${event.file})`)]);
    return;
  }
  state.running.set(event.version, {
    id,
    direction: event.direction,
    startedAt: ctx.clock(),
    worker: event.worker,
    statement: null,
    progress: null,
  });
  ctx.ticker.start();
  ctx.screen.redraw();
}

function onStatement(ctx: LiveContext, event: EventOf<"statement">): void {
  const { state, output } = ctx;
  if (event.dryRun) {
    const lines: string[] = [];
    if (event.version !== state.shownVersion) {
      state.shownVersion = event.version;
      const id = state.names.get(event.version) ?? idFromLocation(event.location) ?? event.version;
      lines.push("", output.colors.bold(`-- ${id}`));
    }
    const [header = "", ...sql] = statementLines(event);
    ctx.screen.print([...lines, output.colors.dim(header), ...sql]);
    return;
  }
  const item = state.running.get(event.version);
  if (item !== undefined) item.statement = `statement ${event.index}/${event.count} at ${event.location}`;
  if (ctx.verbose) ctx.screen.print([output.colors.dim(`  ${state.names.get(event.version) ?? event.version}: ${event.location}`)]);
  else ctx.screen.redraw();
}

function onMigrationEnd(ctx: LiveContext, event: EventOf<"migration:end">): void {
  const { state } = ctx;
  state.ended += 1;
  state.running.delete(event.version);
  if (state.dryRun !== true) ctx.screen.print([`${ctx.output.colors.green("✔")} ${endLine(event, state.dryRun, ctx.output.colors)}`]);
  else ctx.screen.redraw();
}

function onMigrationError(ctx: LiveContext, event: EventOf<"migration:error">): void {
  const { state } = ctx;
  state.failures.set(event.version, event);
  if (event.dirty) state.dirty += 1;
  if (isInterruption(event)) state.interrupted += 1;
  state.running.delete(event.version);
  ctx.screen.print([`${ctx.output.colors.red("✖")} ${failureLine(event, state.dryRun, ctx.output.colors)}`]);
}

function onLog(ctx: LiveContext, event: EventOf<"log">): void {
  const prefix = event.version === null ? "" : `${ctx.state.names.get(event.version) ?? event.version}: `;
  if (event.level === "warn") ctx.screen.print([`warning: ${prefix}${event.message}`], "err");
  else ctx.screen.print([event.version === null ? event.message : ctx.output.colors.dim(`  ${prefix}${event.message}`)]);
}

function onRunEnd(ctx: LiveContext, event: EventOf<"run:end">): void {
  const { state } = ctx;
  state.running.clear();
  state.lockWait = null;
  ctx.ticker.stop();
  const lines: string[] = [];
  if (state.dryRun === true) lines.push("");
  const counts = { planned: state.planned, ended: state.ended, dirty: state.dirty, interrupted: state.interrupted };
  lines.push(ctx.output.colors.bold(summaryLine(event, counts, ctx.output.colors)));
  ctx.screen.print(lines);
}

function handleEvent(ctx: LiveContext, event: MigratorEvent): void {
  switch (event.type) {
    case "run:start":
      return onRunStart(ctx, event);
    case "lock:wait":
      ctx.state.lockWait = { event, at: ctx.clock() };
      ctx.ticker.start();
      return ctx.screen.redraw();
    case "lock:acquired":
      return onLockAcquired(ctx, event);
    case "migration:start":
      return onMigrationStart(ctx, event);
    case "statement":
      return onStatement(ctx, event);
    case "progress": {
      const item = ctx.state.running.get(event.version);
      if (item !== undefined) item.progress = event;
      return ctx.screen.redraw();
    }
    case "migration:end":
      return onMigrationEnd(ctx, event);
    case "migration:error":
      return onMigrationError(ctx, event);
    case "log":
      return onLog(ctx, event);
    case "run:end":
      return onRunEnd(ctx, event);
  }
}

export function createLiveRenderer(output: Output, options: LiveRendererOptions): LiveRenderer {
  const clock = options.clock ?? Date.now;
  const state = initialState();
  const screen = createScreen(output, state, clock);
  const ticker = createTicker(options.timers ?? defaultTimers, () => screen.redraw());
  const ctx: LiveContext = { state, screen, ticker, output, clock, verbose: options.verbose };
  return {
    listener: (event) => handleEvent(ctx, event),
    failures: state.failures,
    redraw: () => screen.redraw(),
    close() {
      ticker.stop();
      state.running.clear();
      state.lockWait = null;
      screen.clear();
    },
  };
}
