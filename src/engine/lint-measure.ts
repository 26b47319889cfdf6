// `lint --measure` (issue 14): the linted migrations run on a shadow database, after the ones
// before them are replayed, each table they touch seeded with rows first; the dialect says what
// the server did per statement (src/dialects/<d>/measure.ts), and core/lint/measured.ts reconciles
// that with the static findings.

import type { LintMeasurement, LintReport } from "../api-types.js";
import { ConfigError } from "../core/errors.js";
import { describeMeasurement, reconcile, type StatementMeasurement } from "../core/lint/measured.js";
import type { ScriptFacts } from "../core/sql-facts.js";
import type { MigrationFile } from "../core/types.js";
import type { Connection } from "../dialects/dialect.js";
import type { DialectMeasure } from "../dialects/measure.js";
import { parseWithModule } from "../dialects/registry.js";
import { scriptFacts } from "../sql/analysis/cache.js";
import type { Engine } from "./ports.js";
import { throwIfAborted } from "./session.js";
import { withShadow } from "./shadow.js";

/** Rows each touched table is seeded with: enough that a rewrite or a scan is real work, bounded. */
export const SEED_ROWS = 5000;

type Static = Omit<LintReport, "migrations">;

interface Progress {
  readonly seeded: { table: string; rows?: number; skipped?: string }[];
  readonly statements: StatementMeasurement[];
  readonly notes: string[];
  readonly tried: Set<string>;
  /** Tables pending migrations create: new ones, neither seeded nor reported. */
  readonly created: Set<string>;
}

/** The static report of `migrations` (the `chosen` ones reported) reconciled with their measurement on a shadow. */
export async function measuredLint(
  engine: Engine,
  migrations: readonly MigrationFile[],
  chosen: ReadonlySet<MigrationFile>,
  pending: (m: MigrationFile) => boolean,
  report: Static,
  signal?: AbortSignal,
): Promise<Static> {
  const { module } = parseWithModule(engine.policy.url);
  if (module.measure === undefined) {
    throw new ConfigError(`lint --measure cannot measure statements on ${engine.target.dialect.displayUrl}`, {
      code: "USAGE",
      fix: "run lint without --measure for this database kind",
    });
  }
  const probe = await module.measure();
  const sql = engine.target.dialect.sql;
  return withShadow(
    engine,
    async (shadow) => {
      const progress: Progress = { seeded: [], statements: [], notes: [], tried: new Set(), created: new Set() };
      const conn = await shadow.target.dialect.connect();
      try {
        for (const migration of migrations) {
          throwIfAborted(signal);
          const goOn = chosen.has(migration) ? await measureOne(conn, probe, migration, sql, progress) : await replayOne(conn, migration, sql, progress);
          await probe.reset?.(conn).catch(() => undefined);
          // as the static rules read them: a table a pending migration creates is new (empty) for those after it
          if (pending(migration)) for (const t of upFacts(migration, sql)?.tables.creates ?? []) progress.created.add(t);
          if (!goOn) break;
        }
      } finally {
        await conn.close().catch(() => undefined);
      }
      const { findings, dropped } = reconcile(report.findings, report.suppressed, progress.statements, {
        rewriteWord: probe.rewriteWord,
        lockTimeoutConfigured: engine.policy.migrationLockTimeoutMs !== undefined,
      });
      const measurement: LintMeasurement = { shadow: shadow.info, rows: SEED_ROWS, seeded: progress.seeded, statements: progress.statements, dropped, notes: progress.notes };
      const errors = findings.filter((f) => f.severity === "error").length;
      return { ok: errors === 0, errors, warnings: findings.length - errors, findings, suppressed: report.suppressed, measurement };
    },
    signal,
  );
}

function upFacts(migration: MigrationFile, sql: Engine["target"]["dialect"]["sql"]): ScriptFacts | null {
  return migration.up === null ? null : scriptFacts(sql, migration.up);
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/** Runs a migration before the linted ones as it is; false when it fails (what follows would not be measured on the right schema). */
async function replayOne(conn: Connection, migration: MigrationFile, sql: Engine["target"]["dialect"]["sql"], progress: Progress): Promise<boolean> {
  if (migration.kind !== "sql") {
    progress.notes.push(`${migration.id} is not SQL and was not replayed: the measurements after it run without its changes`);
    return true;
  }
  const file = migration.up?.file ?? migration.id;
  for (const statement of upFacts(migration, sql)?.statements ?? []) {
    try {
      await conn.exec(statement.text);
    } catch (error) {
      progress.notes.push(`replaying ${file}:${statement.line} failed on the shadow (${messageOf(error)}): nothing after it was measured`);
      return false;
    }
  }
  return true;
}

/** Seeds the tables a linted migration touches, then runs and measures each of its statements. */
async function measureOne(conn: Connection, probe: DialectMeasure, migration: MigrationFile, sql: Engine["target"]["dialect"]["sql"], progress: Progress): Promise<boolean> {
  if (migration.kind !== "sql") {
    progress.notes.push(`${migration.id} is not SQL: not measured`);
    return true;
  }
  const facts = upFacts(migration, sql);
  if (facts === null) return true;
  const file = migration.up?.file ?? migration.id;
  // the tables it names that exist before it runs (one it creates does not yet, unless it is re-created: a rebuild)
  const t = facts.tables;
  const touched = [...new Set([...t.alters, ...t.writes, ...t.reads, ...t.drops, ...t.creates])].filter((name) => !progress.created.has(name));
  const existing = new Set<string>();
  for (const table of touched) {
    if (!progress.tried.has(table)) {
      progress.tried.add(table);
      const seeded = await probe.seed(conn, table, SEED_ROWS).catch((error: unknown) => messageOf(error));
      if (seeded !== "it does not exist") progress.seeded.push(typeof seeded === "number" ? { table, rows: seeded } : { table, skipped: seeded });
    }
    if (progress.seeded.some((s) => s.table === table)) existing.add(table);
  }
  for (const statement of facts.statements) {
    const base = {
      location: `${file}:${statement.line}`,
      file,
      line: statement.line,
      version: migration.version,
      statement: shorten(statement.text),
      // a rebuild spans statements (the rename names the new table only): the migration's existing tables
      existing: [...existing],
      tables: [...new Set([...statement.tables.alters, ...statement.tables.writes, ...statement.tables.drops, ...statement.tables.reads, ...statement.tables.creates])],
    };
    let measured: Omit<StatementMeasurement, "summary">;
    try {
      measured = { ...base, ...(await probe.run(conn, statement)) };
    } catch (error) {
      measured = { ...base, durationMs: 0, error: messageOf(error) };
    }
    progress.statements.push({ ...measured, summary: describeMeasurement(measured, probe.rewriteWord) });
  }
  return true;
}

function shorten(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
