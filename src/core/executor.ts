import type { Hooks } from "./hooks.js";
import { StatementFailure, type Connection, type Dialect, type LockAssertion, type ServerClock } from "../dialects/dialect.js";
import type { HistoryStore, StateChange } from "../history/history-store.js";
import type { RunOutcome } from "./results.js";
import type { LoadedCode } from "./context.js";
import { ConfigError, EXIT, InterruptedError, MigrationError, restated, SchemaError, StratumError } from "./errors.js";
import type { EventBus } from "./events.js";
import type { AppliedVersions } from "./applied-versions.js";
import { checkpoint, faultPointsActive } from "./fault-points.js";
import { abortReason, createMigrationContext } from "./migration-context.js";
import { transactionControlProblems } from "./transaction-control.js";
import type { AppliedMigration, LogEntry, MigrationFile, PlanStep, SqlScript, Statement } from "./types.js";

/** The ports the executor awaits; everything else it does is deciding. */
export interface ExecutorPorts {
  readonly dialect: Dialect;
  readonly history: HistoryStore;
  readonly events: EventBus;
  readonly hooks: Hooks;
  readonly loadCode: (migration: MigrationFile) => Promise<LoadedCode>;
  readonly readFile: (path: string) => Promise<string>;
  readonly identity: { readonly host: string; readonly toolVersion: string; readonly env: string };
}

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

const nowIso = () => new Date().toISOString();

/** What a migration sent as one batch needs: its script, the server's clock, the batch call. */
interface MigrationBatch {
  readonly script: SqlScript;
  readonly clock: ServerClock;
  readonly execBatch: NonNullable<Connection["execBatch"]>;
}

/** Whether a step runs inside a transaction of its own (or of the run). */
export function runsInTransaction(dialect: Dialect, migration: MigrationFile, mode: RunSettings["mode"]): boolean {
  return dialect.capabilities.transactionalDdl && mode !== "none" && migration.options.transaction !== false;
}

/** The script a step runs, for SQL migrations. */
export function scriptOf(step: PlanStep): SqlScript | null {
  return step.direction === "up" ? step.migration.up : step.migration.down;
}

/** Statements of a script with their lines in the file. */
export function statementsOf(dialect: Dialect, script: SqlScript): readonly Statement[] {
  // a run splits each script twice (the pre-flight checks, then the run): once is enough
  const cached = splitCache.get(script);
  if (cached?.dialect === dialect) return cached.statements;
  const statements = dialect.splitStatements(script.text).map((s) => ({ ...s, line: s.line + script.startLine - 1 }));
  splitCache.set(script, { dialect, statements });
  return statements;
}

const splitCache = new WeakMap<SqlScript, { readonly dialect: Dialect; readonly statements: readonly Statement[] }>();

