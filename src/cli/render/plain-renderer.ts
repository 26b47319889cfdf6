// Plain lines for logs and pipes: one line per migration when it ends, then a summary. With
// `--dry-run`, the SQL of each migration under a comment naming it and its file:line.

import type { EventOf, MigratorEvent } from "../../index.js";
import type { Output } from "../io.js";
import { formatDuration, migrationId } from "./format.js";
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

export interface PlainRendererOptions {
  readonly verbose: boolean;
  /** Milliseconds clock, for throttling progress lines of unknown size. */
  readonly clock?: () => number;
}

/** Progress of a batch with a known total is printed at each 10 %; otherwise every 5 s at most. */
const PROGRESS_INTERVAL_MS = 5000;
/** A lock wait is reported when it starts and every 10 s after. */
const LOCK_REPORT_MS = 10_000;

/** Tenths of a known total done, or -1 when the total is unknown. */
function progressBucket(event: EventOf<"progress">): number {
  return event.total !== null && event.total > 0 ? Math.floor((Math.min(event.done, event.total) / event.total) * 10) : -1;
}

/** A progress line is due at its migration's first event, at each new tenth, or 5 s after the last one. */
function progressDue(previous: { bucket: number; at: number } | undefined, bucket: number, now: number): boolean {
  if (previous === undefined) return true;
  return bucket >= 0 ? bucket > previous.bucket : now - previous.at >= PROGRESS_INTERVAL_MS;
}

/** What a migration's start prints: a dry run's header, a verbose run's line, else nothing. */
function startLines(event: EventOf<"migration:start">, id: string, dryRun: DryRun, verbose: boolean): string[] {
  if (dryRun === true) return ["", `-- ${verbFor(event.direction, dryRun)} ${id} (${event.file})`];
  if (!verbose) return [];
  const worker = event.worker > 0 ? ` on worker ${event.worker}` : "";
  return [`${verbFor(event.direction, dryRun)} ${id} (${event.index}/${event.total}${worker}) ...`];
}

export function createPlainRenderer(output: Output, options: PlainRendererOptions): RunRenderer {
  const clock = options.clock ?? Date.now;
  const failures = new Map<string, EventOf<"migration:error">>();
  const names = new Map<string, string>();
  const lastProgress = new Map<string, { bucket: number; at: number }>();
  let dryRun: DryRun = false;
  let planned = 0;
  let ended = 0;
  let dirty = 0;
  let interrupted = 0;
  let lockBucket = -1;
  let shownVersion: string | null = null;
  const colors = () => output.colors;
  const idOf = (version: string | null): string => (version === null ? "" : (names.get(version) ?? version));

  const listener = (event: MigratorEvent): void => {
    switch (event.type) {
      case "run:start": {
        dryRun = event.dryRun;
        planned = event.planned;
        ended = 0;
        dirty = 0;
        interrupted = 0;
        lockBucket = -1;
        shownVersion = null;
        const line = headline(event);
        if (line !== null) output.line(line);
        return;
      }
      case "lock:wait": {
        const bucket = Math.floor(event.waitedMs / LOCK_REPORT_MS);
        if (bucket > lockBucket) output.line(lockWaitLine(event));
        lockBucket = Math.max(lockBucket, bucket);
        return;
      }
      case "lock:acquired": {
        const kind = lockKindLine(event, options.verbose);
        if (kind !== null) output.line(kind);
        if (lockBucket >= 0 || options.verbose) output.line(`lock acquired${event.waitedMs > 0 ? ` after ${formatDuration(event.waitedMs)}` : ""}`);
        return;
      }
      case "migration:start": {
        const id = migrationId(event.version, event.name);
        names.set(event.version, id);
        if (dryRun === true) shownVersion = event.version;
        for (const line of startLines(event, id, dryRun, options.verbose)) output.line(line);
        return;
      }
      case "statement":
        if (event.dryRun) {
          if (event.version !== shownVersion) {
            // the library may announce dry-run migrations only through their statements
            shownVersion = event.version;
            output.line("");
            output.line(`-- ${names.get(event.version) ?? idFromLocation(event.location) ?? event.version}`);
          }
          for (const line of statementLines(event)) output.line(line);
        } else if (options.verbose) {
          output.line(`  ${idOf(event.version)}: statement ${event.index} of ${event.count} at ${event.location}`);
        }
        return;
      case "progress": {
        const now = clock();
        const bucket = progressBucket(event);
        if (progressDue(lastProgress.get(event.version), bucket, now)) {
          lastProgress.set(event.version, { bucket, at: now });
          output.line(`  ${idOf(event.version)}: ${progressText(event)}`);
        }
        return;
      }
      case "migration:end":
        ended += 1;
        if (dryRun !== true) output.line(endLine(event, dryRun, colors()));
        return;
      case "migration:error":
        failures.set(event.version, event);
        if (event.dirty) dirty += 1;
        if (isInterruption(event)) interrupted += 1;
        output.line(failureLine(event, dryRun, colors()));
        return;
      case "log": {
        const prefix = event.version === null ? "" : `${idOf(event.version)}: `;
        if (event.level === "warn") output.errorLine(`warning: ${prefix}${event.message}`);
        else output.line(event.version === null ? event.message : `  ${prefix}${event.message}`);
        return;
      }
      case "run:end": {
        if (dryRun === true) output.line("");
        output.line(summaryLine(event, { planned, ended, dirty, interrupted }, colors()));
        return;
      }
    }
  };
  return { listener, failures, close: () => undefined };
}
