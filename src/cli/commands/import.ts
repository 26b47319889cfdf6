import { relative } from "node:path";
import { EXIT } from "../../basics.js";
import { usageError, type RawOptions } from "../options.js";
import { loadConfig, printJson, printLines, type CommandContext } from "./command-context.js";

/** `stratum import --from <tool> <dir> [--out <dir>]`: another tool's directory in Stratum's own layout. */
export async function importCommand(ctx: CommandContext, dir: string, options: RawOptions): Promise<number> {
  const from = typeof options["from"] === "string" ? options["from"] : "";
  if (from === "") throw usageError("import needs --from <tool>, the tool whose migrations these are", "e.g. stratum import --from goose db/migrations");
  if (dir.trim() === "") throw usageError('import expects the other tool\'s migrations directory, got ""');
  const out = typeof options["out"] === "string" ? options["out"] : (await loadConfig(ctx)).dir;
  const cwd = ctx.io.cwd;
  const result = await ctx.library.importMigrations(dir, { from, out, cwd });
  if (ctx.globals.json) {
    printJson(ctx, result);
    return EXIT.ok;
  }
  const shown = (path: string): string => {
    const rel = relative(cwd, path);
    return rel === "" ? "." : rel.startsWith("..") ? path : rel;
  };
  const lines = [`imported ${result.migrations.length} ${result.from} migration${result.migrations.length === 1 ? "" : "s"} from ${shown(result.dir)} into ${shown(result.out)}:`];
  for (const migration of result.migrations) {
    const renumbered = migration.version === migration.fromVersion ? "" : ` (was version ${migration.fromVersion})`;
    lines.push(`  ${migration.files.map((file) => file.name).join(", ")} <- ${migration.fromFiles.join(", ")}${renumbered}`);
  }
  for (const warning of result.warnings) lines.push(`warning: ${warning.message}`);
  printLines(ctx, lines);
  return EXIT.ok;
}
