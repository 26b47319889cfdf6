// Drift: the schema recorded after each run, compared with the live one (issue 13).

import type { DriftOptions, DriftReport, UpOptions } from "../api-types.js";
import { SchemaError, ValidationError } from "../core/errors.js";
import { EventBus } from "../core/events.js";
import { diffSchemas, type SchemaChange } from "../core/schema/diff.js";
import { driftSentences, driftSummary, fingerprintOf, noSnapshotSentence, withoutRedundant } from "../core/schema/drift.js";
import type { SchemaSnapshot } from "../core/schema/model.js";
import { compareVersions } from "../core/version.js";
import type { Connection } from "../dialects/dialect.js";
import { schemaStore, type RecordedFingerprint, type SchemaStore } from "../history/schema-store.js";
import { createEngine, ownTables, type Engine } from "./ports.js";
import { withConnection } from "./session.js";
import { withShadow } from "./shadow.js";
import { up } from "./up.js";

function storeOf(engine: Engine): SchemaStore {
  return schemaStore(engine.target.dialect, { table: engine.policy.table, logTable: engine.policy.logTable });
}

/** The live schema without Stratum's tables. */
async function describeLive(engine: Engine, conn: Connection): Promise<SchemaSnapshot> {
  return engine.target.dialect.describeSchema!(conn, { exclude: ownTables(engine) });
}

/** The live catalog's fingerprint (Dialect.catalogFingerprint), or null when the dialect has none or cannot vouch. */
async function liveCatalog(engine: Engine, conn: Connection): Promise<string | null> {
  const { dialect } = engine.target;
  return dialect.catalogFingerprint === undefined ? null : dialect.catalogFingerprint(conn, { exclude: ownTables(engine) });
}

/** Whether the live catalog is the one the recorded snapshot was described from: then the live schema is that snapshot. */
async function unchangedSinceRecorded(engine: Engine, conn: Connection, recorded: RecordedFingerprint): Promise<boolean> {
  return recorded.catalog !== null && (await liveCatalog(engine, conn)) === recorded.catalog;
}

function requireIntrospection(engine: Engine): void {
  if (!engine.target.dialect.capabilities.schemaIntrospection) {
    throw new SchemaError(`the schema of ${engine.target.dialect.displayUrl} cannot be described, so drift cannot be checked`);
  }
}

export async function drift(engine: Engine, options: DriftOptions = {}): Promise<DriftReport> {
  const started = performance.now();
  requireIntrospection(engine);
  if (options.replay) return replayDrift(engine, options, started);
  return withConnection(engine, async (conn) => {
    const store = storeOf(engine);
    const fingerprints = await store.readFingerprint(conn);
    if (fingerprints !== null && (await unchangedSinceRecorded(engine, conn, fingerprints))) return reportOf([], "recorded", fingerprints.recordedAt, started);
    const recorded = fingerprints === null ? null : await store.read(conn);
    if (recorded === null) {
      return {
        drifted: false,
        checked: false,
        against: "recorded",
        recordedAt: null,
        changes: [],
        sentences: [noSnapshotSentence(engine.target.dialect.displayUrl)],
        durationMs: performance.now() - started,
      };
    }
    const live = await describeLive(engine, conn);
    const changes = fingerprintOf(live) === recorded.fingerprint ? [] : withoutRedundant(diffSchemas(recorded.snapshot, live));
    return reportOf(changes, "recorded", recorded.recordedAt, started);
  }, true);
}

function reportOf(changes: readonly SchemaChange[], against: DriftReport["against"], recordedAt: string | null, started: number): DriftReport {
  return { drifted: changes.length > 0, checked: true, against, recordedAt, changes, sentences: driftSentences(changes), durationMs: performance.now() - started };
}

