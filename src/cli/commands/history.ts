import { EXIT } from "../../basics.js";
import { parseHistoryOptions, type RawOptions } from "../options.js";
import { historyLines } from "../render/history-view.js";
import { interruptible, printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";

/** `stratum history [--limit N] [--version V]`: the log of every operation ever attempted. */
export async function historyCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const request = parseHistoryOptions(options);
  return withMigrator(ctx, {}, async (migrator) => {
    const entries = await interruptible(migrator.history(request), ctx.signal);
    if (ctx.globals.json) printJson(ctx, entries);
    else printLines(ctx, historyLines(entries, ctx.output.colors, { full: ctx.globals.verbosity === "verbose", version: request.version }));
    return EXIT.ok;
  });
}
