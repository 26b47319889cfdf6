import { printable } from "./format.js";
// The words of a run, shared by the plain and the live renderer so both say the same thing.

import type { EventOf, Listener } from "../../index.js";
import type { Colors } from "../io.js";
import { formatCount, formatDuration, migrationId, plural } from "./format.js";

/** A subscriber to Migrator events that renders a run. */
export interface RunRenderer {
  readonly listener: Listener;
  /**
   * The failures seen, by version. Renderers show a failed migration's status line; the command
   * prints the details once the run is over, so a failure thrown by the library is not said twice.
   */
  readonly failures: ReadonlyMap<string, EventOf<"migration:error">>;
  /** Stops timers and leaves the final lines on screen. */
  close(): void;
}

export type DryRun = boolean | "rehearse";
type Direction = "up" | "down";

/** `applying`, `rolling back`, `rehearsing`, `would apply` … */
export function verbFor(direction: Direction, dryRun: DryRun): string {
  if (dryRun === true) return direction === "up" ? "would apply" : "would roll back";
  if (dryRun === "rehearse") return direction === "up" ? "rehearsing" : "rehearsing rollback of";
  return direction === "up" ? "applying" : "rolling back";
}

/** The line announcing a run, or null when there is nothing to do (the summary says so). */
export function headline(event: EventOf<"run:start">): string | null {
  if (event.planned === 0) return null;
  const count = plural(event.planned, "migration");
  const workers = event.parallel > 1 ? ` with ${event.parallel} workers` : "";
  const where = `${event.direction === "up" ? "to" : "on"} ${event.database}`;
  if (event.dryRun === true) {
    return `dry run: ${count} would be ${event.direction === "up" ? "applied" : "rolled back"} ${where}; nothing will be changed`;
  }
  if (event.dryRun === "rehearse") {
    return `rehearsal: ${event.direction === "up" ? "applying" : "rolling back"} ${count} ${where} in a transaction that is rolled back at the end`;
  }
  return `${event.direction === "up" ? "applying" : "rolling back"} ${count} ${where}${workers}`;
}

/** `applying 003_add_orders ... ok (12 ms)`. */
export function endLine(event: EventOf<"migration:end">, dryRun: DryRun, colors: Colors): string {
  const id = migrationId(event.version, event.name);
  return `${verbFor(event.direction, dryRun)} ${id} ... ${colors.green("ok")} (${formatDuration(event.durationMs)})`;
}

/** Whether a migration stopped because the run was interrupted (Ctrl-C, SIGTERM), not by an error of its own. */
export function isInterruption(event: EventOf<"migration:error">): boolean {
  return event.error.code === "INTERRUPTED";
}

/** `applying 003_add_orders ... failed (12 ms)`, or `... interrupted (12 ms)`. */
export function failureLine(event: EventOf<"migration:error">, dryRun: DryRun, colors: Colors): string {
  const id = migrationId(event.version, event.name);
  const what = isInterruption(event) ? colors.yellow("interrupted") : colors.red("failed");
  return `${verbFor(event.direction, dryRun)} ${id} ... ${what} (${formatDuration(event.durationMs)})`;
}

/** `error: <message> (at 004_backfill.sql:41)` unless the message already says where. */
export function errorDetail(event: EventOf<"migration:error">): string {
  const { message, location } = event.error;
  const where = location !== null && location !== "" && !message.includes(location) ? ` (at ${location})` : "";
  return printable(`error: ${message}${where}`);
}

/** `002_add_orders` from `002_add_orders.sql:2` or `sub/002_add_orders.up.sql:4`. */
export function idFromLocation(location: string): string | null {
  const file = location.replace(/:\d+(?::\d+)?$/, "").split(/[\\/]/).pop() ?? "";
  const match = /^(\d+_[^.]+)/.exec(file);
  return match?.[1] ?? null;
}

/** The comment header and text of a statement shown by `--dry-run`. */
export function statementLines(event: EventOf<"statement">): string[] {
  const sql = event.sql.trimEnd();
  const terminated = /;\s*$/.test(sql) || sql === "" ? sql : `${sql};`;
  return [`-- ${event.location} (statement ${event.index} of ${event.count})`, ...terminated.split("\n")];
}

