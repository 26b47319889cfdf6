// `adopt`: records in Stratum's history the applied set another tool's history holds (or SQLite's
// `PRAGMA user_version`), running nothing. The other tool's table is only read.

import type { AdoptedMigration, AdoptOptions, AdoptResult } from "../api-types.js";
import { foreignChecksumMatches, foreignChecksumOf } from "../adopt/checksums.js";
import type { ForeignEntry, ForeignHistoryReader } from "../adopt/foreign-history.js";
import { readerFor, USER_VERSION_SOURCE } from "../adopt/index.js";
import { checksummedFile, compareWithHistory, planAdoption, type AdoptionPlan, type AdoptMapping, type ForeignChecksumFn, type ForeignChecksumMatchFn } from "../adopt/plan.js";
import { foreignReaders } from "../adopt/readers/index.js";
import { userVersionEntries, userVersionRefusal, userVersionWhere, versionRange } from "../adopt/user-version.js";
import { ConfigError, ValidationError } from "../core/errors.js";
import type { Problem } from "../core/types.js";
import { versionKey } from "../core/version.js";
import type { Connection } from "../dialects/dialect.js";
import { confirmProtected } from "./confirm.js";
import type { Engine } from "./ports.js";
import { instantLog } from "./report.js";
import { inTransaction, throwIfAborted, withConnection, withLock, type Session } from "./session.js";
import { appliedSet, discover, readHistory, type Discovered } from "./workspace.js";
import { recordedWithoutRunning } from "../core/applied-row.js";

/** Where adopt reads from: the history readers and the checksums (replaceable in tests). */
export interface AdoptSources {
  readonly readers: readonly ForeignHistoryReader[];
  readonly checksumOf: ForeignChecksumFn;
  readonly checksumMatches: ForeignChecksumMatchFn;
}

const DEFAULT_SOURCES: AdoptSources = { readers: foreignReaders, checksumOf: foreignChecksumOf, checksumMatches: foreignChecksumMatches };

/** What one read found: the entries, what was read, and the plan against the files and our history. */
interface Reading {
  readonly read: string;
  readonly plan: AdoptionPlan;
  readonly toRecord: readonly AdoptMapping[];
  readonly already: readonly AdoptMapping[];
}

export async function adopt(engine: Engine, options: AdoptOptions, sources: AdoptSources = DEFAULT_SOURCES): Promise<AdoptResult> {
  throwIfAborted(options.signal);
  const reader = readerFor(options.from, sources.readers);
  if (reader !== null) refuseDialect(engine, reader);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  // every refusal is decided from one read without the lock, so a refused adoption creates nothing
  const first = await withConnection(engine, (conn) => readAll(engine, conn, found, reader, options, sources), true);
  if (options.dryRun === true || first.toRecord.length === 0) return resultOf(options, first, options.dryRun === true ? "would-record" : "recorded");
  throwIfAborted(options.signal);
  return withLock(engine, async (session) => {
    const again = await readAll(engine, session.conn, found, reader, options, sources);
    await confirmProtected(engine, options.confirm, `adopt ${again.toRecord.length} migration(s) from ${options.from} (record them as applied without running them)`);
    await record(engine, session, options.from, again.toRecord);
    return resultOf(options, again, "recorded");
  }, options.signal);
}

function refuseDialect(engine: Engine, reader: ForeignHistoryReader): void {
  const name = engine.target.dialect.name;
  if ((reader.dialects as readonly string[]).includes(name)) return;
  throw new ConfigError(`${reader.tool} does not keep its history on ${name}; it supports ${reader.dialects.join(", ")}`, {
    code: "USAGE",
    key: "from",
    fix: "point --url at the database the tool migrated",
  });
}

async function readAll(
  engine: Engine,
  conn: Connection,
  found: Discovered,
  reader: ForeignHistoryReader | null,
  options: AdoptOptions,
  sources: AdoptSources,
): Promise<Reading> {
  const local = { migrations: found.migrations, problems: [...found.problems] };
  const applied = await readHistory(engine, conn, local);
  const { entries, read, problems } = reader === null ? await readUserVersion(engine, conn, local) : await readForeign(engine, conn, reader, options);
  const fileTexts = await textsOf(engine, local, entries);
  const plan = planAdoption({ tool: options.from, entries, migrations: local.migrations, fileTexts, checksumOf: sources.checksumOf, checksumMatches: sources.checksumMatches });
  const against = compareWithHistory(engine.policy.table, options.from, plan.mapped, applied);
  const all: Problem[] = [...local.problems.filter((p) => p.severity === "error"), ...problems, ...plan.problems, ...against.problems];
  if (all.length > 0) throw new ValidationError(all);
  return { read, plan, toRecord: against.toRecord, already: against.already };
}

async function readForeign(engine: Engine, conn: Connection, reader: ForeignHistoryReader, options: AdoptOptions): Promise<{ entries: ForeignEntry[]; read: string; problems: Problem[] }> {
  const schema = options.schema ?? engine.policy.schema;
  const names = options.table === undefined ? reader.defaultTables : [options.table];
  const dialect = engine.target.dialect.name as Parameters<ForeignHistoryReader["read"]>[1];
  for (const name of names) {
    const entries = await reader.read(conn, dialect, { schema, name });
    if (entries !== null) return { entries, read: schema === undefined ? name : `${schema}.${name}`, problems: [] };
  }
  const tables = names.join(" or ");
  const where = schema === undefined ? engine.target.dialect.displayUrl : `schema ${schema} of ${engine.target.dialect.displayUrl}`;
  throw new ConfigError(`no ${tables} table in ${where}; pass its name (--from-table, or adopt's table option) if it is named differently`, {
    code: "USAGE",
    key: "table",
    fix: `name ${reader.tool}'s history table (and its schema), or point the url at the database ${reader.tool} migrated`,
  });
}

