import { ValidationError } from "../core/errors.js";
import { AppliedVersions } from "../core/applied-versions.js";
import { versionKey } from "../core/version.js";
import { findConflicts } from "../core/conflicts.js";
import { migrationTableUses } from "../core/table-use.js";
import { plan as planMigrations } from "../core/planner.js";
import type { AppliedMigration, LayoutUsed, MigrationFile, PlanRequest, PlanStep, Problem, UserVersionAhead } from "../core/types.js";
import { userVersionEntries, userVersionRefusal, userVersionWhere, versionRange } from "../adopt/user-version.js";
import type { Connection } from "../dialects/dialect.js";
import { scriptFacts } from "../sql/analysis/cache.js";
import type { Engine } from "./ports.js";
import { recordedWithoutRunning } from "../core/applied-row.js";

/** The migrations found, with every problem found so far (discovery, history, loading). */
export interface Discovered {
  readonly migrations: MigrationFile[];
  readonly problems: Problem[];
  /** The other tool's layout the directory was read as; absent for Stratum's own. */
  readonly layout?: LayoutUsed;
}

/** A plan read from the database: the history it was made from and the migrations as loaded. */
export interface Workspace {
  readonly applied: AppliedMigration[];
  readonly migrations: readonly MigrationFile[];
  readonly steps: readonly PlanStep[];
  readonly warnings: readonly Problem[];
}

export interface WorkspaceOptions {
  readonly allowOutOfOrder?: boolean | undefined;
  /** Import pending code migrations for their options (default true; a rollback reads none). */
  readonly loadPending?: boolean;
  /** Add the conflicts among the planned steps to the warnings (default true). */
  readonly conflicts?: boolean;
  /** Rows planned as if recorded (what `up` would adopt from user_version first); never written. */
  readonly assumeApplied?: readonly AppliedMigration[];
}

export async function discover(engine: Engine): Promise<Discovered> {
  const found = await engine.target.source.list();
  const copy = { migrations: [...found.migrations], problems: [...found.problems] };
  return found.layout === undefined ? copy : { ...copy, layout: found.layout };
}

/** A copy whose problems can grow without touching `found`'s (a read before the lock, then one under it). */
export function fresh(found: Discovered): Discovered {
  return { migrations: found.migrations, problems: [...found.problems] };
}

/** The state rows, without creating anything; a corrupt row becomes a problem of `found`, reported with every other one. */
export async function readHistory(engine: Engine, conn: Connection, found: Discovered): Promise<AppliedMigration[]> {
  const { history } = engine.target;
  if (!(await history.exists(conn))) return [];
  const { rows, problems } = await history.inspect(conn);
  found.problems.push(...problems);
  return rows;
}

/** Code migrations whose options matter now are imported; unchanged applied ones are not. */
export async function withLoadedOptions(
  engine: Engine,
  found: Discovered,
  needs: (migration: MigrationFile) => boolean,
): Promise<MigrationFile[]> {
  // only the migrations to import wait on a promise: thousands of others are taken as they are
  const loading: Promise<void>[] = [];
  const migrations = [...found.migrations];
  for (let i = 0; i < migrations.length; i++) {
    const migration = migrations[i] as MigrationFile;
    if (migration.kind !== "code" || !needs(migration)) continue;
    loading.push(
      engine.deps.loadCode(migration).then(
        (loaded) => {
          migrations[i] = { ...migration, options: loaded.options };
        },
        (error: unknown) => {
          // reported with every other problem, not one at a time
          if (!(error instanceof ValidationError)) throw error;
          found.problems.push(...error.problems);
        },
      ),
    );
  }
  await Promise.all(loading);
  return migrations;
}

export function isPendingIn(applied: readonly AppliedMigration[]): (migration: MigrationFile) => boolean {
  const done = new Map<string, AppliedMigration>();
  for (let i = 0; i < applied.length; i++) {
    const row = applied[i] as AppliedMigration;
    done.set(versionKey(row.version), row);
  }
  return (migration) => {
    const row = done.get(versionKey(migration.version));
    return !row || row.state === "rolled_back" || row.checksum !== migration.checksum;
  };
}

export function appliedSet(rows: readonly AppliedMigration[]): AppliedVersions {
  return new AppliedVersions(rows.filter((row) => row.state === "applied").map((row) => row.version));
}

/** Versions (canonical keys, core/version.ts `versionKey`) with a state row of any state. */
export function recordedSet(rows: readonly AppliedMigration[]): ReadonlySet<string> {
  return new Set(rows.map((row) => versionKey(row.version)));
}

