// The schema file: `stratum schema dump` / `schema load`, and its rewrite after every run (issue 13).
// The dialect composes the statements (Dialect.dumpSchema); the file's first line records the
// dialect and the last applied version, which `load` baselines the history to.

import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { SchemaDumpOptions, SchemaDumpResult, SchemaLoadOptions, SchemaLoadResult } from "../api-types.js";
import { ConfigError, EXIT, StratumError, ValidationError } from "../core/errors.js";
import { schemaObjects } from "../core/schema/index.js";
import type { StatementFacts } from "../core/sql-facts.js";
import type { MigrationFile } from "../core/types.js";
import { compareVersions, matchesVersion, versionKey } from "../core/version.js";
import type { Connection, Dialect } from "../dialects/dialect.js";
import { recordBaseline } from "./admin.js";
import { confirmProtected } from "./confirm.js";
import { recordSchemaSnapshot } from "./drift.js";
import { ownTables, type Engine } from "./ports.js";
import { inTransaction, throwIfAborted, withConnection, withLock, type Session } from "./session.js";
import { errorText } from "./step-failure.js";
import { discover } from "./workspace.js";

// `-- stratum schema: postgres, version 003` — with `(not applied: 002 1.5)` when migrations
// below that version were not applied (added out of order): load baselines without them.
const HEADER = /^-- stratum schema: ([A-Za-z0-9_-]+), (?:version (\S+?)(?: \(not applied: ([^()]+)\))?|no migration applied)[ \t]*\r?$/m;

/** The live schema (without Stratum's history tables) as the schema file; written unless `file` is `-`. */
export async function dumpSchema(engine: Engine, options: SchemaDumpOptions = {}): Promise<SchemaDumpResult> {
  const started = performance.now();
  throwIfAborted(options.signal);
  const dumper = dumperOf(engine.target.dialect);
  const path = options.file === "-" ? null : schemaPath(engine, options.file);
  const composed = await withConnection(engine, (conn) => composeSchema(engine, conn, dumper), true);
  throwIfAborted(options.signal);
  if (path !== null) {
    await writeIfChanged(path, composed.text).catch((error: unknown) => {
      throw new ConfigError(`cannot write the schema file ${path}: ${errorText(error)}`, {
        fix: "give a writable path with --file (or `schemaFile` in the config)",
        cause: error,
      });
    });
  }
  return { file: path, ...composed, durationMs: Math.round(performance.now() - started) };
}

/** Applies a schema file to an empty database, then baselines the history to the version it records. */
export async function loadSchema(engine: Engine, options: SchemaLoadOptions = {}): Promise<SchemaLoadResult> {
  const started = performance.now();
  throwIfAborted(options.signal);
  const { dialect } = engine.target;
  if (options.file === "-") {
    throw new ConfigError("schema load reads a file, not standard input", { code: "USAGE", fix: "give the schema file's path with --file" });
  }
  const path = schemaPath(engine, options.file);
  const shown = shownPath(engine, path);
  const text = await readSchemaFile(path, shown);
  const header = headerOf(text, shown, dialect);
  const target = header.version === null ? null : await baselineTarget(engine, header.version, shown);
  const skipped = new Set(header.notApplied.map(versionKey));
  const facts = dialect.sql.analyse(text);
  if (facts.unterminated !== null) {
    throw new ConfigError(`${shown}:${facts.unterminated.line} opens a ${facts.unterminated.kind} that never ends; nothing was loaded`, {
      fix: "close it (or restore the file from `stratum schema dump`), then load again",
    });
  }
  const statements = facts.statements;
  throwIfAborted(options.signal);
  return withLock(engine, async (session) => {
    await refuseNonEmpty(engine, session.conn);
    await confirmProtected(engine, options.confirm, `load ${shown} into the database${header.version === null ? "" : ` and baseline it at ${header.version}`}`);
    const run = { engine, session, statements, shown, signal: options.signal };
    const baselined = dialect.capabilities.transactionalDdl && statements.every((s) => s.nonTransactionalReason === null)
      ? await inTransaction(session.conn, async () => {
          await runStatements(run, true);
          return baselineAfterLoad(engine, session, target, skipped, true);
        })
      : await runThenBaseline(run, target, skipped);
    // what drift compares with from now on: the schema the file made
    await recordSchemaSnapshot(engine, session.conn);
    return { file: path, version: header.version, baselined, statements: statements.length, durationMs: Math.round(performance.now() - started) };
  }, options.signal);
}