/** `10,000/50,000 (20%), eta 12.0 s — backfilling users`. */
export function progressText(event: EventOf<"progress">): string {
  const parts: string[] = [];
  if (event.total !== null && event.total > 0) {
    const percent = Math.min(100, Math.floor((event.done / event.total) * 100));
    parts.push(`${formatCount(event.done)}/${formatCount(event.total)} (${percent}%)`);
  } else {
    parts.push(`${formatCount(event.done)} done`);
  }
  if (event.etaMs !== null) parts.push(`eta ${formatDuration(event.etaMs)}`);
  const base = parts.join(", ");
  return event.message === undefined || event.message === "" ? base : `${base} — ${event.message}`;
}

/**
 * `lock: a lease, because this is a Galera cluster …`: which run lock was taken, shown for a lease always (it is
 * not the default's everyday lock) and for the session lock with --verbose; null otherwise.
 */
export function lockKindLine(event: EventOf<"lock:acquired">, verbose: boolean): string | null {
  const lock = event.lock;
  if (lock === undefined || (lock.kind === "session" && !verbose)) return null;
  return `lock: ${lock.kind === "lease" ? "a lease" : "the session lock"}, because ${lock.reason}`;
}

export function lockWaitLine(event: EventOf<"lock:wait">): string {
  const holder = event.holder === null ? "another run" : event.holder;
  const waited = event.waitedMs > 0 ? ` (waited ${formatDuration(event.waitedMs)})` : "";
  return `waiting for the migration lock held by ${holder}${waited}`;
}

/** What a renderer counted during a run: planned (from `run:start`) and ended migrations. */
export interface RunCounts {
  readonly planned: number;
  readonly ended: number;
  /** Failed migrations left dirty (`migration:error` with `dirty`): neither pending nor applied. */
  readonly dirty?: number;
  /** Migrations of the run that stopped because it was interrupted (counted among `failed`). */
  readonly interrupted?: number;
}

/** The last line of a run, with its counts. */
export function summaryLine(event: EventOf<"run:end">, counts: RunCounts, colors: Colors): string {
  const up = event.direction === "up";
  const took = formatDuration(event.durationMs);
  const nothing = up ? "nothing to apply: the database is up to date" : "nothing to roll back";
  if (event.dryRun === true) {
    const planned = Math.max(counts.planned, counts.ended, event.applied);
    if (planned === 0) return nothing;
    return `dry run: ${plural(planned, "migration")} would be ${up ? "applied" : "rolled back"}; nothing was changed`;
  }
  if (!event.ok) {
    // a dirty migration is neither pending nor applied: `stratum resolve` settles it first
    const dirty = Math.min(counts.dirty ?? 0, event.failed);
    const left = Math.max(0, event.remaining - dirty);
    const remaining = left > 0 ? `, ${left} still ${up ? "pending" : "applied"}` : "";
    const what = up ? "applied" : "rolled back";
    const partly = `(partly ${up ? "applied" : "rolled back"})`;
    const interrupted = counts.interrupted ?? 0;
    if (interrupted > 0 && interrupted === event.failed) {
      const left = dirty === 0 ? "" : dirty === interrupted ? ` and ${dirty === 1 ? "is" : "are"} left dirty ${partly}` : `, ${dirty} left dirty ${partly}`;
      return colors.yellow(`interrupted: ${plural(interrupted, "migration")} interrupted${left}, ${event.applied} ${what}${remaining} (${took})`);
    }
    const failed =
      dirty === 0
        ? `${plural(event.failed, "migration")} failed`
        : dirty === event.failed
          ? `${plural(event.failed, "migration")} failed and ${dirty === 1 ? "is" : "are"} left dirty ${partly}`
          : `${plural(event.failed, "migration")} failed, ${dirty} left dirty ${partly}`;
    return colors.red(`failed: ${failed}, ${event.applied} ${what}${remaining} (${took})`);
  }
  const remaining = event.remaining > 0 ? `; ${event.remaining} remaining` : "";
  if (event.dryRun === false && counts.ended > event.applied) {
    // migrations ended inside the run's single transaction, which was then rolled back (interrupted)
    return `the run's single transaction was rolled back: nothing was ${up ? "applied" : "rolled back"}${remaining}`;
  }
  const done = Math.max(event.applied, counts.ended);
  if (done === 0) return nothing;
  if (event.dryRun === "rehearse") {
    return colors.green(
      `rehearsal ok: ${plural(done, "migration")} ${up ? "applied" : "rolled back"} and undone in ${took}; nothing was changed`,
    );
  }
  return colors.green(`${up ? "applied" : "rolled back"} ${plural(done, "migration")} in ${took}`) + remaining;
}
