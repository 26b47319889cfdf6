import type { RunOutcome, RunReport } from "../api-types.js";
import { callHook } from "../core/executor.js";
import { abortReason } from "../core/migration-context.js";
import type { LogEntry, PlanStep, Problem } from "../core/types.js";
import type { Engine } from "./ports.js";

export function reportOf(
  direction: "up" | "down",
  outcomes: RunOutcome[],
  started: number,
  extra: { backup?: string | null; dryRun?: boolean | "rehearse"; warnings?: readonly Problem[] } = {},
): RunReport {
  return {
    direction,
    ok: outcomes.every((o) => o.status !== "failed"),
    migrations: outcomes,
    durationMs: Math.round(performance.now() - started),
    backup: extra.backup ?? null,
    dryRun: extra.dryRun ?? false,
    warnings: extra.warnings ?? [],
  };
}

export async function emitRunEnd(engine: Engine, report: RunReport, remaining: number, signal?: AbortSignal): Promise<void> {
  const event = {
    type: "run:end",
    direction: report.direction,
    ok: report.ok,
    applied: report.migrations.filter((m) => m.status === "applied" || m.status === "rolled_back").length,
    failed: report.migrations.filter((m) => m.status === "failed").length,
    remaining,
    durationMs: report.durationMs,
    dryRun: report.dryRun,
    backup: report.backup,
    interrupted: signal?.aborted === true && remaining > 0 ? abortReason(signal) : null,
  } as const;
  engine.emit(event);
  await callHook("afterAll", engine.deps.hooks.afterAll, event);
}

/** A run with nothing to do: its start and end said, no lock taken, no hooks called. */
export function emptyRun(engine: Engine, direction: "up" | "down", started: number, warnings?: readonly Problem[]): RunReport {
  const { dialect } = engine.target;
  engine.emit({ type: "run:start", direction, planned: 0, dialect: dialect.name, database: dialect.displayUrl, dryRun: false, parallel: 1 });
  const report = reportOf(direction, [], started, warnings === undefined ? {} : { warnings });
  engine.emit({ type: "run:end", direction, ok: true, applied: 0, failed: 0, remaining: 0, durationMs: report.durationMs, dryRun: false, backup: null, interrupted: null });
  return report;
}

/** The outcome of a step that did not finish (skipped, failed, or only shown in a dry run). */
export function outcomeWithout(step: PlanStep, status: Exclude<RunOutcome["status"], "applied" | "rolled_back">, error?: unknown): RunOutcome {
  const base = { version: step.migration.version, name: step.migration.name, direction: step.direction, status, durationMs: 0 };
  return error === undefined ? base : { ...base, error: error instanceof Error ? error.message : String(error) };
}

/**
 * A log row for something that happens at once: repair, resolve, baseline, a backup, a single
 * transaction rolled back. (A migration's own rows are built by the executor, with its timing.)
 */
export function instantLog(
  engine: Engine,
  dbUser: string | null,
  entry: Pick<LogEntry, "operation" | "details"> & Partial<Pick<LogEntry, "version" | "name" | "checksum" | "outcome" | "error">>,
): LogEntry {
  const now = new Date().toISOString();
  return {
    version: null,
    name: null,
    checksum: null,
    outcome: "success",
    error: null,
    ...entry,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    host: engine.deps.identity.host,
    dbUser,
    toolVersion: engine.deps.identity.toolVersion,
  };
}
