// A version is one or more parts of digits separated by `.` or `_`: Stratum's own `001` or
// `20261121093000`, Flyway's `1.1`, `2024.01.05.1` or `1_1`. Versions compare part by part as
// integers, exactly as Flyway does: `001` = `1`, `1.0` = `1`, `1_1` = `1.1`, and
// `1` < `1.1` < `1.2` < `1.10` < `2`. Pure functions, no I/O.

import type { MigrationFile } from "./types.js";

const DIGITS = /^\d+$/;
const VERSION = /^\d+(?:[._]\d+)*$/;

/** What a version looks like, for messages: "a version such as 3, 003, 1.1 or 2024.01.05.1". */
export const VERSION_EXAMPLES = "a version such as 3, 003, 1.1 or 2024.01.05.1";

/**
 * Whether `v` is a version: digits, optionally in parts separated by `.` or `_` (`003`, `1.1`,
 * `2024.01.05.1`, `1_1`), as written in a file name or given on the command line.
 */
export function isVersion(v: string): boolean {
  return VERSION.test(v.trim());
}

/** `s` without leading zeros (`007` → `7`, `000` → `0`); `s` is digits. */
function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48 /* "0" */) i++;
  return i === 0 ? s : s.slice(i);
}

/**
 * The canonical form of a version: each part without leading zeros, joined by `.`, trailing zero
 * parts dropped (`007` → `7`, `1.0` → `1`, `1_01` → `1.1`, `0.0` → `0`). Two versions are the same
 * exactly when their keys are equal. Anything that is not a version is returned trimmed and
 * otherwise unchanged.
 */
export function versionKey(v: string): string {
  let key = KEYS.get(v);
  if (key === undefined) {
    if (KEYS.size >= KEYS_KEPT) KEYS.clear();
    key = keyOf(v);
    KEYS.set(v, key);
  }
  return key;
}

/**
 * Keys already worked out: a run asks for the key of each of thousands of versions several times
 * (merging files with rows, checking duplicates, planning), and a lookup costs less than a regular
 * expression and a slice each time. Bounded, since a long-lived process may see many.
 */
const KEYS = new Map<string, string>();
const KEYS_KEPT = 100_000;

function keyOf(v: string): string {
  const t = v.trim();
  if (DIGITS.test(t)) return stripZeros(t);
  if (!VERSION.test(t)) return t;
  const parts = t.split(/[._]/).map(stripZeros);
  let n = parts.length;
  while (n > 1 && parts[n - 1] === "0") n--;
  return parts.slice(0, n).join(".");
}

/** `s` trimmed, without allocating in the common case of a string that starts and ends with a digit. */
function trimmed(s: string): string {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return first >= 48 && first <= 57 && last >= 48 && last <= 57 ? s : s.trim();
}

/** Whether every character of `s` from `i` on is `0` or a separator (the rest is zero parts). */
function restIsZero(s: string, i: number): boolean {
  for (let k = i; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c !== 48 && c !== 46 /* "." */ && c !== 95 /* "_" */) return false;
  }
  return true;
}

/**
 * Compares two valid versions part by part without allocating: within a part, digits without
 * leading zeros order by length, then lexically; missing parts count as zero.
 */
function compareValid(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    if (i >= a.length) return j >= b.length || restIsZero(b, j) ? 0 : -1;
    if (j >= b.length) return restIsZero(a, i) ? 0 : 1;
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let ie = i;
    while (ie < a.length && a.charCodeAt(ie) >= 48 && a.charCodeAt(ie) <= 57) ie++;
    let je = j;
    while (je < b.length && b.charCodeAt(je) >= 48 && b.charCodeAt(je) <= 57) je++;
    if (ie - i !== je - j) return ie - i < je - j ? -1 : 1;
    for (; i < ie; i++, j++) {
      const d = a.charCodeAt(i) - b.charCodeAt(j);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    i = ie + 1;
    j = je + 1;
  }
}

/** Whether `s` (untrimmed) is a version; a scan, no regex, for the hot comparison path. */
function isVersionFast(s: string): boolean {
  if (s.length === 0) return false;
  let digit = false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) digit = true;
    else if ((c === 46 || c === 95) && digit) digit = false;
    else return false;
  }
  return digit;
}

/**
 * Compares two versions part by part as integers (`001` == `1`, `9` < `10`, `1.2` < `1.10`,
 * `1.0` == `1`); negative, zero or positive. Strings that are not versions sort after every
 * version, among themselves lexically, so the order is total and never throws.
 */
