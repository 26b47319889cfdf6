import type { Stats } from "./results.js";
import type { AppliedMigration, LogEntry, MigrationFile } from "./types.js";
import { versionKey } from "./version.js";

/** Counts, durations and failures for `stratum stats`, from the files, the state rows and the log. */
export function computeStats(
  migrations: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  log: readonly LogEntry[],
): Stats {
  const done = applied.filter((row) => row.state === "applied");
  const doneKeys = new Set(done.map((row) => versionKey(row.version)));
  const durations = done.map((row) => row.durationMs ?? 0).sort((a, b) => a - b);
  const total = durations.reduce((sum, d) => sum + d, 0);
  const p95 = durations.length === 0 ? 0 : (durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.95) - 1)] ?? 0);
  const failures = log.filter((entry) => entry.outcome === "failure");
  return {
    applied: done.length,
    pending: migrations.filter((m) => !doneKeys.has(versionKey(m.version))).length,
    failures: failures.length,
    rollbacks: log.filter((entry) => entry.operation === "rollback" && entry.outcome === "success").length,
    totalDurationMs: total,
    meanDurationMs: done.length === 0 ? 0 : Math.round(total / done.length),
    p95DurationMs: p95,
    slowest: [...done]
      .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))
      .slice(0, 5)
      .map((row) => ({ version: row.version, name: row.name, durationMs: row.durationMs ?? 0 })),
    recentFailures: failures.slice(-5),
  };
}
