import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import type {
  DownOptions,
  GraphReport,
  Migrator,
  MigratorOptions,
  PlanOptions,
  PlanResult,
  RepairReport,
  RunOutcome,
  RunReport,
  Stats,
  UpOptions,
  ValidateReport,
} from "./api-types.js";
import { resolveConfig } from "./config/load.js";
import type { ResolvedConfig } from "./config/types.js";
import type { LoadedCode } from "./core/context.js";
import {
  BackupError,
  ConfigError,
  InterruptedError,
  IrreversibleError,
  MigrationError,
  StratumError,
  TransactionError,
  ValidationError,
} from "./core/errors.js";
import { EventBus, type Listener, type MigratorEvent } from "./core/events.js";
import { letTheEventLoopIn } from "./core/event-loop.js";
import { callHook, notRecorded, runStep, runsInTransaction, writeHistory, scriptOf, statementsOf, type ExecutorPorts, type RunSettings } from "./engine/step.js";
import { abortReason } from "./engine/migration-context.js";
import { plan as planMigrations, validate as validateMigrations } from "./core/planner.js";
import { unmetRequirements } from "./core/requirements.js";
import { sectionsOf, transactionControlProblems } from "./core/transaction-control.js";
import { conflictPairs, findConflicts, readTableUses, tableUseOf } from "./core/conflicts.js";
import { buildGraph } from "./core/graph.js";
import { AppliedVersions } from "./core/applied-versions.js";
import { faultPointsFromEnv } from "./engine/faults.js";
import { schedule } from "./core/scheduler.js";
import { computeStats } from "./core/stats.js";
import { isRenamed, statusOf, unusableVersions } from "./core/status.js";
import type {
  AppliedMigration,
  LogEntry,
  MigrationFile,
  PlanRequest,
  PlanStep,
  Problem,
  SqlScript,
  StatusReport,
} from "./core/types.js";
import { matchesVersion, versionKey } from "./core/version.js";
import { unterminatedConstruct } from "./sql/split.js";
import { TOOL_VERSION } from "./version.js";
import { createDialect } from "./dialects/create-dialect.js";
import type { Connection, Dialect, LockAssertion } from "./dialects/dialect.js";
import { parseDatabaseUrl, displayUrl } from "./dialects/url.js";
import { historyStore, type HistoryStore } from "./history/history-store.js";
import { loadCodeMigration } from "./source/code-loader.js";
import { discoverMigrations } from "./source/discover.js";
import { parseFileName } from "./source/file-name.js";
import { readInsideDir } from "./source/read-inside-dir.js";


interface Discovered {
  readonly migrations: MigrationFile[];
  readonly problems: Problem[];
}

interface Session {
  readonly conn: Connection;
  readonly dbUser: string | null;
  /** Throws when the run lock was lost. */
  readonly lockCheck: (() => Promise<void>) | undefined;
  /** The same check, as a statement a migration's own batch can run. */
  readonly lockAssertion: LockAssertion | undefined;
}

/** Creates a migrator from library options (no config file is read unless `configFile` is given). */
export function createMigrator(options: MigratorOptions & { readonly configFile?: string } = {}): Migrator {
  const { env, cwd, client, environment, configFile, ...overrides } = options;
  const config = resolveConfig({
    cwd: cwd ?? process.cwd(),
    ...(configFile === undefined ? { searchCwd: false } : { configPath: configFile }),
    ...(env === undefined ? {} : { envName: env }),
    flags: {},
    environment: environment ?? process.env,
    overrides,
  });
  return migratorOver(config, overrides.url ?? "sqlite:./stratum.db", client);
}

/** Creates a migrator from a resolved configuration (what the CLI does). */
export function createMigratorFromConfig(config: ResolvedConfig, extras: { readonly client?: unknown } = {}): Migrator {
  return migratorOver(Promise.resolve(config), config.url, extras.client);
}

function migratorOver(configPromise: Promise<ResolvedConfig>, urlHint: string, client: unknown): Migrator {
  const events = new EventBus();
  let built: Promise<Internals> | undefined;
  const internals = () => (built ??= buildInternals(configPromise, client, events));
  // Known at once from the options; replaced by the resolved URL (config file, environment) when ready.
  let url = urlHint;
  configPromise.then(
    (config) => (url = config.url),
    () => undefined,
  );
  const dialectOf = (value: string): Migrator["dialect"] => {
    try {
      return parseDatabaseUrl(value).dialect;
    } catch {
      return "sqlite"; // the bad URL is reported when the migrator is used
    }
  };

  return {
    get dialect() {
      return dialectOf(url);
    },
    get database() {
      return displayUrl(url);
    },
    status: async () => (await internals()).status(),
    plan: async (options) => (await internals()).plan(options),
    up: async (options = {}) => (await internals()).up(options),
    down: async (options = {}) => (await internals()).down(options),
    redo: async (options = {}) => (await internals()).redo(options),
    validate: async (options = {}) => (await internals()).validate(options),
    history: async (options = {}) => (await internals()).history(options),
    stats: async () => (await internals()).stats(),
    repair: async (options = {}) => (await internals()).repair(options),
    resolve: async (version, outcome) => (await internals()).resolve(version, outcome),
    baseline: async (version) => (await internals()).baseline(version),
    graph: async () => (await internals()).graph(),
    on: (listener: Listener) => events.subscribe(listener),
    close: async () => {
      if (built) await (await built).dialect.dispose();
    },
  };
}

type Internals = Omit<Migrator, "dialect" | "database" | "on" | "close"> & { readonly dialect: Dialect };

