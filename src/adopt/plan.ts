// Which of our migrations each entry of another tool's history speaks of: pure, no I/O. Every
// problem is listed at once, before anything is written.

import type { AppliedMigration, MigrationFile, Problem } from "../core/types.js";
import { compareMigrations, compareVersions, versionKey } from "../core/version.js";
import type { ForeignChecksum, ForeignEntry } from "./foreign-history.js";

/** Computes a checksum in the other tool's own stored format (equal to ForeignChecksum.value when unchanged). */
export type ForeignChecksumFn = (kind: ForeignChecksum["kind"], fileTexts: readonly string[]) => string;

/** Whether a stored checksum still matches the files, as leniently as the tool judges it (foreignChecksumMatches). */
export type ForeignChecksumMatchFn = (kind: ForeignChecksum["kind"], fileTexts: readonly string[], stored: string) => boolean;

/** One foreign entry in state `applied`, and the migration of ours it is. */
export interface AdoptMapping {
  readonly entry: ForeignEntry;
  readonly migration: MigrationFile;
  /** How the entry was matched; `up-to`: an earlier migration an `upTo` entry counts as applied. */
  readonly by: "version" | "key" | "checksum" | "up-to";
}

export interface AdoptionPlan {
  /** In our migrations' order. */
  readonly mapped: readonly AdoptMapping[];
  /** Entries the tool records as reverted: not applied, not adopted. */
  readonly reverted: readonly ForeignEntry[];
  /** Repeatable entries (Flyway's `R__`): Stratum keeps none, so they are not adopted. */
  readonly repeatable: readonly ForeignEntry[];
  /** Our migrations no applied entry speaks of: they stay pending. */
  readonly pending: readonly MigrationFile[];
  readonly problems: readonly Problem[];
}

export interface AdoptionInput {
  readonly tool: string;
  readonly entries: readonly ForeignEntry[];
  readonly migrations: readonly MigrationFile[];
  /** The text of each file a checksum is computed over, by path relative to the migrations directory. */
  readonly fileTexts: ReadonlyMap<string, string>;
  /** For messages: the checksum the file has now. */
  readonly checksumOf: ForeignChecksumFn;
  /** Whether a stored checksum still matches. */
  readonly checksumMatches: ForeignChecksumMatchFn;
}

/** The file another tool checksummed: the one holding the up script. */
export function checksummedFile(migration: MigrationFile): string {
  return migration.up?.file ?? migration.files[0] ?? migration.id;
}

/**
 * Maps each applied entry to one migration, by version, else by key, else by checksum. An `upTo`
 * entry also maps every migration below its version that no other entry speaks of.
 */
export function planAdoption(input: AdoptionInput): AdoptionPlan {
  const problems: Problem[] = [];
  const mapped: AdoptMapping[] = [];
  const reverted: ForeignEntry[] = [];
  const repeatable: ForeignEntry[] = [];
  const taken = new Map<MigrationFile, ForeignEntry>();
  const upTo: ForeignEntry[] = [];
  for (const entry of input.entries) {
    if (entry.repeatable === true) {
      if (entry.state === "applied") repeatable.push(entry);
      else if (entry.state !== "reverted") problems.push(dirtyProblem(input.tool, entry));
      continue;
    }
    if (entry.state === "reverted") {
      reverted.push(entry);
      continue;
    }
    if (entry.state !== "applied") {
      problems.push(dirtyProblem(input.tool, entry));
      continue;
    }
    if (entry.upTo === true) upTo.push(entry);
    const match = matchEntry(input, entry);
    if (match === null) {
      if (entry.upTo !== true || aboveEveryFile(input, entry)) problems.push(unmatchedProblem(input.tool, entry));
      continue;
    }
    const earlier = taken.get(match.migration);
    if (earlier !== undefined) {
      problems.push(twiceProblem(earlier, entry, match.migration));
      continue;
    }
    taken.set(match.migration, entry);
    const mismatch = checksumProblem(input, entry, match.migration);
    if (mismatch !== null) problems.push(mismatch);
    mapped.push({ entry, migration: match.migration, by: match.by });
  }
  for (const entry of upTo) {
    for (const migration of input.migrations) {
      if (taken.has(migration) || compareVersions(migration.version, entry.version as string) > 0) continue;
      taken.set(migration, entry);
      mapped.push({ entry, migration, by: "up-to" });
    }
  }
  mapped.sort((a, b) => compareMigrations(a.migration, b.migration));
  const pending = [...input.migrations].filter((m) => !taken.has(m)).sort(compareMigrations);
  return { mapped, reverted, repeatable, pending, problems };
}

