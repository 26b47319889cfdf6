import { finishState } from "./history-write.js";
import { runBody } from "./step-body.js";
import { checkpoint, undoApplied, type StepState } from "./step-state.js";

/** COMMIT, once the lock check is in. */
export async function commitChecked(s: StepState): Promise<void> {
  await s.guard;
  s.phase = "committing";
  await s.conn.commit();
}

/** After a failure inside the step's own transaction: nothing of it stays. */
export async function abandon(s: StepState, error: unknown): Promise<never> {
  await s.conn.rollback().catch(() => undefined);
  undoApplied(s);
  throw error;
}

/** A step in a transaction of its own: BEGIN, the migration, its history rows, COMMIT. */
export async function runOwnTransaction(s: StepState): Promise<void> {
  await s.conn.begin();
  try {
    await checkpoint(s, "after-begin");
    await runBody(s);
    s.phase = "recording its state";
    await finishState(s);
    await checkpoint(s, "before-commit");
    await commitChecked(s);
  } catch (error) {
    await abandon(s, error);
  }
  await checkpoint(s, "after-commit");
}
