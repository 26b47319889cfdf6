import type { StatusEntry, StatusReport, StatusState } from "../../index.js";
import type { Colors } from "../io.js";
import { formatDuration, formatTimestamp } from "./format.js";
import { layoutLines } from "./plan-view.js";
import { problemLines } from "./problems-view.js";
import { renderTable } from "./table.js";

/**
 * The stable `status --json` object (SPEC §4a): exactly these keys, plus `database` — the URL that
 * was read, as every URL is shown (password masked).
 */
export function statusJson(report: StatusReport, database: string): {
  database: string;
  layout?: { name: string; detected: boolean };
  userVersion?: NonNullable<StatusReport["userVersion"]>;
  migrations: { version: string; name: string; state: StatusState; checksum: string | null; appliedAt: string | null; durationMs: number | null }[];
  pending: number;
  dirty: boolean;
} {
  return {
    database,
    ...(report.layout === undefined ? {} : { layout: { name: report.layout.name, detected: report.layout.detected } }),
    migrations: report.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      state: m.state,
      checksum: m.checksum,
      appliedAt: m.appliedAt,
      durationMs: m.durationMs,
    })),
    pending: report.pending,
    dirty: report.dirty,
    ...(report.userVersion === undefined ? {} : { userVersion: report.userVersion }),
  };
}

/** States that need attention are flagged: red for what blocks a run, yellow for pending. */
export function stateStyle(state: StatusState, colors: Colors): (text: string) => string {
  switch (state) {
    case "applied":
      return colors.green;
    case "pending":
      return colors.yellow;
    case "rolled_back":
      return colors.dim;
    case "running":
    case "failed":
    case "changed":
    case "renamed":
    case "missing":
      return (text) => colors.red(colors.bold(text));
  }
}

const FLAGGED: ReadonlySet<StatusState> = new Set(["running", "failed", "changed", "renamed", "missing"]);

function stateText(entry: StatusEntry): string {
  if (entry.state === "running" || entry.state === "failed") return `${entry.state} (dirty)`;
  return entry.state;
}

export interface StatusViewOptions {
  readonly dir?: string;
  /** The database read, as URLs are shown (password masked): the first line. */
  readonly database?: string;
}

/** The database line, the `status` table, a summary line and the problems found (informational: exit 0). */
export function statusLines(report: StatusReport, colors: Colors, options: StatusViewOptions = {}): string[] {
  // another tool's layout is named under the database (Stratum's own goes unmentioned)
  const layout = layoutLines(report.layout);
  const header = options.database === undefined ? layout : [`database: ${options.database}`, ...layout, ""];
  if (report.migrations.length === 0) {
    return [...header, `no migrations found${options.dir === undefined ? "" : ` in ${options.dir}`}`];
  }
  const adopting = new Set(report.userVersion?.adopt ?? []);
  const rows = report.migrations.map((m) => {
    const style = stateStyle(m.state, colors);
    // up records these from user_version without running them
    const state = adopting.has(m.version) && m.state === "pending" ? { text: "adopt (user_version)", style: colors.dim } : { text: FLAGGED.has(m.state) ? `! ${stateText(m)}` : stateText(m), style };
    return [
      m.version,
      m.name,
      state,
      formatTimestamp(m.appliedAt),
      { text: formatDuration(m.durationMs) },
    ];
  });
  const table = renderTable(
    [
      { header: "VERSION" },
      { header: "NAME" },
      { header: "STATE" },
      { header: "APPLIED AT (UTC)" },
      { header: "DURATION", align: "right" },
    ],
    rows,
    colors,
  );
  const lines = [...header, ...table];
  const applied = report.migrations.filter((m) => m.state === "applied").length;
  const flagged = report.migrations.filter((m) => FLAGGED.has(m.state)).length;
  const parts = [`${applied} applied`, `${report.pending} pending`];
  if (adopting.size > 0) parts.push(`${adopting.size} to adopt`);
  if (flagged > 0) parts.push(colors.red(`${flagged} need attention`));
  lines.push("", parts.join(", "));
  if (report.userVersion !== undefined) lines.push(report.userVersion.refusal === null ? report.userVersion.message : colors.red(report.userVersion.message));
  if (report.dirty) {
    lines.push(
      colors.red("the database is dirty: a migration was interrupted or failed without rolling back;") +
        ` run "stratum resolve <version> --applied | --rolled-back" once you have checked it`,
    );
  }
  if (report.problems.length > 0) {
    lines.push("", ...problemLines(report.problems, colors));
    // warnings alone: validate exits 0 on them too (only --strict fails)
    if (report.problems.some((p) => p.severity === "error")) {
      lines.push("", colors.dim(`status only reports; "stratum validate" exits non-zero on these`));
    }
  }
  return lines;
}
