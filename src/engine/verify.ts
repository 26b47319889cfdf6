// `stratum verify`: on a shadow database, each migration's up → down → up must give back the
// schema it started from (issue 13). The migrations are planned once on the empty shadow; each
// run is a step of that plan, refused as `up` and `down` refuse and written to the history as
// they write it, the history kept in memory between runs (verify-runs.ts; a policy of one
// transaction per run falls back to a whole `up` or `down` per run). All on an engine over the
// shadow, under one lock and on one connection, which the snapshots read too; the comparisons
// and sentences are core/verify.ts.

import type { RunReport, VerifyOptions, VerifyReport } from "../api-types.js";
import { ConfigError, InterruptedError, MigrationError, StratumError } from "../core/errors.js";
import { EventBus } from "../core/events.js";
import { diffSchemas, type SchemaChange } from "../core/schema/diff.js";
import type { SchemaSnapshot } from "../core/schema/model.js";
import type { MigrationFile } from "../core/types.js";
import { versionKey } from "../core/version.js";
import {
  cycleOutcome,
  notVerifiedOutcome,
  notVerifiedReason,
  replayedOutcome,
  replayedVersions,
  runFailedOutcome,
  type ReplayRequest,
  type VerifiedMigration,
  type VerifyRun,
} from "../core/verify.js";
import { downUnderLock } from "./down.js";
import { status } from "./inspect.js";
import { createEngine, ownTables, type Engine, type Policy } from "./ports.js";
import { throwIfAborted, withLock, type Session } from "./session.js";
import { withShadow } from "./shadow.js";
import { upUnderLock } from "./up.js";
import { firstLine, shadowRuns, type ShadowRuns } from "./verify-runs.js";
import { discover, fresh, workspaceOn, type Discovered } from "./workspace.js";

export async function verify(engine: Engine, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const { signal } = options;
  const request = await replayRequest(engine, options);
  throwIfAborted(signal);
  return withShadow(
    engine,
    async (shadow) => {
      const onShadow = createEngine(shadow.target, { ...engine.deps, events: new EventBus() }, shadowPolicy(engine.policy, shadow.database.url));
      const migrations = await verifyOn(engine, onShadow, request, signal);
      return {
        ok: migrations.every((m) => m.outcome !== "failed"),
        shadow: shadow.info,
        migrations,
        durationMs: Math.round(performance.now() - started),
      };
    },
    signal,
  );
}

/** The policy of the engine over the shadow: its URL, no schema file, no drift check or snapshot, nothing to confirm. */
function shadowPolicy(policy: Policy, url: string): Policy {
  const { schemaFile: _schemaFile, ...rest } = policy;
  void _schemaFile;
  return { ...rest, url, driftCheck: "off", recordSchema: false, protected: false };
}

/** What `--from` / `--pending` ask to replay; an unknown `--from` version is refused before a shadow is made. */
async function replayRequest(engine: Engine, options: VerifyOptions): Promise<ReplayRequest> {
  if (options.from !== undefined && options.pending === true) {
    throw new ConfigError("--from and --pending cannot be used together", {
      code: "USAGE",
      fix: "Pass --from <version> to verify what follows that version, or --pending to verify what the target database has not applied.",
    });
  }
  if (options.from !== undefined) {
    const from = options.from;
    const found = await discover(engine);
    if (!found.migrations.some((m) => versionKey(m.version) === versionKey(from) || m.id === from)) {
      throw new ConfigError(`--from ${from} matches no migration in ${engine.policy.dir}`, {
        code: "USAGE",
        fix: "Run `stratum status` to see the versions and pass one of them.",
      });
    }
    return { from };
  }
  if (options.pending !== true) return null;
  // what the real target has applied: read only (a connection error says the target is unreachable)
  const report = await status(engine, options.signal === undefined ? {} : { signal: options.signal });
  return { applied: report.migrations.filter((m) => m.state === "applied" || m.state === "changed").map((m) => m.version) };
}

