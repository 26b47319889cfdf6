import { compareVersions, versionKey } from "./version.js";

/**
 * The set of applied versions with its highest one at hand: adding or removing a version costs
 * O(log n) to find its place, and `head` is O(1), so keeping `PRAGMA user_version` current stays
 * linear over a run of thousands of migrations. Versions are held by their canonical key
 * (core/version.ts), so `001` and `1`, or `1.0` and `1`, are the same version.
 */
export class AppliedVersions {
  /** Canonical keys, ascending by `compareVersions`, no duplicates. */
  readonly #sorted: string[] = [];

  constructor(versions: Iterable<string> = []) {
    for (const version of versions) this.add(version);
  }

  #find(key: string): { readonly index: number; readonly found: boolean } {
    let lo = 0;
    let hi = this.#sorted.length;
    // appends and removals at the end are the common case
    const last = this.#sorted[hi - 1];
    if (last === undefined) return { index: 0, found: false };
    const atEnd = compareVersions(key, last);
    if (atEnd > 0) return { index: hi, found: false };
    if (atEnd === 0) return { index: hi - 1, found: true };
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareVersions(this.#sorted[mid] as string, key);
      if (c === 0) return { index: mid, found: true };
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return { index: lo, found: false };
  }

  add(version: string): void {
    const key = versionKey(version);
    const { index, found } = this.#find(key);
    if (!found) this.#sorted.splice(index, 0, key);
  }

  delete(version: string): void {
    const { index, found } = this.#find(versionKey(version));
    if (found) this.#sorted.splice(index, 1);
  }

  has(version: string): boolean {
    return this.#find(versionKey(version)).found;
  }

  /**
   * The highest applied version as an integer, 0 when none; -1 when the highest is not a whole
   * number (Flyway's `1.1`): there is no integer to record for it.
   */
  get head(): bigint {
    const last = this.#sorted[this.#sorted.length - 1];
    if (last === undefined) return 0n;
    return /^\d+$/.test(last) ? BigInt(last) : -1n;
  }
}
