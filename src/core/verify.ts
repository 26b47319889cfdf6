// `stratum verify`, the pure part: which migrations are replayed and which verified, the
// differences an up → down → up cycle leaves turned into sentences, and each migration's outcome.

import type { SchemaChange } from "./schema/diff.js";
import type { MigrationFile } from "./types.js";
import { versionKey } from "./version.js";

const MAX_VALUE = 60;

/** One value of a changed property, on one line and not too long. */
function shown(value: string | null): string {
  if (value === null) return "none";
  const flat = value.replace(/\s+/g, " ").trim();
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE - 1)}…` : flat;
}

/**
 * What the down left different from the schema before up (`before` = before up, `after` = after
 * down), one sentence each: `down of 0042_add_audit leaves function public.audit_row()`.
 */
export function downSentence(id: string, change: SchemaChange): string {
  const object = `${change.kind} ${change.name}`;
  switch (change.change) {
    case "added":
      return `down of ${id} leaves ${object}`;
    case "removed":
      return `down of ${id} drops ${object} that existed before`;
    case "changed":
      return `down of ${id} changes ${object}: ${change.field} ${shown(change.before)} → ${shown(change.after)}`;
  }
}

/**
 * What the second up left different from the first (`before` = first up, `after` = second up):
 * `second up of 0042_add_audit changes column public.t.c: type integer → bigint`.
 */
export function reupSentence(id: string, change: SchemaChange): string {
  const object = `${change.kind} ${change.name}`;
  switch (change.change) {
    case "added":
      return `second up of ${id} leaves ${object} that the first up did not`;
    case "removed":
      return `second up of ${id} lacks ${object} that the first up made`;
    case "changed":
      return `second up of ${id} changes ${object}: ${change.field} ${shown(change.before)} → ${shown(change.after)}`;
  }
}

/**
 * The changes worth a sentence: a table's own text (SQLite's CREATE TABLE) that changed only
 * because its columns or constraints did is left out, as those are named one by one.
 */
export function namedChanges(changes: readonly SchemaChange[]): SchemaChange[] {
  const tablesWithParts = new Set(
    changes.filter((c) => c.kind === "column" || c.kind === "constraint").map((c) => c.name.slice(0, c.name.lastIndexOf("."))),
  );
  return changes.filter((c) => !(c.change === "changed" && c.kind === "table" && c.field === "definition" && tablesWithParts.has(c.name)));
}

/** One migration's result, as `VerifyReport.migrations` lists it. */
export interface VerifiedMigration {
  readonly version: string;
  readonly name: string;
  /** Relative to the migrations directory. */
  readonly file: string;
  readonly outcome: "verified" | "failed" | "not-verified" | "replayed";
  readonly reason?: string;
  readonly downDifferences: readonly SchemaChange[];
  readonly reupDifferences: readonly SchemaChange[];
  readonly problems: readonly string[];
  /** The migration failed to run on the shadow: which run, and the run's message. Verification stopped there. */
  readonly error?: { readonly run: VerifyRun; readonly message: string };
}

/** The three runs of a verified migration (a replayed or not-verified one only has the first). */
export type VerifyRun = "up" | "down" | "second up";

function entry(migration: MigrationFile): Pick<VerifiedMigration, "version" | "name" | "file"> {
  return { version: migration.version, name: migration.name, file: migration.files[0] ?? migration.id };
}

/** The outcome of a cycle that ran to the end: verified when both comparisons found nothing. */
export function cycleOutcome(
  migration: MigrationFile,
  downChanges: readonly SchemaChange[],
  reupChanges: readonly SchemaChange[],
): VerifiedMigration {
  const downDifferences = namedChanges(downChanges);
  const reupDifferences = namedChanges(reupChanges);
  const problems = [
    ...downDifferences.map((change) => downSentence(migration.id, change)),
    ...reupDifferences.map((change) => reupSentence(migration.id, change)),
  ];
  return { ...entry(migration), outcome: problems.length === 0 ? "verified" : "failed", downDifferences, reupDifferences, problems };
}

/** Applied without checks: before `--from`, or applied on the target (`--pending`). */
export function replayedOutcome(migration: MigrationFile): VerifiedMigration {
  return { ...entry(migration), outcome: "replayed", downDifferences: [], reupDifferences: [], problems: [] };
}

/** Applied only: irreversible, or opted out; `reason` says which. */
export function notVerifiedOutcome(migration: MigrationFile, reason: string): VerifiedMigration {
  return { ...entry(migration), outcome: "not-verified", reason, downDifferences: [], reupDifferences: [], problems: [] };
}

/** A run that failed on the shadow: the cycle stopped there, and so did verification. */
export function runFailedOutcome(
  migration: MigrationFile,
  run: VerifyRun,
  message: string,
  downChanges: readonly SchemaChange[] = [],
): VerifiedMigration {
  const downDifferences = namedChanges(downChanges);
  const problems = [
    ...downDifferences.map((change) => downSentence(migration.id, change)),
    `${run} of ${migration.id} failed on the shadow database: ${message}`,
  ];
  return { ...entry(migration), outcome: "failed", downDifferences, reupDifferences: [], problems, error: { run, message } };
}

/**
 * Why a migration is applied without being verified, or null when it is verified: the skip
 * option's reason, else irreversible (no down). `hasDown`: the migration has a down to run.
 */
export function notVerifiedReason(options: MigrationFile["options"], hasDown: boolean): string | null {
  if (options.verifySkip !== undefined) return `skipped: ${options.verifySkip}`;
  if (options.irreversible) return "irreversible (marked irreversible)";
  if (!hasDown) return "irreversible (no down)";
  return null;
}

/** Where replaying stops: `--from <version>` (replay up to and including it) or the applied set (`--pending`). */
export type ReplayRequest = { readonly from: string } | { readonly applied: readonly string[] } | null;

/**
 * Which of the migrations, in plan order, are replayed without checks. An unknown `from`
 * version gives null (the caller reports it).
 */
export function replayedVersions(ordered: readonly MigrationFile[], request: ReplayRequest): ReadonlySet<string> | null {
  if (request === null) return new Set();
  if ("applied" in request) {
    const applied = new Set(request.applied.map(versionKey));
    return new Set(ordered.filter((m) => applied.has(versionKey(m.version))).map((m) => m.version));
  }
  const key = versionKey(request.from);
  const index = ordered.findIndex((m) => versionKey(m.version) === key || m.id === request.from);
  if (index < 0) return null;
  return new Set(ordered.slice(0, index + 1).map((m) => m.version));
}

/** Counts by outcome, for the summary line and the exit code. */
export interface VerifyCounts {
  readonly verified: number;
  readonly failed: number;
  readonly notVerified: number;
  readonly replayed: number;
  /**
   * Migrations whose up failed on the shadow: they cannot be applied at all. (A down, or a
   * second up, that fails is a failed verification: the cycle does not come back.)
   */
  readonly runFailed: number;
}

export function verifyCounts(migrations: readonly VerifiedMigration[]): VerifyCounts {
  const count = (outcome: VerifiedMigration["outcome"]) => migrations.filter((m) => m.outcome === outcome).length;
  return {
    verified: count("verified"),
    failed: count("failed"),
    notVerified: count("not-verified"),
    replayed: count("replayed"),
    runFailed: migrations.filter((m) => m.error?.run === "up").length,
  };
}
