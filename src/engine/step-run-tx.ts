import { finishState } from "./history-write.js";
import { runBody } from "./step-body.js";
import type { StepState } from "./step-state.js";

/** A step inside the run's single transaction, which the caller holds (and commits or rolls back). */
export async function runInRunTransaction(s: StepState): Promise<void> {
  await runBody(s);
  await finishState(s);
}
