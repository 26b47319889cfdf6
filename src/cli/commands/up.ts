import { parseUpOptions, type RawOptions } from "../options.js";
import { fleetFlags, runFleetCommand } from "./fleet.js";
import { renderRun, signalOption, withMigrator, type CommandContext } from "./command-context.js";

/**
 * `stratum up [--to V] [--step N] [--dry-run[=rehearse]] [--single-transaction] [--parallel N]
 * [--backup] [--allow-out-of-order] [--strict]`: exit 0, 1 when a migration failed, 3 when --strict
 * (or driftCheck "error") refuses a schema changed outside migrations.
 */
export async function upCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const request = parseUpOptions(options);
  const fleet = fleetFlags(options);
  if (fleet !== undefined) return runFleetCommand(ctx, fleet, { operation: "up", options: request.options }, request.flags);
  return withMigrator(ctx, request.flags, (migrator) =>
    renderRun(ctx, migrator, () => migrator.up({ ...request.options, ...signalOption(ctx) })),
  );
}