/** Runs every migration on the shadow in plan order: replayed, applied only, or verified; stops at the first that fails to run. */
async function verifyOn(engine: Engine, shadow: Engine, request: ReplayRequest, signal: AbortSignal | undefined): Promise<VerifiedMigration[]> {
  const { dialect } = shadow.target;
  if (!dialect.capabilities.schemaIntrospection || dialect.describeSchema === undefined) {
    throw new ConfigError(`verify cannot describe the schema of ${engine.target.dialect.displayUrl}`, {
      fix: "Use a database kind whose schema Stratum can describe (SQLite, PostgreSQL, MySQL, MariaDB).",
    });
  }
  // the files are read once: they do not change while verify runs
  const found = await discover(shadow);
  const aborted = signal ?? new AbortController().signal;
  return withLock(
    shadow,
    async (session) => verifyLocked(engine, { engine: shadow, session, found, signal: aborted, runs: await shadowRuns(shadow, session, found, aborted) }, request),
    signal,
  );
}

/** The engine over the shadow, the session holding its run lock, the migrations found. */
interface OnShadow {
  readonly engine: Engine;
  readonly session: Session;
  readonly found: Discovered;
  readonly signal: AbortSignal;
  /** Runs each migration one way from the plan made once (verify-runs.ts); null: each run is an `up` or a `down`. */
  readonly runs: ShadowRuns | null;
}

async function verifyLocked(engine: Engine, shadow: OnShadow, request: ReplayRequest): Promise<VerifiedMigration[]> {
  const ordered = await planned(shadow);
  const replayed = replayedVersions(ordered, request) ?? new Set<string>();
  const results: VerifiedMigration[] = [];
  // said as each migration is done, to whoever listens to the migrator (the CLI prints the report)
  const done = (result: VerifiedMigration): void => {
    results.push(result);
    const message = `${result.outcome}${result.problems.length > 0 ? `: ${result.problems.join("; ")}` : ""}`;
    engine.emit({ type: "progress", version: result.version, done: results.length, total: ordered.length, etaMs: null, message });
  };
  // the snapshot the next cycle starts from: the one after the previous cycle's second up (the same state)
  let before: SchemaSnapshot | null = null;
  for (let index = 0; index < ordered.length; index++) {
    const migration = ordered[index]!;
    throwIfAborted(shadow.signal);
    if (replayed.has(migration.version)) {
      // the migrations replayed one after the other are applied by one up
      let end = index;
      while (end + 1 < ordered.length && replayed.has(ordered[end + 1]!.version)) end++;
      const outcomes = await replay(shadow, ordered.slice(index, end + 1));
      outcomes.forEach(done);
      before = null;
      if (outcomes.some((o) => o.error !== undefined)) break;
      await shadow.runs?.reread();
      index = end;
      continue;
    }
    const reason = notVerifiedReason(migration.options, await hasDown(shadow.engine, migration));
    if (reason !== null) {
      // applied only: not verifiable
      const failed = await attempt(shadow, migration, "up");
      done(failed ?? notVerifiedOutcome(migration, reason));
      before = null;
      if (failed !== null) break;
      continue;
    }
    before ??= await snapshot(shadow);
    const cycle = await cycleOf(shadow, migration, before);
    done(cycle.result);
    if (cycle.result.error !== undefined) break;
    before = cycle.after;
  }
  return results;
}

/** up; snapshot; down; snapshot = before?; up; snapshot = first up's? */
async function cycleOf(
  shadow: OnShadow,
  migration: MigrationFile,
  before: SchemaSnapshot,
): Promise<{ readonly result: VerifiedMigration; readonly after: SchemaSnapshot | null }> {
  const failedUp = await attempt(shadow, migration, "up");
  if (failedUp !== null) return { result: failedUp, after: null };
  const afterUp = await snapshot(shadow);
  const failedDown = await attempt(shadow, migration, "down");
  if (failedDown !== null) return { result: failedDown, after: null };
  const downDifferences: SchemaChange[] = differences(before, await snapshot(shadow));
  const failedReup = await attempt(shadow, migration, "second up", downDifferences);
  if (failedReup !== null) return { result: failedReup, after: null };
  const afterReup = await snapshot(shadow);
  return { result: cycleOutcome(migration, downDifferences, differences(afterUp, afterReup)), after: afterReup };
}

/** What changed from `a` to `b`; none when the dialect gave back the same snapshot (it remembers an unchanged schema's). */
function differences(a: SchemaSnapshot, b: SchemaSnapshot): SchemaChange[] {
  return a === b ? [] : diffSchemas(a, b);
}

