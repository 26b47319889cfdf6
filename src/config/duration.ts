// The one grammar of durations (lockTimeout, statementTimeout, migrationLockTimeout), whether
// written in the config, an environment variable or a flag. No imports, so the CLI's argument
// parsing can use it without loading the library.

/** Longest duration accepted (ms): the largest PostgreSQL timeout and the largest Node timer. */
export const MAX_DURATION_MS = 2_147_483_647;

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in ms from a whole number of milliseconds or a string such as `"500ms"`, `"10s"`,
 * `"1.5m"`, `"2h"` or `"10000"`; undefined when the value is not one.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= 0 && value <= MAX_DURATION_MS ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(value);
  if (!match) return undefined;
  const scaled = Number(match[1]) * (DURATION_UNITS[(match[2] ?? "ms").toLowerCase()] ?? 1);
  const ms = Math.round(scaled);
  if (Math.abs(scaled - ms) > 1e-6 || ms > MAX_DURATION_MS) return undefined;
  return ms;
}
