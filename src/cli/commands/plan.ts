import { EXIT } from "../../basics.js";
import { parsePlanOptions, type RawOptions } from "../options.js";
import { planJson, planLines } from "../render/plan-view.js";
import { fleetFlags, runFleetCommand } from "./fleet.js";
import { interruptible, printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";

/** `stratum plan [--down] [--to V | --step N | --batch | --all]`: what up or down would do, and why. */
export async function planCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const request = parsePlanOptions(options, options["allowOutOfOrder"] === true);
  const flags = request.allowOutOfOrder === true ? { allowOutOfOrder: true } : {};
  const fleet = fleetFlags(options);
  if (fleet !== undefined) return runFleetCommand(ctx, fleet, { operation: "plan", options: request }, flags);
  return withMigrator(ctx, flags, async (migrator) => {
    const plan = await interruptible(migrator.plan(request), ctx.signal);
    if (ctx.globals.json) printJson(ctx, planJson(plan));
    else printLines(ctx, planLines(plan, request.direction, ctx.output.colors));
    return EXIT.ok;
  });
}
