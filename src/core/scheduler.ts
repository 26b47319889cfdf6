import type { PlanStep } from "./types.js";

export type StepResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface ScheduleOptions<T> {
  readonly steps: readonly PlanStep[];
  readonly workers: number;
  /** Versions that must never run at the same time as the key (conflicting pairs). */
  readonly exclusive: ReadonlyMap<string, ReadonlySet<string>>;
  /** Runs one step on a worker (1-based). */
  readonly run: (step: PlanStep, worker: number) => Promise<T>;
  /** Whether a failure is worth one retry alone (deadlock, lock timeout while others ran). */
  readonly retryAlone: (error: unknown, step: PlanStep) => boolean;
  /** Stops new starts when aborted. */
  readonly signal: AbortSignal;
  /** Called when a conflicting pair is kept apart, once per pair. */
  readonly onSerialised?: (waiting: PlanStep, running: PlanStep) => void;
}

export interface ScheduleResult<T> {
  /** Results in the order steps finished, with their step. */
  readonly results: readonly { readonly step: PlanStep; readonly result: StepResult<T>; readonly retried: boolean }[];
  /** Steps never started (after a failure or an abort). */
  readonly notStarted: readonly PlanStep[];
}

/**
 * Runs steps whose predecessors (`step.after`) are done, up to `workers` at a time, lowest version
 * first, never two conflicting steps side by side. A failure stops new starts and lets running
 * steps finish; a retryable failure beside others is retried alone once everything else is done.
 */
export async function schedule<T>(options: ScheduleOptions<T>): Promise<ScheduleResult<T>> {
  const { steps } = options;
  const inPlan = new Set(steps.map((s) => s.migration.version));
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, PlanStep>();
  const freeWorkers = Array.from({ length: Math.max(1, options.workers) }, (_, i) => i + 1).reverse();
  const results: { step: PlanStep; result: StepResult<T>; retried: boolean }[] = [];
  const retries: PlanStep[] = [];
  const serialisedPairs = new Set<string>();
  let stopped = false;

  const ready = (step: PlanStep) =>
    !started.has(step.migration.version) && step.after.every((v) => done.has(v) || !inPlan.has(v));

  const conflictsWithRunning = (step: PlanStep): PlanStep | undefined => {
    const excluded = options.exclusive.get(step.migration.version);
    if (!excluded) return undefined;
    for (const [version, other] of running) if (excluded.has(version)) return other;
    return undefined;
  };

  await new Promise<void>((resolveAll) => {
    const pump = () => {
      if (!stopped && !options.signal.aborted) {
        for (const step of steps) {
          if (freeWorkers.length === 0) break;
          if (!ready(step)) continue;
          const blocker = conflictsWithRunning(step);
          if (blocker) {
            const key = `${blocker.migration.version}/${step.migration.version}`;
            if (!serialisedPairs.has(key)) {
              serialisedPairs.add(key);
              options.onSerialised?.(step, blocker);
            }
            continue;
          }
          const worker = freeWorkers.pop() as number;
          const version = step.migration.version;
          started.add(version);
          running.set(version, step);
          const concurrent = running.size > 1;
          options.run(step, worker).then(
            (value) => finish(step, worker, { ok: true, value }, concurrent),
            (error: unknown) => finish(step, worker, { ok: false, error }, concurrent),
          );
        }
      }
      if (running.size === 0) resolveAll();
    };
    const finish = (step: PlanStep, worker: number, result: StepResult<T>, concurrent: boolean) => {
      const version = step.migration.version;
      running.delete(version);
      freeWorkers.push(worker);
      const othersRan = concurrent || running.size > 0;
      if (result.ok) {
        done.add(version);
        results.push({ step, result, retried: false });
      } else if (othersRan && options.retryAlone(result.error, step)) {
        retries.push(step);
      } else {
        results.push({ step, result, retried: false });
        stopped = true;
      }
      pump();
    };
    pump();
  });

  // Retried alone, in version order; a step still failing stops the rest.
  for (const step of retries) {
    if (stopped || options.signal.aborted) break;
    try {
      const value = await options.run(step, 1);
      done.add(step.migration.version);
      results.push({ step, result: { ok: true, value }, retried: true });
    } catch (error) {
      results.push({ step, result: { ok: false, error }, retried: true });
      stopped = true;
    }
  }
  // Steps that became ready only after a retried one finished.
  if (!stopped && !options.signal.aborted && retries.length > 0) {
    const rest = steps.filter((s) => !started.has(s.migration.version));
    if (rest.length > 0) {
      const tail = await schedule({ ...options, steps: rest });
      results.push(...tail.results);
      return { results, notStarted: tail.notStarted };
    }
  }
  const finished = new Set(results.map((r) => r.step.migration.version));
  return { results, notStarted: steps.filter((s) => !finished.has(s.migration.version)) };
}
