import { TransactionError } from "../core/errors.js";
import { schemaChangeSummary, type SchemaSnapshot } from "../core/schema/index.js";
import type { AppliedMigration } from "../core/types.js";
import type { Connection, Dialect } from "../dialects/dialect.js";
import type { Engine } from "./ports.js";

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
export async function forbidCommit(conn: Connection): Promise<void> {
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
export function stoppedByCommitGuard(error: unknown, dialect: Pick<Dialect, "isCommitGuardFailure">): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    // some databases name no constraint (SQLite): the dialect tells its guard's failure apart
    if (e.message.includes(REHEARSAL_GUARD) || dialect.isCommitGuardFailure(e)) return true;
  }
  return false;
}

/** The error a rehearsal reports when a migration tried to commit (failed on the guard). */
export function commitInRehearsal(failure: unknown, dialect: Pick<Dialect, "commitGuardNote">): TransactionError {
  const note = dialect.commitGuardNote === null ? "" : ` (${dialect.commitGuardNote})`;
  return new TransactionError(
    `${failure instanceof Error ? failure.message : String(failure)}: a rehearsal cannot commit, and this is how a COMMIT sent from inside the migration (through ctx.client) fails${note}; the rehearsal's transaction was rolled back and the database is as it was`,
    { cause: failure, fix: "remove the COMMIT (Stratum begins and commits each migration's transaction itself), then rehearse again" },
  );
}

/** The parts of a database a rehearsal compares before and after. */
export interface DatabaseSnapshot {
  /** Null where the dialect cannot describe its schema. */
  readonly schema: SchemaSnapshot | null;
  readonly state: readonly AppliedMigration[] | null;
  readonly lastLog: number | null;
}

/** What a rehearsal must leave as it found: the schema, the state rows, the last log row. */
export async function snapshotOf(engine: Engine, conn: Connection): Promise<DatabaseSnapshot> {
  const { dialect, history } = engine.target;
  const recorded = await history.exists(conn);
  return {
    schema: dialect.capabilities.schemaIntrospection ? await dialect.describeSchema!(conn) : null,
    state: recorded ? await history.read(conn) : null,
    lastLog: recorded ? ((await history.readLog(conn, { limit: 1 }))[0]?.id ?? null) : null,
  };
}

/**
 * After a rehearsal's rollback: the database must be as it was. Something that committed on
 * its own (a COMMIT sent through ctx.client, dblink, …) would otherwise pass as "nothing was
 * changed".
 */
export async function proveUnchanged(engine: Engine, conn: Connection, before: DatabaseSnapshot): Promise<void> {
  const after = await snapshotOf(engine, conn);
  const changed = snapshotChanges(before, after);
  if (changed.length === 0) return;
  throw new TransactionError(
    `the rehearsal changed the database although its transaction was rolled back (${changed.join("; ")}): something in the migrations committed on its own`,
    {
      fix: "find what commits outside Stratum's transaction (a COMMIT through ctx.client, dblink, a procedure) and remove it, then undo the change shown by hand; `stratum status` shows the recorded state",
    },
  );
}

/** What differs between two snapshots, in a few words each (empty when nothing does). */
export function snapshotChanges(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  const changes: string[] = [];
  changes.push(...schemaChangeSummary(before.schema, after.schema));
  if (canonical(before.state) !== canonical(after.state)) changes.push("the state table changed");
  if (before.lastLog !== after.lastLog) changes.push("the log gained rows");
  return changes;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
}
