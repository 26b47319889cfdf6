// The read-only operations: they open a read-only connection and create nothing.

import type { GraphReport, HistoryOptions, PlannedMigration, PlanOptions, PlanResult, SignalOptions, Stats, ValidateOptions, ValidateReport } from "../api-types.js";
import { conflictPairs } from "../core/conflicts.js";
import { scriptOf, statementsOf } from "./step.js";
import { stepTransaction } from "./step-transaction.js";
import { buildGraph } from "../core/graph.js";
import { validate as validateMigrations } from "../core/planner.js";
import { unmetRequirements } from "../core/requirements.js";
import { defaultMode, type RunMode } from "../core/run-policy.js";
import { computeStats } from "../core/stats.js";
import { statusOf, unusableVersions } from "../core/status.js";
import type { LogEntry, PlanRequest, PlanStep, Problem, StatusReport } from "../core/types.js";
import type { Engine } from "./ports.js";
import { lintProblems } from "./lint.js";
import { checkReversible, preflightStatic, refuseStatic, unterminatedIn, withoutRepeatedPlaces } from "./prepare.js";
import { throwIfAborted, withConnection, withEarlyConnection } from "./session.js";
import { assumedRows, conflictsOf, discover, isPendingIn, readHistory, userVersionAhead, withLoadedOptions, workspaceOn, type Discovered } from "./workspace.js";

export async function status(engine: Engine, options: SignalOptions = {}): Promise<StatusReport> {
  throwIfAborted(options.signal);
  // the connection opens while the files are read
  const { found, applied, ahead } = await withEarlyConnection(engine, async (early) => {
    const found = await discover(engine);
    throwIfAborted(options.signal);
    return withConnection(
      engine,
      async (conn) => ({ found, applied: await readHistory(engine, conn, found), ahead: await userVersionAhead(engine, conn, found.migrations) }),
      true,
      early,
    );
  });
  const report = statusOf(found.migrations, applied, unusableVersions(found.problems));
  // what up adopts from user_version is not what it runs
  const pending = ahead === null ? report.pending : report.pending - ahead.adopt.length;
  return {
    ...layoutOf(found),
    ...(ahead === null ? {} : { userVersion: ahead }),
    ...report,
    pending,
    problems: [...found.problems, ...report.problems],
  };
}

function layoutOf(found: Discovered): { layout?: NonNullable<Discovered["layout"]> } {
  return found.layout === undefined ? {} : { layout: found.layout };
}

export async function plan(engine: Engine, options: PlanOptions): Promise<PlanResult> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  const { planned, ahead } = await withConnection(
    engine,
    async (conn) => {
      // up adopts from user_version before it plans: plan what runs after
      const ahead = options.direction === "up" ? await userVersionAhead(engine, conn, found.migrations) : null;
      const assumeApplied = assumedRows(ahead, found.migrations);
      return { planned: await workspaceOn(engine, conn, found, planRequest(options), { allowOutOfOrder: options.allowOutOfOrder, assumeApplied }), ahead };
    },
    true,
  );
  throwIfAborted(options.signal);
  const steps = options.direction === "down" ? await checkReversible(engine, planned.steps) : planned.steps;
  refuseStatic(engine, steps, defaultMode(engine.policy.transaction));
  const mode = engine.policy.transaction === "none" ? "none" : "each";
  return {
    steps: steps.map((step) => ({
      direction: step.direction,
      version: step.migration.version,
      name: step.migration.name,
      file: step.migration.files[0] ?? step.migration.id,
      reason: step.reason,
      after: step.after,
      ...planTransaction(engine, step, mode),
    })),
    warnings: options.direction === "up" ? [...planned.warnings, ...(await lintProblems(engine, steps.map((s) => s.migration)))] : planned.warnings,
    ...layoutOf(found),
    ...(ahead === null ? {} : { userVersion: ahead }),
  };
}

/** A planned step's transaction, why it runs outside one, and how many statements it runs. */
function planTransaction(engine: Engine, step: PlanStep, mode: RunMode): Pick<PlannedMigration, "transaction" | "outsideTransaction" | "statements"> {
  const { dialect } = engine.target;
  const how = stepTransaction(dialect, step, mode);
  const script = scriptOf(step);
  return {
    transaction: how.inTransaction,
    outsideTransaction: how.outside,
    statements: step.migration.kind === "code" || script === null ? null : statementsOf(dialect, script).length,
  };
}

