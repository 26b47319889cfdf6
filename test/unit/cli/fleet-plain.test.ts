// The fleet's plain lines and NDJSON: a line per ended target (skipped ones counted, not listed),
// the summary table with every failed target and where it failed; --quiet keeps failures only.

import { describe, expect, it } from "vitest";
import { createOutput } from "../../../src/cli/io.js";
import { createFleetJsonRenderer, createFleetPlainRenderer, targetText } from "../../../src/cli/render/fleet-plain.js";
import type { FleetEvent, FleetSummary, TargetResult } from "../../../src/fleet/types.js";
import { memoryIo } from "./cli-harness.js";

const ok = (name: string, extra: Partial<TargetResult> = {}): TargetResult => ({ name, outcome: "ok", exitCode: 0, changed: 3, version: "003", pending: 0, ms: 12, ...extra });
const bad: TargetResult = { name: "t2", outcome: "failed", exitCode: 1, changed: 1, error: { message: "table poison already exists", location: "002_b.sql:3" }, ms: 5 };
const skipped: TargetResult = { name: "t3", outcome: "skipped", exitCode: 0, changed: 0, ms: 0 };
const summary: FleetSummary = { total: 3, ok: 1, failed: 1, skipped: 1, changed: 2, exitCode: 1, ms: 1500, failures: [bad], stopped: "fail-fast" };
const events: FleetEvent[] = [
  { type: "fleet-start", total: 3, concurrency: 2, canary: 0, operation: "up" },
  { type: "target-start", name: "t1" },
  { type: "target-migration", name: "t1", migration: "001_a" },
  { type: "target-end", result: ok("t1") },
  { type: "target-end", result: bad },
  { type: "target-end", result: skipped },
  { type: "fleet-end", summary },
];

function render(kind: "plain" | "quiet" | "verbose" | "json") {
  const memory = memoryIo();
  const output = createOutput(memory.io, { color: false, verbosity: "normal", json: kind === "json" });
  const renderer = kind === "json" ? createFleetJsonRenderer(output) : createFleetPlainRenderer(output, { quiet: kind === "quiet", verbose: kind === "verbose" });
  for (const event of events) renderer.event(event);
  renderer.close();
  return { stdout: memory.stdout.text(), stderr: memory.stderr.text() };
}

describe("fleet plain lines", () => {
  it("a headline, a line per ended target, the summary table and the failed targets", () => {
    expect(render("plain").stdout).toBe(
      [
        "up on 3 targets, 2 at a time",
        "t1  ok  applied 3 migrations, now at 003 (12 ms)",
        "t2  failed  table poison already exists (at 002_b.sql:3) (5 ms)",
        "fleet summary (1.5 s):",
        "  targets  count",
        "  ok           1",
        "  failed       1",
        "  skipped      1",
        "  changed      2",
        "  total        3",
        "1 target skipped: --fail-fast stopped the run at the first failure",
        "failed 1 target:",
        "  target  where        error",
        "  t2      002_b.sql:3  table poison already exists",
        "",
      ].join("\n"),
    );
  });

  it("--verbose adds each target's migration as it starts; --quiet prints the failed target alone, on stderr", () => {
    expect(render("verbose").stdout).toContain("t1  001_a\n");
    expect(render("quiet")).toEqual({ stdout: "", stderr: "t2  failed  table poison already exists (at 002_b.sql:3) (5 ms)\n" });
  });

  it("says per command what an ok target did", () => {
    expect(targetText(ok("a", { changed: 0 }), "up")).toBe("up to date");
    expect(targetText(ok("a", { changed: 0, pending: 2 }), "up")).toBe("nothing applied, 2 pending");
    expect(targetText(ok("a", { changed: 1 }), "down")).toBe("rolled back 1 migration");
    expect(targetText(ok("a", { changed: 0, pending: 4 }), "status")).toBe("at 003, 4 pending");
    expect(targetText(ok("a", { changed: 0, version: undefined as unknown as string, pending: 4 }), "status")).toBe("nothing applied, 4 pending");
    expect(targetText(ok("a", { changed: 0, pending: 0 }), "plan")).toBe("nothing to do");
    expect(targetText(ok("a"), "validate")).toBe("no problems");
    expect(targetText(ok("a"), "drift")).toBe("no drift");
  });
});

describe("fleet --json", () => {
  it("one object per target (skipped included), then the summary with the failed targets' names", () => {
    const lines = render("json").stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line["type"], line["name"] ?? null, line["outcome"] ?? null])).toEqual([
      ["target", "t1", "ok"],
      ["target", "t2", "failed"],
      ["target", "t3", "skipped"],
      ["summary", null, null],
    ]);
    expect(lines[1]).toEqual({ type: "target", operation: "up", ...bad });
    expect(lines[3]).toEqual({ type: "summary", operation: "up", total: 3, ok: 1, failed: 1, skipped: 1, changed: 2, exitCode: 1, ms: 1500, stopped: "fail-fast", failedTargets: ["t2"] });
  });
});
