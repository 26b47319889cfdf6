import { EXIT } from "../../basics.js";
import type { RawOptions } from "../options.js";
import { shortChecksum } from "../render/format.js";
import { printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";
import { askBeforeChanging } from "./confirm-protected.js";

/** `stratum repair [--remove-missing] [--dry-run]`: re-records changed checksums (and drops rows of missing files). */
export async function repairCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const removeMissing = options["removeMissing"] === true;
  const dryRun = options["dryRun"] === true;
  return withMigrator(ctx, {}, async (migrator) => {
    const report = await migrator.repair({
      ...(removeMissing ? { removeMissing } : {}),
      ...(dryRun ? { dryRun } : {}),
      confirm: askBeforeChanging(ctx),
    });
    if (ctx.globals.json) {
      printJson(ctx, report);
      return EXIT.ok;
    }
    const lines: string[] = [];
    for (const update of report.updated) {
      lines.push(`${dryRun ? "would re-record" : "re-recorded"} the checksum of ${update.version}: ${shortChecksum(update.from)} → ${shortChecksum(update.to)}`);
    }
    for (const rename of report.renamed) {
      lines.push(`${dryRun ? "would record" : "recorded"} the new name of ${rename.version}: ${rename.version}_${rename.from} → ${rename.version}_${rename.to}`);
    }
    for (const version of report.removed) lines.push(`${dryRun ? "would remove" : "removed"} the row of ${version} (its file is gone)`);
    const changes = lines.length;
    for (const version of report.missing) {
      lines.push(`the file of ${version} is gone but its row stays: restore the file, or run \`stratum repair --remove-missing\` to delete the row`);
    }
    if (lines.length === 0) lines.push("nothing to repair: every applied migration matches its file");
    else if (changes === 0) lines.push(dryRun ? "dry run: nothing was changed" : "nothing was changed");
    else if (dryRun) lines.push(`dry run: nothing was changed; run \`stratum repair${removeMissing ? " --remove-missing" : ""}\` to make these changes`);
    else lines.push("each change is recorded in the log (stratum history)");
    printLines(ctx, lines);
    return EXIT.ok;
  });
}