/** The first line of an error's message, at most 500 characters (a driver may echo a huge statement). */
function errorText(error: unknown): string {
  const text = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}… (${text.length - 500} more characters)` : text;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Runs one step on `conn`, writing history. Throws MigrationError/SchemaError on failure. */
export async function runStep(
  ports: ExecutorPorts,
  conn: Connection,
  step: PlanStep,
  settings: RunSettings,
  position: { readonly index: number; readonly total: number; readonly worker: number },
): Promise<RunOutcome> {
  const { dialect, history, events } = ports;
  const migration = step.migration;
  const direction = step.direction;
  const file = migration.files[direction === "down" && migration.files.length > 1 ? 1 : 0] ?? migration.id;
  const inTx = runsInTransaction(dialect, migration, settings.mode);
  const ownTx = inTx && settings.mode === "each";
  const startedAt = nowIso();
  const started = performance.now();
  let statementsDone = 0;
  /** Set once a step outside a transaction has recorded that it started: a failure leaves it dirty. */
  let startRecorded = false;
  let phase = "running";

  /** Whether a driver error means the migration's session is gone (killed, terminated, cut). */
  const lost = (cause: unknown): boolean => dialect.connectionLost?.(cause) === true;
  /** A driver error's text; a lost session is named as such, so nobody goes fixing the SQL. */
  const causeText = (cause: unknown): string =>
    lost(cause) ? `the connection to the database was lost (${errorText(cause)})` : errorText(cause);
  /** What to do after the session was lost mid-migration. */
  const lostFix = (): string =>
    inTx
      ? "nothing of it was applied: its transaction ended with the connection; once the database is reachable, run `stratum up` again"
      : `it ran without a transaction, so what it did before the connection was lost stays: check the database, finish or undo it by hand, then run \`stratum resolve ${migration.version} --applied\` or \`stratum resolve ${migration.version} --rolled-back\`, and \`stratum up\``;

  const startEvent = {
    type: "migration:start",
    direction,
    version: migration.version,
    name: migration.name,
    file,
    index: position.index,
    total: position.total,
    worker: position.worker,
  } as const;
  events.emit(startEvent);

  const code = migration.kind === "code" ? await ports.loadCode(migration) : null;
  const baseRow: AppliedMigration = {
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
  };
  const logEntry = (outcome: LogEntry["outcome"], error: string | null): LogEntry => {
    const durationMs = performance.now() - started;
    return {
      version: migration.version,
      name: migration.name,
      operation: direction === "up" ? "apply" : "rollback",
      outcome,
      startedAt,
      finishedAt: nowIso(),
      durationMs,
      checksum: migration.checksum,
      error,
      host: ports.identity.host,
      dbUser: settings.dbUser,
      toolVersion: ports.identity.toolVersion,
      details: null,
    };
  };

  /** Runs a script's statements; a failure names file:line. */
  const emitStatement = (scriptFile: string, statement: Statement, i: number, count: number) =>
    events.emit({
      type: "statement",
      version: migration.version,
      index: i + 1,
      count,
      location: `${scriptFile}:${statement.line}`,
      sql: statement.text,
      dryRun: false,
    });

  const failedAt = (scriptFile: string, statement: Statement, i: number, count: number, cause: unknown, position: number | null) => {
    const line = statement.line + (position === null ? 0 : lineOfOffset(statement.text, position));
    const where = `${scriptFile}:${line}`;
    return new MigrationError(
      {
        version: migration.version,
        name: migration.name,
        location: where,
        statement: statement.text,
        statementIndex: i + 1,
        statementCount: count,
      },
      `migration ${migration.id} failed at ${where} (statement ${i + 1} of ${count}): ${causeText(cause)}`,
      { cause, fix: lost(cause) ? lostFix() : (environmentFixOf(cause) ?? fixAndRunAgain(step, file, "the statement")) },
    );
  };

  /** `free space on …, then run \`stratum up\` again` when the machine, not the SQL, failed. */
  const environmentFixOf = (cause: unknown): string | null => {
    const fix = dialect.environmentFix?.(cause) ?? null;
    return fix === null ? null : `${fix}, then run \`stratum ${direction}\` again`;
  };

  /** The migration error a batch's failure stands for, when it names one of the script's statements. */
  const scriptFailure = (scriptFile: string, statements: readonly Statement[], failure: StatementFailure): MigrationError | null => {
    const statement = failure.index === null ? undefined : statements[failure.index];
    return statement === undefined ? null : failedAt(scriptFile, statement, failure.index as number, statements.length, failure.cause, failure.position);
  };

  /**
   * A migration's script inside a transaction already open, where the connection takes many
   * statements in one call: sent whole. The connection names the statement that failed.
   */
  const runScriptBatch = async (scriptFile: string, statements: readonly Statement[], execBatch: NonNullable<Connection["execBatch"]>) => {
    statements.forEach((statement, i) => emitStatement(scriptFile, statement, i, statements.length));
    try {
      await execBatch.call(
        conn,
        statements.map((statement) => statement.text),
      );
    } catch (error) {
      if (!(error instanceof StatementFailure)) throw error;
      throw (
        scriptFailure(scriptFile, statements, error) ??
        new MigrationError(
          { version: migration.version, name: migration.name, location: scriptFile },
          `migration ${migration.id} failed in ${scriptFile}: ${causeText(error.cause)}`,
          {
            cause: error.cause,
            fix: lost(error.cause)
              ? lostFix()
              : // a full disk ends SQLite's transaction before the replay can name the statement
                (environmentFixOf(error.cause) ??
                `run \`stratum ${direction}\` again; if it fails again, run its statements by hand to find the cause`),
          },
        )
      );
    }
    statementsDone += statements.length;
  };

  const runScript = async (scriptFile: string, script: SqlScript, whole = false) => {
    const statements = statementsOf(dialect, script);
    // refused before the run for a SQL migration; a script run by ctx.execFile is checked here,
    // before any of it runs
    const [control] = transactionControlProblems(dialect, migration, scriptFile, statements, inTx);
    if (control !== undefined) {
      throw new MigrationError(
        { version: migration.version, name: migration.name, location: control.files[0] },
        `migration ${migration.id}: ${control.message}`,
        { fix: control.fix },
      );
    }
    if (whole && inTx && conn.execBatch !== undefined && !faultPointsActive) {
      await runScriptBatch(scriptFile, statements, conn.execBatch);
      return;
    }
    for (const [i, statement] of statements.entries()) {
      emitStatement(scriptFile, statement, i, statements.length);
      try {
        await conn.exec(statement.text);
      } catch (error) {
        throw failedAt(scriptFile, statement, i, statements.length, error, dialect.errorPosition(error));
      }
      statementsDone++;
      if (!inTx && !settings.rehearsal) {
        phase = "recording its progress";
        await history.setState(conn, migration.version, "running", { statementsDone });
        phase = "running";
      }
      await checkpoint(`after-statement-${statementsDone}`, migration.version);
    }
  };

  /** How many statements the step's script has (SQL migrations). */
  const statementCount = (): number | null => {
    const script = scriptOf(step);
    return script === null ? null : statementsOf(dialect, script).length;
  };

  let controller: AbortController | undefined;
  const abortWith = () => controller?.abort(settings.signal.reason);
  /** A code migration's `ctx`, aborted when the run is. A SQL migration needs none. */
  const codeContext = () => {
    controller = new AbortController();
    settings.signal.addEventListener("abort", abortWith, { once: true });
    return createMigrationContext({
      conn,
      dialect,
      migration,
      events,
      env: ports.identity.env,
      signal: controller.signal,
      inTransaction: inTx,
      readFile: ports.readFile,
      runScript: async (path, text) => runScript(path, { file: path, text, startLine: 1 }),
    });
  };

  /**
   * A code migration's error while the run is being aborted is an interruption when it comes from
   * the abort: ctx.batch stopping, or the migration's own use of ctx.signal (an AbortError, or the
   * signal's reason thrown). Null for any other error.
   */
  const interruption = (error: unknown, where: string): InterruptedError | null => {
    if (!settings.signal.aborted) return null;
    const ours = error instanceof InterruptedError;
    const fromAbort = ours || (error instanceof Error && error.name === "AbortError") || error === settings.signal.reason;
    if (!fromAbort) return null;
    const message = ours ? error.message : `migration ${migration.id} was interrupted by ${abortReason(settings.signal)} at ${where}`;
    const fix = inTx
      ? "nothing of it was applied: it was rolled back; run `stratum up` again to run it from the start"
      : `it ran without a transaction, so what it did before the interruption stays: check the data, finish or undo it by hand, then run \`stratum resolve ${migration.version} --applied\` or \`stratum resolve ${migration.version} --rolled-back\`, and \`stratum up\``;
    return new InterruptedError(message, EXIT.interrupted, { cause: error, fix });
  };

  const checkResult = (what: string, result: unknown) => {
    if (result === false || typeof result === "string") {
      const reason = typeof result === "string" ? `: ${result}` : "";
      throw new SchemaError(`migration ${migration.id}: ${what} check failed${reason}`, {
        fix: `fix the data or the migration ${file}, then run \`stratum ${direction}\` again`,
      });
    }
  };

  const body = async () => {
    if (code) {
      const ctx = codeContext();
      if (code.before) {
        let verdict: unknown;
        try {
          verdict = await code.before(ctx);
        } catch (error) {
          throw interruption(error, `${file} (before)`) ?? new SchemaError(`migration ${migration.id} was vetoed by before(): ${errorText(error)}`, {
            cause: error,
            fix: `meet the condition its before() checks, or change ${file}`,
          });
        }
        if (verdict === false || typeof verdict === "string") {
          const reason = typeof verdict === "string" ? `: ${verdict}` : "";
          throw new SchemaError(`migration ${migration.id} was vetoed by before()${reason}`, {
            fix: `meet the condition its before() checks, or change ${file}`,
          });
        }
      }
      const fn = direction === "up" ? code.up : code.down;
      if (!fn) {
        throw new MigrationError(
          { version: migration.version, name: migration.name, location: file },
          `migration ${migration.id} has no down() to roll back with`,
          { fix: `add a down() export to ${file}` },
        );
      }
      try {
        await fn(ctx);
      } catch (error) {
        const where = locateInStack(error, migration.path, file);
        const interrupted = interruption(error, where);
        if (interrupted !== null) throw interrupted;
        // a refused file (ctx.execFile outside the directory) is this migration's failure
        if (error instanceof StratumError && !(error instanceof ConfigError)) throw error;
        throw new MigrationError(
          { version: migration.version, name: migration.name, location: where },
          `migration ${migration.id} failed at ${where}: ${causeText(error)}`,
          { cause: error, fix: lost(error) ? lostFix() : fixAndRunAgain(step, file, "the migration") },
        );
      }
      if (direction === "up" && code.after) {
        let result: unknown;
        try {
          result = await code.after(ctx);
        } catch (error) {
          throw interruption(error, `${file} (after)`) ?? new SchemaError(`migration ${migration.id}: after() check failed: ${errorText(error)}`, {
            cause: error,
            fix: `fix the migration ${file} so its after() check passes`,
          });
        }
        checkResult("after()", result);
      }
      return;
    }
    const script = scriptOf(step);
    if (script) await runScript(script.file, script, true);
    if (direction === "up" && migration.verify) await runVerify(conn, dialect, migration, migration.verify, inTx);
  };

  /** The state row's change when the step succeeds; keeps `settings.applied` current. */
  const successChange = (): StateChange => {
    const durationMs = Math.round(performance.now() - started);
    const appliedRow: AppliedMigration = { ...baseRow, state: "applied", appliedAt: nowIso(), durationMs, statementsDone };
    // A first apply inserts: if another run's COMMIT of the same migration is still landing, the
    // primary key makes this one wait for it and fail instead of applying it twice.
    const fresh = inTx && !(settings.recorded?.has(migration.versionNumber.toString()) ?? true);
    if (direction === "up") settings.applied.add(migration.version);
    else settings.applied.delete(migration.version);
    return direction === "up"
      ? fresh
        ? { kind: "insert", row: appliedRow }
        : { kind: "write", row: appliedRow }
      : { kind: "state", version: migration.version, state: "rolled_back", fields: { durationMs, statementsDone: 0, error: null } };
  };
  /** Puts `settings.applied` back after a step that did not commit. */
  const undoApplied = () => {
    if (direction === "up") settings.applied.delete(migration.version);
    else settings.applied.add(migration.version);
  };

  const finishState = async () => {
    const change = successChange();
    if (settings.rehearsal) {
      if (change.kind === "state") await history.setState(conn, change.version, change.state, change.fields);
      else await history.write(conn, change.row);
    } else if (inTx) {
      await history.record(conn, change, logEntry("success", null));
      if (dialect.recordHead) await dialect.recordHead(conn, settings.applied.head);
    } else {
      // no migration transaction (MySQL, transaction off): the state row and its log row still
      // commit together, so a kill between them cannot leave one without the other
      await conn.begin();
      try {
        await history.record(conn, change, logEntry("success", null));
        if (dialect.recordHead) await dialect.recordHead(conn, settings.applied.head);
        await conn.commit();
      } catch (error) {
        await conn.rollback().catch(() => undefined);
        throw error;
      }
    }
    await checkpoint("after-state-write", migration.version);
  };

  /**
   * A SQL migration in one round trip, where the dialect saves them that way (PostgreSQL): BEGIN,
   * its statements, its history rows (timed by the server's clock), the lock assertion and COMMIT
   * in one batch. Without a lock assertion the COMMIT waits for the lock check instead, in a
   * second round trip.
   */
  const runMigrationBatch = async ({ script, clock, execBatch }: MigrationBatch) => {
    const statements = statementsOf(dialect, script);
    statements.forEach((statement, i) => emitStatement(script.file, statement, i, statements.length));
    statementsDone = statements.length;
    const change = successChange();
    const assertion = settings.lockAssertion;
    const record = history.recordStatements(change, logEntry("success", null), clock);
    const own = assertion === undefined ? record : [...record, assertion.statement];
    // the batch: the script's statements, `own`, then (with the lock assertion) COMMIT
    const commit = assertion !== undefined;
    const assertionIndex = statements.length + record.length;
    const commitIndex = statements.length + own.length;
    try {
      try {
        await execBatch.call(
          conn,
          statements.map((statement) => statement.text),
          { begin: true, then: own, commit },
        );
      } catch (error) {
        statementsDone = 0;
        if (!(error instanceof StatementFailure)) throw error;
        const failed = scriptFailure(script.file, statements, error);
        if (failed !== null) throw failed;
        if (commit && error.index === commitIndex) {
          phase = "committing";
          throw error.cause;
        }
        if (assertion !== undefined && error.index === assertionIndex) throw assertion.lost(error.cause);
        phase = "recording its state";
        throw error.cause;
      }
      if (!commit) await commitChecked();
    } catch (error) {
      await abandon(error);
    }
  };

  /** COMMIT, once the lock check is in. */
  const commitChecked = async () => {
    await guard;
    phase = "committing";
    await conn.commit();
  };
  /** After a failure inside the step's own transaction: nothing of it stays. */
  const abandon = async (error: unknown): Promise<never> => {
    await conn.rollback().catch(() => undefined);
    undoApplied();
    throw error;
  };

  /** Whether this step goes as one migration batch, and what that needs. */
  const migrationBatch = (): MigrationBatch | null => {
    const script = code === null ? scriptOf(step) : null;
    const clock = dialect.serverClock;
    const execBatch = conn.execBatch;
    const general =
      !ownTx ||
      faultPointsActive ||
      settings.rehearsal === true ||
      dialect.recordHead !== undefined ||
      (direction === "up" && migration.verify !== null);
    return general || script === null || clock === undefined || execBatch === undefined ? null : { script, clock, execBatch };
  };
  const batch = migrationBatch();
  // the lock check runs on the lock's own connection while this migration runs, or inside a
  // batched migration's transaction
  const guard = batch !== null && settings.lockAssertion !== undefined ? undefined : settings.lockGuard?.();
  guard?.catch(() => undefined);
  try {
    await callHook("beforeEach", ports.hooks.beforeEach, startEvent);
    if (!inTx) await guard; // nothing can be undone later: check before the first statement
    if (batch !== null) {
      await runMigrationBatch(batch);
    } else if (ownTx) {
      await conn.begin();
      try {
        await checkpoint("after-begin", migration.version);
        await body();
        phase = "recording its state";
        await finishState();
        await checkpoint("before-commit", migration.version);
        await commitChecked();
      } catch (error) {
        await abandon(error);
      }
      await checkpoint("after-commit", migration.version);
    } else if (inTx) {
      // the caller holds the run's single transaction
      await body();
      await finishState();
    } else {
      if (!settings.rehearsal) {
        phase = "recording that it started";
        if (direction === "up") await history.write(conn, baseRow);
        else await history.setState(conn, migration.version, "running", { statementsDone: 0 });
        startRecorded = true;
      }
      phase = "running";
      await body();
      phase = "recording its state";
      await finishState();
    }
  } catch (caught) {
    // outside a transaction, what ran stays: the state row says failed (dirty) and counts it
    const dirty = startRecorded && settings.mode !== "all";
    // a driver error outside a statement (a lost connection while recording or committing)
    let error =
      dirty && (caught instanceof MigrationError || caught instanceof SchemaError)
        ? leftDirty(
            caught,
            step,
            file,
            statementsDone,
            code === null ? statementCount() : null,
            // leftDirty says what to undo; what is left is to run again once the server is back
            lost(caught.cause) ? "once the database is reachable, run `stratum up` again" : caught.fix,
            lost(caught.cause),
          )
        : caught instanceof StratumError
        ? caught
        : new MigrationError(
            { version: migration.version, name: migration.name, location: file },
            `migration ${migration.id} failed while ${phase}: ${causeText(caught)}`,
            {
              cause: caught,
              fix:
                phase === "committing"
                  ? dialect.commitRefused?.(caught) === true
                    ? environmentFixOf(caught) !== null
                      ? `nothing of it was applied (it is still ${direction === "up" ? "pending" : "applied"}): ${environmentFixOf(caught)}`
                      : "nothing of it was applied: fix what the server refused at COMMIT (a deferred constraint, for example), then run `stratum up` again"
                    : "it may or may not be applied: run `stratum status` to see"
                  : lost(caught)
                    ? lostFix()
                    : "run `stratum status`, then `stratum up` again",
            },
          );
    settings.signal.removeEventListener("abort", abortWith);
    const message = errorText(error);
    const durationMs = Math.round(performance.now() - started);
    if (!settings.rehearsal && settings.mode !== "all") {
      // a migration's own failure carries the driver's error as its cause; a lock or hook error is not this session's
      const sessionLost = caught instanceof StratumError ? caught instanceof MigrationError && lost(caught.cause) : lost(caught);
      const entry = logEntry(error instanceof InterruptedError ? "interrupted" : "failure", message);
      const unrecorded = await recordFailure(ports, sessionLost ? null : conn, migration, inTx, statementsDone, message, entry);
      if (unrecorded !== null) error = notRecorded(error, unrecorded);
    }
    const said = errorText(error);
    const failure = {
      type: "migration:error",
      direction,
      version: migration.version,
      name: migration.name,
      durationMs,
      worker: position.worker,
      dirty,
      error: {
        code: error instanceof StratumError ? error.code : "MIGRATION_FAILED",
        message: said,
        location: error instanceof MigrationError ? (error.location ?? null) : null,
      },
    } as const;
    events.emit(failure);
    await callHook("onError", ports.hooks.onError, failure).catch(() => undefined);
    throw error;
  }
  settings.signal.removeEventListener("abort", abortWith);
  const durationMs = Math.round(performance.now() - started);
  const endEvent = {
    type: "migration:end",
    direction,
    version: migration.version,
    name: migration.name,
    durationMs,
    worker: position.worker,
  } as const;
  events.emit(endEvent);
  await callHook("afterEach", ports.hooks.afterEach, endEvent);
  return {
    version: migration.version,
    name: migration.name,
    direction,
    status: direction === "up" ? "applied" : "rolled_back",
    durationMs,
  };
}