export async function validate(engine: Engine, options: ValidateOptions = {}): Promise<ValidateReport> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  const { applied, server } = await withConnection(
    engine,
    async (conn) => ({ applied: await readHistory(engine, conn, found), server: await conn.serverInfo() }),
    true,
  );
  const pending = isPendingIn(applied);
  // In graph ordering the answer depends on every migration's declared tables and dependencies
  // (conflicts), which code migrations only give when imported: all are imported, so the answer
  // is the same on a fresh database and a migrated one. Linear ordering reads no tables.
  const migrations = await withLoadedOptions(engine, found, engine.policy.ordering === "graph" ? () => true : pending);
  throwIfAborted(options.signal);
  const problems = validateMigrations(migrations, applied, {
    ordering: engine.policy.ordering,
    allowOutOfOrder: options.allowOutOfOrder ?? engine.policy.allowOutOfOrder,
    discoveryProblems: found.problems,
  });
  problems.push(...unmetRequirements(migrations.filter(pending), server));
  problems.push(...(await conflictsOf(engine, migrations)));
  problems.push(...sqlProblems(engine, migrations, pending));
  problems.push(...(await lintProblems(engine, migrations.filter(pending))));
  // the file's own parse and the dialect's lexer may both find one unterminated comment
  const reported = withoutRepeatedPlaces(problems);
  const failing = reported.filter((p) => p.severity === "error" || options.strict === true);
  return { ok: failing.length === 0, problems: reported, migrations: found.migrations.length, ...layoutOf(found) };
}

/** What the SQL shows: of pending migrations, every section; of applied ones, the down a rollback may still need. */
function sqlProblems(engine: Engine, migrations: readonly PlanStep["migration"][], pending: (m: PlanStep["migration"]) => boolean): Problem[] {
  const mode = defaultMode(engine.policy.transaction);
  return migrations.flatMap((migration) => {
    if (!pending(migration)) return unterminatedIn(engine, migration, "down");
    const step: PlanStep = { direction: "up", migration, reason: "pending", after: [] };
    return preflightStatic(engine, step, mode);
  });
}

export async function history(engine: Engine, options: HistoryOptions = {}): Promise<LogEntry[]> {
  const { signal, ...query } = options;
  throwIfAborted(signal);
  const store = engine.target.history;
  return withConnection(engine, async (conn) => ((await store.exists(conn)) ? store.readLog(conn, query) : []), true);
}

export async function stats(engine: Engine, options: SignalOptions = {}): Promise<Stats> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  const store = engine.target.history;
  const { applied, log } = await withConnection(
    engine,
    async (conn) => ((await store.exists(conn)) ? { applied: await store.read(conn), log: await store.readLog(conn) } : { applied: [], log: [] }),
    true,
  );
  return computeStats(found.migrations, applied, log);
}

export async function graph(engine: Engine, options: SignalOptions = {}): Promise<GraphReport> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  const applied = await withConnection(engine, (conn) => readHistory(engine, conn, found), true);
  // every code migration: the graph shows each one's dependencies and tables, applied or not
  const migrations = await withLoadedOptions(engine, found, () => true);
  throwIfAborted(options.signal);
  const states = new Map(statusOf(migrations, applied, unusableVersions(found.problems)).migrations.map((entry) => [entry.version, entry.state]));
  const conflicts = await conflictsOf(engine, migrations);
  const pairs = conflictPairs(conflicts);
  const built = buildGraph(migrations, engine.policy.ordering);
  return {
    ordering: engine.policy.ordering,
    nodes: built.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      file: m.files[0] ?? m.id,
      state: states.get(m.version) ?? "pending",
      dependsOn: (built.dependencies.get(m) ?? []).map((d) => d.version),
      conflictsWith: [...(pairs.get(m.version) ?? [])],
    })),
    conflicts,
  };
}

function planRequest(options: PlanOptions): PlanRequest {
  const range = {
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.step === undefined ? {} : { step: options.step }),
  };
  if (options.direction === "up") return { direction: "up", ...range };
  return {
    direction: "down",
    ...range,
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    ...(options.all === undefined ? {} : { all: options.all }),
    ...(options.versions === undefined ? {} : { versions: options.versions }),
  };
}
