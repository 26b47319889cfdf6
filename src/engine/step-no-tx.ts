import { finishState } from "./history-write.js";
import { runBody } from "./step-body.js";
import type { StepState } from "./step-state.js";

/**
 * A step outside any transaction (MySQL/MariaDB, `transaction off`): its state row says `running`
 * before the first statement and counts the statements done, so a failure leaves it dirty.
 * A rehearsal records nothing of that.
 */
export async function runWithoutTransaction(s: StepState): Promise<void> {
  const { conn, migration, ports } = s;
  if (!s.settings.rehearsal) {
    s.phase = "recording that it started";
    if (s.direction === "up") await ports.history.write(conn, s.baseRow);
    else await ports.history.setState(conn, migration.version, "running", { statementsDone: 0 });
    s.startRecorded = true;
  }
  s.phase = "running";
  await runBody(s);
  s.phase = "recording its state";
  await finishState(s);
}