/**
 * Awaits a configured hook. A hook that throws stops the run with one sentence naming the hook
 * (a `beforeEach` that throws counts as the migration's failure, and is logged as one).
 */
export async function callHook<E>(name: string, hook: ((event: E) => unknown) | undefined, event: E): Promise<void> {
  if (!hook) return;
  try {
    await hook(event);
  } catch (error) {
    if (error instanceof StratumError) throw error;
    throw new StratumError("MIGRATION_FAILED", `the ${name} hook failed: ${errorText(error)}`, 1, {
      cause: error,
      fix: `fix the ${name} hook in the configuration file`,
    });
  }
}

/**
 * After a failure: a transactional migration left nothing; a non-transactional one is dirty, its
 * state row `failed`. Either way the attempt gets its log row. Written on the migration's own
 * session (`conn`), or on a new one when that session is gone (`conn` null, or lost on the way).
 * Returns null, or why the attempt could not be recorded.
 */
async function recordFailure(
  ports: ExecutorPorts,
  conn: Connection | null,
  migration: MigrationFile,
  inTx: boolean,
  statementsDone: number,
  message: string,
  entry: LogEntry,
): Promise<string | null> {
  return writeHistory(ports, conn, async (db) => {
    if (!inTx) {
      // a transaction the migration opened itself (allowed outside Stratum's) ends with its
      // failure: rolled back, so the failure below commits instead of joining it and being lost
      await db.rollback().catch(() => undefined);
      await ports.history.setState(db, migration.version, "failed", { statementsDone, error: message });
    }
    await ports.history.log(db, entry);
  });
}

