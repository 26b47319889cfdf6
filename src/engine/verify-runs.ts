// verify's runs on its shadow (issue 13): each migration's up, down and second up, as steps of
// the plan verify made once. Nothing but verify writes to the shadow, so its history is kept in
// memory between runs (applied and recorded versions, the next batch) instead of being read and
// planned again before each one: a run is the migration's own round trip(s) and its history rows,
// refused before it runs as `up` and `down` refuse (preflight, reversibility, transaction control),
// with the same events and hooks as a run of one migration.

import type { RunOutcome } from "../api-types.js";
import { AppliedVersions } from "../core/applied-versions.js";
import { InterruptedError, StratumError, ValidationError } from "../core/errors.js";
import { letTheEventLoopIn } from "../core/event-loop.js";
import { decideRun, defaultMode, runCapabilities, type RunDecision } from "../core/run-policy.js";
import type { MigrationFile, PlanStep } from "../core/types.js";
import { runFailedOutcome, type VerifiedMigration, type VerifyRun } from "../core/verify.js";
import type { SchemaChange } from "../core/schema/diff.js";
import { versionKey } from "../core/version.js";
import { callHook } from "./hooks.js";
import type { Engine } from "./ports.js";
import { checkReversible, preflight, refuseStatic } from "./prepare.js";
import { emitRunEnd, outcomeWithout, reportOf } from "./report.js";
import { throwIfAborted, type Session } from "./session.js";
import { runStep, type RunSettings } from "./step.js";
import { appliedSet, readHistory, recordedSet, type Discovered } from "./workspace.js";

type Run = Extract<RunDecision, { kind: "run" }>;

/** Runs one migration one way on the shadow: null when it ran, else the failed outcome (the run's first line). */
export type ShadowRun = (migration: MigrationFile, run: VerifyRun, downDifferences?: readonly SchemaChange[]) => Promise<VerifiedMigration | null>;

export interface ShadowRuns {
  readonly run: ShadowRun;
  /** Reads the history again, after runs that did not go through `run` (a replay by `up`). */
  readonly reread: () => Promise<void>;
}

/**
 * The runner, or null when the policy runs migrations in ways only a whole `up` runs them (one
 * transaction for the run, a rehearsal): verify then runs each step as `up` and `down` do.
 */
export async function shadowRuns(engine: Engine, session: Session, found: Discovered, signal: AbortSignal): Promise<ShadowRuns | null> {
  const { dialect, history } = engine.target;
  const capabilities = runCapabilities(dialect.name, dialect.capabilities);
  const up = decideRun(engine.policy, { direction: "up" }, capabilities);
  const down = decideRun(engine.policy, { direction: "down" }, capabilities);
  if (up.kind !== "run" || down.kind !== "run" || up.mode === "all" || up.single || up.rehearse || down.mode === "all") return null;
  const { conn } = session;
  await history.ensureTables(conn);
  const { migrationLockTimeoutMs, statementTimeoutMs } = engine.policy;
  if (migrationLockTimeoutMs !== undefined || statementTimeoutMs !== undefined) {
    await conn.setGuards({ lockTimeoutMs: migrationLockTimeoutMs, statementTimeoutMs });
  }
  const state = { applied: new AppliedVersions([]), recorded: new Set<string>(), batch: 1 };
  const reread = async (): Promise<void> => {
    const rows = await readHistory(engine, conn, { migrations: found.migrations, problems: [] });
    state.applied = appliedSet(rows);
    state.recorded = new Set(recordedSet(rows));
    state.batch = await history.nextBatch(conn);
  };
  await reread();

  const run: ShadowRun = async (migration, run, downDifferences = []) => {
    const direction = run === "down" ? "down" : "up";
    const decision = direction === "down" ? down : up;
    try {
      const step = await refused(engine, session, { direction, migration, reason: `verify: ${run}`, after: [] }, decision);
      await runOne(engine, session, step, decision, state, signal);
    } catch (error) {
      if (error instanceof InterruptedError || !(error instanceof StratumError)) throw error;
      return runFailedOutcome(migration, run, firstLine(error.message), downDifferences);
    }
    if (direction === "up") {
      state.batch++;
      state.recorded.add(versionKey(migration.version));
    }
    return null;
  };
  return { run, reread };
}

/** The step as the run would run it, or the refusal `up` (preflight) or `down` (reversible, SQL it can run) throws. */
async function refused(engine: Engine, session: Session, step: PlanStep, decision: Run): Promise<PlanStep> {
  if (step.direction === "up") {
    const problems = await preflight(engine, session.conn, [step], decision.checkMode);
    if (problems.length > 0) throw new ValidationError(problems);
    return step;
  }
  const steps = await checkReversible(engine, [step]);
  refuseStatic(engine, steps, defaultMode(engine.policy.transaction));
  return steps[0] ?? step;
}

/** One step, as `runSteps` runs a plan of one serially: its events and hooks, its history rows. Throws its failure. */
async function runOne(
  engine: Engine,
  session: Session,
  step: PlanStep,
  decision: Run,
  state: { readonly applied: AppliedVersions; readonly recorded: ReadonlySet<string>; readonly batch: number },
  signal: AbortSignal,
): Promise<void> {
  // a signal that came while the run was being prepared is seen before the migration
  await letTheEventLoopIn();
  throwIfAborted(signal);
  const started = performance.now();
  const { dialect } = engine.target;
  const startEvent = {
    type: "run:start",
    direction: step.direction,
    planned: 1,
    dialect: dialect.name,
    database: dialect.displayUrl,
    dryRun: false,
    parallel: 1,
  } as const;
  engine.emit(startEvent);
  await callHook("beforeAll", engine.deps.hooks.beforeAll, startEvent);
  const settings: RunSettings = {
    batch: step.direction === "up" ? state.batch : 0,
    mode: decision.mode,
    signal,
    dbUser: session.dbUser,
    applied: state.applied,
    rehearsal: false,
    recorded: state.recorded,
    ...(session.lockCheck === undefined ? {} : { lockGuard: session.lockCheck }),
    ...(session.lockAssertion === undefined ? {} : { lockAssertion: session.lockAssertion }),
  };
  let failure: unknown;
  let outcome: RunOutcome;
  try {
    outcome = await runStep(engine.ports, session.conn, step, settings, { index: 1, total: 1, worker: 1 });
  } catch (error) {
    failure = error;
    outcome = outcomeWithout(step, "failed", error);
  }
  const report = reportOf(step.direction, [outcome], started, { backup: null, dryRun: false, warnings: [] });
  await emitRunEnd(engine, report, failure === undefined ? 0 : 1, signal);
  if (failure !== undefined) throw failure;
}

export function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
