// What discovery learnt from each migration file the last time it read it, so that a run over
// files that have not changed reads none of them: a no-op `up` or `status` looks at each file's
// metadata (one stat) instead of reading, decoding, hashing and parsing it (issue 16).
//
// As git's index does, a file is known by its size, inode, modification and change times. The
// change time (ctime) is set by the kernel to the current time on every write, and no program can
// set it back, so an entry is recorded only for a file whose ctime was at least TRUSTED_AGE_MS
// before the run looked at it: any later write gives it a later ctime, which the next run sees.
// A file changed in the same clock tick as it was looked at is therefore read again next time
// rather than trusted. The sections of a migration found here are parsed when first used, from
// the file, whose checksum must still be the one recorded (see discover.ts).
//
// The file is one JSON object of flat arrays (names, stamps as numbers, checksums as one string),
// which parses into a few large values instead of thousands of small objects to collect.
//
// When the recorded migrations are the directory's whole result (every file in it a regular file
// that belongs to a migration or is no migration candidate at all, and no problem), the cache also
// records the directory's listing. A run that finds the same listing and every file stamped as
// recorded then has its answer without working it out again: which layout the directory is in,
// which file is which migration, their order. What discovery answers depends on nothing else (the
// build, directory, dialect and format are the cache's key), so the answer is the one it recorded.

import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { inDir } from "./read-inside-dir.js";
import type { MigrationOptions } from "../core/types.js";

/** How old (by its change and modification times) a file must be when it is looked at to be recorded. */
export const TRUSTED_AGE_MS = 2000;
/** Discovery caches kept in one directory (one per migrations directory and dialect); the oldest go. */
const KEPT_FILES = 64;
/** Bumped when the file's shape changes. */
const FORMAT = 4;
/** Numbers stamped per file: size, inode, modification and change times (ms). */
const STAMP = 4;
const CHECKSUM = 64;

/** What the cache says of the migrations of one directory, read for one dialect by one build. */
interface Stored {
  readonly format: number;
  readonly build: string;
  readonly root: string;
  readonly dialect: string;
  /**
   * The directory's file names, sorted, when the migrations recorded are its whole result in the
   * order discovery gives them (see the top of this file); otherwise null.
   */
  readonly listing: readonly string[] | null;
  /** The `format` the listing was read with (`auto` or `stratum`). */
  readonly listingFormat: string;
  /** Every migration's file names, main file first. */
  readonly files: readonly string[];
  /** STAMP numbers per file, in the order of `files`. */
  readonly stamps: readonly number[];
  /** Per migration: index of its first file and its number of files (its kind is its file name's). */
  readonly migrations: readonly number[];
  /** Per migration, 64 hex digits. */
  readonly checksums: string;
  /** The options of the migrations that declare any, by migration index. */
  readonly options: Readonly<Record<string, MigrationOptions>>;
}

/** A cache as read: where it lives, whose it is, and what it recorded. */
export interface DiscoveryCache {
  readonly file: string;
  readonly build: string;
  readonly root: string;
  readonly dialect: string;
  readonly stored: Stored;
  /** The entries by main file name (each an index into `stored`), made when first asked for (see `entryIndex`). */
  byName: Map<string, number> | null;
}

/** One migration, as a run records it. */
export interface CacheEntry {
  readonly files: readonly string[];
  /** STAMP numbers per file. */
  readonly stamps: readonly number[];
  readonly checksum: string;
  /** `null` when it declares none (the shared defaults). */
  readonly options: MigrationOptions | null;
}

const EMPTY: Stored = { format: FORMAT, build: "", root: "", dialect: "", listing: null, listingFormat: "", files: [], stamps: [], migrations: [], checksums: "", options: {} };

/** Where the cache of `realRoot` read for `dialect` lives in `dir`. */
function cacheFileOf(dir: string, build: string, realRoot: string, dialect: string): string {
  const key = createHash("sha256").update(`${build}\0${realRoot}\0${dialect}`).digest("hex").slice(0, 24);
  return join(dir, `discovery-${key}.json`);
}

/**
 * The cache in `dir` of `realRoot` read for `dialect` by `build`, if there is a whole one;
 * otherwise (missing, unreadable, damaged, another build's) an empty one, which a run may write.
 */