async function buildInternals(configPromise: Promise<ResolvedConfig>, client: unknown, events: EventBus): Promise<Internals> {
  const config = await configPromise;
  const dialect = await createDialect({
    url: config.url,
    schema: config.schema,
    schemaOrigin: config.origins?.schema,
    passwordFile: config.passwordFile,
    client,
    cwd: config.cwd,
    environment: process.env,
  });
  const history = historyStore(dialect, { table: config.table, logTable: config.logTable });
  const codeCache = new Map<string, Promise<LoadedCode>>();
  const loadCode = (migration: MigrationFile) => {
    let loaded = codeCache.get(migration.path);
    if (!loaded) {
      loaded = loadCodeMigration(migration);
      codeCache.set(migration.path, loaded);
    }
    return loaded;
  };
  const ports: ExecutorPorts = {
    dialect,
    history,
    events,
    hooks: config.hooks,
    loadCode,
    readFile: (path) => readInsideDir(config.dir, path),
    identity: { host: hostname(), toolVersion: TOOL_VERSION, env: config.env },
    faults: faultPointsFromEnv(process.env),
  };
  const emit = (event: MigratorEvent) => events.emit(event);
  const openConstructs = new WeakMap<SqlScript, { kind: string; line: number } | null>();
  const policy = (allowOutOfOrder?: boolean) => ({
    ordering: config.ordering,
    allowOutOfOrder: allowOutOfOrder ?? config.allowOutOfOrder,
  });

  const discover = async (): Promise<Discovered> => {
    const found = await discoverMigrations(config.dir);
    return { migrations: [...found.migrations], problems: [...found.problems] };
  };

  /** Opens a connection, runs `fn`, closes it. */
  const withConnection = async <T>(fn: (conn: Connection) => Promise<T>, readOnly = false): Promise<T> => {
    const conn = await dialect.connect({ readOnly });
    try {
      return await fn(conn);
    } finally {
      await conn.close().catch(() => undefined);
    }
  };

  /**
   * Takes the run lock on a connection of its own, then hands a work connection to `fn`. The
   * history tables are created under the lock, and only once something is about to be written.
   * `changesNothing` (a rehearsal, which rolls back all it writes) lets the dialect create nothing
   * (SQLite: no database file where there is none).
   */
  const withLock = async <T>(fn: (session: Session) => Promise<T>, signal?: AbortSignal, changesNothing = false): Promise<T> => {
    return withConnection(async (lockConn) => {
      const started = Date.now();
      const lock = await lockConn.acquireLock(`${config.schema ?? ""}:${config.table}`, {
        timeoutMs: config.lockTimeoutMs,
        onWait: (holder, waitedMs) => emit({ type: "lock:wait", holder, waitedMs }),
        ...(signal === undefined ? {} : { signal }),
      });
      let failed = false;
      try {
        emit({ type: "lock:acquired", waitedMs: Date.now() - started });
        await ports.faults.at("after-lock", null);
        // checked once per migration, on the lock's own connection while the migration runs
        const lockCheck = lock.check ? () => (lock.check as () => Promise<void>)() : undefined;
        return await withConnection(async (conn) => {
          if (dialect.settleWrites && (await history.exists(conn))) await dialect.settleWrites(conn, dialect.qualifiedTable(config.table));
          return fn({ conn, dbUser: await conn.currentUser(), lockCheck, lockAssertion: lock.assertion });
        }, changesNothing);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        await ports.faults.at("before-unlock", null);
        // after a failure (a lost connection, often the lock's too) the failure is what to report
        await lock.release().catch((error: unknown) => {
          if (!failed) throw error;
        });
      }
    }, changesNothing);
  };

  /** History without creating anything: read-only commands must change nothing. */
  /** The state rows; a corrupt row becomes a problem of `found`, reported with every other one. */
  const readHistory = async (conn: Connection, found: Discovered): Promise<AppliedMigration[]> => {
    if (!(await history.exists(conn))) return [];
    const { rows, problems } = await history.inspect(conn);
    found.problems.push(...problems);
    return rows;
  };

  /** Code migrations whose options matter now are imported; unchanged applied ones are not. */
  const withLoadedOptions = async (
    found: Discovered,
    needs: (migration: MigrationFile) => boolean,
  ): Promise<MigrationFile[]> =>
    Promise.all(
      found.migrations.map(async (migration) => {
        if (migration.kind !== "code" || !needs(migration)) return migration;
        try {
          const loaded = await loadCode(migration);
          return { ...migration, options: loaded.options };
        } catch (error) {
          // reported with every other problem, not one at a time
          if (!(error instanceof ValidationError)) throw error;
          found.problems.push(...error.problems);
          return migration;
        }
      }),
    );

  const isPendingIn = (applied: readonly AppliedMigration[]) => {
    const done = new Map(applied.map((row) => [BigInt(row.version), row]));
    return (migration: MigrationFile) => {
      const row = done.get(migration.versionNumber);
      return !row || row.state === "rolled_back" || row.checksum !== migration.checksum;
    };
  };

  const planOrThrow = (
    found: Discovered,
    migrations: readonly MigrationFile[],
    applied: readonly AppliedMigration[],
    request: PlanRequest,
    allowOutOfOrder?: boolean,
  ): { steps: readonly PlanStep[]; warnings: readonly Problem[] } => {
    const result = planMigrations(migrations, applied, request, {
      ...policy(allowOutOfOrder),
      discoveryProblems: found.problems,
    });
    if (!result.ok) throw new ValidationError(result.problems);
    return result;
  };

  /**
   * Graph mode: migrations with no dependency path between them that touch the same table
   * (PostgreSQL read by its real parser). `among` keeps only pairs involving those versions.
   */
  const conflictsOf = async (migrations: readonly MigrationFile[], among?: ReadonlySet<string>): Promise<Problem[]> => {
    if (config.ordering !== "graph") return [];
    const conflicts = findConflicts(migrations, await readTableUses(migrations, dialect.name), config.ordering);
    return among === undefined ? conflicts : conflicts.filter((p) => p.versions.some((v) => among.has(v)));
  };

  /** A plan with the conflicts among its steps added to its warnings. */
  const withConflicts = async (
    migrations: readonly MigrationFile[],
    result: { steps: readonly PlanStep[]; warnings: readonly Problem[] },
  ): Promise<{ steps: readonly PlanStep[]; warnings: readonly Problem[] }> => {
    if (config.ordering !== "graph" || result.steps.length === 0) return result;
    const planned = new Set(result.steps.map((s) => s.migration.version));
    return { steps: result.steps, warnings: [...result.warnings, ...(await conflictsOf(migrations, planned))] };
  };

  /** Problems only visible with a server (requirements), plus what the SQL itself shows. */
  const preflight = async (conn: Connection, steps: readonly PlanStep[], mode: RunSettings["mode"]): Promise<Problem[]> => {
    const problems: Problem[] = [];
    const ups = steps.filter((s) => s.direction === "up").map((s) => s.migration);
    if (ups.some((m) => m.options.requires.length > 0)) {
      problems.push(...unmetRequirements(ups, await conn.serverInfo()));
    }
    for (const step of steps) problems.push(...preflightStatic(step, mode));
    return problems;
  };

  const reportOf = (
    direction: "up" | "down",
    outcomes: RunOutcome[],
    started: number,
    extra: { backup?: string | null; dryRun?: boolean | "rehearse"; warnings?: readonly Problem[] } = {},
  ): RunReport => ({
    direction,
    ok: outcomes.every((o) => o.status !== "failed"),
    migrations: outcomes,
    durationMs: Math.round(performance.now() - started),
    backup: extra.backup ?? null,
    dryRun: extra.dryRun ?? false,
    warnings: extra.warnings ?? [],
  });

  const emitRunEnd = async (report: RunReport, remaining: number, signal?: AbortSignal) => {
    const event = {
      type: "run:end",
      direction: report.direction,
      ok: report.ok,
      applied: report.migrations.filter((m) => m.status === "applied" || m.status === "rolled_back").length,
      failed: report.migrations.filter((m) => m.status === "failed").length,
      remaining,
      durationMs: report.durationMs,
      dryRun: report.dryRun,
      backup: report.backup,
      interrupted: signal?.aborted === true && remaining > 0 ? abortReason(signal) : null,
    } as const;
    emit(event);
    await callHook("afterAll", config.hooks.afterAll, event);
  };

  /** Prints what would run, changing nothing. */
  const dryRun = async (steps: readonly PlanStep[], direction: "up" | "down", warnings: readonly Problem[], started: number) => {
    emit({
      type: "run:start",
      direction,
      planned: steps.length,
      dialect: dialect.name,
      database: dialect.displayUrl,
      dryRun: true,
      parallel: 1,
    });
    const outcomes: RunOutcome[] = [];
    for (const step of steps) {
      const script = scriptOf(step);
      if (script) {
        const statements = statementsOf(dialect, script);
        for (const [i, statement] of statements.entries()) {
          emit({
            type: "statement",
            version: step.migration.version,
            index: i + 1,
            count: statements.length,
            location: `${script.file}:${statement.line}`,
            sql: statement.text,
            dryRun: true,
          });
        }
      } else {
        emit({
          type: "log",
          level: "info",
          version: step.migration.version,
          message: `${step.migration.files[0] ?? step.migration.id}: code migration, runs its ${direction}() function`,
        });
      }
      outcomes.push(outcomeWithout(step, "dry-run"));
    }
    const report = reportOf(direction, outcomes, started, { dryRun: true, warnings });
    await emitRunEnd(report, steps.length);
    return report;
  };

  /** Runs planned steps under the lock, one transaction each unless asked otherwise. */
  const execute = async (
    session: Session,
    steps: readonly PlanStep[],
    options: {
      direction: "up" | "down";
      single: boolean;
      rehearse: boolean;
      signal: AbortSignal;
      applied: AppliedVersions;
      /** Versions with a state row of any state. */
      recorded: ReadonlySet<string>;
      backup: string | null;
      warnings: readonly Problem[];
      started: number;
      parallel?: number;
      exclusive?: ReadonlyMap<string, ReadonlySet<string>>;
    },
  ): Promise<RunReport> => {
    const { conn } = session;
    const mode: RunSettings["mode"] = options.single || options.rehearse ? "all" : config.transaction === "none" ? "none" : "each";
    const workers = parallelWorkers(options.parallel ?? 1, mode, steps.length);
    const startEvent = {
      type: "run:start",
      direction: options.direction,
      planned: steps.length,
      dialect: dialect.name,
      database: dialect.displayUrl,
      dryRun: options.rehearse ? "rehearse" : false,
      parallel: workers,
    } as const;
    emit(startEvent);
    await callHook("beforeAll", config.hooks.beforeAll, startEvent);
    // a rehearsal proves afterwards that its rollback left the database as it found it
    const before = options.rehearse ? await snapshotOf(conn) : null;
    if (mode === "all") await conn.begin();
    // SQL files are refused any transaction control before they run; code reaches ctx.client
    if (options.rehearse && steps.some((s) => s.migration.kind === "code")) await forbidCommit(conn);
    // inside a rehearsal's transaction, so a rehearsal leaves not even the tables behind
    if (steps.length > 0) await history.ensureTables(conn);
    const settings: RunSettings = {
      batch: options.direction === "up" && steps.length > 0 ? await history.nextBatch(conn) : 0,
      mode,
      signal: options.signal,
      dbUser: session.dbUser,
      applied: options.applied,
      rehearsal: options.rehearse,
      recorded: options.recorded,
      ...(session.lockCheck === undefined ? {} : { lockGuard: session.lockCheck }),
      ...(session.lockAssertion === undefined ? {} : { lockAssertion: session.lockAssertion }),
    };
    const outcomes: RunOutcome[] = [];
    const skipRest = (from: number) => {
      for (const step of steps.slice(from)) {
        outcomes.push(outcomeWithout(step, "skipped"));
      }
    };
    let failure: unknown;
    let failedIndex = -1;
    await applyGuards(conn);
    // a signal that came while the run was being prepared is seen before the first migration
    await letTheEventLoopIn();
    if (workers > 1) {
      failure = await runParallel(session, steps, settings, workers, options.exclusive ?? new Map(), outcomes);
    } else for (const [index, step] of steps.entries()) {
      if (options.signal.aborted) {
        skipRest(index);
        break;
      }
      try {
        outcomes.push(await runStep(ports, conn, step, settings, { index: index + 1, total: steps.length, worker: 1 }));
      } catch (error) {
        failure = error;
        failedIndex = index;
        outcomes.push(outcomeWithout(step, "failed", error));
        skipRest(index + 1);
        break;
      }
      // a signal that came during the migration is seen before the next one starts (and before
      // the run ends), also with a synchronous driver
      await letTheEventLoopIn();
    }
    if (mode === "all") {
      if (failure !== undefined || options.rehearse || options.signal.aborted) {
        // after a failure the session may be gone, and its transaction with it: the failure is what matters
        await conn.rollback().catch((error: unknown) => {
          if (failure === undefined) throw error;
        });
        for (const outcome of outcomes) {
          if (outcome.status === "applied" || outcome.status === "rolled_back") {
            Object.assign(outcome, { status: options.rehearse ? "dry-run" : "skipped" });
          }
        }
        if (failure !== undefined && !options.rehearse) {
          const step = steps[failedIndex] as PlanStep;
          const entry = instantLog(session.dbUser, {
            operation: step.direction === "up" ? "apply" : "rollback",
            outcome: failure instanceof InterruptedError ? "interrupted" : "failure",
            version: step.migration.version,
            name: step.migration.name,
            checksum: step.migration.checksum,
            error: failure instanceof Error ? failure.message : String(failure),
            details: `single transaction rolled back; ${failedIndex} earlier migration(s) of this run were rolled back too`,
          });
          const lost = failure instanceof MigrationError && dialect.connectionLost?.(failure.cause) === true;
          // the history tables may have been created inside the transaction just rolled back
          const unrecorded = await writeHistory(ports, lost ? null : conn, async (db) => {
            await history.ensureTables(db);
            await history.log(db, entry);
          });
          if (unrecorded !== null && failure instanceof StratumError) failure = notRecorded(failure, unrecorded);
        }
      } else {
        try {
          await session.lockCheck?.();
          await conn.commit();
        } catch (error) {
          if (error instanceof StratumError) {
            await conn.rollback().catch(() => undefined);
            throw error;
          }
          throw new TransactionError(`the run's single transaction failed to commit: ${(error as Error).message}`, {
            cause: error,
            fix: "nothing was applied; fix the cause and run again",
          });
        }
      }
    }
    if (before !== null) await proveUnchanged(conn, before);
    if (options.rehearse && failure !== undefined && stoppedByCommitGuard(failure, dialect.name)) {
      throw new TransactionError(
        `${failure instanceof Error ? failure.message : String(failure)}: a rehearsal cannot commit, and this is how a COMMIT sent from inside the migration (through ctx.client) fails${dialect.name === "sqlite" ? " (on SQLite, a row that breaks a foreign key fails the same way)" : ""}; the rehearsal's transaction was rolled back and the database is as it was`,
        { cause: failure, fix: "remove the COMMIT (Stratum begins and commits each migration's transaction itself), then rehearse again" },
      );
    }
    const report = reportOf(options.direction, outcomes, options.started, {
      backup: options.backup,
      dryRun: options.rehearse ? "rehearse" : false,
      warnings: options.warnings,
    });
    await emitRunEnd(report, outcomes.filter((o) => o.status !== "applied" && o.status !== "rolled_back").length, options.signal);
    if (failure !== undefined && !options.rehearse) throw failure;
    return report;
  };

  /** How many connections a run uses: parallel only where the dialect and the mode allow it. */
  const parallelWorkers = (requested: number, mode: RunSettings["mode"], planned: number): number => {
    if (requested <= 1 || planned <= 1) return 1;
    const why = !dialect.capabilities.concurrentConnections
      ? `${dialect.name} runs migrations one at a time`
      : mode !== "each"
        ? "a run in one transaction (or with transactions off) runs serially"
        : config.ordering !== "graph"
          ? "linear ordering runs each migration after the previous one; use --ordering graph to run independent migrations in parallel"
          : null;
    if (why !== null) {
      emit({ type: "log", level: "warn", version: null, message: `--parallel ${requested} ignored: ${why}` });
      return 1;
    }
    return Math.min(requested, planned);
  };

  /** Per-migration guards (lock_timeout, statement_timeout, lock_wait_timeout), when configured. */
  const applyGuards = async (target: Connection) => {
    if (config.migrationLockTimeoutMs === undefined && config.statementTimeoutMs === undefined) return;
    await target.setGuards({ lockTimeoutMs: config.migrationLockTimeoutMs, statementTimeoutMs: config.statementTimeoutMs });
  };

  /**
   * Runs steps on `workers` connections as their dependencies allow. Returns the first failure
   * (after letting running steps finish), or undefined.
   */
  const runParallel = async (
    session: Session,
    steps: readonly PlanStep[],
    settings: RunSettings,
    workers: number,
    exclusive: ReadonlyMap<string, ReadonlySet<string>>,
    outcomes: RunOutcome[],
  ): Promise<unknown> => {
    const connections: Connection[] = [session.conn];
    try {
      for (let i = 1; i < workers; i++) {
        const extra = await dialect.connect();
        connections.push(extra);
        await applyGuards(extra);
      }
      let index = 0;
      const result = await schedule({
        steps,
        workers,
        exclusive,
        signal: settings.signal,
        run: (step, worker) =>
          runStep(ports, connections[worker - 1] as Connection, step, settings, { index: ++index, total: steps.length, worker }),
        retryAlone: (error, step) =>
          dialect.isRetryable(error) &&
          (runsInTransaction(dialect, step.migration, settings.mode) || (error instanceof MigrationError && error.statementIndex === 1)),
        onSerialised: (waiting, running) =>
          emit({
            type: "log",
            level: "info",
            version: waiting.migration.version,
            message: `${waiting.migration.id} waits for ${running.migration.id}: they touch the same table (conflict), so they do not run side by side`,
          }),
      });
      let failure: unknown;
      for (const { step, result: r, retried } of result.results) {
        if (r.ok) {
          outcomes.push(r.value);
          if (retried) emit({ type: "log", level: "info", version: step.migration.version, message: `${step.migration.id} succeeded when retried alone` });
        } else {
          failure ??= r.error;
          outcomes.push(outcomeWithout(step, "failed", r.error));
        }
      }
      for (const step of result.notStarted) {
        outcomes.push(outcomeWithout(step, "skipped"));
      }
      return failure;
    } finally {
      for (const extra of connections.slice(1)) await extra.close().catch(() => undefined);
    }
  };

  const takeBackup = async (): Promise<string> => {
    if (!dialect.backup) throw new BackupError(`backups are not supported for ${dialect.name}`);
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
    const ext = dialect.name === "sqlite" ? "db" : dialect.name === "postgres" ? "dump" : "sql";
    await mkdir(config.backupDir, { recursive: true, mode: 0o700 });
    return dialect.backup(join(config.backupDir, `stratum-${stamp}.${ext}`));
  };

  const appliedSet = (rows: readonly AppliedMigration[]) =>
    new AppliedVersions(rows.filter((row) => row.state === "applied").map((row) => row.version));

  const internals: Internals = {
    dialect,

    async status(): Promise<StatusReport> {
      const found = await discover();
      const applied = await withConnection((conn) => readHistory(conn, found), true);
      const report = statusOf(found.migrations, applied, unusableVersions(found.problems));
      return { ...report, problems: [...found.problems, ...report.problems] };
    },

    async plan(options: PlanOptions): Promise<PlanResult> {
      const found = await discover();
      const applied = await withConnection((conn) => readHistory(conn, found), true);
      const request = toRequest(options);
      const migrations = await withLoadedOptions(found, isPendingIn(applied));
      const result = await withConflicts(migrations, planOrThrow(found, migrations, applied, request, options.allowOutOfOrder));
      const steps = options.direction === "down" ? await checkReversible(result.steps) : result.steps;
      refuseStatic(steps, defaultMode());
      return {
        steps: steps.map((step) => ({
          direction: step.direction,
          version: step.migration.version,
          name: step.migration.name,
          file: step.migration.files[0] ?? step.migration.id,
          reason: step.reason,
          after: step.after,
          transaction: runsInTransaction(dialect, step.migration, config.transaction === "none" ? "none" : "each"),
        })),
        warnings: result.warnings,
      };
    },

    async up(options: UpOptions = {}): Promise<RunReport> {
      const started = performance.now();
      const found = await discover();
      const request: PlanRequest = {
        direction: "up",
        ...(options.to === undefined ? {} : { to: options.to }),
        ...(options.step === undefined ? {} : { step: options.step }),
      };
      const single = options.singleTransaction === true || config.transaction === "all";
      const rehearse = options.dryRun === "rehearse";
      const mode: RunSettings["mode"] = single || rehearse ? "all" : defaultMode();
      if (options.dryRun === true) {
        const applied = await withConnection((conn) => readHistory(conn, found), true);
        const migrations = await withLoadedOptions(found, isPendingIn(applied));
        const result = await withConflicts(migrations, planOrThrow(found, migrations, applied, request, options.allowOutOfOrder));
        refuseStatic(result.steps, mode);
        return dryRun(result.steps, "up", result.warnings, started);
      }
      if (rehearse && !dialect.capabilities.transactionalDdl) {
        emit({
          type: "log",
          level: "warn",
          version: null,
          message: `${dialect.name} commits DDL implicitly, so a rehearsal cannot be rolled back; showing the plain dry run instead`,
        });
        const applied = await withConnection((conn) => readHistory(conn, found), true);
        const migrations = await withLoadedOptions(found, isPendingIn(applied));
        const result = await withConflicts(migrations, planOrThrow(found, migrations, applied, request, options.allowOutOfOrder));
        refuseStatic(result.steps, defaultMode());
        return dryRun(result.steps, "up", result.warnings, started);
      }
      if (single && !dialect.capabilities.transactionalDdl) {
        throw new ConfigError(`${dialect.name} commits DDL implicitly, so --single-transaction cannot be honoured`, {
          code: "USAGE",
          fix: "run without --single-transaction (each migration is tracked and resumable)",
        });
      }
      if (options.backup) await dialect.checkBackup?.();
      const signal = options.signal ?? new AbortController().signal;
      /** What refuses the run before it starts: checked before the lock (creating nothing), and again under it. */
      const refuse = async (conn: Connection, steps: readonly PlanStep[]) => {
        const problems = await preflight(conn, steps, mode);
        if (problems.length > 0) throw new ValidationError(problems);
        if (single || rehearse) {
          const off = steps.find((s) => s.migration.options.transaction === false);
          if (off) {
            throw new ConfigError(
              `migration ${off.migration.id} runs outside a transaction (stratum:transaction off), so the run cannot be ${rehearse ? "rehearsed" : "one transaction"}`,
              { code: "USAGE", fix: `run without ${rehearse ? "--dry-run=rehearse" : "--single-transaction"}` },
            );
          }
        }
      };
      if (await nothingPending(found, request, options.allowOutOfOrder, refuse)) {
        emit({ type: "run:start", direction: "up", planned: 0, dialect: dialect.name, database: dialect.displayUrl, dryRun: false, parallel: 1 });
        const report = reportOf("up", [], started);
        emit({ type: "run:end", direction: "up", ok: true, applied: 0, failed: 0, remaining: 0, durationMs: report.durationMs, dryRun: false, backup: null, interrupted: null });
        return report;
      }
      return withLock(async (session) => {
        const applied = await readHistory(session.conn, found);
        const migrations = await withLoadedOptions(found, isPendingIn(applied));
        const result = await withConflicts(migrations, planOrThrow(found, migrations, applied, request, options.allowOutOfOrder));
        await refuse(session.conn, result.steps);
        if ((single || rehearse) && dialect.transactionLockCapacity && result.steps.length > 0) {
          await refuseOverLockCapacity(session.conn, result.steps, rehearse);
        }
        let backup: string | null = null;
        if (options.backup && result.steps.length > 0) {
          backup = await takeBackup();
          await history.ensureTables(session.conn);
          await history.log(session.conn, instantLog(session.dbUser, { operation: "backup", details: `backup written to ${backup}` }));
          // said now, before the first migration runs (run:end repeats the path, for scripts)
          emit({ type: "log", level: "info", version: null, message: `backup written to ${backup}` });
        }
        return execute(session, result.steps, {
          direction: "up",
          single,
          rehearse,
          signal,
          applied: appliedSet(applied),
          recorded: new Set(applied.map((row) => BigInt(row.version).toString())),
          backup,
          warnings: result.warnings,
          started,
          parallel: options.parallel ?? config.parallel,
          exclusive: conflictPairs(result.warnings),
        });
      }, signal, rehearse);
    },

    async down(options: DownOptions = {}): Promise<RunReport> {
      const started = performance.now();
      const found = await discover();
      const request = toRequest({ direction: "down", ...options });
      // planned and checked once without the lock (a refusal creates nothing), then again under it
      const planned = async (conn: Connection, probe: Discovered) => {
        const applied = await readHistory(conn, probe);
        const result = planOrThrow(probe, probe.migrations, applied, request);
        const steps = await checkReversible(result.steps);
        refuseStatic(steps, defaultMode());
        return { applied, result, steps };
      };
      const fresh = (): Discovered => ({ migrations: found.migrations, problems: [...found.problems] });
      const probe = withConnection((conn) => planned(conn, fresh()), true);
      if (options.dryRun) {
        const probed = await probe;
        return dryRun(probed.steps, "down", probed.result.warnings, started);
      }
      const probed = await probe.catch((error: unknown) => {
        if (!mayBeInFlight(error)) throw error;
        return null;
      });
      if (probed?.steps.length === 0) {
        // nothing to roll back: no lock, nothing created
        emit({ type: "run:start", direction: "down", planned: 0, dialect: dialect.name, database: dialect.displayUrl, dryRun: false, parallel: 1 });
        const report = reportOf("down", [], started, { warnings: probed.result.warnings });
        emit({ type: "run:end", direction: "down", ok: true, applied: 0, failed: 0, remaining: 0, durationMs: report.durationMs, dryRun: false, backup: null, interrupted: null });
        return report;
      }
      const signal = options.signal ?? new AbortController().signal;
      return withLock(async (session) => {
        const { applied, result, steps } = await planned(session.conn, fresh());
        return execute(session, steps, {
          direction: "down",
          single: false,
          rehearse: false,
          signal,
          applied: appliedSet(applied),
          recorded: new Set(applied.map((row) => BigInt(row.version).toString())),
          backup: null,
          warnings: result.warnings,
          started,
        });
      }, signal);
    },

    async redo(options = {}): Promise<RunReport> {
      const started = performance.now();
      const down = await internals.down({ step: 1, ...(options.dryRun ? { dryRun: true } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      const target = down.migrations[0];
      if (!target || options.dryRun) return down;
      const up = await internals.up({ to: target.version, ...(options.signal ? { signal: options.signal } : {}) });
      return { ...up, direction: "up", migrations: [...down.migrations, ...up.migrations], durationMs: Math.round(performance.now() - started) };
    },

    async validate(options = {}): Promise<ValidateReport> {
      const found = await discover();
      const { applied, server } = await withConnection(
        async (conn) => ({ applied: await readHistory(conn, found), server: await conn.serverInfo() }),
        true,
      );
      const pending = isPendingIn(applied);
      // In graph ordering the answer depends on every migration's declared tables and dependencies
      // (conflicts), which code migrations only give when imported: all are imported, so the answer
      // is the same on a fresh database and a migrated one. Linear ordering reads no tables.
      const migrations = await withLoadedOptions(found, config.ordering === "graph" ? () => true : pending);
      const problems = validateMigrations(migrations, applied, {
        ...policy(options.allowOutOfOrder),
        discoveryProblems: found.problems,
      });
      problems.push(...unmetRequirements(migrations.filter(pending), server));
      problems.push(...(await conflictsOf(migrations)));
      const mode = defaultMode();
      for (const migration of migrations) {
        if (!pending(migration)) {
          // applied: its up has run, but its down may still be needed
          problems.push(...unterminatedIn(migration, "down"));
          continue;
        }
        const step: PlanStep = { direction: "up", migration, reason: "pending", after: [] };
        problems.push(...preflightStatic(step, mode));
      }
      // the file's own parse and the dialect's lexer may both find one unterminated comment
      const reported = withoutRepeatedPlaces(problems);
      const failing = reported.filter((p) => p.severity === "error" || options.strict === true);
      return { ok: failing.length === 0, problems: reported, migrations: found.migrations.length };
    },

    async history(options = {}) {
      return withConnection(async (conn) => ((await history.exists(conn)) ? history.readLog(conn, options) : []), true);
    },

    async stats(): Promise<Stats> {
      const found = await discover();
      const { applied, log } = await withConnection(async (conn) =>
        (await history.exists(conn)) ? { applied: await history.read(conn), log: await history.readLog(conn) } : { applied: [], log: [] },
        true,
      );
      return computeStats(found.migrations, applied, log);
    },

    async repair(options = {}): Promise<RepairReport> {
      const found = await discover();
      const plan = (applied: readonly AppliedMigration[]) => {
        const byVersion = new Map(found.migrations.map((m) => [m.versionNumber, m]));
        const updated: { version: string; name: string; from: string; to: string }[] = [];
        const removed: { version: string; name: string; checksum: string }[] = [];
        const missing: string[] = [];
        const renamed: { version: string; from: string; to: string; checksum: string }[] = [];
        for (const row of applied) {
          const migration = byVersion.get(BigInt(row.version));
          if (migration && migration.checksum !== row.checksum && row.state === "applied") {
            updated.push({ version: row.version, name: row.name, from: row.checksum, to: migration.checksum });
          } else if (!migration && options.removeMissing) {
            removed.push({ version: row.version, name: row.name, checksum: row.checksum });
          } else if (!migration) {
            missing.push(row.version);
          }
          if (migration && row.state === "applied" && isRenamed(migration, row)) {
            renamed.push({ version: row.version, from: row.name, to: migration.name, checksum: migration.checksum });
          }
        }
        return { updated, removed, missing, renamed };
      };
      const reportOf = (changes: ReturnType<typeof plan>): RepairReport => ({
        updated: changes.updated.map(({ version, from, to }) => ({ version, from, to })),
        removed: changes.removed.map((r) => r.version),
        missing: changes.missing,
        renamed: changes.renamed.map(({ version, from, to }) => ({ version, from, to })),
      });
      const refuseCorrupt = (applied: readonly AppliedMigration[]) => {
        const corrupt = found.problems.filter((p) => p.code === "CORRUPT_HISTORY");
        if (corrupt.length > 0) throw new ValidationError(corrupt);
        // an applied migration whose file is there but unreadable is neither changed nor missing
        // to repair: it would be forgotten as missing; the file must be fixed first
        const unusable = unusableVersions(found.problems);
        const rowKeys = new Set(applied.map((row) => versionKey(row.version)));
        const unreadable = found.problems.filter(
          (p) => p.code === "BAD_SECTION" && (p.versions ?? []).some((v) => unusable.has(versionKey(v)) && rowKeys.has(versionKey(v))),
        );
        if (unreadable.length > 0) throw new ValidationError(unreadable);
      };
      // A corrupt history, or a file problem of a migration whose row would change (a stray half
      // of a pair, say): repair would record files that are not what the user meant.
      const refuseUnsure = (changes: ReturnType<typeof plan>) => {
        const changing = new Set([...changes.updated, ...changes.removed, ...changes.renamed].map((c) => BigInt(c.version)));
        const unsure = found.problems.filter(
          (p) => p.code === "CORRUPT_HISTORY" || (p.severity === "error" && problemVersions(p).some((v) => changing.has(v))),
        );
        // what the dialect's lexer finds in the down section a rollback would run (the up never runs again)
        const broken = found.migrations.filter((m) => changing.has(m.versionNumber)).flatMap((m) => unterminatedIn(m, "down"));
        const seenProblem = new Set(unsure.map((p) => p.message));
        unsure.push(...broken.filter((p) => !seenProblem.has(p.message)));
        if (unsure.length > 0) throw new ValidationError(unsure);
      };
      // decided from one read when there is nothing to do, so a no-op repair takes no lock and
      // creates nothing (SQLite: no database file where there is none)
      const seen = await withConnection((conn) => readHistory(conn, found), true);
      refuseCorrupt(seen);
      const planned = plan(seen);
      refuseUnsure(planned);
      const nothingToDo = planned.updated.length + planned.renamed.length + planned.removed.length === 0;
      if (options.dryRun || nothingToDo) return reportOf(planned);
      return withLock(async ({ conn, dbUser }) => {
        const applied = await readHistory(conn, found);
        refuseCorrupt(applied);
        const changes = plan(applied);
        refuseUnsure(changes);
        const { updated, removed, missing, renamed } = changes;
        await conn.begin();
        try {
          for (const u of updated) {
            await history.setState(conn, u.version, "applied", { checksum: u.to });
            await history.log(conn, instantLog(dbUser, { operation: "repair", version: u.version, name: u.name, checksum: u.to, details: `checksum ${u.from} -> ${u.to}` }));
          }
          for (const r of renamed) {
            await history.setState(conn, r.version, "applied", { name: r.to });
            await history.log(conn, instantLog(dbUser, { operation: "repair", version: r.version, name: r.to, checksum: r.checksum, details: `name ${r.from} -> ${r.to}` }));
          }
          for (const r of removed) {
            await history.remove(conn, r.version);
            await history.log(conn, instantLog(dbUser, { operation: "repair", version: r.version, name: r.name, checksum: r.checksum, details: "state row removed: file is gone" }));
          }
          await conn.commit();
        } catch (error) {
          await conn.rollback().catch(() => undefined);
          throw error;
        }
        return reportOf({ updated, removed, missing, renamed });
      });
    },

    async resolve(version, outcome) {
      const found = await discover();
      /** The dirty row to settle, or the refusal: the same answer before the lock and under it. */
      const dirtyRow = (applied: readonly AppliedMigration[]): AppliedMigration => {
        const corrupt = found.problems.filter((p) => p.code === "CORRUPT_HISTORY");
        if (corrupt.length > 0) throw new ValidationError(corrupt);
        const row = applied.find((r) => BigInt(r.version) === BigInt(versionDigits(version)));
        if (!row) {
          throw new ValidationError([
            {
              code: "UNKNOWN_VERSION",
              message: `no migration ${version} is recorded in ${config.table}`,
              files: [],
              fix: "run `stratum status` to see the recorded versions",
              severity: "error",
            },
          ]);
        }
        if (row.state !== "running" && row.state !== "failed") {
          throw new ValidationError([
            {
              code: "UNKNOWN_VERSION",
              message: `migration ${row.version}_${row.name} is ${row.state}, not dirty; there is nothing to resolve`,
              files: [],
              fix: "resolve only migrations that `stratum status` shows as running or failed",
              severity: "error",
            },
          ]);
        }
        return row;
      };
      // a refusal is decided from one read, without the lock, so it creates nothing (SQLite: no
      // database file where there is none)
      dirtyRow(await withConnection((conn) => readHistory(conn, found), true));
      return withLock(async ({ conn, dbUser }) => {
        const applied = await readHistory(conn, found);
        const row = dirtyRow(applied);
        const migration = found.migrations.find((m) => m.versionNumber === BigInt(row.version));
        const state = outcome === "applied" ? "applied" : "rolled_back";
        const now = new Date().toISOString();
        const next: AppliedMigration = {
          ...row,
          state,
          checksum: migration?.checksum ?? row.checksum,
          appliedAt: outcome === "applied" ? now : row.appliedAt,
          error: null,
        };
        await conn.begin();
        try {
          await history.write(conn, next);
          await history.log(conn, instantLog(dbUser, {
              operation: "resolve",
              version: row.version,
              name: row.name,
              checksum: next.checksum,
              details: `marked ${outcome} (was ${row.state} after ${row.statementsDone} statement(s))`,
            }));
          if (dialect.recordHead) await dialect.recordHead(conn, appliedSet(applied.map((r) => (r.version === row.version ? next : r))).head);
          await conn.commit();
        } catch (error) {
          await conn.rollback().catch(() => undefined);
          throw error;
        }
        return next;
      });
    },

    async graph(): Promise<GraphReport> {
      const found = await discover();
      const applied = await withConnection((conn) => readHistory(conn, found), true);
      // every code migration: the graph shows each one's dependencies and tables, applied or not
      const migrations = await withLoadedOptions(found, () => true);
      const states = new Map(statusOf(migrations, applied, unusableVersions(found.problems)).migrations.map((entry) => [entry.version, entry.state]));
      const conflicts = await conflictsOf(migrations);
      const pairs = conflictPairs(conflicts);
      const graph = buildGraph(migrations, config.ordering);
      return {
        ordering: config.ordering,
        nodes: graph.migrations.map((m) => ({
          version: m.version,
          name: m.name,
          file: m.files[0] ?? m.id,
          state: states.get(m.version) ?? "pending",
          dependsOn: (graph.dependencies.get(m) ?? []).map((d) => d.version),
          conflictsWith: [...(pairs.get(m.version) ?? [])],
        })),
        conflicts,
      };
    },

    async baseline(version) {
      const found = await discover();
      const target = found.migrations.find((m) => matchesVersion(m, version));
      if (!target) {
        throw new ValidationError([
          {
            code: "UNKNOWN_VERSION",
            message: `there is no migration ${version} in ${config.dir}`,
            files: [],
            fix: "give the version of a migration file (see `stratum status`)",
            severity: "error",
          },
        ]);
      }
      return withLock(async ({ conn, dbUser }) => {
        await history.ensureTables(conn);
        const applied = await history.read(conn);
        const done = appliedSet(applied);
        const batch = await history.nextBatch(conn);
        const marked: string[] = [];
        await conn.begin();
        try {
          for (const migration of found.migrations) {
            if (migration.versionNumber > target.versionNumber || done.has(migration.version)) continue;
            await history.write(conn, {
              version: migration.version,
              name: migration.name,
              checksum: migration.checksum,
              state: "applied",
              appliedAt: new Date().toISOString(),
              durationMs: 0,
              batch,
              appliedBy: dbUser,
              statementsDone: 0,
              dependsOn: migration.options.dependsOn,
              error: null,
            });
            done.add(migration.version);
            marked.push(migration.version);
          }
          await history.log(conn, instantLog(dbUser, {
              operation: "baseline",
              version: target.version,
              name: target.name,
              checksum: target.checksum,
              details: `baseline at ${target.version}: marked ${marked.length} migration(s) applied without running them`,
            }));
          if (dialect.recordHead) await dialect.recordHead(conn, done.head);
          await conn.commit();
        } catch (error) {
          await conn.rollback().catch(() => undefined);
          throw error;
        }
        return marked;
      });
    },
  };

  /** What a rehearsal must leave as it found: the schema, the state rows, the last log row. */
  async function snapshotOf(conn: Connection): Promise<DatabaseSnapshot> {
    const recorded = await history.exists(conn);
    return {
      schema: dialect.describeSchema ? await dialect.describeSchema(conn) : null,
      state: recorded ? await history.read(conn) : null,
      lastLog: recorded ? ((await history.readLog(conn, { limit: 1 }))[0]?.id ?? null) : null,
    };
  }

  /**
   * After a rehearsal's rollback: the database must be as it was. Something that committed on
   * its own (a COMMIT sent through ctx.client, dblink, …) would otherwise pass as "nothing was
   * changed".
   */
  async function proveUnchanged(conn: Connection, before: DatabaseSnapshot): Promise<void> {
    const after = await snapshotOf(conn);
    const changed = snapshotChanges(before, after);
    if (changed.length === 0) return;
    throw new TransactionError(
      `the rehearsal changed the database although its transaction was rolled back (${changed.join("; ")}): something in the migrations committed on its own`,
      {
        fix: "find what commits outside Stratum's transaction (a COMMIT through ctx.client, dblink, a procedure) and remove it, then undo the change shown by hand; `stratum status` shows the recorded state",
      },
    );
  }

  /**
   * One transaction holds a lock on every object it creates or alters until it commits; past
   * the server's lock table it fails ("out of shared memory") after doing all the work. Count
   * first and refuse with the numbers and the way out.
   */
  async function refuseOverLockCapacity(conn: Connection, steps: readonly PlanStep[], rehearse: boolean): Promise<void> {
    const capacity = await dialect.transactionLockCapacity?.(conn);
    if (capacity === null || capacity === undefined) return;
    let objects = 0;
    for (const step of steps) {
      const use = tableUseOf(step.migration, dialect.name);
      // a created table usually brings its primary key index and a TOAST table with its index
      objects += use.creates.length * 4 + use.alters.length + use.drops.length + use.writes.length;
    }
    if (objects <= capacity) return;
    throw new ConfigError(
      `${rehearse ? "a rehearsal" : "--single-transaction"} over these ${steps.length} migrations would lock about ${objects} objects in one transaction, more than this PostgreSQL server's lock table holds (${capacity} = max_locks_per_transaction × (max_connections + max_prepared_transactions)); nothing was applied`,
      {
        code: "USAGE",
        fix: `run without ${rehearse ? "--dry-run=rehearse" : "--single-transaction"} (each migration in its own transaction), apply in smaller groups with --to or --step, or raise max_locks_per_transaction`,
      },
    );
  }

  /**
   * The common deploy: nothing to apply. Decided from a read without the lock, so a no-op `up`
   * opens one connection and takes no lock. Work to do, or a problem that may be another run's
   * migration in flight, goes the locked way, which reads again under the lock; any other
   * problem is refused here, before the lock creates anything.
   */
  async function nothingPending(
    found: Discovered,
    request: PlanRequest,
    allowOutOfOrder: boolean | undefined,
    refuse: (conn: Connection, steps: readonly PlanStep[]) => Promise<void>,
  ): Promise<boolean> {
    const probe: Discovered = { migrations: found.migrations, problems: [...found.problems] };
    return withConnection(async (conn) => {
      const applied = await readHistory(conn, probe);
      const migrations = await withLoadedOptions(probe, isPendingIn(applied));
      let steps: readonly PlanStep[];
      try {
        steps = planOrThrow(probe, migrations, applied, request, allowOutOfOrder).steps;
      } catch (error) {
        if (mayBeInFlight(error)) return false;
        throw error;
      }
      // what the plan's SQL and the server already refuse stops the run before the lock, which
      // would create the lock file (and, on SQLite, the database file)
      if (steps.length > 0) await refuse(conn, steps);
      return steps.length === 0;
    }, true);
  }

  /** Before a rollback: load code migrations in the way, and list every obstacle at once. */
  async function checkReversible(steps: readonly PlanStep[]): Promise<PlanStep[]> {
    const problems: Problem[] = [];
    const out: PlanStep[] = [];
    for (const step of steps) {
      if (step.migration.kind !== "code") {
        out.push(step);
        continue;
      }
      const loaded = await loadCode(step.migration);
      const migration = { ...step.migration, options: loaded.options };
      const file = migration.files[0] ?? migration.id;
      if (loaded.options.irreversible) {
        problems.push({
          code: "IRREVERSIBLE",
          message: `migration ${migration.id} is marked irreversible`,
          files: [file],
          fix: "roll back to a later version, or restore from a backup",
          severity: "error",
          versions: [migration.version],
        });
      } else if (!loaded.down) {
        problems.push({
          code: "NO_DOWN",
          message: `migration ${migration.id} has no down() function`,
          files: [file],
          fix: `add a down() export to ${file}, or roll back to a later version`,
          severity: "error",
          versions: [migration.version],
        });
      }
      out.push({ ...step, migration });
    }
    if (problems.length > 0) throw new IrreversibleError(problems);
    return out;
  }

  /**
   * Whether a refusal read without the lock may be another run's migration in flight (a dirty
   * state row): then the run waits for the lock and reads again. Anything else is refused at
   * once, before the lock creates anything.
   */
  function mayBeInFlight(error: unknown): boolean {
    return error instanceof ValidationError && error.problems.some((p) => p.code === "DIRTY" && p.severity === "error");
  }

  /** The transaction mode of a run without --single-transaction or a rehearsal. */
  function defaultMode(): RunSettings["mode"] {
    return config.transaction === "none" ? "none" : config.transaction === "all" ? "all" : "each";
  }

  /** Throws the problems `preflightStatic` finds in any of the steps. */
  function refuseStatic(steps: readonly PlanStep[], mode: RunSettings["mode"]): void {
    const problems = steps.flatMap((step) => preflightStatic(step, mode));
    if (problems.some((p) => p.severity === "error")) throw new ValidationError(problems);
  }

  /** A section's unterminated construct, scanned once per run (checked before the lock and under it). */
  function openConstructOf(section: SqlScript): { kind: string; line: number } | null {
    let open = openConstructs.get(section);
    if (open === undefined) {
      open = unterminatedConstruct(dialect.name, section.text);
      openConstructs.set(section, open);
    }
    return open;
  }

  /**
   * What a step's SQL shows before anything runs: an unterminated string, comment or block, and
   * statements that cannot run inside the transaction the step would open.
   */
  function preflightStatic(step: PlanStep, mode: RunSettings["mode"]): Problem[] {
    // rolling back runs only the down section (the up of an applied migration never runs again);
    // applying checks every section, so a broken down is found before it is needed
    const rollback = step.direction === "down";
    const unterminated = unterminatedIn(step.migration, rollback ? "down" : undefined);
    if (unterminated.length > 0) return unterminated;
    const inTransaction = runsInTransaction(dialect, step.migration, mode);
    const sections = rollback ? (step.migration.down === null ? [] : [step.migration.down]) : sectionsOf(step.migration);
    const control = sections.flatMap((section) =>
      transactionControlProblems(dialect, step.migration, section.file, statementsOf(dialect, section), inTransaction),
    );
    const script = scriptOf(step);
    if (!script || !inTransaction) return control;
    return control.concat(statementsOf(dialect, script).flatMap((statement): Problem[] => {
      const reason = dialect.nonTransactionalReason(statement.text);
      if (reason === null) return [];
      const where = `${script.file}:${statement.line}`;
      return [
        {
          code: "TRANSACTION_REQUIRED_OFF",
          message: `${where} cannot run inside a transaction (${reason})`,
          files: [where],
          fix: "add `-- stratum:transaction off` to the top of the file",
          severity: "error",
          versions: [step.migration.version],
        },
      ];
    }));
  }

  /**
   * An unterminated string, comment or block in any section of a SQL migration, read by the
   * dialect's lexer: a broken down section is found before it is needed.
   */
  function unterminatedIn(migration: MigrationFile, only?: "down"): Problem[] {
    const { up, down, verify } = migration;
    return (only === "down" ? [down] : [up, down, verify]).flatMap((section): Problem[] => {
      const open = section === null ? null : openConstructOf(section);
      if (section === null || open === null) return [];
      const where = `${section.file}:${open.line + section.startLine - 1}`;
      return [
        {
          code: "BAD_SECTION",
          message: `unterminated ${open.kind} starting at ${where}`,
          files: [where],
          fix: "close it; everything after it would be read as one statement",
          severity: "error",
          versions: [migration.version],
        },
      ];
    });
  }

  /**
   * A log row for something that happens at once: repair, resolve, baseline, a backup, a single
   * transaction rolled back. (A migration's own rows are built by the executor, with its timing.)
   */
  function instantLog(
    dbUser: string | null,
    entry: Pick<LogEntry, "operation" | "details"> & Partial<Pick<LogEntry, "version" | "name" | "checksum" | "outcome" | "error">>,
  ): LogEntry {
    const now = new Date().toISOString();
    return {
      version: null,
      name: null,
      checksum: null,
      outcome: "success",
      error: null,
      ...entry,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      host: ports.identity.host,
      dbUser,
      toolVersion: TOOL_VERSION,
    };
  }

  return internals;
}

function versionDigits(ref: string): string {
  const match = /^(\d+)/.exec(ref);
  if (!match?.[1]) {
    throw new ConfigError(`"${ref}" is not a migration version`, { code: "USAGE", fix: "give the digits of a migration's file name, e.g. 003" });
  }
  return match[1];
}

function toRequest(options: PlanOptions | (DownOptions & { direction: "down" })): PlanRequest {
  if (options.direction === "up") {
    return {
      direction: "up",
      ...(options.to === undefined ? {} : { to: options.to }),
      ...(options.step === undefined ? {} : { step: options.step }),
    };
  }
  return {
    direction: "down",
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    ...(options.all === undefined ? {} : { all: options.all }),
    ...(options.versions === undefined ? {} : { versions: options.versions }),
  };
}

/** The outcome of a step that did not finish (skipped, failed, or only shown in a dry run). */
function outcomeWithout(step: PlanStep, status: Exclude<RunOutcome["status"], "applied" | "rolled_back">, error?: unknown): RunOutcome {
  const base = { version: step.migration.version, name: step.migration.name, direction: step.direction, status, durationMs: 0 };
  return error === undefined ? base : { ...base, error: error instanceof Error ? error.message : String(error) };
}

/** The constraint that keeps a rehearsal's transaction from committing; its name is the reason. */
const REHEARSAL_GUARD = "stratum_rehearsal_cannot_commit";

/**
 * Makes the rehearsal's open transaction unable to commit: a row that breaks a deferred foreign
 * key, checked only at COMMIT (PostgreSQL and SQLite, where Stratum keeps foreign keys on). A
 * COMMIT sent behind Stratum's back (ctx.client) then fails and undoes everything instead of
 * keeping the rehearsal's work; Stratum's own ROLLBACK ends it as before. A temporary table of
 * this session, so the schema compared before and after never sees it. Armed only when a code
 * migration runs (PostgreSQL's `SET CONSTRAINTS ALL IMMEDIATE` would check it at once too).
 */
async function forbidCommit(conn: Connection): Promise<void> {
  await conn.exec(`savepoint ${REHEARSAL_GUARD}`);
  try {
    await conn.exec(
      `create temporary table ${REHEARSAL_GUARD} (id integer primary key, parent integer constraint ${REHEARSAL_GUARD} references ${REHEARSAL_GUARD} (id) deferrable initially deferred)`,
    );
    await conn.exec(`insert into ${REHEARSAL_GUARD} (id, parent) values (1, 0)`);
  } catch {
    // a role without PostgreSQL's TEMP privilege: the rehearsal runs unguarded, and the
    // comparison after its rollback still fails it loudly when something committed
    await conn.exec(`rollback to savepoint ${REHEARSAL_GUARD}`);
  }
  await conn.exec(`release savepoint ${REHEARSAL_GUARD}`);
}

/** Whether a rehearsal's migration failed on the guard of forbidCommit: it tried to commit. */
function stoppedByCommitGuard(error: unknown, dialectName: Dialect["name"]): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.message.includes(REHEARSAL_GUARD)) return true;
    // SQLite names no constraint: a deferred foreign key fails at COMMIT with this code alone
    if (dialectName === "sqlite" && (e as { code?: unknown }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") return true;
  }
  return false;
}

/** The parts of a database a rehearsal compares before and after. */
interface DatabaseSnapshot {
  readonly schema: unknown;
  readonly state: readonly AppliedMigration[] | null;
  readonly lastLog: number | null;
}

/** What differs between two snapshots, in a few words each (empty when nothing does). */
function snapshotChanges(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  const changes: string[] = [];
  if (canonical(before.schema) !== canonical(after.schema)) {
    const names = (snapshot: unknown): Set<string> =>
      new Set(((snapshot as { tables?: { name?: unknown }[] } | null)?.tables ?? []).map((t) => String(t.name)));
    const was = names(before.schema);
    const is = names(after.schema);
    const added = [...is].filter((n) => !was.has(n));
    const removed = [...was].filter((n) => !is.has(n));
    if (added.length > 0) changes.push(`table(s) created: ${added.join(", ")}`);
    if (removed.length > 0) changes.push(`table(s) dropped: ${removed.join(", ")}`);
    if (added.length === 0 && removed.length === 0) changes.push("the schema changed");
  }
  if (canonical(before.state) !== canonical(after.state)) changes.push("the state table changed");
  if (before.lastLog !== after.lastLog) changes.push("the log gained rows");
  return changes;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
}

/**
 * The problems without a second BAD_SECTION at a `file:line` already reported: an unterminated
 * comment is found both when the file is read and by the dialect's lexer before it runs.
 */
function withoutRepeatedPlaces(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const place = problem.files[0];
    if (problem.code !== "BAD_SECTION" || place === undefined || !/:\d+$/.test(place)) return true;
    if (seen.has(place)) return false;
    seen.add(place);
    return true;
  });
}

/** The versions a problem concerns: its own list, else the versions its files are named with. */
function problemVersions(problem: Problem): bigint[] {
  if (problem.versions !== undefined) return problem.versions.flatMap((v) => (/^\d+$/.test(v) ? [BigInt(v)] : []));
  return problem.files.flatMap((file) => {
    const parsed = parseFileName(basename(file.replace(/:\d+$/, "")));
    return "versionNumber" in parsed ? [parsed.versionNumber] : [];
  });
}
