// The edge where errors become text and exit codes (STYLE 6). Expected errors print one sentence
// and their fix; anything else is a bug: one line, the stack only with --verbose. Stratum's own
// messages hold no password (they show URLs through displayUrl); the text of errors Stratum did not
// write — causes, internal errors — is foreign, so the URL credentials in it are masked.

import { redactUrl, StratumError } from "../basics.js";
import { printable } from "./render/format.js";
import type { Output } from "./io.js";

export interface ErrorReportOptions {
  readonly json: boolean;
  readonly verbose: boolean;
}

export const INTERNAL_EXIT_CODE = 1;

function causeLines(error: unknown): string[] {
  const lines: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth += 1) {
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      const prefix = typeof code === "string" || typeof code === "number" ? `[${code}] ` : "";
      lines.push(`caused by: ${prefix}${redactUrl(cause.message)}`);
      if (cause.stack !== undefined) lines.push(...cause.stack.split("\n").slice(1).map(redactUrl));
      cause = cause.cause;
    } else {
      lines.push(`caused by: ${redactUrl(String(cause))}`);
      break;
    }
  }
  return lines;
}

/** Prints `error` to stderr and returns the exit code. */
export function reportError(output: Output, error: unknown, options: ErrorReportOptions): number {
  const colors = output.errColors;
  if (error instanceof StratumError) {
    if (options.json) {
      output.errorLine(JSON.stringify({ type: "error", ...error.toJSON(), code: error.code, message: error.message }));
    } else {
      const [first = "", ...rest] = printable(error.message).split("\n");
      output.errorLine(`${colors.red(colors.bold("error:"))} ${first}`);
      for (const line of rest) output.errorLine(`  ${line}`);
      if (error.fix !== undefined && error.fix !== "" && !error.message.includes(error.fix)) {
        output.errorLine(`${colors.cyan("fix:")} ${printable(error.fix)}`);
      }
      if (options.verbose) {
        if (error.stack !== undefined) output.errorLine(colors.dim(error.stack.split("\n").slice(1).join("\n")));
        for (const line of causeLines(error)) output.errorLine(colors.dim(line));
      }
    }
    return error.exitCode;
  }
  const message = redactUrl(error instanceof Error ? error.message : String(error));
  if (options.json) {
    output.errorLine(JSON.stringify({ type: "error", code: "INTERNAL", message }));
  } else {
    output.errorLine(`${colors.red(colors.bold("internal error:"))} ${printable(message.split("\n").join(" "))}`);
    if (options.verbose) {
      if (error instanceof Error && error.stack !== undefined) output.errorLine(colors.dim(redactUrl(error.stack)));
      for (const line of causeLines(error)) output.errorLine(colors.dim(line));
    }
  }
  return INTERNAL_EXIT_CODE;
}
