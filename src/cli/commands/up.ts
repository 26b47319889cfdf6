import { parseUpOptions, type RawOptions } from "../options.js";
import { renderRun, signalOption, withMigrator, type CommandContext } from "./command-context.js";

/**
 * `stratum up [--to V] [--step N] [--dry-run[=rehearse]] [--single-transaction] [--parallel N]
 * [--backup] [--allow-out-of-order]`: exit 0, or 1 when a migration failed.
 */
export async function upCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const request = parseUpOptions(options);
  return withMigrator(ctx, request.flags, (migrator) =>
    renderRun(ctx, migrator, () => migrator.up({ ...request.options, ...signalOption(ctx) })),
  );
}
