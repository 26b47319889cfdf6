// Measures a group of cases together: one untimed warm-up run of each (when asked), then the
// measured runs interleaved (A B C, A B C, …) so drift on the machine hits every case alike.
// Each run: prepare (untimed: a fresh database, maybe pre-migrated) → the timed process → check
// (untimed, first measured run only) → cleanup (untimed: the database is dropped).
// A failed run is retried once; a case that fails twice is not run again and its row reports the error.

import { runNode, summarize } from "./measure.mjs";

/**
 * @typedef {object} BenchCase
 * @property {string} id
 * @property {() => Promise<object>} prepare   untimed; returns what command/check/cleanup need
 * @property {(prep: object) => { script: string, args: string[], cwd?: string }} command
 * @property {(prep: object, sample: object) => Promise<void>} [check]  throws when the run did not do its work
 * @property {(prep: object, sample: object) => object} [inspect]  extracts facts from a run's output
 * @property {(prep: object) => Promise<void>} [cleanup]
 */

/**
 * @param {readonly BenchCase[]} cases
 * @param {{ runs: number, warmup: boolean, progress: (text: string) => void, cwd: string }} options
 * @returns {Promise<Map<string, { summary?: object, error?: string, retried: string[], facts: object[] }>>}
 */
export async function measureGroup(cases, { runs, warmup, progress, cwd }) {
  const results = new Map(cases.map((c) => [c.id, { samples: [], facts: [], error: undefined, retried: [] }]));
  const rounds = (warmup ? 1 : 0) + runs;
  const firstMeasured = rounds - runs;
  for (let round = 0; round < rounds; round++) {
    const measured = round >= firstMeasured;
    for (const c of cases) {
      const result = results.get(c.id);
      if (result.error !== undefined) continue;
      const what = measured ? `run ${round - firstMeasured + 1}/${runs}` : "warm-up";
      // one retry: a run can fail for reasons outside Stratum (a server restart, a reinstall of
      // node_modules); a failure that repeats is Stratum's, and the case stops there
      for (let attempt = 1; attempt <= 2; attempt++) {
        progress(`${c.id}: ${what}${attempt > 1 ? " (retry)" : ""}`);
        try {
          const sample = await runOnce(c, cwd, round === firstMeasured);
          if (measured) {
            result.samples.push(sample.sample);
            if (c.inspect !== undefined) result.facts.push(c.inspect(sample.prep, sample.sample));
          }
          break;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (attempt === 2) result.error = message;
          else result.retried.push(`${what}: ${message}`);
        }
      }
    }
  }
  const out = new Map();
  for (const [id, r] of results) {
    out.set(id, {
      summary: r.error === undefined && r.samples.length > 0 ? summarize(r.samples) : undefined,
      error: r.error,
      retried: r.retried,
      facts: r.facts,
    });
  }
  return out;
}

/** prepare → timed process → check (when asked) → cleanup, always. */
async function runOnce(c, cwd, withCheck) {
  let prep;
  try {
    prep = await c.prepare();
    const { script, args, cwd: caseCwd } = c.command(prep);
    const sample = await runNode(script, args, { cwd: caseCwd ?? cwd });
    if (withCheck && c.check !== undefined) await c.check(prep, sample);
    return { prep, sample };
  } finally {
    if (prep !== undefined && c.cleanup !== undefined) await c.cleanup(prep);
  }
}
