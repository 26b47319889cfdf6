import { EXIT } from "../../basics.js";
import { statsLines } from "../render/stats-view.js";
import { interruptible, printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";

/** `stratum stats`: counts, total / mean / p95 duration, slowest migrations, recent failures. */
export async function statsCommand(ctx: CommandContext): Promise<number> {
  return withMigrator(ctx, {}, async (migrator) => {
    const stats = await interruptible(migrator.stats(), ctx.signal);
    if (ctx.globals.json) printJson(ctx, stats);
    else printLines(ctx, statsLines(stats, ctx.output.colors));
    return EXIT.ok;
  });
}
