// The fan-out: runs one operation over a fleet's targets with bounded concurrency, canaries first,
// stopping on the first failure with `failFast` or when the signal aborts. Pure apart from the
// operation it is given and the clock: it keeps no per-target result (each one is handed to
// `onEvent` and dropped), only the counts and the failures the summary names.

import { setMaxListeners } from "node:events";
import { EXIT } from "../core/errors.js";
import type { FleetEvent, FleetOperation, FleetSummary, FleetTarget, TargetResult } from "./types.js";

/** What one target's run reports back; the scheduler adds the name and the time taken. */
export type TargetRunResult = Omit<TargetResult, "name" | "ms">;

/** Runs one target: aborted through `signal`; `migration` names the migration it is running now. */
export type TargetOperation = (
  target: FleetTarget,
  context: { readonly signal: AbortSignal; readonly migration: (id: string) => void },
) => Promise<TargetRunResult>;

export interface SchedulerOptions {
  /** Never more than this many targets at once (≥ 1). */
  readonly concurrency: number;
  /** Run this many targets first; when one fails, the rest are skipped. */
  readonly canary?: number;
  /** On the first failure, start no more targets (the running ones finish). */
  readonly failFast?: boolean;
  /** Stops starting targets and aborts the running ones. */
  readonly signal?: AbortSignal;
  /** Carried in `fleet-start`, for the renderers. */
  readonly operation?: FleetOperation;
  readonly onEvent?: (event: FleetEvent) => void;
  readonly clock?: () => number;
}

/**
 * The order of exit codes from the worst down: an interruption, then what stopped a target from
 * being looked at (usage or configuration, connection, lock), then a failed migration, then a
 * finding (validation, drift). A fleet exits with its worst target's code.
 */
const SEVERITY: readonly number[] = [EXIT.interrupted, EXIT.usage, EXIT.connection, EXIT.lock, EXIT.migrationFailed, EXIT.validation];

function rank(code: number): number {
  if (code === EXIT.ok) return -1;
  const index = SEVERITY.indexOf(code);
  // an unknown non-zero code ranks just above a finding
  return index === -1 ? 0 : SEVERITY.length - index;
}

/** The worse of two exit codes (see SEVERITY). */
export function worseExit(a: number, b: number): number {
  return rank(b) > rank(a) ? b : a;
}

/** Runs `operation` on every target (in order of starting) and returns the summary. */
export async function runTargets(
  targets: readonly FleetTarget[],
  operation: TargetOperation,
  options: SchedulerOptions,
): Promise<FleetSummary> {
  const clock = options.clock ?? Date.now;
  const emit = options.onEvent ?? (() => undefined);
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const canary = Math.min(targets.length, Math.max(0, Math.floor(options.canary ?? 0)));
  const started = clock();
  const tally = { ok: 0, failed: 0, skipped: 0, changed: 0, exitCode: EXIT.ok as number };
  const failures: TargetResult[] = [];
  // aborted by the caller's signal: running targets see it through their own signal
  const abort = new AbortController();
  // one relay per running target: up to `concurrency` listeners, more than Node's warning threshold
  setMaxListeners(concurrency + 10, abort.signal);
  const onAbort = (): void => abort.abort(options.signal?.reason);
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  let stopped = false; // fail-fast or a failed canary: start nothing more
  let stoppedBy: FleetSummary["stopped"];
  let cursor = 0;

  const record = (result: TargetResult): void => {
    if (result.outcome === "ok") tally.ok += 1;
    else if (result.outcome === "failed") tally.failed += 1;
    else tally.skipped += 1;
    if (result.changed > 0) tally.changed += 1;
    tally.exitCode = worseExit(tally.exitCode, result.exitCode);
    if (result.outcome === "failed") {
      // kept to the end, so without its detail (a whole report with --json)
      const { detail: _detail, ...kept } = result;
      failures.push(kept);
    }
    emit({ type: "target-end", result });
  };

  const runOne = async (target: FleetTarget): Promise<void> => {
    const begin = clock();
    emit({ type: "target-start", name: target.name });
    let result: TargetResult;
    // the target's own signal, relayed from the fleet's while it runs: whatever listeners its run
    // leaves on it go with it
    const own = new AbortController();
    const relay = (): void => own.abort(abort.signal.reason);
    abort.signal.addEventListener("abort", relay, { once: true });
    try {
      const outcome = await operation(target, {
        signal: own.signal,
        migration: (id) => emit({ type: "target-migration", name: target.name, migration: id }),
      });
      result = { name: target.name, ...outcome, ms: clock() - begin };
    } catch (error) {
      // operations map their own errors; this is a bug's last stop, kept to the one target
      const message = error instanceof Error ? error.message : String(error);
      result = { name: target.name, outcome: "failed", exitCode: 1, changed: 0, error: { message }, ms: clock() - begin };
    } finally {
      abort.signal.removeEventListener("abort", relay);
    }
    if (result.outcome === "failed" && options.failFast === true && !stopped) {
      stopped = true;
      stoppedBy = "fail-fast";
    }
    record(result);
  };

  /** Runs targets [cursor, end) with `concurrency` workers pulling the next one. */
  const pool = async (end: number): Promise<void> => {
    const worker = async (): Promise<void> => {
      while (!stopped && !abort.signal.aborted && cursor < end) {
        const target = targets[cursor] as FleetTarget;
        cursor += 1;
        await runOne(target);
      }
    };
    const workers: Promise<void>[] = [];
    for (let i = 0; i < Math.min(concurrency, end - cursor); i += 1) workers.push(worker());
    await Promise.all(workers);
  };

  emit({ type: "fleet-start", total: targets.length, concurrency, canary, ...(options.operation === undefined ? {} : { operation: options.operation }) });
  try {
    if (canary > 0) {
      await pool(canary);
      if (tally.failed > 0 && !abort.signal.aborted) {
        stopped = true;
        stoppedBy = "canary";
        emit({ type: "canary-failed", failed: failures.map((failure) => failure.name) });
      }
    }
    await pool(targets.length);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  // the targets never started: skipped, each still reported (one result per target)
  for (; cursor < targets.length; cursor += 1) {
    const target = targets[cursor] as FleetTarget;
    record({ name: target.name, outcome: "skipped", exitCode: EXIT.ok, changed: 0, ms: 0 });
  }
  if (abort.signal.aborted) {
    tally.exitCode = worseExit(tally.exitCode, EXIT.interrupted);
    stoppedBy ??= "interrupted";
  }
  const summary: FleetSummary = {
    total: targets.length,
    ok: tally.ok,
    failed: tally.failed,
    skipped: tally.skipped,
    changed: tally.changed,
    exitCode: tally.exitCode,
    ms: clock() - started,
    failures,
    ...(stoppedBy === undefined || tally.skipped === 0 ? {} : { stopped: stoppedBy }),
  };
  emit({ type: "fleet-end", summary });
  return summary;
}