/** After a run that changed the schema: rewrites `schemaFile` when it is configured; a failure is a warning, not the run's. */
export async function writeSchemaFile(engine: Engine, conn: Connection): Promise<void> {
  const file = engine.policy.schemaFile;
  if (file === undefined) return;
  const warn = (message: string) => engine.emit({ type: "log", level: "warn", version: null, message });
  const dumper = engine.target.dialect.dumpSchema;
  if (dumper === undefined) {
    warn(`schemaFile is set, but ${engine.target.dialect.name} has no schema dump: ${file} was not rewritten`);
    return;
  }
  try {
    const { text } = await composeSchema(engine, conn, dumper.bind(engine.target.dialect));
    await writeIfChanged(file, text);
  } catch (error) {
    warn(`the run succeeded, but the schema file ${file} could not be rewritten: ${errorText(error)} (run \`stratum schema dump\` once it can be)`);
  }
}

type Dumper = NonNullable<Dialect["dumpSchema"]>;

function dumperOf(dialect: Dialect): Dumper {
  if (dialect.dumpSchema === undefined) {
    throw new ConfigError(`schema dump is not available for ${dialect.name} databases (${dialect.displayUrl}): this dialect has no schema dumper`, {
      fix: "use a database kind that has one (see docs/schema.md)",
    });
  }
  return dialect.dumpSchema.bind(dialect);
}

/** The file's text: its header (dialect, last applied version), a blank line, the dialect's statements. */
async function composeSchema(engine: Engine, conn: Connection, dumper: Dumper): Promise<Omit<SchemaDumpResult, "file" | "durationMs">> {
  const { dialect, history } = engine.target;
  const rows = (await history.exists(conn)) ? await history.read(conn) : [];
  const applied = rows.filter((row) => row.state === "applied").map((row) => row.version);
  const version = applied.reduce<string | null>((high, v) => (high === null || compareVersions(v, high) > 0 ? v : high), null);
  const gaps = version === null ? [] : await notApplied(engine, applied, version);
  const body = await dumper(conn, { exclude: ownTables(engine) });
  const header = [
    `-- stratum schema: ${dialect.name}, ${version === null ? "no migration applied" : `version ${version}`}${gaps.length > 0 ? ` (not applied: ${gaps.join(" ")})` : ""}`,
    "-- Written by `stratum schema dump`; `stratum schema load` loads it into an empty database.",
  ].join("\n");
  const text = body.trim() === "" ? `${header}\n` : `${header}\n\n${body.replace(/\s+$/, "")}\n`;
  return { text, version, objects: dialect.sql.analyse(body).statements.length };
}


function schemaPath(engine: Engine, file: string | undefined): string {
  if (file !== undefined) return resolve(engine.policy.cwd, file);
  return engine.policy.schemaFile ?? resolve(engine.policy.cwd, "schema.sql");
}

