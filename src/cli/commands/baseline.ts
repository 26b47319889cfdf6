import { EXIT } from "../../basics.js";
import { parseVersion } from "../options.js";
import { plural } from "../render/format.js";
import { printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";
import { confirmProtected, needsConfirmation } from "./confirm-protected.js";

/** `stratum baseline <version>`: records an existing database as being at `version`, running nothing. */
export async function baselineCommand(ctx: CommandContext, versionArg: string): Promise<number> {
  const version = parseVersion("baseline", versionArg);
  return withMigrator(ctx, {}, async (migrator, config) => {
    if (needsConfirmation(ctx, config)) {
      await confirmProtected(ctx, config, `baseline at version ${version} (record every migration up to it as applied without running it)`);
    }
    const marked = await migrator.baseline(version);
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
