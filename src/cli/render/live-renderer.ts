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

const defaultTimers: Timers = {
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

export function createLiveRenderer(output: Output, options: LiveRendererOptions): LiveRenderer {
  const clock = options.clock ?? Date.now;
  const timers = options.timers ?? defaultTimers;
  const failures = new Map<string, EventOf<"migration:error">>();
  const running = new Map<string, Running>();
  const names = new Map<string, string>();
  let lockWait: { event: EventOf<"lock:wait">; at: number } | null = null;
  let dryRun: DryRun = false;
  let parallel = 1;
  let planned = 0;
  let ended = 0;
  let dirty = 0;
  let interrupted = 0;
  let shownVersion: string | null = null;
  let drawn = 0;
  let timer: unknown = null;

  const colors = () => output.colors;
  const width = () => Math.max(20, output.columns() - 1);

  const liveLines = (): string[] => {
    const now = clock();
    const frame = colors().cyan(SPINNER[Math.floor(now / FRAME_MS) % SPINNER.length] ?? "-");
    const lines: string[] = [];
    if (lockWait !== null) {
      const waited = lockWait.event.waitedMs + (now - lockWait.at);
      lines.push(`${frame} ${truncate(lockWaitLine({ ...lockWait.event, waitedMs: waited }), width() - 2)}`);
    }
    for (const item of running.values()) {
      const worker = parallel > 1 ? `[${item.worker}] ` : "";
      const elapsed = formatDuration(now - item.startedAt);
      const statement = item.statement === null ? "" : `  ${item.statement}`;
      const text = `${worker}${verbFor(item.direction, dryRun)} ${item.id}  ${elapsed}${statement}`;
      lines.push(`${frame} ${truncate(text, width() - 2)}`);
      if (item.progress !== null) {
        const bar = progressBar(item.progress.done, item.progress.total);
        const detail = progressText(item.progress);
        lines.push(`  ${truncate(bar === null ? detail : `${bar} ${detail}`, width() - 2)}`);
      }
    }
    return lines;
  };

  const clearRegion = (): string => {
    if (drawn === 0) return "";
    const text = `${ESC}${drawn}A\r${ESC}J`;
    drawn = 0;
    return text;
  };

  const region = (): string => {
    const lines = liveLines();
    drawn = lines.length;
    return lines.map((line) => `${line}\n`).join("");
  };

  /** Prints lines that stay on screen above the live region, then redraws the region. */
  const print = (lines: readonly string[], stream: "out" | "err" = "out"): void => {
    if (stream === "err") {
      const cleared = clearRegion();
      if (cleared !== "") output.write(cleared);
      for (const line of lines) output.errorLine(line);
      output.write(region());
      return;
    }
    output.write(clearRegion() + lines.map((line) => `${line}\n`).join("") + region());
  };

  const redraw = (): void => {
    if (drawn === 0 && running.size === 0 && lockWait === null) return;
    output.write(clearRegion() + region());
  };

  const startTimer = (): void => {
    if (timer === null) timer = timers.setInterval(redraw, FRAME_MS);
  };
  const stopTimer = (): void => {
    if (timer !== null) timers.clearInterval(timer);
    timer = null;
  };

  const listener = (event: MigratorEvent): void => {
    switch (event.type) {
      case "run:start": {
        dryRun = event.dryRun;
        parallel = event.parallel;
        planned = event.planned;
        ended = 0;
        dirty = 0;
        interrupted = 0;
        shownVersion = null;
        const line = headline(event);
        if (line !== null) print([colors().bold(line)]);
        return;
      }
      case "lock:wait":
        lockWait = { event, at: clock() };
        startTimer();
        redraw();
        return;
      case "lock:acquired": {
        const waited = lockWait !== null;
        lockWait = null;
        if (waited) print([`lock acquired after ${formatDuration(event.waitedMs)}`]);
        else redraw();
        return;
      }
      case "migration:start": {
        const id = migrationId(event.version, event.name);
        names.set(event.version, id);
        if (dryRun === true) {
          shownVersion = event.version;
          print(["", colors().dim(`-- ${verbFor(event.direction, dryRun)} ${id} (${event.file})`)]);
          return;
        }
        running.set(event.version, {
          id,
          direction: event.direction,
          startedAt: clock(),
          worker: event.worker,
          statement: null,
          progress: null,
        });
        startTimer();
        redraw();
        return;
      }
      case "statement": {
        if (event.dryRun) {
          const lines: string[] = [];
          if (event.version !== shownVersion) {
            shownVersion = event.version;
            const id = names.get(event.version) ?? idFromLocation(event.location) ?? event.version;
            lines.push("", colors().bold(`-- ${id}`));
          }
          const [header = "", ...sql] = statementLines(event);
          print([...lines, colors().dim(header), ...sql]);
          return;
        }
        const item = running.get(event.version);
        if (item !== undefined) item.statement = `statement ${event.index}/${event.count} at ${event.location}`;
        if (options.verbose) print([colors().dim(`  ${names.get(event.version) ?? event.version}: ${event.location}`)]);
        else redraw();
        return;
      }
      case "progress": {
        const item = running.get(event.version);
        if (item !== undefined) item.progress = event;
        redraw();
        return;
      }
      case "migration:end":
        ended += 1;
        running.delete(event.version);
        if (dryRun !== true) print([`${colors().green("✔")} ${endLine(event, dryRun, colors())}`]);
        else redraw();
        return;
      case "migration:error":
        failures.set(event.version, event);
        if (event.dirty) dirty += 1;
        if (isInterruption(event)) interrupted += 1;
        running.delete(event.version);
        print([`${colors().red("✖")} ${failureLine(event, dryRun, colors())}`]);
        return;
      case "log": {
        const prefix = event.version === null ? "" : `${names.get(event.version) ?? event.version}: `;
        if (event.level === "warn") print([`warning: ${prefix}${event.message}`], "err");
        else print([event.version === null ? event.message : colors().dim(`  ${prefix}${event.message}`)]);
        return;
      }
      case "run:end": {
        running.clear();
        lockWait = null;
        stopTimer();
        const lines: string[] = [];
        if (dryRun === true) lines.push("");
        lines.push(colors().bold(summaryLine(event, { planned, ended, dirty, interrupted }, colors())));
        print(lines);
        return;
      }
    }
  };

  return {
    listener,
    failures,
    redraw,
    close() {
      stopTimer();
      running.clear();
      lockWait = null;
      const cleared = clearRegion();
      if (cleared !== "") output.write(cleared);
    },
  };
}
