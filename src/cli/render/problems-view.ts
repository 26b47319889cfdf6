import { printable } from "./format.js";
import type { Problem } from "../../index.js";
import type { Colors } from "../io.js";
import { plural } from "./format.js";

/**
 * Every problem, one block each:
 *   error    CHECKSUM_MISMATCH  001_create_users.sql
 *            001_create_users.sql changed since it was applied …
 *            fix: run "stratum repair" …
 */
export function problemLines(problems: readonly Problem[], colors: Colors): string[] {
  const lines: string[] = [];
  for (const problem of problems) {
    const severity =
      problem.severity === "error" ? colors.red(colors.bold("error  ")) : colors.yellow(colors.bold("warning"));
    const files = problem.files.length > 0 ? `  ${printable(problem.files.join(", "))}` : "";
    lines.push(`${severity}  ${colors.bold(problem.code)}${colors.dim(files)}`);
    for (const messageLine of problem.message.split("\n")) lines.push(`         ${printable(messageLine)}`);
    if (problem.fix !== "") lines.push(`         ${colors.cyan("fix:")} ${printable(problem.fix)}`);
  }
  return lines;
}

/** `2 errors, 1 warning`. */
export function problemCounts(problems: readonly Problem[]): { errors: number; warnings: number; text: string } {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  return { errors, warnings, text: `${plural(errors, "error")}, ${plural(warnings, "warning")}` };
}
