import type { Connection } from "../dialects/dialect.js";
import { InterruptedError, MigrationError, StratumError } from "../core/errors.js";
import type { LogEntry, MigrationFile } from "../core/types.js";
import { errorText, sessionLost } from "./step-failure.js";
import { checkpoint, logEntry, successChange, type ExecutorPorts, type StepState } from "./step-state.js";

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
      if (!sessionLost(ports.dialect, error)) return errorText(error);
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

/**
 * After a failure: a transactional migration left nothing; a non-transactional one is dirty, its
 * state row `failed`. Either way the attempt gets its log row. Written on the migration's own
 * session (`conn`), or on a new one when that session is gone (`conn` null, or lost on the way).
 * Returns null, or why the attempt could not be recorded.
 */
export async function recordFailure(
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
 * A step's success in the history: inside its transaction, or (outside one) state and log rows
 * in a small transaction of their own. A rehearsal writes the state row only.
 */
export async function finishState(s: StepState): Promise<void> {
  const { conn, ports, settings } = s;
  const { history, dialect } = ports;
  const change = successChange(s);
  if (settings.rehearsal) {
    if (change.kind === "state") await history.setState(conn, change.version, change.state, change.fields);
    else await history.write(conn, change.row);
  } else if (s.inTx) {
    await history.record(conn, change, logEntry(s, "success", null));
    if (dialect.capabilities.headVersion) await dialect.recordHead!(conn, settings.applied.head);
  } else {
    // no migration transaction (MySQL, transaction off): the state row and its log row still
    // commit together, so a kill between them cannot leave one without the other
    await conn.begin();
    try {
      await history.record(conn, change, logEntry(s, "success", null));
      if (dialect.capabilities.headVersion) await dialect.recordHead!(conn, settings.applied.head);
      await conn.commit();
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    }
  }
  await checkpoint(s, "after-state-write");
}