/** The path as messages show it: relative to the working directory when inside it. */
function shownPath(engine: Engine, path: string): string {
  const rel = relative(engine.policy.cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** Writes `text` to `path` unless it already holds exactly that (through a temporary file: never half a file). */
async function writeIfChanged(path: string, text: string): Promise<void> {
  const current = await readFile(path, "utf8").catch(() => null);
  if (current === text) return;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function readSchemaFile(path: string, shown: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as { code?: unknown }).code === "ENOENT";
    throw new ConfigError(missing ? `there is no schema file ${shown}` : `cannot read the schema file ${shown}: ${errorText(error)}`, {
      fix: missing ? "run `stratum schema dump` against a migrated database first, or give the file's path with --file" : "check the file's permissions",
      cause: error,
    });
  }
}

/** The dialect and version the file's first line records; a file without that line loads without a baseline. */
function headerOf(text: string, shown: string, dialect: Dialect): { readonly version: string | null; readonly notApplied: readonly string[] } {
  const firstLine = text.split("\n", 1)[0] ?? "";
  const match = HEADER.exec(firstLine);
  if (match === null) return { version: null, notApplied: [] };
  if (match[1] !== dialect.name) {
    throw new ConfigError(`${shown}:1 is a ${match[1] ?? ""} schema, and this database is ${dialect.name} (${dialect.displayUrl})`, {
      fix: "load it into a database of the kind it was dumped from, or dump this kind's schema with `stratum schema dump`",
    });
  }
  return { version: match[2] ?? null, notApplied: (match[3] ?? "").split(/\s+/).filter((v) => v !== "") };
}

/**
 * The migrations of the directory below `version` that are not applied (added out of order): the
 * file's schema does not have them, so a load must not record them. A directory that cannot be
 * read names none (the dump does not need it).
 */
async function notApplied(engine: Engine, applied: readonly string[], version: string): Promise<string[]> {
  const done = new Set(applied.map(versionKey));
  const found = await discover(engine).catch(() => null);
  return (found?.migrations ?? [])
    .filter((m) => compareVersions(m.version, version) < 0 && !done.has(versionKey(m.version)))
    .map((m) => m.version)
    .sort(compareVersions);
}

/** The migration the recorded version names: the file's history must be one this directory has. */
async function baselineTarget(engine: Engine, version: string, shown: string): Promise<MigrationFile> {
  const found = await discover(engine);
  const target = found.migrations.find((m) => matchesVersion(m, version));
  if (target !== undefined) return target;
  throw new ValidationError([
    {
      code: "UNKNOWN_VERSION",
      message: `${shown}:1 records version ${version}, and there is no migration ${version} in ${engine.policy.dir}; nothing was loaded`,
      files: [],
      fix: "load it with the migrations it was dumped with (check out the matching commit), or dump it again",
      severity: "error",
    },
  ]);
}

/** Refuses (changing nothing) a database that has a history or objects of its own. */
async function refuseNonEmpty(engine: Engine, conn: Connection): Promise<void> {
  const { dialect, history } = engine.target;
  const refuse = (what: string) =>
    new StratumError("VALIDATION_FAILED", `schema load needs an empty database, and ${dialect.displayUrl} ${what}; nothing was loaded`, EXIT.validation, {
      fix: "load the schema file into a new, empty database (or run `stratum up` on this one)",
    });
  if (await history.exists(conn)) throw refuse(`already has a history (${engine.policy.table})`);
  if (!dialect.capabilities.schemaIntrospection) {
    throw new ConfigError(`schema load cannot tell whether ${dialect.displayUrl} is empty: this dialect cannot describe its schema`, {
      fix: "run the schema file's statements by hand, then `stratum baseline <version>`",
    });
  }
  const objects = schemaObjects(await dialect.describeSchema!(conn)).filter((o) => o.kind !== "schema");
  if (objects.length > 0) {
    const named = objects.slice(0, 3).map((o) => `${o.kind} ${o.name}`).join(", ");
    throw refuse(`holds ${objects.length} object(s) (${named}${objects.length > 3 ? ", …" : ""})`);
  }
}

interface LoadRun {
  readonly engine: Engine;
  readonly session: Session;
  readonly statements: readonly StatementFacts[];
  readonly shown: string;
  readonly signal: AbortSignal | undefined;
}

/** Without transactional DDL: the statements one by one, then the baseline in a transaction of its own. */
async function runThenBaseline(run: LoadRun, target: MigrationFile | null, skipped: ReadonlySet<string>): Promise<string[]> {
  await runStatements(run, false);
  return baselineAfterLoad(run.engine, run.session, target, skipped, false);
}

async function runStatements({ session, statements, shown, signal }: LoadRun, inTx: boolean): Promise<void> {
  for (const [i, statement] of statements.entries()) {
    throwIfAborted(signal);
    try {
      await session.conn.exec(statement.text);
    } catch (error) {
      if (!inTx) await restoreSettings(session, statements.slice(i + 1));
      const left = inTx
        ? "nothing was loaded (its transaction was rolled back)"
        : i === 0
          ? "nothing was loaded"
          : `the ${i} statement(s) before it ran and stay (this database has no transactional DDL)`;
      throw new StratumError(
        "MIGRATION_FAILED",
        `schema load failed at ${shown}:${statement.line} (statement ${i + 1} of ${statements.length}): ${errorText(error)}; ${left}`,
        EXIT.migrationFailed,
        { cause: error, fix: inTx || i === 0 ? "fix the statement, then load again" : "fix the statement, recreate the database empty, then load again" },
      );
    }
  }
}

/**
 * After a failure outside a transaction: the session settings the file changes back later
 * (MySQL's `SET FOREIGN_KEY_CHECKS = 1` after its tables) are changed back now, so the connection
 * (perhaps the caller's pooled one) is left as it was. Best effort: the failure is what to report.
 */
async function restoreSettings(session: Session, rest: readonly StatementFacts[]): Promise<void> {
  for (const statement of rest.filter((s) => /^\s*(?:SET|RESET)\s/i.test(s.text))) {
    await session.conn.exec(statement.text).catch(() => undefined);
  }
}

/**
 * The baseline at the file's version, without the migrations the file says were not applied: in
 * the load's transaction (`inTx`), else in one of its own.
 */
async function baselineAfterLoad(
  engine: Engine,
  session: Session,
  target: MigrationFile | null,
  skipped: ReadonlySet<string>,
  inTx: boolean,
): Promise<string[]> {
  if (target === null) return [];
  await engine.target.history.ensureTables(session.conn);
  const all = await discover(engine);
  const found = { ...all, migrations: all.migrations.filter((m) => !skipped.has(versionKey(m.version))) };
  return inTx ? recordBaseline(engine, session, found, target) : inTransaction(session.conn, () => recordBaseline(engine, session, found, target));
}
