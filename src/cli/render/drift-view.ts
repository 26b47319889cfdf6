import type { DriftReport } from "../../index.js";
import type { Colors } from "../io.js";

/** `stratum drift`'s lines: one per object changed outside migrations, then what it was compared with. */
export function driftLines(report: DriftReport, colors: Colors): string[] {
  if (!report.checked) return report.sentences.map((sentence) => `${colors.yellow("not checked")}  ${sentence}`);
  const against =
    report.against === "replay"
      ? `the migrations replayed on ${report.shadow?.description ?? "a shadow database"}`
      : `the snapshot recorded at ${report.recordedAt ?? "the last run"}`;
  const took = `${Math.round(report.durationMs)} ms`;
  if (!report.drifted) return [`${colors.green("no drift")}  the schema matches ${against} (${took})`];
  return [
    ...report.sentences.map((sentence) => `${colors.red("drift")}  ${sentence}`),
    `${report.changes.length} difference(s) from ${against} (${took})`,
  ];
}

/** 0 when the schema matches, 3 on drift or when there was nothing to compare with. */
export function driftExitCode(report: DriftReport): number {
  return report.drifted || !report.checked ? 3 : 0;
}
