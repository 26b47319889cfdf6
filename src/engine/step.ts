import type { Connection, Dialect } from "../dialects/dialect.js";
import type { RunOutcome } from "../api-types.js";
import { InterruptedError, MigrationError, StratumError } from "../core/errors.js";
import type { PlanStep } from "../core/types.js";
import { forgetFacts } from "../sql/analysis/cache.js";
import { callHook } from "./hooks.js";
import { notRecorded, recordFailure, writeHistory } from "./history-write.js";
import { runMigrationBatch, type MigrationBatch } from "./step-batch.js";
import { errorText, lost, stepError } from "./step-failure.js";
import { runWithoutTransaction } from "./step-no-tx.js";
import { runOwnTransaction } from "./step-own-tx.js";
import { runInRunTransaction } from "./step-run-tx.js";
import { stepTransaction } from "./step-transaction.js";
import { scriptOf, statementCount, statementsOf } from "./step-sql.js";
import { logEntry, runsInTransaction, stepState, type ExecutorPorts, type RunSettings, type StepPosition, type StepState } from "./step-state.js";

export { callHook, notRecorded, runsInTransaction, scriptOf, statementsOf, writeHistory };
export type { ExecutorPorts, RunSettings, StepPosition };

/**
 * How a step runs. `batch`: BEGIN, script, history rows and COMMIT in one round trip; `own-tx`:
 * a transaction of its own, statement by statement; `run-tx`: inside the run's single
 * transaction; `no-tx`: outside any transaction, its progress recorded as it goes.
 */
export type StepStrategy =
  | { readonly kind: "batch"; readonly batch: MigrationBatch }
  | { readonly kind: "own-tx" }
  | { readonly kind: "run-tx" }
  | { readonly kind: "no-tx" };

/** The one place a step's execution path is chosen. `code`: whether it is a code migration. */
export function chooseStrategy(dialect: Dialect, conn: Connection, step: PlanStep, settings: RunSettings, code: boolean): StepStrategy {
  const migration = step.migration;
  if (!runsInTransaction(dialect, step, settings.mode)) return { kind: "no-tx" };
  if (settings.mode !== "each") return { kind: "run-tx" };
  const script = code ? null : scriptOf(step);
  const clock = dialect.capabilities.batchRoundTrip ? dialect.serverClock : undefined;
  const execBatch = conn.execBatch;
  // a rehearsal writes no log; a head row and verify queries need round trips of their own
  const general = settings.rehearsal === true || dialect.capabilities.headVersion || (step.direction === "up" && migration.verify !== null);
  if (general || script === null || clock === undefined || execBatch === undefined) return { kind: "own-tx" };
  return { kind: "batch", batch: { script, clock, execBatch } };
}

function runStrategy(s: StepState, strategy: StepStrategy): Promise<void> {
  switch (strategy.kind) {
    case "batch":
      return runMigrationBatch(s, strategy.batch);
    case "own-tx":
      return runOwnTransaction(s);
    case "run-tx":
      return runInRunTransaction(s);
    case "no-tx":
      return runWithoutTransaction(s);
  }
}

/** Runs one step on `conn`, writing history. Throws MigrationError/SchemaError on failure. */
export async function runStep(ports: ExecutorPorts, conn: Connection, step: PlanStep, settings: RunSettings, position: StepPosition): Promise<RunOutcome> {
  const { migration, direction } = step;
  const file = migration.files[direction === "down" && migration.files.length > 1 ? 1 : 0] ?? migration.id;
  const how = stepTransaction(ports.dialect, step, settings.mode);
  const startEvent = {
    type: "migration:start",
    direction,
    version: migration.version,
    name: migration.name,
    file,
    index: position.index,
    total: position.total,
    worker: position.worker,
    ...(how.outside === null ? {} : { outsideTransaction: how.outside }),
  } as const;
  if (how.automatic !== null) {
    ports.events.emit({ type: "log", level: "info", version: migration.version, message: `${migration.id} runs outside a transaction (${how.automatic})` });
  }
  ports.events.emit(startEvent);
  const code = migration.kind === "code" ? await ports.loadCode(migration) : null;
  const s = stepState(ports, conn, step, settings, code);
  const strategy = chooseStrategy(ports.dialect, conn, step, settings, code !== null);
  // the lock check runs on the lock's own connection while this migration runs, or inside a
  // batched migration's transaction
  s.guard = strategy.kind === "batch" && settings.lockAssertion !== undefined ? undefined : settings.lockGuard?.();
  s.guard?.catch(() => undefined);
  try {
    await callHook("beforeEach", ports.hooks.beforeEach, startEvent);
    if (!s.inTx) await s.guard; // nothing can be undone later: check before the first statement
    await runStrategy(s, strategy);
  } catch (caught) {
    throw await failStep(s, caught, position);
  }
  settings.signal.removeEventListener("abort", s.abortWith);
  // what was read of its statements is not needed again: a run of thousands keeps only what is to come
  if (migration.kind !== "code") {
    forgetFacts(migration.up);
    forgetFacts(migration.down);
  }
  const durationMs = Math.round(performance.now() - s.started);
  const endEvent = { type: "migration:end", direction, version: migration.version, name: migration.name, durationMs, worker: position.worker } as const;
  ports.events.emit(endEvent);
  await callHook("afterEach", ports.hooks.afterEach, endEvent);
  return { version: migration.version, name: migration.name, direction, status: direction === "up" ? "applied" : "rolled_back", durationMs };
}

/** A failed step: its error restated, recorded in the history, announced; returns the error to throw. */
async function failStep(s: StepState, caught: unknown, position: StepPosition): Promise<StratumError> {
  const { ports, settings, migration } = s;
  // outside a transaction, what ran stays: the state row says failed (dirty) and counts it
  const dirty = s.startRecorded && settings.mode !== "all";
  // a driver error outside a statement (a lost connection while recording or committing)
  let error: StratumError = stepError(s, caught, dirty, () => statementCount(s));
  settings.signal.removeEventListener("abort", s.abortWith);
  const message = errorText(error);
  const durationMs = Math.round(performance.now() - s.started);
  if (!settings.rehearsal && settings.mode !== "all") {
    // a migration's own failure carries the driver's error as its cause; a lock or hook error is not this session's
    const sessionLost = caught instanceof StratumError ? caught instanceof MigrationError && lost(s, caught.cause) : lost(s, caught);
    const entry = logEntry(s, error instanceof InterruptedError ? "interrupted" : "failure", message);
    const unrecorded = await recordFailure(ports, sessionLost ? null : s.conn, migration, s.inTx, s.statementsDone, message, entry);
    if (unrecorded !== null) error = notRecorded(error, unrecorded);
  }
  const failure = {
    type: "migration:error",
    direction: s.direction,
    version: migration.version,
    name: migration.name,
    durationMs,
    worker: position.worker,
    dirty,
    error: {
      code: error.code,
      message: errorText(error),
      location: error instanceof MigrationError ? (error.location ?? null) : null,
    },
  } as const;
  ports.events.emit(failure);
  await callHook("onError", ports.hooks.onError, failure).catch(() => undefined);
  return error;
}
