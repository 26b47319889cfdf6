import { runCode } from "./step-code.js";
import { runScript, runVerify, scriptOf } from "./step-sql.js";
import type { StepState } from "./step-state.js";

/** What the migration itself does: its code, or its script and verify queries. */
export async function runBody(s: StepState): Promise<void> {
  if (s.code) {
    await runCode(s, s.code);
    return;
  }
  const script = scriptOf(s.step);
  const verify = s.direction === "up" ? s.migration.verify : null;
  // without verify queries, the step's state is written right after the script
  if (script) await runScript(s, script.file, script, true, verify === null);
  if (verify) await runVerify(s.conn, s.ports.dialect, s.migration, verify, s.inTx);
}
