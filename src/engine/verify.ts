// `stratum verify`: on a shadow database, each migration's up → down → up must give back the
// schema it started from (issue 13). The migrations are planned once on the empty shadow; each
// run is a step of that plan, refused as `up` and `down` refuse and written to the history as
// they write it, the history kept in memory between runs (verify-runs.ts; a policy of one
// transaction per run falls back to a whole `up` or `down` per run). All on an engine over the
// shadow, under one lock and on one connection, which the snapshots read too; a long set is split
// in parts, each on a shadow of its own (verifyParts; the split points are core/verify-split.ts).
// The comparisons and sentences are core/verify.ts.

import { availableParallelism } from "node:os";
import type { RunReport, VerifyOptions, VerifyReport } from "../api-types.js";
import { ConfigError, InterruptedError, MigrationError, StratumError } from "../core/errors.js";
import { EventBus } from "../core/events.js";
import { diffSchemas, type SchemaChange } from "../core/schema/diff.js";
import type { SchemaSnapshot } from "../core/schema/model.js";
import type { MigrationFile } from "../core/types.js";
import { versionKey } from "../core/version.js";
import { PARALLEL_MAX, splitBounds } from "../core/verify-split.js";
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
import { withShadow, type SecondShadow } from "./shadow.js";
import { upUnderLock } from "./up.js";
import { firstLine, shadowRuns, type ShadowRuns } from "./verify-runs.js";
import { discover, fresh, workspaceOn, type Discovered } from "./workspace.js";

