import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { createOutput } from "../../../src/cli/io.js";
import { createFleetStatusRenderer, fleetStatusLines, fleetVersions, targetPosition, targetStatuses } from "../../../src/cli/render/fleet-status.js";
import type { FleetEvent, StatusState, TargetResult } from "../../../src/index.js";
import { memoryIo } from "./cli-harness.js";

const colors = pc.createColors(false);
const NAMES = ["users", "orders", "items", "prices", "audit"];

/** A status result whose detail is the target's StatusReport (only the fields the view reads matter). */
function status(name: string, states: readonly StatusState[]): TargetResult {
  const migrations = states.map((state, i) => ({
    version: String(i + 1).padStart(3, "0"),
    name: NAMES[i] ?? `m${i + 1}`,
    state,
    checksum: null,
    appliedAt: null,
    durationMs: null,
    file: null,
  }));
  const pending = states.filter((s) => s === "pending").length;
  return { name, outcome: "ok", exitCode: 0, changed: 0, pending, ms: 3, detail: { migrations, pending, dirty: false, problems: [] } };
}

const unreachable = (name: string): TargetResult => ({
  name,
  outcome: "failed",
  exitCode: 3,
  changed: 0,
  ms: 3,
  error: { message: "cannot connect to postgres://127.0.0.1:5999/app: connection refused" },
});

describe("status --all-targets: a small fleet as a matrix", () => {
  it("a row per target, a column per version, the key and the legend", () => {
    const lines = fleetStatusLines(
      [
        status("eu", ["applied", "applied", "applied", "applied", "applied"]),
        status("us", ["applied", "applied", "failed", "pending", "pending"]),
        status("asia", ["applied", "changed", "pending", "pending", "pending"]),
        unreachable("moon"),
      ],
      { colors, columns: 100 },
    );
    expect(lines).toEqual([
      "TARGET  1  2  3  4  5  AT          PENDING",
      "eu      ✓  ✓  ✓  ✓  ✓  005_audit         0",
      "us      ✓  ✓  ✗  ·  ·  002_orders        2",
      "asia    ✓  !  ·  ·  ·  002_orders        3",
      "✗ moon: cannot connect to postgres://127.0.0.1:5999/app: connection refused",
      "",
      "1 001_users   2 002_orders   3 003_items   4 004_prices   5 005_audit",
      "✓ applied   · pending   ✗ failed   ! changed or missing",
    ]);
  });

  it("wraps the key to the width", () => {
    const lines = fleetStatusLines([status("eu", ["applied", "applied", "applied", "pending", "pending"])], { colors, columns: 60 });
    expect(lines.slice(-3)).toEqual(["1 001_users   2 002_orders   3 003_items   4 004_prices", "5 005_audit", "✓ applied   · pending   ✗ failed   ! changed or missing"]);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60);
  });
});

