import { EXIT } from "../../basics.js";
import { plural } from "../render/format.js";
import { usageError, type RawOptions } from "../options.js";
import { interruptible, printJson, printLines, signalOption, withMigrator, type CommandContext } from "./command-context.js";
import { askBeforeChanging } from "./confirm-protected.js";

const ACTIONS = ["dump", "load"] as const;

/** `--file <path>`, or undefined (the config's `schemaFile`, else schema.sql). */
function fileOption(options: RawOptions): string | undefined {
  const file = options["file"];
  if (file === undefined) return undefined;
  if (typeof file !== "string" || file.trim() === "") throw usageError("--file needs a path (or - for standard output)");
  return file;
}

/**
 * `stratum schema dump|load [--file <path>]`: writes the live schema as one canonical file
 * (`--file -` prints it), or loads such a file into an empty database and baselines the history
 * to the version it records.
 */
export async function schemaCommand(ctx: CommandContext, action: string, options: RawOptions): Promise<number> {
  if (!ACTIONS.some((a) => a === action)) {
    throw usageError(`schema expects dump or load, got "${action}"`, "run `stratum schema dump` or `stratum schema load`");
  }
  const file = fileOption(options);
  return withMigrator(ctx, {}, async (migrator) => {
    if (action === "dump") {
      const result = await interruptible(migrator.dumpSchema({ ...(file === undefined ? {} : { file }), ...signalOption(ctx) }), ctx.signal);
      if (ctx.globals.json) printJson(ctx, result);
      else if (result.file === null) ctx.output.write(result.text);
      else {
        const version = result.version === null ? "no migration applied" : `version ${result.version}`;
        printLines(ctx, [`wrote ${result.file}: ${plural(result.objects, "object")}, ${version}`]);
      }
      return EXIT.ok;
    }
    const result = await migrator.loadSchema({ ...(file === undefined ? {} : { file }), confirm: askBeforeChanging(ctx), ...signalOption(ctx) });
    if (ctx.globals.json) {
      printJson(ctx, result);
    } else {
      const baseline =
        result.version === null
          ? "the file records no version: nothing was baselined"
          : `baselined at ${result.version}: ${plural(result.baselined.length, "migration")} recorded as applied without running`;
      printLines(ctx, [`loaded ${result.file}: ${plural(result.statements, "statement")}; ${baseline}`]);
    }
    return EXIT.ok;
  });
}
