import { relative } from "node:path";
import { EXIT } from "../../basics.js";
import { statusJson, statusLines } from "../render/status-view.js";
import { fleetFlags, runFleetCommand } from "./fleet.js";
import type { RawOptions } from "../options.js";
import { interruptible, printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";

/**
 * `stratum status`: which database it read, then every migration with its state. Informational, so it exits 0 even when it
 * flags changed, missing or dirty entries; `stratum validate` is the gate that fails on them.
 */
export async function statusCommand(ctx: CommandContext, options: RawOptions = {}): Promise<number> {
  const fleet = fleetFlags(options);
  if (fleet !== undefined) return runFleetCommand(ctx, fleet, { operation: "status" });
  return withMigrator(ctx, {}, async (migrator, config) => {
    const report = await interruptible(migrator.status(), ctx.signal);
    if (ctx.globals.json) printJson(ctx, statusJson(report, migrator.database));
    else printLines(ctx, statusLines(report, ctx.output.colors, { dir: relative(ctx.io.cwd, config.dir) || ".", database: migrator.database }));
    return EXIT.ok;
  });
}
