import type { RawOptions } from "../options.js";
import { renderRun, signalOption, withMigrator, type CommandContext } from "./command-context.js";
import { askBeforeChanging } from "./confirm-protected.js";

/** `stratum redo [--dry-run]`: roll back the last migration and apply it again. */
export async function redoCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const dryRun = options["dryRun"] === true;
  return withMigrator(ctx, {}, async (migrator) =>
    renderRun(ctx, migrator, () => migrator.redo({ ...(dryRun ? { dryRun } : {}), ...signalOption(ctx), confirm: askBeforeChanging(ctx) })),
  );
}
