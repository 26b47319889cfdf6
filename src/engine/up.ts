import type { RunReport, UpOptions } from "../api-types.js";
import { ValidationError } from "../core/errors.js";
import { conflictPairs } from "../core/conflicts.js";
import { decideRun, outsideTransactionRefusal, runCapabilities, type RunDecision } from "../core/run-policy.js";
import type { PlanRequest, PlanStep } from "../core/types.js";
import type { Connection } from "../dialects/dialect.js";
import { adoptUserVersionBeforeUp } from "./adopt.js";
import { takeBackup } from "./backup.js";
import { checkDriftBeforeUp } from "./drift.js";
import { dryRun } from "./dry-run.js";
import type { Engine } from "./ports.js";
import { mayBeInFlight, preflight, refuseOverLockCapacity, refuseStatic } from "./prepare.js";
import { emptyRun, instantLog } from "./report.js";
import { runSteps } from "./run.js";
import { stepTransaction } from "./step-transaction.js";
import { withConnection, withEarlyConnection, withLock, type EarlyConnection, type Session } from "./session.js";
import { appliedSet, assumedRows, discover, fresh, readUserVersion, recordedSet, workspaceOn, type Discovered } from "./workspace.js";

type Run = Extract<RunDecision, { kind: "run" }>;

/** Applies pending migrations (or shows them: a dry run, a rehearsal). */
export async function up(engine: Engine, options: UpOptions = {}): Promise<RunReport> {
  const started = performance.now();
  const { dialect } = engine.target;
  const request: PlanRequest = {
    direction: "up",
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.step === undefined ? {} : { step: options.step }),
  };
  const decision = decideRun(
    engine.policy,
    { direction: "up", singleTransaction: options.singleTransaction, dryRun: options.dryRun },
    runCapabilities(dialect.name, dialect.capabilities),
  );
  if (decision.kind === "dry-run") {
    const found = await discover(engine);
    if (decision.warning !== null) engine.emit({ type: "log", level: "warn", version: null, message: decision.warning });
    const planned = await withConnection(engine, async (conn) => {
      // what up adopts from user_version first is said, not shown as run (issue 12)
      const reading = await readUserVersion(engine, conn, found.migrations);
      if (reading?.refusal != null) throw new ValidationError([reading.refusal]); // as up itself would refuse
      if (reading != null) engine.emit({ type: "log", level: "info", version: null, message: reading.ahead.message });
      const assumeApplied = assumedRows(reading?.ahead ?? null, found.migrations);
      return workspaceOn(engine, conn, found, request, { allowOutOfOrder: options.allowOutOfOrder, assumeApplied });
    }, true);
    refuseStatic(engine, planned.steps, decision.mode);
    return dryRun(engine, planned.steps, "up", planned.warnings, started, decision.mode);
  }
  // the probe's connection opens while the files are read
  return withEarlyConnection(engine, async (early) => {
    const found = await discover(engine);
    // a database kept by PRAGMA user_version alone: its migrations are recorded first (issue 12)
    await adoptUserVersionBeforeUp(engine, options.signal, decision.rehearse);
    if (options.backup && dialect.capabilities.backup) await dialect.checkBackup?.();
    const signal = options.signal ?? new AbortController().signal;
    // the drift check runs in the probe, on its connection, when something is pending (issue 13)
    if (await nothingPending(engine, found, request, options, decision, early)) return emptyRun(engine, "up", started);
    return withLock(engine, (session) => upLocked(engine, session, found, request, decision, { ...options, signal, started }), signal, decision.rehearse);
  });
}

/**
 * `up` of `request` on a session that already holds the run lock, as `up` runs it once it has
 * the lock: planned from what the database holds now, refused as `up` refuses, then run (verify
 * runs each step on its shadow this way, under one lock and on one connection).
 */
