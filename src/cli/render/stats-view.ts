import type { Stats } from "../../index.js";
import type { Colors } from "../io.js";
import { firstLine, formatDuration, formatTimestamp, migrationId, truncate } from "./format.js";
import { renderTable } from "./table.js";

/** `stats`: counts, total / mean / p95 duration, the five slowest, the recent failures. */
export function statsLines(stats: Stats, colors: Colors): string[] {
  const lines = renderTable(
    [{ header: "METRIC" }, { header: "VALUE", align: "right" }],
    [
      ["applied", String(stats.applied)],
      ["pending", String(stats.pending)],
      ["failures", stats.failures > 0 ? { text: String(stats.failures), style: colors.red } : "0"],
      ["rollbacks", String(stats.rollbacks)],
      ["total duration", formatDuration(stats.totalDurationMs)],
      ["mean duration", formatDuration(stats.meanDurationMs)],
      ["p95 duration", formatDuration(stats.p95DurationMs)],
    ],
    colors,
  );
  const slowest = stats.slowest.slice(0, 5);
  if (slowest.length > 0) {
    lines.push("", colors.bold("slowest migrations"));
    lines.push(
      ...renderTable(
        [{ header: "VERSION" }, { header: "NAME" }, { header: "DURATION", align: "right" }],
        slowest.map((s) => [s.version, s.name, formatDuration(s.durationMs)]),
        colors,
      ),
    );
  }
  if (stats.recentFailures.length > 0) {
    lines.push("", colors.bold("recent failures"));
    lines.push(
      ...renderTable(
        [{ header: "STARTED (UTC)" }, { header: "OPERATION" }, { header: "VERSION" }, { header: "ERROR" }],
        stats.recentFailures.map((f) => [
          formatTimestamp(f.startedAt),
          f.operation,
          f.version === null ? "-" : migrationId(f.version, f.name),
          { text: truncate(firstLine(f.error ?? ""), 80), style: colors.red },
        ]),
        colors,
      ),
    );
  }
  return lines;
}