/** Every migration in the order `up` applies them on the empty shadow, code migrations' options loaded. */
async function planned(shadow: OnShadow): Promise<MigrationFile[]> {
  const workspace = await workspaceOn(shadow.engine, shadow.session.conn, fresh(shadow.found), { direction: "up" }, { conflicts: false });
  return workspace.steps.map((step) => step.migration);
}

async function hasDown(shadow: Engine, migration: MigrationFile): Promise<boolean> {
  if (migration.kind !== "code") return migration.down !== null;
  return (await shadow.deps.loadCode(migration)).down !== null;
}

/** The shadow's schema, without Stratum's own tables, read on the session's connection. */
async function snapshot(shadow: OnShadow): Promise<SchemaSnapshot> {
  // nothing but verify changes the shadow, made for it: the dialect may give back what it shows is
  // unchanged, and follow the shadow's changes to read only what changed
  return shadow.engine.target.dialect.describeSchema!(shadow.session.conn, { exclude: ownTables(shadow.engine), remember: true, followChanges: true });
}

/**
 * Runs `migration` one way (the next step of an up, the last of a down); null when it ran, else
 * the failed outcome naming the run and the message (`file:line` and the server's message).
 */
async function attempt(
  shadow: OnShadow,
  migration: MigrationFile,
  run: VerifyRun,
  downDifferences: readonly SchemaChange[] = [],
): Promise<VerifiedMigration | null> {
  const { engine, session, found, signal } = shadow;
  if (shadow.runs !== null) return shadow.runs.run(migration, run, downDifferences);
  let report: RunReport;
  try {
    report =
      run === "down"
        ? await downUnderLock(engine, session, found, { direction: "down", step: 1 }, signal)
        : await upUnderLock(engine, session, found, { direction: "up", step: 1 }, signal);
  } catch (error) {
    if (error instanceof InterruptedError || !(error instanceof StratumError)) throw error;
    return runFailedOutcome(migration, run, firstLine(error.message), downDifferences);
  }
  const outcome = report.migrations.find((m) => m.status === "failed");
  if (outcome !== undefined) return runFailedOutcome(migration, run, outcome.error ?? "failed", downDifferences);
  const ran = report.migrations[0];
  if (ran === undefined || versionKey(ran.version) !== versionKey(migration.version)) {
    // the shadow's plan and the order verify follows must agree; anything else is a bug to report
    throw new Error(`verify expected to run ${run} of ${migration.id} on the shadow, but ${ran === undefined ? "nothing ran" : `${ran.version} ran`}`);
  }
  return null;
}

/** Applies `group`, the next migrations of the plan, with one up: replayed, up to one that fails. */
async function replay(shadow: OnShadow, group: readonly MigrationFile[]): Promise<VerifiedMigration[]> {
  let report: RunReport | null = null;
  let failure: { readonly version: string | null; readonly message: string } | null = null;
  try {
    report = await upUnderLock(shadow.engine, shadow.session, shadow.found, { direction: "up", step: group.length }, shadow.signal);
    const failed = report.migrations.find((m) => m.status === "failed");
    if (failed !== undefined) failure = { version: failed.version, message: failed.error ?? "failed" };
  } catch (error) {
    if (error instanceof InterruptedError || !(error instanceof StratumError)) throw error;
    failure = { version: error instanceof MigrationError ? error.version : null, message: firstLine(error.message) };
  }
  // what ran: the report says; a run that threw names the migration that failed, those before it ran
  const failedAt = failure?.version == null ? -1 : group.findIndex((m) => versionKey(m.version) === versionKey(failure.version!));
  const ran =
    report !== null
      ? new Set(report.migrations.filter((m) => m.status === "applied").map((m) => versionKey(m.version)))
      : new Set(group.slice(0, Math.max(failedAt, 0)).map((m) => versionKey(m.version)));
  const outcomes: VerifiedMigration[] = [];
  for (const migration of group) {
    if (ran.has(versionKey(migration.version))) {
      outcomes.push(replayedOutcome(migration));
      continue;
    }
    // the shadow's plan and the order verify follows must agree; anything else is a bug to report
    if (failure === null) throw new Error(`verify expected to replay ${migration.id} on the shadow, but it did not run`);
    outcomes.push(runFailedOutcome(migration, "up", failure.message));
    break;
  }
  return outcomes;
}

