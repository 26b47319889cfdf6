/**
 * The set of applied versions with its highest one at hand: adding or removing a version costs
 * O(log n) to find its place, and `head` is O(1), so keeping `PRAGMA user_version` current stays
 * linear over a run of thousands of migrations.
 */
export class AppliedVersions {
  /** Ascending, no duplicates. */
  readonly #sorted: bigint[] = [];

  constructor(versions: Iterable<string> = []) {
    for (const version of versions) this.add(version);
  }

  #find(value: bigint): { readonly index: number; readonly found: boolean } {
    let lo = 0;
    let hi = this.#sorted.length;
    // appends and removals at the end are the common case
    const last = this.#sorted[hi - 1];
    if (last === undefined || value > last) return { index: hi, found: false };
    if (value === last) return { index: hi - 1, found: true };
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.#sorted[mid] as bigint;
      if (at === value) return { index: mid, found: true };
      if (at < value) lo = mid + 1;
      else hi = mid;
    }
    return { index: lo, found: false };
  }

  add(version: string): void {
    const value = BigInt(version);
    const { index, found } = this.#find(value);
    if (!found) this.#sorted.splice(index, 0, value);
  }

  delete(version: string): void {
    const { index, found } = this.#find(BigInt(version));
    if (found) this.#sorted.splice(index, 1);
  }

  has(version: string): boolean {
    return this.#find(BigInt(version)).found;
  }

  /** The highest applied version, 0 when none. */
  get head(): bigint {
    return this.#sorted[this.#sorted.length - 1] ?? 0n;
  }
}
