// One target's run: a Migrator over the target's configuration, the operation, its outcome as a
// TargetResult (with the file:line of a failed migration), the Migrator closed whatever happened.
// `runFleet` composes it with target resolution and the scheduler: the library's fleet entry.

import type {
  DownOptions,
  DriftOptions,
  Migrator,
  PlanOptions,
  RunReport,
  UpOptions,
  ValidateOptions,
} from "../api-types.js";
import type { ResolvedConfig } from "../config/types.js";
import { EXIT, MigrationError, StratumError } from "../core/errors.js";
import { interruptible } from "../core/interruptible.js";
import { createMigratorFromConfig } from "../migrator.js";
import { redactUrl } from "../text/redact.js";
import { runTargets, type SchedulerOptions, type TargetOperation, type TargetRunResult } from "./run.js";
import { configForTarget, resolveTargets } from "./targets.js";
import type { FleetEvent, FleetOperation, FleetSummary, FleetTarget, TargetSelection } from "./types.js";

/** The operation each target runs, with its options (the signal is the fleet's, per target). */
export type FleetRequest =
  | { readonly operation: "up"; readonly options?: Omit<UpOptions, "signal"> }
  | { readonly operation: "down"; readonly options?: Omit<DownOptions, "signal"> }
  | { readonly operation: "status"; readonly options?: undefined }
  | { readonly operation: "validate"; readonly options?: Omit<ValidateOptions, "signal"> }
  | { readonly operation: "plan"; readonly options: Omit<PlanOptions, "signal"> }
  | { readonly operation: "drift"; readonly options?: Omit<DriftOptions, "signal"> };

export interface TargetOperationOptions {
  /**
   * Keep each operation's report in `TargetResult.detail` (for `--json`); `"states"`: for `status`
   * only each migration's `{ version, name, state }` (what a targets × versions view needs, small);
   * off, only the counts are kept.
   */
  readonly keepDetail?: boolean | "states";
  /** How a target's Migrator is made (default: createMigratorFromConfig). */
  readonly createMigrator?: (config: ResolvedConfig) => Migrator;
}

/** What one operation found, before it becomes a TargetResult. */
type Found = Omit<TargetRunResult, "outcome">;

/** One target's run of `request` over `config` (the fleet's), as the scheduler calls it. */
export function targetOperation(config: ResolvedConfig, request: FleetRequest, options: TargetOperationOptions = {}): TargetOperation {
  const open = options.createMigrator ?? ((resolved: ResolvedConfig) => createMigratorFromConfig(resolved));
  const keep = options.keepDetail ?? false;
  return async (target, context) => {
    let migrator: Migrator;
    try {
      migrator = open(configForTarget(config, target));
    } catch (error) {
      // the target's own configuration refused (a schema that cannot be placed, a bad URL)
      return { ...failureOf(error, undefined), outcome: "failed" };
    }
    // the failure's place, from the event (a failure the report holds is not thrown)
    let failedAt: FailedAt | undefined;
    let remaining: number | undefined;
    let stoppedBy: string | null = null;
    // what a run that then throws had done: counted from its events
    let dryRun: boolean | "rehearse" = false;
    let ended = 0;
    let lastUp: string | undefined;
    const unsubscribe = migrator.on((event) => {
      if (event.type === "migration:start") context.migration(`${event.version}_${event.name}`);
      else if (event.type === "run:start") dryRun = event.dryRun;
      else if (event.type === "migration:end" && dryRun === false) {
        ended += 1;
        lastUp = event.direction === "up" ? event.version : undefined;
      } else if (event.type === "migration:error") {
        failedAt = { message: firstLine(event.error.message), location: event.error.location ?? undefined, code: event.error.code };
      } else if (event.type === "run:end") {
        remaining = event.remaining;
        stoppedBy = event.interrupted;
      }
    });
    let result: TargetRunResult;
    try {
      const found = await perform(migrator, request, context.signal, keep, () => ({ failedAt, remaining, interrupted: stoppedBy !== null }));
      result = { ...found, outcome: found.exitCode === EXIT.ok ? "ok" : "failed" };
    } catch (error) {
      const done = ended > 0 ? { changed: ended, ...(lastUp === undefined ? {} : { version: lastUp }) } : {};
      result = { ...failureOf(error, failedAt), ...done, outcome: "failed" };
    } finally {
      unsubscribe();
    }
    try {
      await migrator.close();
    } catch (error) {
      // a close that fails after a failure changes nothing; after success it is this target's failure
      if (result.outcome === "ok") result = { ...failureOf(error, undefined), outcome: "failed" };
    }
    return result;
  };
}

/** The failure a `migration:error` event reported. */
interface FailedAt {
  readonly message: string;
  readonly location: string | undefined;
  readonly code: string;
}

type Seen = () => {
  failedAt: FailedAt | undefined;
  remaining: number | undefined;
  interrupted: boolean;
};

