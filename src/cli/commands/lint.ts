import { EXIT } from "../../basics.js";
import type { LintFinding, LintMeasurement, LintOptions, LintReport } from "../../index.js";
import { usageError, type RawOptions } from "../options.js";
import { interruptible, printJson, withMigrator, type CommandContext } from "./command-context.js";

type Format = "text" | "github";

/**
 * `stratum lint [files…] [--all] [--strict] [--measure] [--format text|github]`: the static rules over the
 * pending migrations (or the files named). Exit 3 on an error finding, or on any with --strict.
 */
export async function lintCommand(ctx: CommandContext, files: readonly string[], options: RawOptions): Promise<number> {
  const format = formatOf(options["format"]);
  const strict = options["strict"] === true;
  const all = options["all"] === true;
  const measure = options["measure"] === true;
  if (all && files.length > 0) throw usageError("--all and file arguments cannot be used together", 'name files, or use --all for every migration');
  const request: LintOptions = { ...(files.length > 0 ? { files } : {}), ...(all ? { all } : {}), ...(measure ? { measure } : {}) };
  return withMigrator(ctx, {}, async (migrator) => {
    const report = await interruptible(migrator.lint(request), ctx.signal);
    const failed = report.errors > 0 || (strict && report.warnings > 0);
    if (ctx.globals.json) printJson(ctx, report);
    else if (format === "github") ctx.output.line(githubLines(report).join("\n"));
    else if (ctx.globals.verbosity !== "quiet" || failed) ctx.output.line(textLines(report).join("\n"));
    return failed ? EXIT.validation : EXIT.ok;
  }, false);
}

function formatOf(raw: unknown): Format {
  if (raw === undefined || raw === "text") return "text";
  if (raw === "github") return "github";
  throw usageError(`--format expects text or github, got "${String(raw)}"`);
}

/** `001_x.sql:4 error add-index-not-concurrently: …` and the fix under it; suppressions after. */
export function textLines(report: LintReport): string[] {
  const lines: string[] = [];
  const measured = new Map((report.measurement?.statements ?? []).map((m) => [m.location, m.summary]));
  for (const f of report.findings) {
    lines.push(`${f.location} ${f.severity} ${f.rule}: ${f.message}`);
    lines.push(`  fix: ${f.fix}`);
    const summary = measured.get(f.location);
    if (summary !== undefined) lines.push(`  measured: ${summary}`);
  }
  for (const s of report.suppressed) lines.push(`${s.location} ignored ${s.rule} (${s.ignoredAt}): ${s.reason}`);
  if (report.measurement !== undefined) lines.push(...measurementLines(report.measurement));
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  lines.push(`${count(report.migrations, "migration")} linted: ${count(report.errors, "error")}, ${count(report.warnings, "warning")}, ${report.suppressed.length} ignored`);
  return lines;
}

/** What `--measure` saw: each statement, the findings it dropped, and what was not measured. */
function measurementLines(m: LintMeasurement): string[] {
  const lines = [`measured on ${m.shadow.description}, touched tables seeded with ${m.rows} rows:`];
  for (const s of m.seeded) if (s.skipped !== undefined) lines.push(`  ${s.table} not seeded: ${s.skipped}`);
  for (const s of m.statements) lines.push(`  ${s.location} ${s.statement}`, `    ${s.summary}`);
  for (const d of m.dropped) lines.push(`${d.finding.location} dropped by measurement ${d.finding.rule}: ${d.reason}`);
  for (const note of m.notes) lines.push(`note: ${note}`);
  return lines;
}

/** GitHub workflow annotations: one `::error`/`::warning` line per finding. */
export function githubLines(report: LintReport): string[] {
  return report.findings.map((f: LintFinding) => `::${f.severity} file=${escapeProperty(f.file)},line=${f.line},title=${escapeProperty(f.rule)}::${escapeData(`${f.message}. Fix: ${f.fix}`)}`);
}

function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