async function readUserVersion(engine: Engine, conn: Connection, found: Discovered): Promise<{ entries: ForeignEntry[]; read: string; problems: Problem[] }> {
  const { dialect } = engine.target;
  if (dialect.readHead === undefined) {
    throw new ConfigError(`${dialect.name} keeps no user_version: --from ${USER_VERSION_SOURCE} is for SQLite databases`, {
      code: "USAGE",
      key: "from",
      fix: "name the tool whose history table the database holds",
    });
  }
  const head = await dialect.readHead(conn);
  const { entries, problems } = userVersionEntries(head, found.migrations);
  return { entries, read: userVersionWhere(head), problems };
}

/** The text of each file a checksum is kept for, read only when some entry has a checksum. */
async function textsOf(engine: Engine, found: Discovered, entries: readonly ForeignEntry[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  if (!entries.some((e) => e.checksum !== null)) return texts;
  for (const migration of found.migrations) {
    const file = checksummedFile(migration);
    texts.set(file, await engine.deps.readFile(file));
  }
  return texts;
}

/** One transaction: each migration's state row (our checksum) and its `adopt` log row. */
async function record(engine: Engine, { conn, dbUser }: Session, source: string, mapped: readonly AdoptMapping[]): Promise<void> {
  const { dialect, history } = engine.target;
  await history.ensureTables(conn);
  const batch = await history.nextBatch(conn);
  await inTransaction(conn, async () => {
    for (const { entry, migration } of mapped) {
      const row = recordedWithoutRunning(migration, { appliedAt: entry.appliedAt ?? new Date().toISOString(), batch, appliedBy: dbUser });
      await history.write(conn, row);
      await history.log(conn, instantLog(engine, dbUser, {
        operation: "adopt",
        version: migration.version,
        name: migration.name,
        checksum: migration.checksum,
        details: `adopted from ${source}: ${entry.where}`,
      }));
    }
    if (dialect.capabilities.headVersion) await dialect.recordHead!(conn, appliedSet(await history.read(conn)).head);
  });
}

function resultOf(options: AdoptOptions, reading: Reading, state: "recorded" | "would-record"): AdoptResult {
  const row = (m: AdoptMapping, s: AdoptedMigration["state"]): AdoptedMigration => ({
    entry: m.entry.where,
    version: m.migration.version,
    name: m.migration.name,
    file: checksummedFile(m.migration),
    appliedAt: m.entry.appliedAt,
    state: s,
  });
  const recorded = new Set(reading.toRecord);
  return {
    source: options.from,
    read: reading.read,
    dryRun: options.dryRun === true,
    migrations: reading.plan.mapped.map((m) => row(m, recorded.has(m) ? state : "already-recorded")),
    reverted: reading.plan.reverted.map((e) => e.where),
    ...(reading.plan.repeatable.length === 0 ? {} : { repeatable: reading.plan.repeatable.map((e) => e.where) }),
    pending: reading.plan.pending.map((m) => m.id),
  };
}

/**
 * `up` on a database Stratum has never migrated whose `PRAGMA user_version` is N > 0: the
 * migrations up to N are recorded as applied first (or, with `adoptUserVersion: false`, the run
 * is refused with the fix). Returns what was adopted, said as `1–3`, or null.
 */
export async function adoptUserVersionBeforeUp(engine: Engine, signal?: AbortSignal, rehearse = false): Promise<string | null> {
  const { dialect, history } = engine.target;
  if (dialect.readHead === undefined) return null;
  const head = await withConnection(engine, async (conn) => ((await history.exists(conn)) ? 0n : dialect.readHead!(conn)), true);
  if (head === 0n) return null;
  if (engine.policy.adoptUserVersion === false) throw new ValidationError([userVersionRefusal(engine.policy.table, head, "adoptUserVersion is false")]);
  // a rehearsal writes nothing that lasts, and the adoption must last
  if (rehearse) throw new ValidationError([userVersionRefusal(engine.policy.table, head, "a rehearsal does not adopt it")]);
  const found = await discover(engine);
  const options: AdoptOptions = { from: USER_VERSION_SOURCE, ...(signal === undefined ? {} : { signal }) };
  const done = await withLock(engine, async (session) => {
    if (await history.exists(session.conn)) return null; // another run got there first
    const reading = await readAll(engine, session.conn, found, null, options, DEFAULT_SOURCES);
    await record(engine, session, USER_VERSION_SOURCE, reading.toRecord);
    return reading.toRecord.map((m) => versionKey(m.migration.version));
  }, signal);
  if (done === null || done.length === 0) return null;
  const said = `adopted ${versionRange(done)} from ${userVersionWhere(head)}`;
  engine.emit({ type: "log", level: "info", version: null, message: `${said} (recorded as applied without running them)` });
  return said;
}

