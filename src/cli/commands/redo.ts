import { migrationId } from "../render/format.js";
import type { RawOptions } from "../options.js";
import { renderRun, signalOption, withMigrator, type CommandContext } from "./command-context.js";
import { confirmProtected, needsConfirmation } from "./confirm-protected.js";

/** `stratum redo [--dry-run]`: roll back the last migration and apply it again. */
export async function redoCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const dryRun = options["dryRun"] === true;
  return withMigrator(ctx, {}, async (migrator, config) => {
    if (!dryRun && needsConfirmation(ctx, config)) {
      const plan = await migrator.plan({ direction: "down", step: 1 });
      const last = plan.steps[0];
      if (last !== undefined) {
        await confirmProtected(ctx, config, `redo ${migrationId(last.version, last.name)} (roll it back and apply it again)`);
      }
    }
    return renderRun(ctx, migrator, () => migrator.redo({ ...(dryRun ? { dryRun } : {}), ...signalOption(ctx) }));
  });
}
