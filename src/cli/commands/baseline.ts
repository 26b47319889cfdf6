import { EXIT } from "../../basics.js";
import { parseVersion } from "../options.js";
import { plural } from "../render/format.js";
import { printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";
import { askBeforeChanging } from "./confirm-protected.js";

/** `stratum baseline <version>`: records an existing database as being at `version`, running nothing. */
export async function baselineCommand(ctx: CommandContext, versionArg: string): Promise<number> {
  const version = parseVersion("baseline", versionArg);
  return withMigrator(ctx, {}, async (migrator) => {
    const marked = await migrator.baseline(version, { confirm: askBeforeChanging(ctx) });
    if (ctx.globals.json) {
      printJson(ctx, { version, applied: marked });
    } else {
      printLines(ctx, [
        marked.length === 0
          ? `nothing to baseline: every migration up to ${version} is already recorded`
          : `baselined at ${version}: ${plural(marked.length, "migration")} recorded as applied without running (${marked.join(", ")})`,
      ]);
    }
    return EXIT.ok;
  });
}
