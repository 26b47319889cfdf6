import { parseDownOptions, type RawOptions } from "../options.js";
import { renderRun, signalOption, withMigrator, type CommandContext } from "./command-context.js";
import { fleetFlags, runFleetCommand } from "./fleet.js";
import { askBeforeChanging } from "./confirm-protected.js";

/** `stratum down [version...] [--to V | --step N | --batch | --all] [--dry-run]`. */
export async function downCommand(ctx: CommandContext, versions: readonly string[], options: RawOptions): Promise<number> {
  const request = parseDownOptions(versions, options);
  const fleet = fleetFlags(options);
  if (fleet !== undefined) return runFleetCommand(ctx, fleet, { operation: "down", options: request });
  return withMigrator(ctx, {}, async (migrator) =>
    renderRun(ctx, migrator, () => migrator.down({ ...request, ...signalOption(ctx), confirm: askBeforeChanging(ctx) })),
  );
}