describe("status --all-targets: a large fleet as a compact list", () => {
  const fleet = (): TargetResult[] => {
    const results: TargetResult[] = [];
    for (let i = 0; i < 940; i++) results.push(status(`tenant_${String(i).padStart(4, "0")}`, ["applied", "applied", "applied", "applied", "applied"]));
    for (let i = 940; i < 997; i++) results.push(status(`tenant_${String(i).padStart(4, "0")}`, ["applied", "applied", "pending", "pending", "pending"]));
    results.push(status("tenant_0997", ["applied", "applied", "failed", "pending", "pending"]));
    results.push(status("tenant_0998", ["pending", "pending", "pending", "pending", "pending"]));
    results.push(unreachable("tenant_0999"));
    return results;
  };

  it("groups targets by where they stand, then names each one not at head", () => {
    const lines = fleetStatusLines(fleet(), { colors, columns: 100 });
    expect(lines.slice(0, 6)).toEqual([
      "1,000 targets, head 005_audit",
      "940 targets at 005_audit, 0 pending",
      " 57 targets at 002_orders, 3 pending",
      "  1 target  at 002_orders, 2 pending",
      "  1 target  at no version, 5 pending",
      "1 target not read",
    ]);
    expect(lines[6]).toBe("");
    expect(lines[7]).toBe("  tenant_0940: at 002_orders, 3 pending");
    expect(lines).toContain("✗ tenant_0997: at 002_orders, 2 pending, failed 003_items");
    expect(lines).toContain("  tenant_0998: at no version, 5 pending");
    expect(lines.at(-1)).toBe("✗ tenant_0999: cannot connect to postgres://127.0.0.1:5999/app: connection refused");
    // one line per target not at head (57 + 1 + 1 + the unreadable one), none for the 940 at head
    expect(lines.filter((line) => line.includes("tenant_"))).toHaveLength(60);
  });

  it("takes the list when the matrix would be too wide or too tall", () => {
    const few = [status("a_very_long_target_name_indeed_for_a_matrix", ["applied", "pending"]), status("b", ["applied", "applied"])];
    expect(fleetStatusLines(few, { colors, columns: 100 })[0]).toBe("TARGET                                       1  2  AT          PENDING");
    expect(fleetStatusLines(few, { colors, columns: 40 })[0]).toBe("2 targets, head 002_orders");
    const many = Array.from({ length: 31 }, (_, i) => status(`t${i}`, ["applied"]));
    expect(fleetStatusLines(many, { colors, columns: 200 })).toEqual(["31 targets, head 001_users", "31 targets at 001_users, 0 pending"]);
    expect(fleetStatusLines(many, { colors, columns: 200, maxTargets: 40 })[0]).toMatch(/^TARGET/);
  });
});

describe("status --all-targets: the pieces", () => {
  it("a target's position: its newest applied migration, pending count, failures", () => {
    const migrations = [
      { version: "001", name: "users", state: "applied" as const },
      { version: "002", name: "orders", state: "changed" as const },
      { version: "003", name: "items", state: "running" as const },
      { version: "004", name: "prices", state: "rolled_back" as const },
      { version: "000", name: "gone", state: "missing" as const },
    ];
    expect(targetPosition(migrations)).toEqual({ at: "002_orders", pending: 1, failed: ["003_items"], attention: ["002_orders", "000_gone"] });
  });

  it("versions in the targets' order, and results without a status detail as unread", () => {
    const targets = targetStatuses([status("a", ["applied"]), status("b", ["applied", "pending"]), { name: "c", outcome: "skipped", exitCode: 0, changed: 0, ms: 0 }]);
    expect(fleetVersions(targets).map((m) => m.version)).toEqual(["001", "002"]);
    expect(targets[2]).toEqual({ name: "c", migrations: null, error: { message: "skipped" } });
  });
});

describe("status --all-targets: the renderer", () => {
  it("collects the targets' states as they end and prints the matrix at the end, after closing the live view", () => {
    const memory = memoryIo();
    const output = createOutput(memory.io, { color: false, verbosity: "normal", json: false });
    const seen: string[] = [];
    const progress = { event: (e: FleetEvent) => void seen.push(e.type), close: () => void seen.push("close") };
    const renderer = createFleetStatusRenderer(output, progress);
    const results = [status("eu", ["applied", "applied"]), status("us", ["applied", "pending"])];
    renderer.event({ type: "fleet-start", total: 2, concurrency: 2, canary: 0, operation: "status" });
    for (const result of results) {
      renderer.event({ type: "target-start", name: result.name });
      renderer.event({ type: "target-end", result });
    }
    expect(memory.stdout.text()).toBe("");
    renderer.event({ type: "fleet-end", summary: { total: 2, ok: 2, failed: 0, skipped: 0, changed: 0, exitCode: 0, ms: 9, failures: [] } });
    renderer.close();
    expect(seen).toEqual(["fleet-start", "target-start", "target-end", "target-start", "target-end", "close", "close"]);
    expect(memory.stdout.text()).toBe(`${fleetStatusLines(results, { colors, columns: 100 }).join("\n")}\n`);
    expect(memory.stdout.text()).toContain("us      ✓  ·  001_users         1");
  });
});