/** An `upTo` entry with no file of its own version is fine below our last file, not above it. */
function aboveEveryFile(input: AdoptionInput, entry: ForeignEntry): boolean {
  return entry.version === null || input.migrations.every((m) => compareVersions(m.version, entry.version as string) < 0);
}

function matchEntry(input: AdoptionInput, entry: ForeignEntry): { migration: MigrationFile; by: AdoptMapping["by"] } | null {
  const { migrations } = input;
  if (entry.version !== null) {
    const byVersion = migrations.filter((m) => compareVersions(m.version, entry.version as string) === 0);
    if (byVersion.length === 1) return { migration: byVersion[0] as MigrationFile, by: "version" };
  }
  if (entry.upTo === true) return null;
  const byKey = migrations.filter((m) => keysOf(m).has(entry.key));
  if (byKey.length === 1) return { migration: byKey[0] as MigrationFile, by: "key" };
  const checksum = entry.checksum;
  if (checksum !== null) {
    const byChecksum = migrations.filter((m) => {
      const texts = checksumTexts(input, checksum.kind, m);
      return texts !== null && input.checksumMatches(checksum.kind, texts, checksum.value);
    });
    if (byChecksum.length === 1) return { migration: byChecksum[0] as MigrationFile, by: "checksum" };
  }
  return null;
}

/**
 * What a tool may key an entry by: our id, our name, each file's name and stem (up to its first
 * dot, and up to its last: Sqitch's change `v1.2` is `deploy/v1.2.sql`), the folder holding it.
 */
export function keysOf(migration: MigrationFile): Set<string> {
  const keys = new Set<string>([migration.id]);
  if (migration.name !== "") keys.add(migration.name);
  for (const alias of migration.aliases ?? []) keys.add(alias);
  for (const file of migration.files) {
    const parts = file.split(/[\\/]/);
    const base = parts[parts.length - 1] ?? file;
    keys.add(base);
    keys.add(base.replace(/\..*$/, ""));
    keys.add(base.replace(/\.[^.]*$/, "")); // a name with dots of its own (Sqitch's `v1.2`)
    if (parts.length > 1) keys.add(parts[parts.length - 2] as string);
  }
  return keys;
}

const baseName = (file: string): string => file.split(/[\\/]/).pop() ?? file;

/**
 * The texts a checksum of `kind` is computed over for `migration`: its up file's text; for Atlas,
 * the name and text of every file in directory (name) order up to and including it.
 */
function checksumTexts(input: AdoptionInput, kind: ForeignChecksum["kind"], migration: MigrationFile): string[] | null {
  const own = checksummedFile(migration);
  if (kind !== "atlas") {
    const text = input.fileTexts.get(own);
    return text === undefined ? null : [text];
  }
  const files = input.migrations.map(checksummedFile).filter((f) => baseName(f) <= baseName(own));
  files.sort((a, b) => (baseName(a) < baseName(b) ? -1 : baseName(a) > baseName(b) ? 1 : 0));
  const texts: string[] = [];
  for (const file of files) {
    const text = input.fileTexts.get(file);
    if (text === undefined) return null;
    texts.push(baseName(file), text);
  }
  return texts;
}

function checksumProblem(input: AdoptionInput, entry: ForeignEntry, migration: MigrationFile): Problem | null {
  const checksum = entry.checksum;
  if (checksum === null) return null;
  const texts = checksumTexts(input, checksum.kind, migration);
  if (texts !== null && input.checksumMatches(checksum.kind, texts, checksum.value)) return null;
  const file = checksummedFile(migration);
  const now = texts === null ? "no readable text" : input.checksumOf(checksum.kind, texts);
  const atlas = checksum.kind === "atlas" ? " (Atlas's hash covers every file up to it, so an earlier file may be the one changed)" : "";
  return {
    code: "CHECKSUM_MISMATCH",
    message: `${file} changed since ${input.tool} applied it: ${entry.where} records checksum ${checksum.value}, the file now has ${now}${atlas}`,
    files: [file],
    fix: `restore ${file} as ${input.tool} applied it (from version control), then run adopt again`,
    severity: "error",
    versions: [migration.version],
  };
}

