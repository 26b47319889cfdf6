// The words of an interrupted run: a migration stopped by Ctrl-C is "interrupted", not "failed",
// and a single transaction rolled back by it says nothing was applied.

import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { failureLine, summaryLine } from "../../../src/cli/render/run-text.js";
import type { EventOf } from "../../../src/core/events.js";

const colors = pc.createColors(false);

const runEnd = (over: Partial<EventOf<"run:end">>): EventOf<"run:end"> => ({
  type: "run:end",
  direction: "up",
  ok: true,
  applied: 0,
  failed: 0,
  remaining: 0,
  durationMs: 1100,
  dryRun: false,
  backup: null,
  interrupted: null,
  ...over,
});

const error = (code: string): EventOf<"migration:error"> => ({
  type: "migration:error",
  direction: "up",
  version: "002",
  name: "backfill",
  durationMs: 405,
  worker: 1,
  error: { code, message: "…", location: null },
});

describe("an interrupted run's lines", () => {
  it("a migration stopped by the interruption is 'interrupted'; any other stop is 'failed'", () => {
    expect(failureLine(error("INTERRUPTED"), false, colors)).toBe("applying 002_backfill ... interrupted (405 ms)");
    expect(failureLine(error("MIGRATION_FAILED"), false, colors)).toBe("applying 002_backfill ... failed (405 ms)");
  });

  it("the summary says interrupted when every stopped migration was interrupted", () => {
    const end = runEnd({ ok: false, applied: 1, failed: 1, remaining: 2 });
    expect(summaryLine(end, { planned: 3, ended: 1, interrupted: 1 }, colors)).toBe(
      "interrupted: 1 migration interrupted, 1 applied, 2 still pending (1.1 s)",
    );
    expect(summaryLine(end, { planned: 3, ended: 1, interrupted: 0 }, colors)).toBe("failed: 1 migration failed, 1 applied, 2 still pending (1.1 s)");
  });

  it("a single transaction rolled back after migrations ended in it says nothing was applied", () => {
    expect(summaryLine(runEnd({ applied: 0, remaining: 3 }), { planned: 3, ended: 2 }, colors)).toBe(
      "the run's single transaction was rolled back: nothing was applied; 3 remaining",
    );
  });
});
