// The summary line of a failed run counts a migration left dirty apart: it is neither pending
// (nor still applied, for a rollback) until `stratum resolve` settles it.

import { describe, expect, it } from "vitest";
import pc from "picocolors";
import { summaryLine } from "../../../src/cli/render/run-text.js";
import type { EventOf } from "../../../src/core/events.js";

const colors = pc.createColors(false);
const failedRun = (over: Partial<EventOf<"run:end">>): EventOf<"run:end"> => ({
  type: "run:end",
  direction: "up",
  ok: false,
  applied: 1,
  failed: 1,
  remaining: 3,
  durationMs: 1200,
  dryRun: false,
  backup: null,
  interrupted: null,
  ...over,
});

describe("summary of a failed run", () => {
  it("a rolled-back failure is still pending", () => {
    expect(summaryLine(failedRun({}), { planned: 4, ended: 1, dirty: 0 }, colors)).toBe(
      "failed: 1 migration failed, 1 applied, 3 still pending (1.2 s)",
    );
  });

  it("a dirty failure is not counted as pending", () => {
    expect(summaryLine(failedRun({}), { planned: 4, ended: 1, dirty: 1 }, colors)).toBe(
      "failed: 1 migration failed and is left dirty (partly applied), 1 applied, 2 still pending (1.2 s)",
    );
  });

  it("a dirty rollback is not counted as still applied", () => {
    expect(summaryLine(failedRun({ direction: "down", applied: 0, remaining: 1 }), { planned: 1, ended: 0, dirty: 1 }, colors)).toBe(
      "failed: 1 migration failed and is left dirty (partly rolled back), 0 rolled back (1.2 s)",
    );
  });

  it("parallel failures, some dirty", () => {
    expect(summaryLine(failedRun({ failed: 2, remaining: 4 }), { planned: 5, ended: 1, dirty: 1 }, colors)).toBe(
      "failed: 2 migrations failed, 1 left dirty (partly applied), 1 applied, 3 still pending (1.2 s)",
    );
  });
});
