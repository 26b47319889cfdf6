import { EXIT } from "../../basics.js";
import { parseResolveOutcome, parseVersion, type RawOptions } from "../options.js";
import { migrationId } from "../render/format.js";
import { printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";
import { askBeforeChanging } from "./confirm-protected.js";

/** `stratum resolve <version> (--applied | --rolled-back)`: settles a dirty (running/failed) migration. */
export async function resolveCommand(ctx: CommandContext, versionArg: string, options: RawOptions): Promise<number> {
  const version = parseVersion("resolve", versionArg);
  const outcome = parseResolveOutcome(options);
  return withMigrator(ctx, {}, async (migrator) => {
    const row = await migrator.resolve(version, outcome, { confirm: askBeforeChanging(ctx) });
    if (ctx.globals.json) printJson(ctx, row);
    else printLines(ctx, [`resolved ${migrationId(row.version, row.name)}: now recorded as ${row.state}`]);
    return EXIT.ok;
  });
}