/**
 * Writes history on `conn`, or on a new session when that one is gone (`conn` null, or lost on
 * the way): a failed attempt stays in the log even when its connection died. Returns null, or
 * why it could not be written.
 */
export async function writeHistory(ports: Pick<ExecutorPorts, "dialect">, conn: Connection | null, write: (db: Connection) => Promise<void>): Promise<string | null> {
  if (conn !== null) {
    try {
      await write(conn);
      return null;
    } catch (error) {
      if (ports.dialect.connectionLost?.(error) !== true) return errorText(error);
    }
  }
  let other: Connection | undefined;
  try {
    other = await ports.dialect.connect();
    await write(other);
    return null;
  } catch (error) {
    return errorText(error);
  } finally {
    await other?.close().catch(() => undefined);
  }
}

/** The failure, saying also that it is missing from the history (with why), keeping its fix. */
export function notRecorded(error: StratumError, why: string): StratumError {
  const message = `${error.message}; this attempt is not in the history either: recording it failed (${why})`;
  const options = { cause: error, ...(error.fix === undefined ? {} : { fix: error.fix }) };
  if (error instanceof MigrationError) {
    const { version, migrationName: name, location, statement, statementIndex } = error;
    return new MigrationError({ version, name, location, statement, statementIndex }, message, options);
  }
  if (error instanceof InterruptedError) return new InterruptedError(message, error.exitCode, options);
  return new StratumError(error.code, message, error.exitCode, options);
}

