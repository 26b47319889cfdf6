// Measures a group of cases together: one untimed warm-up run of each (when asked), then the
// measured runs interleaved (A B C, A B C, …) so drift on the machine hits every case alike.
// Each run: prepare (untimed: a fresh database, maybe pre-migrated) → the timed process → check
// (untimed, first measured run only) → cleanup (untimed: the database is dropped).
// A case whose process fails is not repeated; its row reports the error.

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
 * @returns {Promise<Map<string, { summary?: object, error?: string, facts: object[] }>>}
 */
export async function measureGroup(cases, { runs, warmup, progress, cwd }) {
  const results = new Map(cases.map((c) => [c.id, { samples: [], facts: [], error: undefined }]));
  const rounds = (warmup ? 1 : 0) + runs;
  for (let round = 0; round < rounds; round++) {
    const measured = !warmup || round > 0;
    for (const c of cases) {
      const result = results.get(c.id);
      if (result.error !== undefined) continue;
      progress(`${c.id}: ${measured ? `run ${round + (warmup ? 0 : 1)}/${runs}` : "warm-up"}`);
      let prep;
      try {
        prep = await c.prepare();
        const { script, args, cwd: caseCwd } = c.command(prep);
        const sample = await runNode(script, args, { cwd: caseCwd ?? cwd });
        if (round === rounds - runs && c.check !== undefined) await c.check(prep, sample);
        if (measured) {
          result.samples.push(sample);
          if (c.inspect !== undefined) result.facts.push(c.inspect(prep, sample));
        }
      } catch (error) {
        result.error = error instanceof Error ? error.message : String(error);
      } finally {
        if (prep !== undefined && c.cleanup !== undefined) await c.cleanup(prep);
      }
    }
  }
  const out = new Map();
  for (const [id, r] of results) {
    out.set(id, {
      summary: r.error === undefined && r.samples.length > 0 ? summarize(r.samples) : undefined,
      error: r.error,
      facts: r.facts,
    });
  }
  return out;
}