export async function upUnderLock(engine: Engine, session: Session, found: Discovered, request: PlanRequest, signal: AbortSignal): Promise<RunReport> {
  const { dialect } = engine.target;
  const decision = decideRun(engine.policy, { direction: "up" }, runCapabilities(dialect.name, dialect.capabilities));
  if (decision.kind !== "run") throw new Error("an up without a dry run is always run");
  return upLocked(engine, session, fresh(found), request, decision, { signal, started: performance.now() });
}

/** The run under the lock: planned again from what the database holds now. */
async function upLocked(
  engine: Engine,
  session: Session,
  found: Discovered,
  request: PlanRequest,
  decision: Run,
  options: UpOptions & { readonly signal: AbortSignal; readonly started: number },
): Promise<RunReport> {
  const planned = await workspaceOn(engine, session.conn, found, request, { allowOutOfOrder: options.allowOutOfOrder });
  await refuse(engine, session.conn, planned.steps, decision);
  if ((decision.single || decision.rehearse) && engine.target.dialect.capabilities.lockCapacity && planned.steps.length > 0) {
    await refuseOverLockCapacity(engine, session.conn, planned.steps, decision.rehearse);
  }
  const backup = options.backup && planned.steps.length > 0 ? await backUp(engine, session) : null;
  return runSteps(engine, session, planned.steps, {
    direction: "up",
    mode: decision.mode,
    rehearse: decision.rehearse,
    signal: options.signal,
    applied: appliedSet(planned.applied),
    recorded: recordedSet(planned.applied),
    backup,
    warnings: planned.warnings,
    started: options.started,
    parallel: options.parallel ?? engine.policy.parallel,
    exclusive: conflictPairs(planned.warnings),
  });
}

/** Takes the backup and logs it, before the first migration runs. */
async function backUp(engine: Engine, session: Session): Promise<string> {
  const { history } = engine.target;
  const backup = await takeBackup(engine);
  await history.ensureTables(session.conn);
  await history.log(session.conn, instantLog(engine, session.dbUser, { operation: "backup", details: `backup written to ${backup}` }));
  // said now, before the first migration runs (run:end repeats the path, for scripts)
  engine.emit({ type: "log", level: "info", version: null, message: `backup written to ${backup}` });
  return backup;
}

/** What refuses the run before it starts: checked before the lock (creating nothing), and again under it. */
async function refuse(engine: Engine, conn: Connection, steps: readonly PlanStep[], decision: Run): Promise<void> {
  const problems = await preflight(engine, conn, steps, decision.checkMode);
  if (problems.length > 0) throw new ValidationError(problems);
  const dialect = engine.target.dialect;
  const outside = steps.map((step) => ({ id: step.migration.id, outside: stepTransaction(dialect, step, decision.mode).outside }));
  const refusal = outsideTransactionRefusal(decision, outside);
  if (refusal !== null) throw refusal;
}

/**
 * The common deploy: nothing to apply. Decided from a read without the lock, so a no-op `up`
 * opens one connection and takes no lock. Work to do, or a problem that may be another run's
 * migration in flight, goes the locked way, which reads again under the lock; any other
 * problem is refused here, before the lock creates anything.
 */
async function nothingPending(
  engine: Engine,
  found: Discovered,
  request: PlanRequest,
  options: UpOptions,
  decision: Run,
  early: EarlyConnection,
): Promise<boolean> {
  const probe = fresh(found);
  const allowOutOfOrder = options.allowOutOfOrder;
  return withConnection(engine, async (conn) => {
    let steps: readonly PlanStep[];
    try {
      steps = (await workspaceOn(engine, conn, probe, request, { allowOutOfOrder, conflicts: false })).steps;
    } catch (error) {
      if (mayBeInFlight(error)) return false;
      throw error;
    }
    // what the plan's SQL and the server already refuse stops the run before the lock, which
    // would create the lock file (and, on SQLite, the database file)
    if (steps.length > 0) await refuse(engine, conn, steps, decision);
    // drift is checked when something is about to run, on this connection: a no-op `up` changes
    // nothing a hand-made change could break, and stays one connection and one read (issue 16)
    if (steps.length > 0) await checkDriftBeforeUp(engine, options, conn);
    return steps.length === 0;
  }, true, early);
}