/** Where a step's rollback is written: `the down section of 001_a.sql`, `001_a.down.sql`, `the down() of 001_a.ts`. */
function downPart(step: PlanStep, file: string): string {
  if (step.migration.kind === "code") return `the down() of ${file}`;
  return step.migration.files.length > 1 ? file : `the down section of ${file}`;
}

/**
 * The fix of a failure rolled back with its transaction: fix `what` and run the same command
 * again. A down section is part of the migration's checksum, so an edited one needs `repair` first.
 */
function fixAndRunAgain(step: PlanStep, file: string, what: string): string {
  if (step.direction === "up") return `fix ${what} and run \`stratum up\` again`;
  return `fix ${downPart(step, file)}, run \`stratum repair\` (the edit changes its checksum), then run \`stratum down\` again`;
}

const statements = (n: number) => (n === 1 ? "statement" : "statements");
const firstN = (n: number) => (n === 1 ? "first statement" : `first ${n} statements`);

/**
 * A failure outside a transaction (MySQL/MariaDB, `transaction off`): what ran stays and the state
 * row is `failed` (dirty), counting the statements done, and `up`/`down` refuse until `resolve`.
 * The error says so on its second line (the log keeps the first), and its fix is the way out.
 */
function leftDirty<E extends MigrationError | SchemaError>(
  error: E,
  step: PlanStep,
  file: string,
  done: number,
  total: number | null,
  then: string | undefined,
  lostSession: boolean,
): E {
  const { id, version } = step.migration;
  const counted =
    total === null
      ? "what it did before failing was not undone"
      : done >= total
        ? total === 1
          ? `its one ${step.direction === "down" ? "down " : ""}statement ran and was not undone`
          : `all ${total} of its ${step.direction === "down" ? "down " : ""}statements ran and were not undone`
        : `${done} of its ${total} ${step.direction === "down" ? "down " : ""}${statements(total)} ran${done > 0 ? " and were not undone" : ""}`;
  const resolve = (outcome: "applied" | "rolled-back") => `\`stratum resolve ${version} --${outcome}\``;
  if (step.direction === "up") {
    const undo = total === null || done >= total ? "what it did" : `what its ${firstN(done)} did`;
    const next = then ?? "run `stratum up` again";
    // `resolve --applied` records the file's checksum as it is then: edit the file first
    const fix =
      done === 0 && total !== null
        ? `run ${resolve("rolled-back")} (nothing of it ran), then ${next}`
        : `undo ${undo} and run ${resolve("rolled-back")}, then ${next}; or, ` +
          (total !== null && done >= total
            ? `to keep what it did instead, edit ${file} to match it`
            : `to complete the migration by hand instead, do the rest of it, edit ${file} to match what was done,`) +
          ` and run ${resolve("applied")} (it records the file as it is then)`;
    const state = done === 0 && total !== null ? "is recorded as failed (dirty)" : "is left partly applied (dirty)";
    return restated(error, `${id} ${state}: ${counted}, as it ran outside a transaction`, fix);
  }
  const redo = total === null || done >= total ? "what it undid" : `what its ${firstN(done)} undid`;
  const redone = done === 0 && total !== null ? "" : `redo ${redo}, `;
  const fix = lostSession
    ? // nothing to fix in the down part: the connection went
      `finish the rollback by hand and run ${resolve("rolled-back")}, or ${redone}run ${resolve("applied")} ` +
      "and, once the database is reachable, run `stratum down` again"
    : `finish the rollback by hand and run ${resolve("rolled-back")}, or fix ${downPart(step, file)}, ` +
      `${redone}run ${resolve("applied")} (it records the edited file) and run \`stratum down\` again`;
  const state = done === 0 && total !== null ? "is recorded as failed (dirty)" : "is left partly rolled back (dirty)";
  return restated(error, `${id} ${state}: ${counted}, as it ran outside a transaction`, fix);
}

