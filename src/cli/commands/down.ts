import { parseDownOptions, type RawOptions } from "../options.js";
import { renderRun, signalOption, withMigrator, type CommandContext } from "./command-context.js";
import { confirmProtected, needsConfirmation, rollbackAction } from "./confirm-protected.js";

/** `stratum down [version...] [--to V | --step N | --batch | --all] [--dry-run]`. */
export async function downCommand(ctx: CommandContext, versions: readonly string[], options: RawOptions): Promise<number> {
  const request = parseDownOptions(versions, options);
  return withMigrator(ctx, {}, async (migrator, config) => {
    if (request.dryRun !== true && needsConfirmation(ctx, config)) {
      const { dryRun: _dryRun, ...selection } = request;
      const plan = await migrator.plan({ direction: "down", ...selection });
      if (plan.steps.length > 0) await confirmProtected(ctx, config, rollbackAction(plan.steps));
    }
    return renderRun(ctx, migrator, () => migrator.down({ ...request, ...signalOption(ctx) }));
  });
}