/**
 * Graph mode: migrations with no dependency path between them that touch the same table
 * (read the best way the dialect's analysis allows, e.g. PostgreSQL by its real parser, which
 * `load` brings in). `among` keeps only pairs involving those versions.
 */
export async function conflictsOf(engine: Engine, migrations: readonly MigrationFile[], among?: ReadonlySet<string>): Promise<Problem[]> {
  const { ordering } = engine.policy;
  if (ordering !== "graph") return [];
  const { sql } = engine.target.dialect;
  await sql.load?.();
  const uses = migrationTableUses(migrations, (script) => scriptFacts(sql, script));
  const conflicts = findConflicts(migrations, uses, ordering);
  return among === undefined ? conflicts : conflicts.filter((p) => p.versions.some((v) => among.has(v)));
}

/** Read history → load code options → plan → conflicts: the one sequence every planning operation runs. */
export async function workspaceOn(
  engine: Engine,
  conn: Connection,
  found: Discovered,
  request: PlanRequest,
  options: WorkspaceOptions = {},
): Promise<Workspace> {
  const applied = [...(await readHistory(engine, conn, found)), ...(options.assumeApplied ?? [])];
  const migrations = options.loadPending === false ? found.migrations : await withLoadedOptions(engine, found, isPendingIn(applied));
  const result = planMigrations(migrations, applied, request, {
    ordering: engine.policy.ordering,
    allowOutOfOrder: options.allowOutOfOrder ?? engine.policy.allowOutOfOrder,
    discoveryProblems: found.problems,
  });
  if (!result.ok) throw new ValidationError(result.problems);
  if (options.conflicts === false || engine.policy.ordering !== "graph" || result.steps.length === 0) {
    return { applied, migrations, steps: result.steps, warnings: result.warnings };
  }
  const planned = new Set(result.steps.map((s) => s.migration.version));
  const warnings = [...result.warnings, ...(await conflictsOf(engine, migrations, planned))];
  return { applied, migrations, steps: result.steps, warnings };
}

/** What `up` will do first on a user_version database, and when it refuses, the problem it refuses with. */
export interface UserVersionReading {
  readonly ahead: UserVersionAhead;
  readonly refusal: Problem | null;
}

/**
 * What `up` will do first on a database kept by `PRAGMA user_version` alone (SQLite; Stratum's
 * history absent, user_version > 0): adopt the migrations up to it, or refuse. Null otherwise.
 * Reads only: the read-only operations say it, `up` does it (engine/adopt.ts).
 */
export async function readUserVersion(engine: Engine, conn: Connection, migrations: readonly MigrationFile[]): Promise<UserVersionReading | null> {
  const { dialect, history } = engine.target;
  if (dialect.readHead === undefined || (await history.exists(conn))) return null;
  const head = await dialect.readHead(conn);
  if (head === 0n) return null;
  const where = userVersionWhere(head);
  const refused = (problem: Problem): UserVersionReading => {
    const refusal = `${problem.message}; ${problem.fix}`;
    return { ahead: { head: head.toString(), adopt: [], refusal, message: `up will refuse: ${refusal}` }, refusal: problem };
  };
  if (engine.policy.adoptUserVersion === false) {
    return refused(userVersionRefusal(engine.policy.table, head, "adoptUserVersion is false"));
  }
  const { entries, problems } = userVersionEntries(head, migrations);
  if (problems[0] !== undefined) return refused(problems[0]);
  const adopt = entries.flatMap((entry) => (entry.version === null ? [] : [entry.version]));
  const message = `up will first adopt ${versionRange(adopt.map(versionKey))} from ${where} (recorded as applied without running them)`;
  return { ahead: { head: head.toString(), adopt, refusal: null, message }, refusal: null };
}

/** `readUserVersion`'s answer as the read-only reports carry it. */
export async function userVersionAhead(engine: Engine, conn: Connection, migrations: readonly MigrationFile[]): Promise<UserVersionAhead | null> {
  return (await readUserVersion(engine, conn, migrations))?.ahead ?? null;
}

/** The rows `up` would write when it adopts `ahead`, to plan what it runs after. */
export function assumedRows(ahead: UserVersionAhead | null, migrations: readonly MigrationFile[]): AppliedMigration[] {
  if (ahead === null) return [];
  const adopted = new Set(ahead.adopt.map(versionKey));
  return migrations
    .filter((m) => adopted.has(versionKey(m.version)))
    .map((m) => recordedWithoutRunning(m, { appliedAt: null, batch: 0, appliedBy: null }));
}
