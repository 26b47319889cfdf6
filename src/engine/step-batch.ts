import { StatementFailure, type BoundStatement, type Connection, type ServerClock } from "../dialects/dialect.js";
import type { SqlScript, Statement } from "../core/types.js";
import { lost, scriptFailure } from "./step-failure.js";
import { abandon, commitChecked } from "./step-own-tx.js";
import { statementsOf } from "./step-sql.js";
import { checkpoint, emitStatement, logEntry, successChange, type StepState } from "./step-state.js";

/** What a migration sent as one batch needs: its script, the server's clock, the batch call. */
export interface MigrationBatch {
  readonly script: SqlScript;
  readonly clock: ServerClock;
  readonly execBatch: NonNullable<Connection["execBatch"]>;
}

/**
 * One round trip of a batch: items `from` to `to` of the script's statements followed by our own
 * (counted together), the first one opening the transaction, the last one committing it when
 * the batch commits.
 */
export interface BatchPart {
  readonly from: number;
  readonly to: number;
  readonly begin: boolean;
  readonly commit: boolean;
  /** The checkpoints reached once this part is sent. */
  readonly pauses: readonly string[];
}

/**
 * The round trips of a migration batch of `count` statements and `recorded` history statements
 * followed by `own` statements in all: one, unless a test asked to pause inside the migration,
 * then one more for each place it asked for (after BEGIN, after a statement, after the history
 * rows, before the lock assertion and COMMIT).
 */
export function batchParts(wanted: ReadonlySet<string>, count: number, recorded: number, own: number, commit: boolean): BatchPart[] {
  const pausesAt = new Map<number, string[]>();
  const pauseAt = (at: number, point: string) => pausesAt.set(at, [...(pausesAt.get(at) ?? []), point]);
  if (wanted.has("after-begin")) pauseAt(0, "after-begin");
  for (let i = 1; i <= count; i++) if (wanted.has(`after-statement-${i}`)) pauseAt(i, `after-statement-${i}`);
  if (wanted.has("after-state-write")) pauseAt(count + recorded, "after-state-write");
  if (wanted.has("before-commit")) pauseAt(count + recorded, "before-commit");
  const end = count + own;
  const cuts = [...new Set([...pausesAt.keys(), end])].sort((a, b) => a - b);
  const parts: BatchPart[] = [];
  let from = 0;
  for (const to of cuts) {
    const last = to === end;
    // nothing left to send but a COMMIT that is not ours to send (the lock check comes first)
    if (last && from === end && !commit && parts.length > 0) break;
    parts.push({ from, to, begin: parts.length === 0, commit: last && commit, pauses: pausesAt.get(to) ?? [] });
    from = to;
  }
  return parts;
}

/** Sends one part of a batch; a failure's index counts from the start of the whole batch. */
async function sendPart(s: StepState, batch: MigrationBatch, part: BatchPart, statements: readonly Statement[], own: readonly BoundStatement[]): Promise<void> {
  const n = statements.length;
  const texts = statements.slice(part.from, Math.min(part.to, n));
  texts.forEach((statement, i) => emitStatement(s, batch.script.file, statement, part.from + i, n));
  const then = own.slice(Math.max(part.from, n) - n, Math.max(part.to, n) - n);
  try {
    await batch.execBatch.call(
      s.conn,
      texts.map((statement) => statement.text),
      { begin: part.begin, then, commit: part.commit },
    );
  } catch (error) {
    if (!(error instanceof StatementFailure) || error.index === null) throw error;
    throw new StatementFailure(part.from + error.index, error.position, error.cause);
  }
}

/**
 * A SQL migration in one round trip, where the dialect saves them that way (PostgreSQL): BEGIN,
 * its statements, its history rows (timed by the server's clock), the lock assertion and COMMIT
 * in one batch. Without a lock assertion the COMMIT waits for the lock check instead, in a
 * second round trip. A test's pause splits the batch where it asked, and nowhere else.
 */
export async function runMigrationBatch(s: StepState, batch: MigrationBatch): Promise<void> {
  const statements = statementsOf(s.ports.dialect, batch.script);
  s.statementsDone = statements.length;
  const assertion = s.settings.lockAssertion;
  const record = s.ports.history.recordStatements(successChange(s), logEntry(s, "success", null), batch.clock);
  const own = assertion === undefined ? record : [...record, assertion.statement];
  // the batch: the script's statements, `own`, then (with the lock assertion) COMMIT
  const commit = assertion !== undefined;
  const assertionIndex = statements.length + record.length;
  const commitIndex = statements.length + own.length;
  try {
    for (const part of batchParts(s.ports.faults.wanted(s.migration.version), statements.length, record.length, own.length, commit)) {
      try {
        await sendPart(s, batch, part, statements, own);
      } catch (error) {
        s.statementsDone = 0;
        if (!(error instanceof StatementFailure)) throw error;
        const failed = scriptFailure(s, batch.script.file, statements, error);
        if (failed !== null) throw failed;
        // the session went after the script, in the round trip that commits: which of the rest
        // ran is unknown, so the COMMIT may have landed (a lost reply is no lost lock)
        if (part.commit && error.index !== null && lost(s, error.cause)) {
          s.phase = "committing";
          throw error.cause;
        }
        if (commit && error.index === commitIndex) {
          s.phase = "committing";
          throw error.cause;
        }
        if (assertion !== undefined && error.index === assertionIndex) throw assertion.lost(error.cause);
        s.phase = "recording its state";
        throw error.cause;
      }
      for (const point of part.pauses) await checkpoint(s, point);
    }
    if (!commit) await commitChecked(s);
  } catch (error) {
    await abandon(s, error);
  }
  await checkpoint(s, "after-commit");
}
