import { EXIT } from "../../basics.js";
import type { ValidateReport } from "../../index.js";
import type { Colors } from "../io.js";
import { plural } from "./format.js";
import { layoutLines } from "./plan-view.js";
import { problemCounts, problemLines } from "./problems-view.js";

/** 3 when any problem is an error, or with `--strict` when any is a warning; else 0. */
export function validateExitCode(report: ValidateReport, strict: boolean): number {
  const { errors, warnings } = problemCounts(report.problems);
  if (!report.ok || errors > 0 || (strict && warnings > 0)) return EXIT.validation;
  return EXIT.ok;
}

/** Every problem (code, message, files, fix), then a verdict line. */
export function validateLines(report: ValidateReport, strict: boolean, colors: Colors): string[] {
  const counts = problemCounts(report.problems);
  const checked = plural(report.migrations, "migration");
  const layout = layoutLines(report.layout);
  if (report.problems.length === 0) return [...layout, colors.green(`ok: ${checked} checked, no problems`)];
  const failed = validateExitCode(report, strict) !== EXIT.ok;
  const verdict = failed
    ? colors.red(`validation failed: ${counts.text} in ${checked}`)
    : colors.yellow(`ok with ${counts.text} in ${checked}`) +
      (counts.warnings > 0 ? colors.dim(" (--strict fails on warnings)") : "");
  return [...layout, ...problemLines(report.problems, colors), "", verdict];
}