export function compareVersions(a: string, b: string): number {
  // the common case, Stratum's own zero-padded or timestamp versions: digit strings of one length
  // compare lexically, in one pass
  if (a.length === b.length && a.length > 0) {
    let diff = 0;
    let k = 0;
    for (; k < a.length; k++) {
      const ca = a.charCodeAt(k);
      const cb = b.charCodeAt(k);
      if (ca < 48 || ca > 57 || cb < 48 || cb > 57) break;
      if (diff === 0 && ca !== cb) diff = ca < cb ? -1 : 1;
    }
    if (k === a.length) return diff;
  }
  const ta = trimmed(a);
  const tb = trimmed(b);
  const na = isVersionFast(ta);
  const nb = isVersionFast(tb);
  if (na && nb) return compareValid(ta, tb);
  if (na !== nb) return na ? -1 : 1;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** Orders migrations by version (part by part), then by id so duplicates still sort deterministically. */
export function compareMigrations(a: MigrationFile, b: MigrationFile): number {
  const c = a.version === b.version ? 0 : compareVersions(a.version, b.version);
  if (c !== 0) return c;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * `migrations` in `compareMigrations` order: the array itself when it already is (discovery
 * returns them sorted, so the planner's repeated sorts cost one pass), else a sorted copy.
 */
export function sortedMigrations(migrations: readonly MigrationFile[]): readonly MigrationFile[] {
  for (let i = 1; i < migrations.length; i++) {
    if (compareMigrations(migrations[i - 1] as MigrationFile, migrations[i] as MigrationFile) > 0) {
      return [...migrations].sort(compareMigrations);
    }
  }
  return migrations;
}

/**
 * The ways `ref` can be read as `<version>_<name>`: every `_` (or run of `_`, as in Flyway's
 * `1.1__add_users`) after which the rest is a name and before which is a version. `1_1_add` reads
 * as version `1`, name `1_add` and as version `1_1`, name `add`.
 */
export function idReadings(ref: string): readonly { readonly version: string; readonly name: string }[] {
  const r = ref.trim();
  const readings: { version: string; name: string }[] = [];
  for (let i = r.indexOf("_"); i > 0; i = r.indexOf("_", i + 1)) {
    const version = r.slice(0, i);
    // a longer prefix holds this one and a `_`: it cannot be a version either
    if (!VERSION.test(version)) break;
    let start = i + 1;
    while (r.charCodeAt(start) === 95 /* "_" */) start++;
    if (start < r.length) readings.push({ version, name: r.slice(start) });
  }
  return readings;
}

/**
 * Whether `ref` is a version or an id `<version>_<name>` (`003`, `1.1`, `003_add_users`,
 * `1.1__add_users`): what a command line or `depends` may name a migration by.
 */
export function isVersionRef(ref: string): boolean {
  return isVersion(ref) || idReadings(ref).length > 0;
}

/**
 * Whether `ref` names `migration`: its id, a version (`3`, `003`, `1.1`, `1_1`), or
 * `<version>_<name>` with the version compared as a version (`3_add_users` matches `003_add_users`).
 * A ref that is both (`1_1`) matches as a version first, then as an id.
 */
export function matchesVersion(migration: MigrationFile, ref: string): boolean {
  const r = ref.trim();
  if (r === migration.id) return true;
  const key = versionKey(migration.version);
  if (isVersion(r) && versionKey(r) === key) return true;
  return idReadings(r).some((x) => x.name === migration.name && versionKey(x.version) === key);
}

/**
 * Items by version (as a version: `001` and `1` are one): each version's first item, and all its
 * items, in order, only for the versions several share (rare). One lookup per item and no array
 * per version: a run does this for thousands of migrations.
 */
export function byVersion<T extends { readonly version: string }>(items: readonly T[]): { readonly first: Map<string, T>; readonly shared: Map<string, T[]> | undefined } {
  const first = new Map<string, T>();
  let shared: Map<string, T[]> | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const key = versionKey(item.version);
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, item);
      continue;
    }
    shared ??= new Map();
    const group = shared.get(key);
    if (group) group.push(item);
    else shared.set(key, [seen, item]);
  }
  return { first, shared };
}

/**
 * The groups of items that share a version, each in the items' order, the groups in the order of
 * their first item; null when no two items share one.
 */
export function versionGroups<T extends { readonly version: string }>(items: readonly T[]): T[][] | null {
  const { first, shared } = byVersion(items);
  if (shared === undefined) return null;
  const groups: T[][] = [];
  // in the order of each group's first item, as a map of every version's items would give them
  for (const key of first.keys()) {
    const group = shared.get(key);
    if (group !== undefined) groups.push(group);
  }
  return groups;
}

/** An index that resolves references (versions or ids) to migrations in O(1). */
export interface VersionIndex<T extends { readonly version: string }> {
  /** Every item whose version matches `ref` (a version, or an id whose name must match too). */
  resolve(ref: string): readonly T[];
}

/**
 * Builds a `VersionIndex` over items with a version and a name (migrations, history rows).
 * `resolve` follows the rules of `matchesVersion`: a version first, then the readings of an id.
 */
export function indexByVersion<T extends { readonly version: string; readonly name: string }>(
  items: readonly T[],
): VersionIndex<T> {
  // built on the first reference resolved: planning a directory whose migrations depend on none
  // (the common case, thousands of them on a no-op run) never needs it
  let index: ReturnType<typeof byVersion<T>> | undefined;
  const itemsOf = (key: string): readonly T[] => {
    index ??= byVersion(items);
    const shared = index.shared?.get(key);
    if (shared !== undefined) return shared;
    const first = index.first.get(key);
    return first === undefined ? [] : [first];
  };
  return {
    resolve(ref: string): readonly T[] {
      const r = ref.trim();
      if (DIGITS.test(r)) return itemsOf(stripZeros(r));
      if (VERSION.test(r)) {
        const found = itemsOf(versionKey(r));
        if (found.length > 0) return found;
      }
      for (const { version, name } of idReadings(r)) {
        const found = itemsOf(versionKey(version)).filter((item) => item.name === name);
        if (found.length > 0) return found;
      }
      return [];
    },
  };
}
