import type { ValidateOptions } from "../../index.js";
import type { RawOptions } from "../options.js";
import { problemLines } from "../render/problems-view.js";
import { validateExitCode, validateLines } from "../render/validate-view.js";
import { fleetFlags, runFleetCommand } from "./fleet.js";
import { interruptible, printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";

/** `stratum validate [--strict]`: every problem; exit 3 on an error, or on a warning with --strict. */
export async function validateCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const strict = options["strict"] === true;
  const allowOutOfOrder = options["allowOutOfOrder"] === true;
  const request: ValidateOptions = { strict, ...(allowOutOfOrder ? { allowOutOfOrder } : {}) };
  const fleet = fleetFlags(options);
  if (fleet !== undefined) return runFleetCommand(ctx, fleet, { operation: "validate", options: request }, allowOutOfOrder ? { allowOutOfOrder } : {});
  return withMigrator(ctx, allowOutOfOrder ? { allowOutOfOrder } : {}, async (migrator) => {
    const report = await interruptible(migrator.validate(request), ctx.signal);
    const code = validateExitCode(report, strict);
    if (ctx.globals.json) {
      printJson(ctx, report);
    } else if (ctx.globals.verbosity === "quiet") {
      const failing = report.problems.filter((p) => p.severity === "error" || strict);
      if (code !== 0) for (const line of problemLines(failing, ctx.output.errColors)) ctx.output.errorLine(line);
    } else {
      printLines(ctx, validateLines(report, strict, ctx.output.colors));
    }
    return code;
  });
}
