import type { RunOutcome, RunReport } from "../api-types.js";
import type { AppliedVersions } from "../core/applied-versions.js";
import { InterruptedError, MigrationError, StratumError, TransactionError } from "../core/errors.js";
import { letTheEventLoopIn } from "../core/event-loop.js";
import { callHook, notRecorded, runStep, runsInTransaction, writeHistory, type RunSettings } from "./step.js";
import { runCapabilities, workersFor, type RunMode } from "../core/run-policy.js";
import { schedule } from "../core/scheduler.js";
import type { PlanStep, Problem } from "../core/types.js";
import type { Connection } from "../dialects/dialect.js";
import { afterSchemaChange } from "./after-run.js";
import type { Engine } from "./ports.js";
import { commitInRehearsal, forbidCommit, proveUnchanged, snapshotOf, stoppedByCommitGuard } from "./rehearsal.js";
import { emitRunEnd, instantLog, outcomeWithout, reportOf } from "./report.js";
import { sessionLost } from "./step-failure.js";
import type { Session } from "./session.js";

export interface RunOptions {
  readonly direction: "up" | "down";
  readonly mode: RunMode;
  readonly rehearse: boolean;
  readonly signal: AbortSignal;
  readonly applied: AppliedVersions;
  /** Versions with a state row of any state. */
  readonly recorded: ReadonlySet<string>;
  readonly backup: string | null;
  readonly warnings: readonly Problem[];
  readonly started: number;
  readonly parallel?: number;
  readonly exclusive?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** How the steps ended: every outcome, and the first failure (with its step's index when known). */
interface Ran {
  readonly outcomes: RunOutcome[];
  readonly failure: unknown;
  readonly failedIndex: number;
}

/** Runs planned steps under the lock: serially, in parallel, or in one transaction, as `options.mode` and the workers say. */
export async function runSteps(engine: Engine, session: Session, steps: readonly PlanStep[], options: RunOptions): Promise<RunReport> {
  const { conn } = session;
  const { dialect, history } = engine.target;
  const workers = chooseWorkers(engine, options.mode, options.parallel ?? 1, steps.length);
  await startRun(engine, options, steps.length, workers);
  // a rehearsal proves afterwards that its rollback left the database as it found it
  const before = options.rehearse ? await snapshotOf(engine, conn) : null;
  if (options.mode === "all") await conn.begin();
  // SQL files are refused any transaction control before they run; code reaches ctx.client
  if (options.rehearse && steps.some((s) => s.migration.kind === "code")) await forbidCommit(conn);
  // inside a rehearsal's transaction, so a rehearsal leaves not even the tables behind
  if (steps.length > 0) await history.ensureTables(conn);
  const settings = await settingsOf(engine, session, steps, options);
  await applyGuards(engine, conn);
  // a signal that came while the run was being prepared is seen before the first migration
  await letTheEventLoopIn();
  const ran =
    workers > 1
      ? await runParallel(engine, session, steps, settings, workers, options.exclusive ?? new Map())
      : await runSerial(engine, conn, steps, settings);
  let failure = ran.failure;
  if (options.mode === "all") failure = await endSingleTransaction(engine, session, steps, ran, options);
  if (before !== null) await proveUnchanged(engine, conn, before);
  if (options.rehearse && failure !== undefined && stoppedByCommitGuard(failure, dialect)) throw commitInRehearsal(failure, dialect);
  const report = reportOf(options.direction, ran.outcomes, options.started, {
    backup: options.backup,
    dryRun: options.rehearse ? "rehearse" : false,
    warnings: options.warnings,
  });
  const remaining = ran.outcomes.filter((o) => o.status !== "applied" && o.status !== "rolled_back").length;
  // the schema changed when a migration was applied or rolled back (a failed run's earlier ones too)
  if (!options.rehearse && remaining < ran.outcomes.length) await afterSchemaChange(engine, session);
  await emitRunEnd(engine, report, remaining, options.signal);
  if (failure !== undefined && !options.rehearse) throw failure;
  return report;
}

/** The run's workers; a request the dialect or mode cannot honour is said as a warning. */
function chooseWorkers(engine: Engine, mode: RunMode, requested: number, planned: number): number {
  const { dialect } = engine.target;
  const { workers, warning } = workersFor(engine.policy, mode, requested, planned, runCapabilities(dialect.name, dialect.capabilities));
  if (warning !== null) engine.emit({ type: "log", level: "warn", version: null, message: warning });
  return workers;
}

async function startRun(engine: Engine, options: RunOptions, planned: number, workers: number): Promise<void> {
  const { dialect } = engine.target;
  const startEvent = {
    type: "run:start",
    direction: options.direction,
    planned,
    dialect: dialect.name,
    database: dialect.displayUrl,
    dryRun: options.rehearse ? "rehearse" : false,
    parallel: workers,
  } as const;
  engine.emit(startEvent);
  await callHook("beforeAll", engine.deps.hooks.beforeAll, startEvent);
}

async function settingsOf(engine: Engine, session: Session, steps: readonly PlanStep[], options: RunOptions): Promise<RunSettings> {
  return {
    batch: options.direction === "up" && steps.length > 0 ? await engine.target.history.nextBatch(session.conn) : 0,
    mode: options.mode,
    signal: options.signal,
    dbUser: session.dbUser,
    applied: options.applied,
    rehearsal: options.rehearse,
    recorded: options.recorded,
    ...(session.lockCheck === undefined ? {} : { lockGuard: session.lockCheck }),
    ...(session.lockAssertion === undefined ? {} : { lockAssertion: session.lockAssertion }),
  };
}

/** Per-migration guards (lock_timeout, statement_timeout, lock_wait_timeout), when configured. */
async function applyGuards(engine: Engine, target: Connection): Promise<void> {
  const { migrationLockTimeoutMs, statementTimeoutMs } = engine.policy;
  if (migrationLockTimeoutMs === undefined && statementTimeoutMs === undefined) return;
  await target.setGuards({ lockTimeoutMs: migrationLockTimeoutMs, statementTimeoutMs });
}

/** One step after another on one connection; the first failure skips the rest. */
async function runSerial(engine: Engine, conn: Connection, steps: readonly PlanStep[], settings: RunSettings): Promise<Ran> {
  const outcomes: RunOutcome[] = [];
  const skipRest = (from: number) => {
    for (const step of steps.slice(from)) outcomes.push(outcomeWithout(step, "skipped"));
  };
  for (const [index, step] of steps.entries()) {
    if (settings.signal.aborted) {
      skipRest(index);
      break;
    }
    try {
      outcomes.push(await runStep(engine.ports, conn, step, settings, { index: index + 1, total: steps.length, worker: 1 }));
    } catch (error) {
      outcomes.push(outcomeWithout(step, "failed", error));
      skipRest(index + 1);
      return { outcomes, failure: error, failedIndex: index };
    }
    // a signal that came during the migration is seen before the next one starts (and before
    // the run ends), also with a synchronous driver
    await letTheEventLoopIn();
  }
  return { outcomes, failure: undefined, failedIndex: -1 };
}

/**
 * Runs steps on `workers` connections as their dependencies allow. The first failure is
 * reported after letting running steps finish.
 */
async function runParallel(
  engine: Engine,
  session: Session,
  steps: readonly PlanStep[],
  settings: RunSettings,
  workers: number,
  exclusive: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<Ran> {
  const { dialect } = engine.target;
  const connections: Connection[] = [session.conn];
  try {
    for (let i = 1; i < workers; i++) {
      const extra = await dialect.connect();
      connections.push(extra);
      await applyGuards(engine, extra);
    }
    let index = 0;
    const result = await schedule({
      steps,
      workers,
      exclusive,
      signal: settings.signal,
      run: (step, worker) =>
        runStep(engine.ports, connections[worker - 1] as Connection, step, settings, { index: ++index, total: steps.length, worker }),
      retryAlone: (error, step) =>
        dialect.isRetryable(error) &&
        (runsInTransaction(dialect, step, settings.mode) || (error instanceof MigrationError && error.statementIndex === 1)),
      onSerialised: (waiting, running) =>
        engine.emit({
          type: "log",
          level: "info",
          version: waiting.migration.version,
          message: `${waiting.migration.id} waits for ${running.migration.id}: they touch the same table (conflict), so they do not run side by side`,
        }),
    });
    const outcomes: RunOutcome[] = [];
    let failure: unknown;
    for (const { step, result: r, retried } of result.results) {
      if (r.ok) {
        outcomes.push(r.value);
        if (retried) engine.emit({ type: "log", level: "info", version: step.migration.version, message: `${step.migration.id} succeeded when retried alone` });
      } else {
        failure ??= r.error;
        outcomes.push(outcomeWithout(step, "failed", r.error));
      }
    }
    for (const step of result.notStarted) outcomes.push(outcomeWithout(step, "skipped"));
    return { outcomes, failure, failedIndex: -1 };
  } finally {
    for (const extra of connections.slice(1)) await extra.close().catch(() => undefined);
  }
}

/**
 * Ends the run's one transaction: rolled back after a failure, an abort or a rehearsal (the
 * outcomes then say nothing was applied), committed otherwise. Returns the failure to report.
 */
async function endSingleTransaction(engine: Engine, session: Session, steps: readonly PlanStep[], ran: Ran, options: RunOptions): Promise<unknown> {
  const { conn } = session;
  const { failure } = ran;
  if (failure === undefined && !options.rehearse && !options.signal.aborted) {
    await commitSingle(session);
    return undefined;
  }
  // after a failure the session may be gone, and its transaction with it: the failure is what matters
  await conn.rollback().catch((error: unknown) => {
    if (failure === undefined) throw error;
  });
  for (const outcome of ran.outcomes) {
    if (outcome.status === "applied" || outcome.status === "rolled_back") {
      Object.assign(outcome, { status: options.rehearse ? "dry-run" : "skipped" });
    }
  }
  if (failure === undefined || options.rehearse) return failure;
  return recordSingleFailure(engine, session, steps[ran.failedIndex] as PlanStep, ran.failedIndex, failure);
}

async function commitSingle(session: Session): Promise<void> {
  try {
    await session.lockCheck?.();
    await session.conn.commit();
  } catch (error) {
    if (error instanceof StratumError) {
      await session.conn.rollback().catch(() => undefined);
      throw error;
    }
    throw new TransactionError(`the run's single transaction failed to commit: ${(error as Error).message}`, {
      cause: error,
      fix: "nothing was applied; fix the cause and run again",
    });
  }
}

/** Logs the failed step of a rolled-back single transaction (outside it); returns the failure, said unrecorded when the log could not be written. */
async function recordSingleFailure(engine: Engine, session: Session, step: PlanStep, failedIndex: number, failure: unknown): Promise<unknown> {
  const { dialect, history } = engine.target;
  const entry = instantLog(engine, session.dbUser, {
    operation: step.direction === "up" ? "apply" : "rollback",
    outcome: failure instanceof InterruptedError ? "interrupted" : "failure",
    version: step.migration.version,
    name: step.migration.name,
    checksum: step.migration.checksum,
    error: failure instanceof Error ? failure.message : String(failure),
    details: `single transaction rolled back; ${failedIndex} earlier migration(s) of this run were rolled back too`,
  });
  const lost = failure instanceof MigrationError && sessionLost(dialect, failure.cause);
  // the history tables may have been created inside the transaction just rolled back
  const unrecorded = await writeHistory(engine.ports, lost ? null : session.conn, async (db) => {
    await history.ensureTables(db);
    await history.log(db, entry);
  });
  return unrecorded !== null && failure instanceof StratumError ? notRecorded(failure, unrecorded) : failure;
}
