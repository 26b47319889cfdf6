import type { RawOptions } from "../options.js";
import { driftExitCode, driftLines } from "../render/drift-view.js";
import { fleetFlags, runFleetCommand } from "./fleet.js";
import { interruptible, printJson, withMigrator, type CommandContext } from "./command-context.js";

/**
 * `stratum drift [--replay]`: the live schema compared with the snapshot recorded after the last
 * run (or with the migrations replayed on a shadow); exit 3 on drift or when nothing is recorded.
 */
export async function driftCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const replay = options["replay"] === true;
  const fleet = fleetFlags(options);
  if (fleet !== undefined) return runFleetCommand(ctx, fleet, { operation: "drift", options: replay ? { replay } : {} });
  return withMigrator(ctx, {}, async (migrator) => {
    const report = await interruptible(migrator.drift({ ...(replay ? { replay } : {}), ...(ctx.signal === undefined ? {} : { signal: ctx.signal }) }), ctx.signal);
    const code = driftExitCode(report);
    if (ctx.globals.json) printJson(ctx, report);
    else if (ctx.globals.verbosity !== "quiet") ctx.output.line(driftLines(report, ctx.output.colors).join("\n"));
    else if (code !== 0) for (const sentence of report.sentences) ctx.output.errorLine(sentence);
    return code;
  });
}
