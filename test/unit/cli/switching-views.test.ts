// The views of a project switched from another tool: the layout line of plan and validate, and
// what status and plan say of a SQLite database kept by PRAGMA user_version before up adopts it.
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import type { PlanResult, ValidateReport } from "../../../src/api-types.js";
import { layoutLines, planJson, planLines } from "../../../src/cli/render/plan-view.js";
import { statusJson, statusLines } from "../../../src/cli/render/status-view.js";
import { validateLines } from "../../../src/cli/render/validate-view.js";
import type { StatusReport, UserVersionAhead } from "../../../src/core/types.js";

const colors = pc.createColors(false);

const ADOPTING: UserVersionAhead = {
  head: "2",
  adopt: ["001", "002"],
  refusal: null,
  message: "up will first adopt 1–2 from PRAGMA user_version = 2 (recorded as applied without running them)",
};

const step = (version: string): PlanResult["steps"][number] => ({
  direction: "up",
  version,
  name: `t${version}`,
  file: `${version}_t.sql`,
  reason: "pending",
  after: [],
  transaction: true,
  outsideTransaction: null,
  statements: 1,
});

describe("layout lines", () => {
  it("name the layout and how it was chosen; Stratum's own is not named", () => {
    expect(layoutLines({ name: "goose", detected: true })).toEqual(["layout: goose (detected)"]);
    expect(layoutLines({ name: "flyway", detected: false })).toEqual(["layout: flyway (from format)"]);
    expect(layoutLines(undefined)).toEqual([]);
  });

  it("open plan and validate, and plan --json carries the layout", () => {
    const plan: PlanResult = { steps: [step("1")], warnings: [], layout: { name: "flyway", detected: true } };
    expect(planLines(plan, "up", colors).slice(0, 3)).toEqual(["layout: flyway (detected)", "", "apply 1 migration, in this order:"]);
    expect(planJson(plan)).toEqual({ layout: { name: "flyway", detected: true }, steps: plan.steps, warnings: [] });
    const report: ValidateReport = { ok: true, problems: [], migrations: 3, layout: { name: "goose", detected: false } };
    expect(validateLines(report, false, colors)).toEqual(["layout: goose (from format)", "ok: 3 migrations checked, no problems"]);
  });
});

describe("a database up would adopt from user_version", () => {
  it("plan says the adoption above the steps that would run; --json carries it", () => {
    const plan: PlanResult = { steps: [step("003")], warnings: [], userVersion: ADOPTING };
    const lines = planLines(plan, "up", colors);
    expect(lines.slice(0, 3)).toEqual([ADOPTING.message, "", "apply 1 migration, in this order:"]);
    expect(planJson(plan)).toEqual({ steps: plan.steps, warnings: [], userVersion: ADOPTING });
  });

  it("status marks the adopted versions, counts them apart and says what up does first", () => {
    const entry = (version: string) => ({ version, name: `t${version}`, state: "pending" as const, checksum: "c", appliedAt: null, durationMs: null, file: `${version}_t.sql` });
    const report: StatusReport = { migrations: [entry("001"), entry("002"), entry("003")], pending: 1, dirty: false, problems: [], userVersion: ADOPTING };
    const lines = statusLines(report, colors, { database: "sqlite:/app/legacy.db" });
    expect(lines.find((line) => line.startsWith("001"))).toMatch(/^001\s+t001\s+adopt \(user_version\)/);
    expect(lines.find((line) => line.startsWith("003"))).toMatch(/^003\s+t003\s+pending/);
    expect(lines.slice(-2)).toEqual(["0 applied, 1 pending, 2 to adopt", ADOPTING.message]);
    expect(statusJson(report, "sqlite:/app/legacy.db")).toMatchObject({ pending: 1, userVersion: ADOPTING });
  });

  it("a refusal is said as up will refuse it", () => {
    const refusing: UserVersionAhead = { head: "2", adopt: [], refusal: "PRAGMA user_version = 2 but …; run …", message: "up will refuse: PRAGMA user_version = 2 but …; run …" };
    const plan: PlanResult = { steps: [step("001")], warnings: [], userVersion: refusing };
    expect(planLines(plan, "up", colors)[0]).toBe(refusing.message);
  });
});