/** The migrations the target has applied, replayed on a shadow through `up`, compared with the live schema. */
async function replayDrift(engine: Engine, options: DriftOptions, started: number): Promise<DriftReport> {
  const { live, last } = await withConnection(engine, async (conn) => {
    const history = engine.target.history;
    const applied = (await history.exists(conn)) ? (await history.read(conn)).filter((row) => row.state === "applied") : [];
    const versions = applied.map((row) => row.version).sort(compareVersions);
    return { live: await describeLive(engine, conn), last: versions[versions.length - 1] ?? null };
  }, true);
  return withShadow(engine, async (shadow) => {
    // the shadow's run is Stratum's business: no events to the caller, no hooks, no checks of its own
    const shadowEngine = createEngine(shadow.target, { ...engine.deps, events: new EventBus(), hooks: {} }, {
      ...engine.policy,
      url: shadow.database.url,
      driftCheck: "off",
      protected: false,
      recordSchema: false,
    });
    if (last !== null) await up(shadowEngine, { to: last, allowOutOfOrder: true, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    const expected = await withConnection(shadowEngine, (conn) => describeLive(shadowEngine, conn), true);
    const report = reportOf(withoutRedundant(diffSchemas(expected, live)), "replay", null, started);
    return { ...report, shadow: shadow.info };
  }, options.signal);
}

/** Records the live schema's snapshot with the history, after a run that changed it (under the run's lock). */
export async function recordSchemaSnapshot(engine: Engine, conn: Connection): Promise<void> {
  if (!engine.target.dialect.capabilities.schemaIntrospection) return;
  try {
    // no history (a schema file loaded without a baseline): nothing to record, nor a table to create
    if (!(await engine.target.history.exists(conn))) return;
    const applied = (await engine.target.history.read(conn)).filter((row) => row.state === "applied").map((row) => row.version);
    const last = applied.sort(compareVersions)[applied.length - 1] ?? null;
    const store = storeOf(engine);
    // the table first, so the catalog read now is the one later reads compare with
    if (engine.target.dialect.catalogFingerprint !== undefined) await store.ensure(conn);
    // read before the description: a change made while it is described is in the snapshot, not
    // in this fingerprint, so the next check describes in full rather than miss it
    const catalog = await liveCatalog(engine, conn);
    const snapshot = await describeLive(engine, conn);
    await store.write(conn, snapshot, last, new Date().toISOString(), catalog);
  } catch (error) {
    // the run itself succeeded (or its own failure is what to report): the snapshot is not worth failing it
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
    engine.emit({
      type: "log",
      level: "warn",
      version: null,
      message: `the schema snapshot drift detection compares with could not be recorded (${reason.slice(0, 300)}); \`stratum drift\` compares with the previous one until the next run records it`,
    });
  }
}

/**
 * Before `up` runs anything: warns of drift (or refuses, `--strict` / `driftCheck: "error"`).
 * Cheap when there is nothing to check: no snapshot table, one query; a snapshot, one query for
 * its fingerprints and one read of the catalog's; only when the catalog changed, one introspection
 * (and the recorded snapshot is read only when the snapshots' fingerprints differ).
 */
export async function checkDriftBeforeUp(engine: Engine, options: UpOptions, conn?: Connection): Promise<void> {
  const mode = options.strict === true ? "error" : engine.policy.driftCheck;
  if (mode === "off" || !engine.target.dialect.capabilities.schemaIntrospection) return;
  const check = async (db: Connection): Promise<void> => {
    const store = storeOf(engine);
    const recorded = await store.readFingerprint(db);
    if (recorded === null || (await unchangedSinceRecorded(engine, db, recorded))) return;
    const live = await describeLive(engine, db);
    if (fingerprintOf(live) === recorded.fingerprint) return;
    const full = await store.read(db);
    if (full === null) return;
    const changes = withoutRedundant(diffSchemas(full.snapshot, live));
    if (changes.length === 0) return;
    const database = engine.target.dialect.displayUrl;
    const message = `the schema of ${database} was changed outside migrations since ${full.recordedAt}: ${driftSummary(driftSentences(changes))}`;
    if (mode === "error") {
      throw new ValidationError([
        {
          code: "SCHEMA_DRIFT",
          message,
          files: [],
          fix: "Run `stratum drift` to list every difference and undo them by hand; or apply anyway without --strict (driftCheck \"warn\"), and the run records the live schema as the new snapshot.",
          severity: "error",
        },
      ]);
    }
    engine.emit({ type: "log", level: "warn", version: null, message });
  };
  if (conn !== undefined) return check(conn);
  return withConnection(engine, check, true);
}