/** Verify queries must return a row whose first column is truthy. */
async function runVerify(conn: Connection, dialect: Dialect, migration: MigrationFile, verify: SqlScript, inTx: boolean): Promise<void> {
  for (const statement of statementsOf(dialect, verify)) {
    const where = `${verify.file}:${statement.line}`;
    let rows: Record<string, unknown>[];
    try {
      rows = await conn.query(statement.text);
    } catch (error) {
      throw new SchemaError(`migration ${migration.id}: verify query at ${where} failed: ${errorText(error)}`, {
        cause: error,
        fix: "fix the query in the -- migrate:verify section and run `stratum up` again",
      });
    }
    const first = rows[0] === undefined ? undefined : Object.values(rows[0])[0];
    if (!truthy(first)) {
      throw new SchemaError(
        `migration ${migration.id}: verify query at ${where} returned ${rows.length === 0 ? "no rows" : JSON.stringify(String(first))}${inTx ? "; the migration was rolled back" : ""}`,
        { fix: "fix the migration so the check holds (or fix the check) and run `stratum up` again" },
      );
    }
  }
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value !== "" && value !== "0" && value.toLowerCase() !== "f" && value.toLowerCase() !== "false";
  if (typeof value === "bigint") return value !== 0n;
  return Boolean(value);
}

/** Finds `file:line` of a code migration's failure in the error's stack. */
function locateInStack(error: unknown, absolutePath: string, file: string): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const escaped = absolutePath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  return match ? `${file}:${match[1]}` : file;
}
