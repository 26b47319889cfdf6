// Planning must stay near-linear: a quadratic step turns 5000 migrations into seconds.
// test/support/growth.ts says how that is judged.

import { describe, expect, it } from "vitest";
import { plan, validate } from "../../../src/core/planner.js";
import { statusOf } from "../../../src/core/status.js";
import type { AppliedMigration, MigrationFile, Ordering, PlanRequest } from "../../../src/core/types.js";
import { measureGrowth } from "../../support/growth.js";
import { applied, many } from "./factories.js";

const N = 5000;
const LIMIT_MS = 200;

function history(ms: readonly MigrationFile[]): AppliedMigration[] {
  return ms.map((m, i) => applied(m.id, { batch: 1 + Math.floor(i / 100) }));
}

// Graph mode: each migration depends on its predecessor and on one far behind, so the graph is deep
// and wide at once. Linear mode: the same dependencies all point backwards, so they are valid too.
const deps = (i: number): string[] => (i === 1 ? [] : [String(i - 1), String(Math.max(1, Math.floor(i / 3)))]);

/** A project of `n` migrations and its full history. */
function project(n: number): { all: MigrationFile[]; rows: AppliedMigration[] } {
  const all = many(n, deps);
  return { all, rows: history(all) };
}

describe(`planning ${N} migrations`, () => {
  const { all, rows } = project(N);
  const tenth = project(N / 10);
  const at = (scale: number): { all: MigrationFile[]; rows: AppliedMigration[] } => (scale === 1 ? { all, rows } : tenth);
  // Warm the JIT on a small project so the measurement is of the algorithm, not of compilation.
  const small = project(100);
  for (const ordering of ["linear", "graph"] as const) {
    plan(small.all, small.rows, { direction: "up" }, { ordering, allowOutOfOrder: false });
    plan(small.all, small.rows, { direction: "down", all: true }, { ordering, allowOutOfOrder: false });
    plan(small.all, [], { direction: "up" }, { ordering, allowOutOfOrder: false });
  }

  interface Case {
    readonly name: string;
    readonly ordering: Ordering;
    /** Whether the history holds every migration (true) or none. */
    readonly appliedAll: boolean;
    readonly request: (ms: readonly MigrationFile[]) => PlanRequest;
    readonly steps: number;
  }
  const cases: Case[] = [
    { name: "linear up, all applied", ordering: "linear", appliedAll: true, request: () => ({ direction: "up" }), steps: 0 },
    { name: "graph up, all applied", ordering: "graph", appliedAll: true, request: () => ({ direction: "up" }), steps: 0 },
    { name: "linear up, nothing applied", ordering: "linear", appliedAll: false, request: () => ({ direction: "up" }), steps: N },
    { name: "graph up, nothing applied", ordering: "graph", appliedAll: false, request: () => ({ direction: "up" }), steps: N },
    {
      name: "graph up --to the last, nothing applied",
      ordering: "graph",
      appliedAll: false,
      request: (ms) => ({ direction: "up", to: String(ms.length) }),
      steps: N,
    },
    { name: "linear down --all", ordering: "linear", appliedAll: true, request: () => ({ direction: "down", all: true }), steps: N },
    { name: "graph down --all", ordering: "graph", appliedAll: true, request: () => ({ direction: "down", all: true }), steps: N },
    { name: "graph down --to 1", ordering: "graph", appliedAll: true, request: () => ({ direction: "down", to: "1" }), steps: N - 1 },
    { name: "graph down --batch", ordering: "graph", appliedAll: true, request: () => ({ direction: "down", batch: true }), steps: 100 },
    {
      name: "graph down versions (half of them)",
      ordering: "graph",
      appliedAll: true,
      request: (ms) => ({ direction: "down", versions: ms.slice(ms.length / 2).map((m) => m.version) }),
      steps: N / 2,
    },
  ];

  it.each(cases)("$name without a quadratic step", ({ ordering, appliedAll, request, steps }) => {
    const input = (scale: number): [MigrationFile[], AppliedMigration[], PlanRequest] => {
      const p = at(scale);
      return [p.all, appliedAll ? p.rows : [], request(p.all)];
    };
    const value = plan(...input(1), { ordering, allowOutOfOrder: false });
    expect(value.ok).toBe(true);
    if (value.ok) expect(value.steps).toHaveLength(steps);
    const growth = measureGrowth(input, (args) => plan(...args, { ordering, allowOutOfOrder: false }), LIMIT_MS);
    expect(growth.ok, growth.report).toBe(true);
  });

  it("validate and status without a quadratic step", () => {
    expect(validate(all, rows, { ordering: "graph", allowOutOfOrder: false })).toEqual([]);
    const v = measureGrowth(at, (p) => validate(p.all, p.rows, { ordering: "graph", allowOutOfOrder: false }), LIMIT_MS);
    expect(v.ok, v.report).toBe(true);
    expect(statusOf(all, rows).migrations).toHaveLength(N);
    const s = measureGrowth(at, (p) => statusOf(p.all, p.rows), LIMIT_MS);
    expect(s.ok, s.report).toBe(true);
  });

  it("reports 5000 problems without a quadratic step (every applied file changed)", () => {
    const changed = (scale: number): [MigrationFile[], AppliedMigration[]] => {
      const p = at(scale);
      return [p.all, p.rows.map((r) => ({ ...r, checksum: "old" }))];
    };
    const value = plan(...changed(1), { direction: "down", all: true }, { ordering: "graph", allowOutOfOrder: false });
    expect(value.ok).toBe(false);
    if (!value.ok) expect(value.problems).toHaveLength(N);
    const growth = measureGrowth(changed, ([ms, h]) => plan(ms, h, { direction: "down", all: true }, { ordering: "graph", allowOutOfOrder: false }), LIMIT_MS);
    expect(growth.ok, growth.report).toBe(true);
  });
});
