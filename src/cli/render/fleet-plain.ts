// A fleet run without a terminal: one line per target as it ends, then a summary table; `--json`:
// one JSON result per target (NDJSON), then the summary. Neither keeps a target's result after
// printing it: memory stays the summary's.

import { EXIT } from "../../basics.js";
import type { FleetEvent, FleetOperation, FleetRenderer, FleetSummary, TargetResult } from "../../index.js";
import type { Colors, Output } from "../io.js";
import { formatCount, formatDuration, plural, printable } from "./format.js";
import { renderTable } from "./table.js";

export type { FleetRenderer } from "../../index.js";

/** `up on 50 targets, 4 at a time; canary: the first 5`. */
export function fleetHeadline(event: Extract<FleetEvent, { type: "fleet-start" }>): string {
  const what = event.operation ?? "run";
  const canary = event.canary > 0 ? `; canary: the first ${event.canary}, the rest only if they all succeed` : "";
  return `${what} on ${plural(event.total, "target")}, ${event.concurrency} at a time${canary}`;
}

/** What an ended target did, in a few words: `applied 3 migrations, now at 005`. */
export function targetText(result: TargetResult, operation: FleetOperation | undefined): string {
  if (result.outcome === "skipped") return "skipped";
  if (result.outcome === "failed") {
    const error = result.error;
    if (error === undefined) return "failed";
    const where = error.location !== undefined && !error.message.includes(error.location) ? ` (at ${error.location})` : "";
    return printable(`${error.message}${where}`);
  }
  const pending = result.pending ?? 0;
  switch (operation) {
    case "up": {
      if (result.changed === 0) return pending > 0 ? `nothing applied, ${pending} pending` : "up to date";
      const at = result.version === undefined ? "" : `, now at ${result.version}`;
      return `applied ${plural(result.changed, "migration")}${at}${pending > 0 ? `, ${pending} pending` : ""}`;
    }
    case "down":
      return result.changed === 0 ? "nothing rolled back" : `rolled back ${plural(result.changed, "migration")}`;
    case "status":
      return `${result.version === undefined ? "nothing applied" : `at ${result.version}`}, ${pending} pending`;
    case "plan":
      return pending === 0 ? "nothing to do" : `${plural(pending, "migration")} would run`;
    case "validate":
      return "no problems";
    case "drift":
      return "no drift";
    default:
      return "ok";
  }
}

/** `tenant_07  failed  003_boom.sql:2 …`: one target's line. */
export function targetLine(result: TargetResult, operation: FleetOperation | undefined, colors: Colors): string {
  const word =
    result.outcome === "ok"
      ? colors.green("ok")
      : result.outcome === "skipped"
        ? colors.yellow("skipped")
        : result.exitCode === EXIT.interrupted
          ? colors.yellow("interrupted")
          : colors.red("failed");
  return `${printable(result.name)}  ${word}  ${targetText(result, operation)} (${formatDuration(result.ms)})`;
}

/** Why the rest were skipped, said once. */
function stoppedLine(summary: FleetSummary): string | null {
  if (summary.stopped === undefined || summary.skipped === 0) return null;
  const skipped = plural(summary.skipped, "target");
  if (summary.stopped === "canary") return `${skipped} skipped: a canary failed`;
  if (summary.stopped === "fail-fast") return `${skipped} skipped: --fail-fast stopped the run at the first failure`;
  return `${skipped} skipped: interrupted`;
}

/** The summary: a table of counts, then every failed target with where it failed. */
export function summaryLines(summary: FleetSummary, colors: Colors): string[] {
  const counts = renderTable(
    [{ header: "targets" }, { header: "count", align: "right" }],
    [
      [{ text: "ok", style: colors.green }, formatCount(summary.ok)],
      [{ text: "failed", style: summary.failed > 0 ? colors.red : (text) => text }, formatCount(summary.failed)],
      ["skipped", formatCount(summary.skipped)],
      ["changed", formatCount(summary.changed)],
      ["total", formatCount(summary.total)],
    ],
    colors,
  );
  const lines = [`fleet summary (${formatDuration(summary.ms)}):`, ...counts.map((line) => `  ${line}`)];
  const stopped = stoppedLine(summary);
  if (stopped !== null) lines.push(stopped);
  if (summary.failures.length > 0) {
    const rows = summary.failures.map((failure) => [
      { text: printable(failure.name), style: colors.red },
      failure.error?.location ?? "-",
      printable(failure.error?.message ?? "failed"),
    ]);
    const interrupted = summary.failures.every((failure) => failure.exitCode === EXIT.interrupted);
    lines.push(`${interrupted ? "interrupted" : "failed"} ${plural(summary.failures.length, "target")}:`);
    for (const line of renderTable([{ header: "target" }, { header: "where" }, { header: "error" }], rows, colors)) lines.push(`  ${line}`);
  }
  return lines;
}

export interface FleetPlainOptions {
  readonly verbose?: boolean;
  /** Print only failures (to stderr) and the summary's failed targets. */
  readonly quiet?: boolean;
}

/** Plain lines: a headline, one line per ended target (skipped ones counted, not listed), the summary. */
export function createFleetPlainRenderer(output: Output, options: FleetPlainOptions = {}): FleetRenderer {
  let operation: FleetOperation | undefined;
  return {
    event(event) {
      switch (event.type) {
        case "fleet-start":
          operation = event.operation;
          if (options.quiet !== true) output.line(fleetHeadline(event));
          return;
        case "target-migration":
          if (options.verbose === true) output.line(`${printable(event.name)}  ${event.migration}`);
          return;
        case "target-end":
          if (event.result.outcome === "skipped") return;
          if (options.quiet === true) {
            if (event.result.outcome === "failed") output.errorLine(targetLine(event.result, operation, output.errColors));
          } else {
            output.line(targetLine(event.result, operation, output.colors));
          }
          return;
        case "canary-failed":
          output.errorLine(`canary failed on ${event.failed.map(printable).join(", ")}: starting no other target`);
          return;
        case "fleet-end":
          if (options.quiet !== true) output.line(summaryLines(event.summary, output.colors).join("\n"));
          return;
        default:
          return;
      }
    },
    close: () => undefined,
  };
}

/** `--json`: `{"type":"target",…}` per target as it ends, then `{"type":"summary",…}`. */
export function createFleetJsonRenderer(output: Output): FleetRenderer {
  let operation: FleetOperation | undefined;
  return {
    event(event) {
      if (event.type === "fleet-start") operation = event.operation;
      else if (event.type === "target-end") output.line(JSON.stringify({ type: "target", operation: operation ?? null, ...event.result }));
      else if (event.type === "fleet-end") {
        const { failures, ...counts } = event.summary;
        output.line(JSON.stringify({ type: "summary", operation: operation ?? null, ...counts, failedTargets: failures.map((f) => f.name) }));
      }
    },
    close: () => undefined,
  };
}