function dirtyProblem(tool: string, entry: ForeignEntry): Problem {
  return {
    code: "DIRTY",
    message: `${entry.where} is ${entry.state}: ${tool} did not finish applying it, so what the database holds is not known`,
    files: [],
    fix: `settle it with ${tool} first (fix the database and mark the entry as applied or remove it), then run adopt again`,
    severity: "error",
  };
}

function unmatchedProblem(tool: string, entry: ForeignEntry): Problem {
  return {
    code: "MISSING_FILE",
    message: `${entry.where} (${tool} applied ${describe(entry)}) matches no migration file`,
    files: [],
    fix: "put the file that entry applied back into the migrations directory, then run adopt again",
    severity: "error",
  };
}

function twiceProblem(earlier: ForeignEntry, entry: ForeignEntry, migration: MigrationFile): Problem {
  return {
    code: "DUPLICATE_VERSION",
    message: `${earlier.where} and ${entry.where} both match ${checksummedFile(migration)}`,
    files: [checksummedFile(migration)],
    fix: "give each migration its own version or name, so each entry matches one file",
    severity: "error",
    versions: [migration.version],
  };
}

function describe(entry: ForeignEntry): string {
  if (entry.version !== null) return entry.name === null ? `version ${entry.version}` : `version ${entry.version} (${entry.name})`;
  return entry.name === null || entry.name === entry.key ? `"${entry.key}"` : `"${entry.key}" (${entry.name})`;
}

/**
 * The mapping against what Stratum's history already holds. Adopting into an empty history is the
 * common case; a row that agrees (applied, same version, same checksum) is kept, so adopting the
 * same set again writes nothing. Any row that disagrees refuses the adoption: a migration Stratum
 * records as applied that the other tool does not, a mapped migration Stratum records in another
 * state, or one recorded with another checksum. Settling those is a decision for a person. (Once
 * every mapped migration is recorded, rows Stratum applied since are its own: a no-op then.)
 */
export function compareWithHistory(
  table: string,
  tool: string,
  mapped: readonly AdoptMapping[],
  rows: readonly AppliedMigration[],
): { toRecord: AdoptMapping[]; already: AdoptMapping[]; problems: Problem[] } {
  const byVersion = new Map(rows.map((row) => [versionKey(row.version), row]));
  const mappedVersions = new Set(mapped.map((m) => versionKey(m.migration.version)));
  const toRecord: AdoptMapping[] = [];
  const already: AdoptMapping[] = [];
  const problems: Problem[] = [];
  const fix = `adopt into a history that agrees with ${tool}'s (check \`stratum status\`; settle rows with \`stratum resolve\` or \`stratum repair\`), then run adopt again`;
  for (const m of mapped) {
    const row = byVersion.get(versionKey(m.migration.version));
    if (row === undefined) toRecord.push(m);
    else if (row.state === "applied" && row.checksum === m.migration.checksum) already.push(m);
    else {
      const what = row.state === "applied" ? "applied with another checksum" : row.state.replace("_", " ");
      problems.push(disagreement(`${table} records ${m.migration.id} as ${what}, while ${m.entry.where} records it applied`, m.migration.version, fix));
    }
  }
  // the set was adopted before and Stratum has applied more since: adopting again is a no-op
  const adoptedBefore = toRecord.length === 0 && problems.length === 0;
  for (const row of rows) {
    if (row.state === "rolled_back" || mappedVersions.has(versionKey(row.version))) continue;
    if (adoptedBefore && row.state === "applied") continue;
    problems.push(disagreement(`${table} records ${row.version}_${row.name} as ${row.state.replace("_", " ")}, while ${tool}'s history does not record it applied`, row.version, fix));
  }
  return { toRecord, already, problems };
}

function disagreement(message: string, version: string, fix: string): Problem {
  return { code: "VERSION_MISMATCH", message, files: [], fix, severity: "error", versions: [version] };
}