export function readDiscoveryCache(dir: string, build: string, realRoot: string, dialect: string): DiscoveryCache {
  const file = cacheFileOf(dir, build, realRoot, dialect);
  const empty: DiscoveryCache = { file, build, root: realRoot, dialect, stored: EMPTY, byName: null };
  let stored: Stored;
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Stored;
  } catch {
    return empty;
  }
  if (!fits(stored, build, realRoot, dialect)) return empty;
  return { ...empty, stored };
}

/** How many migrations the cache recorded. */
export function entryCount(cache: DiscoveryCache): number {
  return cache.stored.migrations.length / 2;
}

/** The recorded migrations by main file name, each an index into the cache. */
function entryIndex(cache: DiscoveryCache): ReadonlyMap<string, number> {
  if (cache.byName !== null) return cache.byName;
  const byName = new Map<string, number>();
  const { migrations, files } = cache.stored;
  for (let m = 0; m * 2 < migrations.length; m++) byName.set(files[migrations[m * 2] as number] as string, m);
  return (cache.byName = byName);
}

/**
 * Whether the cache recorded the whole result of a directory whose file names (sorted) are
 * `names`, read with `format`: its migrations are then the directory's, in their order, if each
 * is still stamped as recorded (`unchangedAt`).
 */
export function sameListing(cache: DiscoveryCache, names: readonly string[], format: string): boolean {
  const { listing, listingFormat } = cache.stored;
  if (listing === null || listingFormat !== format || listing.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (listing[i] !== names[i]) return false;
  return true;
}

/** The file names of recorded migration `m`, main file first. */
export function entryFiles(cache: DiscoveryCache, m: number): readonly string[] {
  const { files, migrations } = cache.stored;
  const first = migrations[m * 2] as number;
  return migrations[m * 2 + 1] === 1 ? [files[first] as string] : [files[first] as string, files[first + 1] as string];
}

/** Whether `stored` is a whole cache of this build, directory and dialect, its arrays in step. */
function fits(stored: Stored, build: string, realRoot: string, dialect: string): boolean {
  if (typeof stored !== "object" || stored === null) return false;
  const { files, stamps, migrations, checksums, options, listing } = stored;
  if (
    stored.format !== FORMAT ||
    typeof stored.listingFormat !== "string" ||
    (listing !== null && (!Array.isArray(listing) || listing.some((name) => typeof name !== "string"))) ||
    stored.build !== build ||
    stored.root !== realRoot ||
    stored.dialect !== dialect ||
    !Array.isArray(files) ||
    !Array.isArray(stamps) ||
    !Array.isArray(migrations) ||
    typeof checksums !== "string" ||
    typeof options !== "object" ||
    options === null ||
    stamps.length !== files.length * STAMP ||
    migrations.length % 2 !== 0 ||
    checksums.length !== (migrations.length / 2) * CHECKSUM ||
    !/^[0-9a-f]*$/.test(checksums)
  ) {
    return false;
  }
  // indexed loops: thousands of entries, and an iterator allocates a result per step until V8 optimises it
  for (let i = 0; i < files.length; i++) if (typeof files[i] !== "string") return false;
  for (let i = 0; i < stamps.length; i++) if (typeof stamps[i] !== "number") return false;
  let next = 0;
  for (let i = 0; i < migrations.length; i += 2) {
    // each migration's files follow the previous one's, one or two of them
    const count = migrations[i + 1];
    if (migrations[i] !== next || (count !== 1 && count !== 2)) return false;
    next += count;
  }
  return next === files.length;
}

/** The migration whose main file is `name`, if its files (in `dir`) are still `names`, stamped as recorded; else -1. */
export function unchangedEntry(cache: DiscoveryCache, name: string, names: readonly string[], dir: string): number {
  const m = entryIndex(cache).get(name);
  if (m === undefined) return -1;
  const { files, migrations } = cache.stored;
  const first = migrations[m * 2] as number;
  if (migrations[m * 2 + 1] !== names.length) return -1;
  for (let i = 0; i < names.length; i++) if (files[first + i] !== names[i]) return -1;
  return unchangedAt(cache, m, dir) ? m : -1;
}

/** Whether the files of recorded migration `m` (in `dir`) are still regular files stamped as recorded. */
export function unchangedAt(cache: DiscoveryCache, m: number, dir: string): boolean {
  const { files, stamps, migrations } = cache.stored;
  const first = migrations[m * 2] as number;
  const count = migrations[m * 2 + 1] as number;
  for (let i = first; i < first + count; i++) {
    const info = statSync(inDir(dir, files[i] as string), { throwIfNoEntry: false });
    const at = i * STAMP;
    if (
      info === undefined ||
      !info.isFile() ||
      info.size !== stamps[at] ||
      info.ino !== stamps[at + 1] ||
      info.mtimeMs !== stamps[at + 2] ||
      info.ctimeMs !== stamps[at + 3]
    ) {
      return false;
    }
  }
  return true;
}

/** What the cache recorded of migration `m` (an index `unchangedEntry` gave). */
export function entryAt(cache: DiscoveryCache, m: number): { checksum: string; options: MigrationOptions | null } {
  const { checksums, options } = cache.stored;
  return {
    checksum: checksums.slice(m * CHECKSUM, (m + 1) * CHECKSUM),
    options: options[m] ?? null,
  };
}

/** The entry of migration `m` as recorded, to be kept by the next write. */
export function keptEntry(cache: DiscoveryCache, m: number): CacheEntry {
  const { files, stamps, migrations } = cache.stored;
  const first = migrations[m * 2] as number;
  const count = migrations[m * 2 + 1] as number;
  return {
    ...entryAt(cache, m),
    files: files.slice(first, first + count),
    stamps: stamps.slice(first * STAMP, (first + count) * STAMP),
  };
}

/**
 * The stamp of the regular file at `path`, if it may be recorded by a run that started at
 * `startedAt` (ms since the epoch): changed at least TRUSTED_AGE_MS before. Otherwise `null`.
 */
export function trustedStamp(path: string, startedAt: number): readonly number[] | null {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined || !info.isFile()) return null;
  if (!(info.ctimeMs < startedAt - TRUSTED_AGE_MS && info.mtimeMs < startedAt - TRUSTED_AGE_MS)) return null;
  return [info.size, info.ino, info.mtimeMs, info.ctimeMs];
}