async function perform(migrator: Migrator, request: FleetRequest, signal: AbortSignal, keep: boolean | "states", seen: Seen): Promise<Found> {
  const detail = (value: unknown): { detail?: unknown } => (keep === true ? { detail: value } : {});
  switch (request.operation) {
    case "up":
      return ranResult(await migrator.up({ ...request.options, signal }), seen(), detail);
    case "down":
      return ranResult(await migrator.down({ ...request.options, signal }), seen(), detail);
    case "status": {
      const report = await interruptible(migrator.status({ signal }), signal);
      const applied = report.migrations.filter((entry) => entry.state === "applied");
      const version = applied.at(-1)?.version;
      const states = keep === "states" ? { detail: { migrations: report.migrations.map(({ version: v, name, state }) => ({ version: v, name, state })) } } : {};
      return { exitCode: EXIT.ok, changed: 0, pending: report.pending, ...(version === undefined ? {} : { version }), ...detail(report), ...states };
    }
    case "validate": {
      const report = await interruptible(migrator.validate({ ...request.options, signal }), signal);
      const strict = request.options?.strict === true;
      const failing = report.problems.filter((problem) => problem.severity === "error" || strict);
      const failed = !report.ok || failing.length > 0;
      const first = failing[0] ?? report.problems[0];
      const error = failed ? { error: { message: first === undefined ? "validation failed" : first.message, ...locationOf(first?.files) } } : {};
      return { exitCode: failed ? EXIT.validation : EXIT.ok, changed: 0, ...error, ...detail(report) };
    }
    case "plan": {
      const plan = await interruptible(migrator.plan({ ...request.options, signal }), signal);
      return { exitCode: EXIT.ok, changed: 0, pending: plan.steps.length, ...detail(plan) };
    }
    case "drift": {
      const report = await interruptible(migrator.drift({ ...request.options, signal }), signal);
      const failed = report.drifted || !report.checked;
      const error = failed ? { error: { message: report.sentences[0] ?? "the schema drifted" } } : {};
      return { exitCode: failed ? EXIT.validation : EXIT.ok, changed: 0, ...error, ...detail(report) };
    }
  }
}

/** An up or down run's result: what changed, where it stands, and where it failed. */
function ranResult(report: RunReport, seen: ReturnType<Seen>, detail: (value: unknown) => { detail?: unknown }): Found {
  const done = report.migrations.filter((outcome) => outcome.status === "applied" || outcome.status === "rolled_back");
  const changed = report.dryRun === false ? done.length : 0;
  const last = report.direction === "up" ? done.at(-1)?.version : undefined;
  const base = {
    changed,
    ...(last === undefined || changed === 0 ? {} : { version: last }),
    ...(seen.remaining === undefined ? {} : { pending: report.direction === "up" ? seen.remaining : 0 }),
    ...detail(report),
  };
  if (report.ok && !seen.interrupted) return { exitCode: EXIT.ok, ...base };
  const failed = report.migrations.find((outcome) => outcome.status === "failed");
  if (seen.failedAt === undefined && failed === undefined) {
    // interrupted with nothing failing on its own: stopped between migrations
    return { exitCode: EXIT.interrupted, ...base, error: { message: "interrupted before the next migration" } };
  }
  const message = seen.failedAt?.message ?? (failed?.error === undefined ? "a migration failed" : firstLine(failed.error));
  const location = seen.failedAt?.location;
  const code = seen.failedAt?.code === "INTERRUPTED" ? EXIT.interrupted : EXIT.migrationFailed;
  return { exitCode: code, ...base, error: { message, ...(location === undefined ? {} : { location }) } };
}

/** A thrown error as this target's failure: its exit code, first sentence and place. */
function failureOf(error: unknown, failedAt: FailedAt | undefined): Found {
  if (error instanceof StratumError) {
    const location = error instanceof MigrationError ? (error.location ?? failedAt?.location) : undefined;
    return { exitCode: error.exitCode, changed: 0, error: { message: firstLine(error.message), ...(location === undefined ? {} : { location }) } };
  }
  // not Stratum's own words: a driver's message may hold a URL
  const message = redactUrl(error instanceof Error ? error.message : String(error));
  return { exitCode: 1, changed: 0, error: { message: firstLine(message) } };
}

function locationOf(files: readonly string[] | undefined): { location?: string } {
  const first = files?.[0];
  return first === undefined ? {} : { location: first };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}



export interface RunFleetOptions extends TargetOperationOptions {
  /** Which targets (`--target`, `--all-targets`); or `targets`, already resolved. */
  readonly selection?: TargetSelection;
  readonly targets?: readonly FleetTarget[];
  /** At most this many targets at once (default 4). */
  readonly concurrency?: number;
  readonly canary?: number;
  readonly failFast?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: FleetEvent) => void;
  readonly clock?: () => number;
}

/** The default `concurrency` of a fleet run. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * Runs `request` (up, down, status, validate, plan, drift) over a fleet: each target with its own
 * Migrator (connection, lock, history), at most `concurrency` at once. Returns the summary; each
 * target's result goes to `onEvent` (`target-end`) and is not kept.
 */
export async function runFleet(config: ResolvedConfig, request: FleetRequest, options: RunFleetOptions = {}): Promise<FleetSummary> {
  const targets = options.targets ?? (await resolveTargets(config, options.selection ?? { patterns: [], all: true }));
  const scheduler: SchedulerOptions = {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    operation: request.operation as FleetOperation,
    ...(options.canary === undefined ? {} : { canary: options.canary }),
    ...(options.failFast === undefined ? {} : { failFast: options.failFast }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
  return runTargets(targets, targetOperation(config, request, options), scheduler);
}