export async function verify(engine: Engine, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const { signal } = options;
  const parts = partsOf(options);
  const request = await replayRequest(engine, options);
  throwIfAborted(signal);
  return withShadow(
    engine,
    async (shadow) => {
      const onShadow = createEngine(shadow.target, { ...engine.deps, events: new EventBus() }, shadowPolicy(engine.policy, shadow.database.url));
      const migrations = await verifyOn(engine, onShadow, request, signal, shadow.another, parts);
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

/** How many parts the set may be split in: `parallel`, checked, else one per core and at most two. */
function partsOf(options: VerifyOptions): number {
  const { parallel } = options;
  if (parallel === undefined) return Math.max(1, Math.min(2, availableParallelism()));
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > PARALLEL_MAX) {
    throw new ConfigError(`--parallel expects an integer from 1 to ${PARALLEL_MAX}, got ${String(parallel)}`, {
      code: "USAGE",
      fix: `Pass --parallel 1 to verify on one shadow database, or up to ${PARALLEL_MAX} to split the set across that many.`,
    });
  }
  return parallel;
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

/**
 * Runs every migration on the shadow in plan order: replayed, applied only, or verified; stops at
 * the first that fails to run. A long set is split in parts where the dialect makes more shadows
 * (verifyParts).
 */
async function verifyOn(
  engine: Engine,
  shadow: Engine,
  request: ReplayRequest,
  signal: AbortSignal | undefined,
  another: (() => Promise<SecondShadow>) | undefined,
  parts: number,
): Promise<VerifiedMigration[]> {
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
    async (session) => {
      const first: OnShadow = { engine: shadow, session, found, signal: aborted, runs: await shadowRuns(shadow, session, found, aborted) };
      const ordered = await planned(first);
      const replayed = replayedVersions(ordered, request) ?? new Set<string>();
      const say = progressSayer(engine, ordered.length);
      const range: Range = { ordered, replayed, from: 0, to: ordered.length };
      const bounds = first.runs === null || hasHooks(engine) ? null : splitBounds(ordered, replayed, parts);
      if (bounds === null || another === undefined) return (await verifyRange(first, range, say)).results;
      return verifyParts(engine, first, another, range, bounds, say);
    },
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

/** The migrations in plan order, those only replayed, and the part [from, to) to go through. */
interface Range {
  readonly ordered: readonly MigrationFile[];
  readonly replayed: ReadonlySet<string>;
  readonly from: number;
  readonly to: number;
}

/** User hooks run on verify's runs too: with hooks, the runs stay one after the other. */
function hasHooks(engine: Engine): boolean {
  return Object.values(engine.deps.hooks).some((hook) => hook !== undefined);
}

/** Says each migration's result as a progress event, counting them (verifyParts says a later part's once those before it are said). */
function progressSayer(engine: Engine, total: number): (result: VerifiedMigration) => void {
  let said = 0;
  return (result) => {
    said++;
    const message = `${result.outcome}${result.problems.length > 0 ? `: ${result.problems.join("; ")}` : ""}`;
    engine.emit({ type: "progress", version: result.version, done: said, total, etaMs: null, message });
  };
}

type PartOutcome = { readonly done: Done | null; readonly held: VerifiedMigration[] } | { readonly error: unknown; readonly held: VerifiedMigration[] };

/**
 * The set split at `bounds` (splitBounds): the first shadow verifies the first part; each other
 * part is verified meanwhile on a shadow made for it, after one `up` replays what comes before
 * it. Parts are taken in order: what a part finds is kept only when every part before it went
 * through, since a migration that fails to run ends verify there, as on one shadow. A part whose
 * shadow cannot be made, locked or replayed is verified on the first shadow after the others,
 * which first replays what it has not applied.
 */
async function verifyParts(
  engine: Engine,
  first: OnShadow,
  another: () => Promise<SecondShadow>,
  range: Range,
  bounds: readonly number[],
  say: (result: VerifiedMigration) => void,
): Promise<VerifiedMigration[]> {
  // the other parts stop with the caller's signal, or once the first part says they are not needed
  const stop = new AbortController();
  const { signal } = stop;
  const followCaller = () => stop.abort(first.signal.reason);
  if (first.signal.aborted) followCaller();
  else first.signal.addEventListener("abort", followCaller, { once: true });
  const others = bounds.slice(1, -1).map((from, k): Promise<PartOutcome> => {
    const held: VerifiedMigration[] = [];
    return onAnother(engine, another, first.found, signal, async (shadow) => {
      if (!(await replayed(shadow, range.ordered.slice(0, from)))) return null;
      await shadow.runs!.reread();
      return verifyRange(shadow, { ...range, from, to: bounds[k + 2]! }, (result) => void held.push(result));
    }).then(
      (done) => ({ done, held }),
      (error: unknown) => ({ error, held }),
    );
  });
  const settle = async (reason: unknown) => {
    stop.abort(reason);
    await Promise.all(others);
  };
  const results: VerifiedMigration[] = [];
  // how far the first shadow has applied the plan
  let position = bounds[1]!;
  try {
    const firstPart = await verifyRange(first, { ...range, to: position }, say);
    results.push(...firstPart.results);
    if (!firstPart.complete) return results;
    for (let k = 1; k < bounds.length - 1; k++) {
      const outcome = await others[k - 1]!;
      let part: Done;
      if ("done" in outcome && outcome.done !== null) {
        outcome.held.forEach(say);
        part = outcome.done;
      } else {
        // interrupted by the caller, or a defect: as on one shadow
        if ("error" in outcome && (first.signal.aborted || outcome.error instanceof InterruptedError || !(outcome.error instanceof StratumError))) throw outcome.error;
        const catchUp = range.ordered.slice(position, bounds[k]);
        if (!(await replayed(first, catchUp))) {
          throw new ConfigError(
            `verify split the set across shadow databases, could not use one of them${"error" in outcome ? ` (${firstLine(String((outcome.error as Error).message))})` : ""}, and replaying ${catchUp[0]?.id ?? "the migrations"}… on the first shadow then failed`,
            { fix: "Run verify with --parallel 1 to verify the whole set on one shadow database." },
          );
        }
        if (catchUp.length > 0) await first.runs?.reread();
        part = await verifyRange(first, { ...range, from: bounds[k]!, to: bounds[k + 1]! }, say);
        position = bounds[k + 1]!;
      }
      results.push(...part.results);
      if (!part.complete) return results;
    }
    return results;
  } finally {
    first.signal.removeEventListener("abort", followCaller);
    await settle(new InterruptedError("verify has what it needs from the other shadows"));
  }
}

/** `work` on another shadow (a database beside the first), under its own lock; null when it cannot run steps one by one there. */
async function onAnother(
  engine: Engine,
  another: () => Promise<SecondShadow>,
  found: Discovered,
  signal: AbortSignal,
  work: (shadow: OnShadow) => Promise<Done | null>,
): Promise<Done | null> {
  const second = await another();
  try {
    const onSecond = createEngine(second.target, { ...engine.deps, events: new EventBus() }, shadowPolicy(engine.policy, second.url));
    return await withLock(
      onSecond,
      async (session) => {
        const runs = await shadowRuns(onSecond, session, found, signal);
        return runs === null ? null : work({ engine: onSecond, session, found, signal, runs });
      },
      signal,
    );
  } finally {
    await second.close().catch(() => undefined);
  }
}

/** Whether replaying `group` on the fresh shadow (one up) applied every migration of it. */
async function replayed(shadow: OnShadow, group: readonly MigrationFile[]): Promise<boolean> {
  if (group.length === 0) return true;
  const outcomes = await replay(shadow, group);
  return outcomes.length === group.length && outcomes.every((o) => o.error === undefined);
}

/** What a part of the set gave, and whether it went through to its end (no migration failed to run). */
interface Done {
  readonly results: VerifiedMigration[];
  readonly complete: boolean;
}

/** The migrations [from, to) of the plan on a shadow where those before `from` are applied. */
async function verifyRange(shadow: OnShadow, range: Range, done: (result: VerifiedMigration) => void): Promise<Done> {
  const { ordered, replayed } = range;
  const results: VerifiedMigration[] = [];
  const said = (result: VerifiedMigration): void => {
    results.push(result);
    done(result);
  };
  // the snapshot the next cycle starts from: the one after the previous cycle's second up (the same state)
  let before: SchemaSnapshot | null = null;
  for (let index = range.from; index < range.to; index++) {
    const migration = ordered[index]!;
    throwIfAborted(shadow.signal);
    if (replayed.has(migration.version)) {
      // the migrations replayed one after the other are applied by one up
      let end = index;
      while (end + 1 < range.to && replayed.has(ordered[end + 1]!.version)) end++;
      const outcomes = await replay(shadow, ordered.slice(index, end + 1));
      outcomes.forEach(said);
      before = null;
      if (outcomes.some((o) => o.error !== undefined)) return { results, complete: false };
      await shadow.runs?.reread();
      index = end;
      continue;
    }
    const reason = notVerifiedReason(migration.options, await hasDown(shadow.engine, migration));
    if (reason !== null) {
      // applied only: not verifiable
      const failed = await attempt(shadow, migration, "up");
      said(failed ?? notVerifiedOutcome(migration, reason));
      before = null;
      if (failed !== null) return { results, complete: false };
      continue;
    }
    before ??= await snapshot(shadow);
    const cycle = await cycleOf(shadow, migration, before);
    said(cycle.result);
    if (cycle.result.error !== undefined) return { results, complete: false };
    before = cycle.after;
  }
  return { results, complete: true };
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

