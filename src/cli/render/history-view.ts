import type { LogEntry } from "../../index.js";
import type { Colors } from "../io.js";
import { firstLine, formatDuration, formatTimestamp, migrationId, truncate } from "./format.js";
import { renderTable } from "./table.js";

export interface HistoryViewOptions {
  /** Show whole error texts instead of their first 60 characters. */
  readonly full?: boolean;
  /** The `--version` the entries were filtered by. */
  readonly version?: string | undefined;
}

/** The `history` table: started, operation, version, outcome, duration, user, error. */
export function historyLines(entries: readonly LogEntry[], colors: Colors, options: HistoryViewOptions = {}): string[] {
  if (entries.length === 0) {
    return options.version === undefined
      ? ["no history yet: nothing has been applied to this database"]
      : [`no history for version ${options.version}: the log has no entry for it; \`stratum history\` lists every entry`];
  }
  return renderTable(
    [
      { header: "STARTED (UTC)" },
      { header: "OPERATION" },
      { header: "VERSION" },
      { header: "OUTCOME" },
      { header: "DURATION", align: "right" },
      { header: "USER" },
      { header: "ERROR" },
    ],
    entries.map((entry) => [
      formatTimestamp(entry.startedAt),
      entry.operation,
      entry.version === null ? "-" : migrationId(entry.version, entry.name),
      entry.outcome === "success"
        ? { text: "success", style: colors.green }
        : entry.outcome === "interrupted"
          ? { text: "interrupted", style: colors.yellow }
          : { text: "failure", style: colors.red },
      formatDuration(entry.durationMs),
      entry.dbUser ?? "-",
      entry.error === null
        ? ""
        : { text: options.full === true ? entry.error : truncate(firstLine(entry.error), 60), style: colors.red },
    ]),
    colors,
  );
}
