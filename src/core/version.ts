// Versions are the digits of a file name compared as integers: `001` and `1` are the same version,
// `20261121093000` sorts after `999`. Pure functions, no I/O.

import type { MigrationFile } from "./types.js";

const DIGITS = /^\d+$/;
const ID = /^(\d+)_(.+)$/;

/** Whether `v` is a run of digits (a version as written in a file name or given on the command line). */
export function isVersion(v: string): boolean {
  return DIGITS.test(v.trim());
}

/**
 * The canonical form of a version: the digits without leading zeros (`007` → `7`, `000` → `0`).
 * Anything that is not a run of digits is returned trimmed and otherwise unchanged.
 */
export function versionKey(v: string): string {
  const t = v.trim();
  if (!DIGITS.test(t)) return t;
  let i = 0;
  while (i < t.length - 1 && t.charCodeAt(i) === 48 /* "0" */) i++;
  return t.slice(i);
}

/**
 * Compares two versions as integers (`001` == `1`, `9` < `10`); negative, zero or positive.
 * Equivalent to comparing `BigInt(a)` with `BigInt(b)` without allocating: canonical digit strings
 * order by length first, then lexically. Strings that are not versions sort after every version,
 * among themselves lexically, so the order is total and never throws.
 */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  const na = DIGITS.test(ka);
  const nb = DIGITS.test(kb);
  if (na && nb) {
    if (ka.length !== kb.length) return ka.length < kb.length ? -1 : 1;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  if (na !== nb) return na ? -1 : 1;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Orders migrations by version (as integers), then by id so duplicates still sort deterministically. */
export function compareMigrations(a: MigrationFile, b: MigrationFile): number {
  if (a.versionNumber !== b.versionNumber) return a.versionNumber < b.versionNumber ? -1 : 1;
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
 * Whether `ref` names `migration`: a version (`3`, `003`) or a full id (`003_add_users`; the
 * version part of an id is compared as an integer too, so `3_add_users` matches).
 */
export function matchesVersion(migration: MigrationFile, ref: string): boolean {
  const r = ref.trim();
  if (DIGITS.test(r)) return versionKey(r) === versionKey(migration.version);
  if (r === migration.id) return true;
  const m = ID.exec(r);
  return m !== null && m[2] === migration.name && versionKey(m[1] ?? "") === versionKey(migration.version);
}

/** An index that resolves references (versions or ids) to migrations in O(1). */
export interface VersionIndex<T extends { readonly version: string }> {
  /** Every item whose version matches `ref` (a version, or an id whose name must match too). */
  resolve(ref: string): readonly T[];
}

/**
 * Builds a `VersionIndex` over items with a version and a name (migrations, history rows).
 * `resolve` follows the rules of `matchesVersion`.
 */
export function indexByVersion<T extends { readonly version: string; readonly name: string }>(
  items: readonly T[],
): VersionIndex<T> {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const key = versionKey(item.version);
    const list = byKey.get(key);
    if (list) list.push(item);
    else byKey.set(key, [item]);
  }
  return {
    resolve(ref: string): readonly T[] {
      const r = ref.trim();
      if (DIGITS.test(r)) return byKey.get(versionKey(r)) ?? [];
      const m = ID.exec(r);
      if (m === null) return [];
      const name = m[2];
      return (byKey.get(versionKey(m[1] ?? "")) ?? []).filter((item) => item.name === name);
    },
  };
}
