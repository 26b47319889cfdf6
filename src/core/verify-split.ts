// Where verify splits a set of migrations between shadow databases verified at the same time
// (engine/verify.ts verifyParts): pure, over the plan's order and the versions only replayed.

import type { MigrationFile } from "./types.js";

/** Fewer migrations to verify than this in a part: the set is split in fewer parts (one shadow does them all). */
export const SPLIT_MIN = 40;
/** The most shadows verify splits a set across. */
export const PARALLEL_MAX = 16;
/** Replaying a migration (a plain up, among others) costs about an eighth of verifying one (three runs, three snapshots). */
const REPLAY_COST = 1;
const CYCLE_COST = 8;

/**
 * Where the set is split: the parts' bounds `[0, s1, …, n]`, one part per shadow, or null for a
 * single part. Part k's shadow first replays every migration before s_k with one plain `up`, then
 * verifies [s_k, s_k+1); the parts run at the same time, each on a connection (and a server
 * process) of its own. The bounds even out the parts' work, replays included, so the first part
 * is the largest; each part verifies at least SPLIT_MIN migrations.
 */
export function splitBounds(ordered: readonly MigrationFile[], replayed: ReadonlySet<string>, parts: number): number[] | null {
  const cost = ordered.map((m) => (replayed.has(m.version) ? REPLAY_COST : CYCLE_COST));
  const verified = cost.filter((c) => c === CYCLE_COST).length;
  for (let n = Math.min(parts, Math.floor(verified / SPLIT_MIN)); n >= 2; n--) {
    const bounds = boundsFor(cost, n);
    const enough = bounds.slice(0, -1).every((from, k) => cost.slice(from, bounds[k + 1]).filter((c) => c === CYCLE_COST).length >= SPLIT_MIN);
    if (enough) return bounds;
  }
  return null;
}

/** `n` parts whose longest (its replay and its own range) is as short as it can be: a search on that length. */
function boundsFor(cost: readonly number[], n: number): number[] {
  const total = cost.reduce((a, b) => a + b, 0);
  // with a budget, each part takes as much as fits after replaying what comes before it
  const fill = (budget: number): number[] | null => {
    const bounds = [0];
    let at = 0;
    for (let k = 0; k < n && at < cost.length; k++) {
      // what comes before the part is replayed first, whatever each migration is in its own part
      let used = at * REPLAY_COST;
      const start = at;
      while (at < cost.length && (at === start || used + cost[at]! <= budget)) used += cost[at++]!;
      bounds.push(at);
    }
    return at === cost.length ? bounds : null;
  };
  let low = total / n;
  let high = total;
  let best = [0, cost.length];
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    const bounds = fill(mid);
    if (bounds === null) low = mid;
    else {
      best = bounds;
      high = mid;
    }
  }
  return best;
}

