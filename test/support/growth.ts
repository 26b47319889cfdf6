// Scale tests guard against super-linear steps (a quadratic scan, a catastrophic backtrack), not
// against a busy machine: speed itself is measured by `npm run bench`. A wall-clock budget alone
// fails on a CI machine with CPU steal; a growth ratio alone is noisy for fast work. So a case
// passes when its full size runs within the budget outright, or, failing that, when the full size
// took at most MAX_GROWTH times a tenth of it: linear work gives about 10, a quadratic step 100.

/** Full size over a tenth: near 10 for linear (or n log n) work, near 100 for a quadratic step. */
export const MAX_GROWTH = 40;

/** The scale of the small measurement: a tenth of the full size. */
export const TENTH = 0.1;

export interface Growth {
  /** Whether the case passed: within the budget, or within MAX_GROWTH. */
  readonly ok: boolean;
  /** Milliseconds at the full size (the best of the runs made). */
  readonly ms: number;
  /** What was measured, for the assertion's message. */
  readonly report: string;
}

function elapsed(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

function best(fn: () => unknown, runs: number): number {
  let ms = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) ms = Math.min(ms, elapsed(fn));
  return ms;
}

/**
 * Times `run` on `prepare(1)` and, when that exceeds `budgetMs`, compares the best of three at
 * full size with the best of three at `prepare(TENTH)`. `prepare` is not timed; a scale of 1 is
 * the full size, and it decides itself what a tenth means (a tenth of the output, for work whose
 * output grows with the square of its input).
 */
export function measureGrowth<T>(prepare: (scale: number) => T, run: (input: T) => unknown, budgetMs: number): Growth {
  const full = prepare(1);
  const first = elapsed(() => run(full));
  if (first < budgetMs) return { ok: true, ms: first, report: `${first.toFixed(0)} ms, within ${budgetMs} ms` };
  const small = prepare(TENTH);
  run(small); // warm up
  const smallMs = Math.max(best(() => run(small), 3), 0.5);
  const largeMs = Math.min(first, best(() => run(full), 2));
  const growth = largeMs / smallMs;
  const report = `${largeMs.toFixed(0)} ms over the ${budgetMs} ms budget; a tenth took ${smallMs.toFixed(1)} ms, growth ${growth.toFixed(1)}× (at most ${MAX_GROWTH}×)`;
  return { ok: largeMs < budgetMs || growth <= MAX_GROWTH, ms: largeMs, report };
}

/**
 * measureGrowth for work that must be set up afresh for each run (a spawned CLI on a new project
 * and database): `timeAt(scale)` prepares its input at that scale, runs it, and returns the
 * milliseconds of the run alone. `firstMs` is the full size's time already measured. Over the
 * budget, the best of three at a tenth is compared with the best of the full size's runs. The
 * process's fixed start-up cost is in both, so the ratio understates growth a little for small
 * work; a quadratic step in a big input still shows.
 */
export async function judgeGrowth(timeAt: (scale: number) => Promise<number>, firstMs: number, budgetMs: number): Promise<Growth> {
  if (firstMs < budgetMs) return { ok: true, ms: firstMs, report: `${firstMs.toFixed(0)} ms, within ${budgetMs} ms` };
  let smallMs = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) smallMs = Math.min(smallMs, await timeAt(TENTH));
  smallMs = Math.max(smallMs, 0.5);
  const largeMs = Math.min(firstMs, await timeAt(1));
  const growth = largeMs / smallMs;
  const report = `${largeMs.toFixed(0)} ms over the ${budgetMs} ms budget; a tenth took ${smallMs.toFixed(0)} ms, growth ${growth.toFixed(1)}× (at most ${MAX_GROWTH}×)`;
  return { ok: largeMs < budgetMs || growth <= MAX_GROWTH, ms: largeMs, report };
}
