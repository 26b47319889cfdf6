import { EXIT } from "../../basics.js";
import { usageError, type RawOptions } from "../options.js";
import { adoptLines } from "../render/adopt-view.js";
import { printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";
import { askBeforeChanging } from "./confirm-protected.js";

/** `stratum adopt --from <tool> [--from-table T] [--from-schema S] [--dry-run]`: records another tool's applied set. */
export async function adoptCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const from = textOption(options, "from", "--from");
  if (from === undefined) throw usageError("adopt needs --from <tool>: the tool whose history to read", "e.g. stratum adopt --from flyway");
  const table = textOption(options, "fromTable", "--from-table");
  const schema = textOption(options, "fromSchema", "--from-schema");
  const dryRun = options["dryRun"] === true;
  return withMigrator(ctx, {}, async (migrator) => {
    const result = await migrator.adopt({
      from,
      ...(table === undefined ? {} : { table }),
      ...(schema === undefined ? {} : { schema }),
      ...(dryRun ? { dryRun } : {}),
      confirm: askBeforeChanging(ctx),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    if (ctx.globals.json) printJson(ctx, result);
    else printLines(ctx, adoptLines(result));
    return EXIT.ok;
  });
}

function textOption(options: RawOptions, key: string, flag: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") throw usageError(`${flag} expects a value`);
  return value.trim();
}
