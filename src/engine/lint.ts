// `lint`: the static rules over migrations' SQL, from the one analysis pass of each section.
// Which migrations: the files named, else the pending ones (all of them when the database cannot
// be reached), or every one with `all`.

import type { LintOptions, LintReport } from "../api-types.js";
import { ConfigError, ConnectionError } from "../core/errors.js";
import { lintMigrations, type LintInput } from "../core/lint/lint.js";
import type { DialectLint } from "../core/lint/types.js";
import type { MigrationFile, Problem } from "../core/types.js";
import { scriptFacts } from "../sql/analysis/cache.js";
import { measuredLint } from "./lint-measure.js";
import type { Engine } from "./ports.js";
import { throwIfAborted, withConnection } from "./session.js";
import { discover, isPendingIn, readHistory, type Discovered } from "./workspace.js";

const NO_LINT: DialectLint = { rules: [], ruleIds: [], statement: () => ({ hits: [] }) };

export async function lint(engine: Engine, options: LintOptions = {}): Promise<LintReport> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  const files = options.files ?? [];
  const named = files.length > 0 ? byFiles(found, files) : null;
  // pending: not applied, as the history says; every one when it cannot be read
  const pending = await pendingOf(engine, found);
  throwIfAborted(options.signal);
  const selected = named ?? (options.all === true ? found.migrations : found.migrations.filter(pending));
  // the migrations before the last one selected are read too, for what they constrain (not reported)
  const last = found.migrations.indexOf(selected.at(-1) as MigrationFile);
  const chosen = new Set(selected);
  const upTo = found.migrations.slice(0, last + 1);
  const report = await lintSelected(engine, upTo, pending, (m) => chosen.has(m));
  if (options.measure === true && selected.length > 0) return { ...(await measuredLint(engine, upTo, chosen, pending, report, options.signal)), migrations: selected.length };
  return { ...report, migrations: selected.length };
}

/** The findings over `migrations` (in order), as the report gives them. */
export async function lintSelected(
  engine: Engine,
  migrations: readonly MigrationFile[],
  pending: (m: MigrationFile) => boolean,
  reported: (m: MigrationFile) => boolean = () => true,
): Promise<Omit<LintReport, "migrations">> {
  const sql = engine.target.dialect.sql;
  await sql.load?.();
  const inputs: LintInput[] = migrations.map((migration) => ({
    migration,
    up: migration.up === null ? null : scriptFacts(sql, migration.up),
    down: migration.down === null ? null : scriptFacts(sql, migration.down),
    pending: pending(migration),
    report: reported(migration),
  }));
  const result = lintMigrations(inputs, sql.lint ?? NO_LINT, {
    lockTimeoutConfigured: engine.policy.migrationLockTimeoutMs !== undefined,
    transactions: engine.policy.transaction !== "none",
  });
  const errors = result.findings.filter((f) => f.severity === "error").length;
  return { ok: errors === 0, errors, warnings: result.findings.length - errors, findings: result.findings, suppressed: result.suppressed };
}

/**
 * Lint findings as `validate` and `plan` show them: the error findings only (the hygiene warnings
 * are `stratum lint`'s), as warnings — lint decides nothing there.
 */
export async function lintProblems(engine: Engine, migrations: readonly MigrationFile[]): Promise<Problem[]> {
  const report = await lintSelected(engine, migrations, () => true);
  return report.findings.filter((f) => f.severity === "error").map((f) => ({
    code: "LINT",
    message: `${f.location} [${f.rule}] ${f.message}`,
    files: [f.location],
    fix: f.fix,
    severity: "warning",
    versions: [f.version],
  }));
}

async function pendingOf(engine: Engine, found: Discovered): Promise<(m: MigrationFile) => boolean> {
  try {
    const applied = await withConnection(engine, (conn) => readHistory(engine, conn, found), true);
    return isPendingIn(applied);
  } catch (error) {
    if (error instanceof ConnectionError) return () => true;
    throw error;
  }
}

/** The migrations the named files belong to; a file that is none of them is a usage error. */
function byFiles(found: Discovered, files: readonly string[]): MigrationFile[] {
  const wanted = new Set<MigrationFile>();
  for (const given of files) {
    const name = given.replace(/\\/g, "/");
    const match = found.migrations.find((m) => m.files.some((f) => name === f || name.endsWith(`/${f}`)) || m.path === given);
    if (match === undefined) {
      throw new ConfigError(`"${given}" is not a migration file of the migrations directory`, {
        code: "USAGE",
        fix: "name files inside the migrations directory (run \"stratum status\" to list them), or run lint without files",
      });
    }
    wanted.add(match);
  }
  return found.migrations.filter((m) => wanted.has(m));
}
