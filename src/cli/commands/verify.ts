import { EXIT } from "../../basics.js";
import type { VerifiedMigration, VerifyOptions, VerifyReport } from "../../index.js";
import type { Colors } from "../io.js";
import { exclusive, parsePositiveInteger, parseVersion, type RawOptions } from "../options.js";
import { formatDuration, migrationId, plural } from "../render/format.js";
import { printJson, printLines, signalOption, withMigrator, type CommandContext } from "./command-context.js";

/** `stratum verify [--from <version>] [--pending] [--parallel <n>]`: up → down → up of each migration on a shadow database. */
export async function verifyCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const from = typeof options["from"] === "string" ? parseVersion("--from", options["from"]) : undefined;
  const pending = options["pending"] === true;
  exclusive([
    ["--from", from !== undefined],
    ["--pending", pending],
  ]);
  const parallel = typeof options["parallel"] === "string" ? parsePositiveInteger("--parallel", options["parallel"]) : undefined;
  const request: VerifyOptions = {
    ...(from === undefined ? {} : { from }),
    ...(pending ? { pending } : {}),
    ...(parallel === undefined ? {} : { parallel }),
    ...signalOption(ctx),
  };
  return withMigrator(ctx, {}, async (migrator) => {
    // not `interruptible`: the signal stops verify between runs, and the shadow is removed before it returns
    const report = await migrator.verify(request);
    if (ctx.globals.json) {
      printJson(ctx, report);
    } else if (ctx.globals.verbosity === "quiet") {
      for (const m of report.migrations) for (const problem of m.problems) ctx.output.errorLine(problem);
    } else {
      printLines(ctx, verifyLines(report, ctx.output.colors));
    }
    return verifyExitCode(report);
  });
}

/** 1 when a migration's up failed on the shadow, 3 when any migration failed verification, else 0. */
export function verifyExitCode(report: VerifyReport): number {
  if (report.migrations.some((m) => m.error?.run === "up")) return EXIT.migrationFailed;
  return report.ok ? EXIT.ok : EXIT.validation;
}

/** The shadow used, one line per migration (its sentences below a failed one), and a summary line. */
export function verifyLines(report: VerifyReport, colors: Colors): string[] {
  const lines = [`shadow: ${report.shadow.description} (ready in ${formatDuration(report.shadow.startMs)})`];
  for (const m of report.migrations) lines.push(...migrationLines(m, colors));
  const count = (outcome: VerifiedMigration["outcome"]) => report.migrations.filter((m) => m.outcome === outcome).length;
  const parts = [`${count("verified")} verified`];
  if (count("failed") > 0) parts.push(`${count("failed")} failed`);
  if (count("not-verified") > 0) parts.push(`${count("not-verified")} not verified`);
  if (count("replayed") > 0) parts.push(`${count("replayed")} replayed`);
  const summary = `${parts.join(", ")} (${plural(report.migrations.length, "migration")}, ${formatDuration(report.durationMs)})`;
  lines.push("", report.ok ? colors.green(`ok: ${summary}`) : colors.red(`verify failed: ${summary}`));
  return lines;
}

function migrationLines(m: VerifiedMigration, colors: Colors): string[] {
  const id = migrationId(m.version, m.name);
  switch (m.outcome) {
    case "verified":
      return [`  ${colors.green("verified")}      ${id}`];
    case "replayed":
      return [`  ${colors.dim("replayed")}      ${id}`];
    case "not-verified":
      return [`  ${colors.yellow("not verified")}  ${id}: ${m.reason ?? ""}`];
    case "failed":
      return [`  ${colors.red("FAILED")}        ${id}`, ...m.problems.map((problem) => `      - ${problem}`)];
  }
}