/** The directory's sorted file names and the format it was read with, when `entries` are its whole result in order. */
export interface WholeListing {
  readonly names: readonly string[];
  readonly format: string;
}

/**
 * Writes the cache whole or not at all (a temporary file renamed over it), readable by this user
 * only, and removes the oldest other discovery caches beyond KEPT_FILES. A directory that cannot
 * be written leaves the run as it is: the cache only saves reads.
 */
export function writeDiscoveryCache(cache: DiscoveryCache, entries: readonly CacheEntry[], whole: WholeListing | null = null): void {
  const files: string[] = [];
  const stamps: number[] = [];
  const migrations: number[] = [];
  const checksums: string[] = [];
  const options: Record<string, MigrationOptions> = {};
  for (const [m, entry] of entries.entries()) {
    migrations.push(files.length, entry.files.length);
    files.push(...entry.files);
    stamps.push(...entry.stamps);
    checksums.push(entry.checksum);
    if (entry.options !== null) options[m] = entry.options;
  }
  const { file, build, root, dialect } = cache;
  const stored: Stored = {
    format: FORMAT,
    build,
    root,
    dialect,
    listing: whole?.names ?? null,
    listingFormat: whole?.format ?? "",
    files,
    stamps,
    migrations,
    checksums: checksums.join(""),
    options,
  };
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, "wx", 0o600);
    try {
      writeSync(fd, JSON.stringify(stored));
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never created
    }
    return;
  }
  pruneCaches(dirname(file));
}

function pruneCaches(dir: string): void {
  try {
    const files = readdirSync(dir).filter((name) => name.startsWith("discovery-") && name.endsWith(".json"));
    if (files.length <= KEPT_FILES) return;
    const aged = files
      .map((name) => ({ name, mtime: statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => a.mtime - b.mtime);
    for (const { name } of aged.slice(0, files.length - KEPT_FILES)) unlinkSync(join(dir, name));
  } catch {
    // another run pruned them first, or the directory cannot be listed: nothing lost
  }
}
