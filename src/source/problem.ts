import type { Problem, ProblemCode } from "../core/types.js";

/** Builds a problem; `files` are relative to the migrations directory (`file` or `file:line`). */
export function problem(
  code: ProblemCode,
  message: string,
  files: readonly string[],
  fix: string,
  severity: Problem["severity"] = "error",
): Problem {
  return { code, message, files, fix, severity };
}

/** Tells a `Problem` from a successful parse result. */
export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    "code" in value &&
    "fix" in value &&
    "severity" in value &&
    "message" in value
  );
}
