import type { DownOptions, RedoOptions, RunReport } from "../api-types.js";
import { redoAction, rollbackAction } from "../core/confirm-actions.js";
import { decideRun, defaultMode, runCapabilities } from "../core/run-policy.js";
import type { PlanRequest, PlanStep } from "../core/types.js";
import type { Connection } from "../dialects/dialect.js";
import { confirmProtected } from "./confirm.js";
import { dryRun } from "./dry-run.js";
import type { Engine } from "./ports.js";
import { checkReversible, mayBeInFlight, refuseStatic } from "./prepare.js";
import { emptyRun } from "./report.js";
import { runSteps } from "./run.js";
import { withConnection, withLock, type Session } from "./session.js";
import { appliedSet, discover, fresh, recordedSet, workspaceOn, type Discovered } from "./workspace.js";
import { up } from "./up.js";

/** What a protected environment is asked before rolling back these steps. */
type ActionOf = (steps: readonly PlanStep[]) => string;

const rollingBack: ActionOf = (steps) => rollbackAction(steps.map((s) => s.migration));

/** Rolls back applied migrations (or shows them, in a dry run). */
export async function down(engine: Engine, options: DownOptions = {}, actionOf: ActionOf = rollingBack): Promise<RunReport> {
  const started = performance.now();
  const { dialect } = engine.target;
  const found = await discover(engine);
  const request = downRequest(options);
  const decision = decideRun(engine.policy, { direction: "down", dryRun: options.dryRun }, runCapabilities(dialect.name, dialect.capabilities));
  // planned and checked once without the lock (a refusal creates nothing), then again under it
  const probe = withConnection(engine, (conn) => planned(engine, conn, fresh(found), request), true);
  if (decision.kind === "dry-run") {
    const probed = await probe;
    return dryRun(engine, probed.steps, "down", probed.warnings, started, decision.mode);
  }
  const probed = await probe.catch((error: unknown) => {
    if (!mayBeInFlight(error)) throw error;
    return null;
  });
  // nothing to roll back: no lock, nothing created
  if (probed?.steps.length === 0) return emptyRun(engine, "down", started, probed.warnings);
  const signal = options.signal ?? new AbortController().signal;
  return withLock(engine, (session) => downLocked(engine, session, found, request, { ...options, signal, started }, actionOf), signal);
}

/**
 * `down` of `request` on a session that already holds the run lock, as `down` runs it once it
 * has the lock (verify runs each step on its shadow this way, under one lock and on one connection).
 */
export async function downUnderLock(engine: Engine, session: Session, found: Discovered, request: PlanRequest, signal: AbortSignal): Promise<RunReport> {
  return downLocked(engine, session, found, request, { signal, started: performance.now() }, rollingBack);
}

/** The run under the lock: planned again from what the database holds now, confirmed, run. */
async function downLocked(
  engine: Engine,
  session: Session,
  found: Discovered,
  request: PlanRequest,
  options: DownOptions & { readonly signal: AbortSignal; readonly started: number },
  actionOf: ActionOf,
): Promise<RunReport> {
  const { dialect } = engine.target;
  const decision = decideRun(engine.policy, { direction: "down" }, runCapabilities(dialect.name, dialect.capabilities));
  const { applied, warnings, steps } = await planned(engine, session.conn, fresh(found), request);
  if (steps.length > 0) await confirmProtected(engine, options.confirm, actionOf(steps));
  return runSteps(engine, session, steps, {
    direction: "down",
    mode: decision.mode,
    rehearse: false,
    signal: options.signal,
    applied: appliedSet(applied),
    recorded: recordedSet(applied),
    backup: null,
    warnings,
    started: options.started,
  });
}

/** The rollback's steps, read from the database on `conn`: each reversible, none refused by its SQL. */
async function planned(engine: Engine, conn: Connection, probe: Discovered, request: PlanRequest) {
  const result = await workspaceOn(engine, conn, probe, request, { loadPending: false, conflicts: false });
  const steps = await checkReversible(engine, result.steps);
  refuseStatic(engine, steps, defaultMode(engine.policy.transaction));
  return { applied: result.applied, warnings: result.warnings, steps };
}

/** Rolls back the last migration and applies it again; a protected environment is asked once, for both. */
export async function redo(engine: Engine, options: RedoOptions = {}): Promise<RunReport> {
  const started = performance.now();
  const signal = options.signal ? { signal: options.signal } : {};
  const asRedo: ActionOf = (steps) => redoAction((steps[0] as PlanStep).migration);
  const rolledBack = await down(
    engine,
    { step: 1, ...(options.dryRun ? { dryRun: true } : {}), ...signal, ...(options.confirm ? { confirm: options.confirm } : {}) },
    asRedo,
  );
  const target = rolledBack.migrations[0];
  if (!target || options.dryRun) return rolledBack;
  const applied = await up(engine, { to: target.version, ...signal });
  return {
    ...applied,
    direction: "up",
    migrations: [...rolledBack.migrations, ...applied.migrations],
    durationMs: Math.round(performance.now() - started),
  };
}

function downRequest(options: DownOptions): PlanRequest {
  return {
    direction: "down",
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    ...(options.all === undefined ? {} : { all: options.all }),
    ...(options.versions === undefined ? {} : { versions: options.versions }),
  };
}
