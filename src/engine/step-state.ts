import type { Connection, LockAssertion } from "../dialects/dialect.js";
import type { StateChange } from "../history/history-store.js";
import type { AppliedVersions } from "../core/applied-versions.js";
import type { LoadedCode } from "../core/context.js";
import type { AppliedMigration, LogEntry, MigrationFile, PlanStep, Statement } from "../core/types.js";
import { versionKey } from "../core/version.js";
import type { Deps, Target } from "./ports.js";
import { runsInTransaction } from "./step-transaction.js";

/** What a step awaits: the target's dialect and history, and the engine's surroundings (one definition: Deps). */
export type ExecutorPorts = Pick<Target, "dialect" | "history"> & Deps;

export interface RunSettings {
  readonly batch: number;
  /** `each`: one transaction per migration; `all`: the caller holds one transaction; `none`: none. */
  readonly mode: "each" | "all" | "none";
  readonly signal: AbortSignal;
  readonly dbUser: string | null;
  /** Versions applied before the run, kept current as steps finish (for `recordHead`). */
  readonly applied: AppliedVersions;
  /** Do not write the log (rehearsals leave no trace). */
  readonly rehearsal?: boolean;
  /** Versions (as canonical integers) that have a state row: a fresh apply inserts, a re-apply replaces. */
  readonly recorded?: ReadonlySet<string>;
  /** Throws when the run lock was lost; awaited before each migration commits. */
  readonly lockGuard?: () => Promise<void>;
  /** The lock check as a statement, run in a batched migration's own transaction instead. */
  readonly lockAssertion?: LockAssertion;
}

export interface StepPosition {
  readonly index: number;
  readonly total: number;
  readonly worker: number;
}

/** One step being run: what it is, where, and how far it got. */
export interface StepState {
  readonly ports: ExecutorPorts;
  readonly conn: Connection;
  readonly step: PlanStep;
  readonly settings: RunSettings;
  readonly migration: MigrationFile;
  readonly direction: PlanStep["direction"];
  /** The file the step runs (a down file when the migration has one). */
  readonly file: string;
  /** Whether the step runs inside a transaction (its own or the run's). */
  readonly inTx: boolean;
  readonly startedAt: string;
  readonly started: number;
  readonly code: LoadedCode | null;
  readonly baseRow: AppliedMigration;
  statementsDone: number;
  /** Set once a step outside a transaction has recorded that it started: a failure leaves it dirty. */
  startRecorded: boolean;
  /** What the step was doing, for a failure outside a statement. */
  phase: string;
  /** The lock check running while the step runs (none when its batch asserts the lock itself). */
  guard: Promise<void> | undefined;
  /** Aborts a code migration's `ctx.signal`; set once its context exists. */
  controller: AbortController | undefined;
  readonly abortWith: () => void;
}

export const nowIso = () => new Date().toISOString();

export { runsInTransaction };

export function stepState(ports: ExecutorPorts, conn: Connection, step: PlanStep, settings: RunSettings, code: LoadedCode | null): StepState {
  const migration = step.migration;
  const direction = step.direction;
  const state: StepState = {
    ports,
    conn,
    step,
    settings,
    migration,
    direction,
    file: migration.files[direction === "down" && migration.files.length > 1 ? 1 : 0] ?? migration.id,
    inTx: runsInTransaction(ports.dialect, step, settings.mode),
    startedAt: nowIso(),
    started: performance.now(),
    code,
    baseRow: {
      version: migration.version,
      name: migration.name,
      checksum: migration.checksum,
      state: "running",
      appliedAt: null,
      durationMs: null,
      batch: settings.batch,
      appliedBy: settings.dbUser,
      statementsDone: 0,
      dependsOn: migration.options.dependsOn,
      error: null,
    },
    statementsDone: 0,
    startRecorded: false,
    phase: "running",
    guard: undefined,
    controller: undefined,
    abortWith: () => state.controller?.abort(settings.signal.reason),
  };
  return state;
}

export function logEntry(s: StepState, outcome: LogEntry["outcome"], error: string | null): LogEntry {
  const durationMs = performance.now() - s.started;
  return {
    version: s.migration.version,
    name: s.migration.name,
    operation: s.direction === "up" ? "apply" : "rollback",
    outcome,
    startedAt: s.startedAt,
    finishedAt: nowIso(),
    durationMs,
    checksum: s.migration.checksum,
    error,
    host: s.ports.identity.host,
    dbUser: s.settings.dbUser,
    toolVersion: s.ports.identity.toolVersion,
    details: null,
  };
}

export function emitStatement(s: StepState, scriptFile: string, statement: Statement, i: number, count: number): void {
  s.ports.events.emit({
    type: "statement",
    version: s.migration.version,
    index: i + 1,
    count,
    location: `${scriptFile}:${statement.line}`,
    sql: statement.text,
    dryRun: false,
  });
}

/** The state row's change when the step succeeds; keeps `settings.applied` current. */
export function successChange(s: StepState): StateChange {
  const { migration, settings } = s;
  const durationMs = Math.round(performance.now() - s.started);
  const appliedRow: AppliedMigration = { ...s.baseRow, state: "applied", appliedAt: nowIso(), durationMs, statementsDone: s.statementsDone };
  // A first apply inserts: if another run's COMMIT of the same migration is still landing, the
  // primary key makes this one wait for it and fail instead of applying it twice.
  const fresh = s.inTx && !(settings.recorded?.has(versionKey(migration.version)) ?? true);
  if (s.direction === "up") settings.applied.add(migration.version);
  else settings.applied.delete(migration.version);
  return s.direction === "up"
    ? fresh
      ? { kind: "insert", row: appliedRow }
      : { kind: "write", row: appliedRow }
    : { kind: "state", version: migration.version, state: "rolled_back", fields: { durationMs, statementsDone: 0, error: null } };
}

/** Puts `settings.applied` back after a step that did not commit. */
export function undoApplied(s: StepState): void {
  if (s.direction === "up") s.settings.applied.delete(s.migration.version);
  else s.settings.applied.add(s.migration.version);
}

/** Pauses at `point` of this migration when a test asked for it. */
export function checkpoint(s: StepState, point: string): Promise<void> {
  return s.ports.faults.at(point, s.migration.version);
}
