import { relative } from "node:path";
import { EXIT } from "../../basics.js";
import { parseCreateKind, usageError, type RawOptions } from "../options.js";
import { loadConfig, printJson, printLines, type CommandContext } from "./command-context.js";

/** `stratum create <name> [--sql|--ts]`: a new migration from a template, numbered like its siblings. */
export async function createCommand(ctx: CommandContext, name: string, options: RawOptions): Promise<number> {
  const kind = parseCreateKind(options);
  if (name.trim() === "") throw usageError(`create expects a name such as add_orders, got ""`);
  const config = await loadConfig(ctx);
  const created = await ctx.library.createMigration(config.dir, name, kind);
  if (ctx.globals.json) {
    printJson(ctx, created);
  } else {
    const rel = relative(ctx.io.cwd, created.path);
    printLines(ctx, [`created ${rel.startsWith("..") ? created.path : rel}`]);
  }
  return EXIT.ok;
}
