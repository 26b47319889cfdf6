// Planning must stay near-linear: a quadratic step turns 5000 migrations into seconds.

import { describe, expect, it } from "vitest";
import { plan, validate } from "../../../src/core/planner.js";
import { statusOf } from "../../../src/core/status.js";
import type { AppliedMigration, MigrationFile, Ordering, PlanRequest } from "../../../src/core/types.js";
import { applied, many } from "./factories.js";

const N = 5000;
const LIMIT_MS = 200;

function history(ms: readonly MigrationFile[]): AppliedMigration[] {
  return ms.map((m, i) => applied(m.id, { batch: 1 + Math.floor(i / 100) }));
}

// Graph mode: each migration depends on its predecessor and on one far behind, so the graph is deep
// and wide at once. Linear mode: the same dependencies all point backwards, so they are valid too.
const deps = (i: number): string[] => (i === 1 ? [] : [String(i - 1), String(Math.max(1, Math.floor(i / 3)))]);

/** The best of three runs: the budget guards against a quadratic step, not a busy machine. */
function timed<T>(fn: () => T): { value: T; ms: number } {
  let best = Number.POSITIVE_INFINITY;
  let value = fn();
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - started);
  }
  return { value, ms: best };
}

describe(`planning ${N} migrations`, () => {
  const all = many(N, deps);
  const rows = history(all);
  // Warm the JIT on a small project so the measurement is of the algorithm, not of compilation.
  const small = many(100, deps);
  for (const ordering of ["linear", "graph"] as const) {
    plan(small, history(small), { direction: "up" }, { ordering, allowOutOfOrder: false });
    plan(small, history(small), { direction: "down", all: true }, { ordering, allowOutOfOrder: false });
    plan(small, [], { direction: "up" }, { ordering, allowOutOfOrder: false });
  }

  const cases: { name: string; ordering: Ordering; history: AppliedMigration[]; request: PlanRequest; steps: number }[] = [
    { name: "linear up, all applied", ordering: "linear", history: rows, request: { direction: "up" }, steps: 0 },
    { name: "graph up, all applied", ordering: "graph", history: rows, request: { direction: "up" }, steps: 0 },
    { name: "linear up, nothing applied", ordering: "linear", history: [], request: { direction: "up" }, steps: N },
    { name: "graph up, nothing applied", ordering: "graph", history: [], request: { direction: "up" }, steps: N },
    { name: "graph up --to the last, nothing applied", ordering: "graph", history: [], request: { direction: "up", to: String(N) }, steps: N },
    { name: "linear down --all", ordering: "linear", history: rows, request: { direction: "down", all: true }, steps: N },
    { name: "graph down --all", ordering: "graph", history: rows, request: { direction: "down", all: true }, steps: N },
    { name: "graph down --to 1", ordering: "graph", history: rows, request: { direction: "down", to: "1" }, steps: N - 1 },
    { name: "graph down --batch", ordering: "graph", history: rows, request: { direction: "down", batch: true }, steps: 100 },
    {
      name: "graph down versions (half of them)",
      ordering: "graph",
      history: rows,
      request: { direction: "down", versions: all.slice(N / 2).map((m) => m.version) },
      steps: N / 2,
    },
  ];

  it.each(cases)("$name in < 200 ms", ({ ordering, history: h, request, steps }) => {
    const { value, ms } = timed(() => plan(all, h, request, { ordering, allowOutOfOrder: false }));
    expect(value.ok).toBe(true);
    if (value.ok) expect(value.steps).toHaveLength(steps);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it("validate and status in < 200 ms", () => {
    const v = timed(() => validate(all, rows, { ordering: "graph", allowOutOfOrder: false }));
    expect(v.value).toEqual([]);
    expect(v.ms).toBeLessThan(LIMIT_MS);
    const s = timed(() => statusOf(all, rows));
    expect(s.value.migrations).toHaveLength(N);
    expect(s.ms).toBeLessThan(LIMIT_MS);
  });

  it("reports 5000 problems in < 200 ms (every applied file changed)", () => {
    const changed = rows.map((r) => ({ ...r, checksum: "old" }));
    const { value, ms } = timed(() => plan(all, changed, { direction: "down", all: true }, { ordering: "graph", allowOutOfOrder: false }));
    expect(value.ok).toBe(false);
    if (!value.ok) expect(value.problems).toHaveLength(N);
    expect(ms).toBeLessThan(LIMIT_MS);
  });
});
