// The state of every migration: files on disk merged with the rows of the state table.
// Pure: the caller reads the directory and the history, this decides what they mean.

import { mainFile } from "./graph.js";
import type { AppliedMigration, MigrationFile, Problem, StatusEntry, StatusReport, StatusState } from "./types.js";
import { byVersion, compareVersions, sortedMigrations, versionKey } from "./version.js";

/** A migration on disk together with its state-table row (either may be absent, not both). */
export interface MergedMigration {
  readonly version: string;
  readonly file: MigrationFile | null;
  readonly row: AppliedMigration | null;
  /**
   * A row without a usable file whose file is on disk all the same, unreadable or not text (a
   * discovery problem says why): not missing, so nothing suggests forgetting it.
   */
  readonly unusable?: boolean;
}

/**
 * The versions whose file is on disk but could not be read or decoded: discovery reports each as
 * a BAD_SECTION problem naming its version.
 */
export function unusableVersions(discoveryProblems: readonly Problem[]): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const p of discoveryProblems) {
    if (p.code === "BAD_SECTION") for (const version of p.versions ?? []) keys.add(versionKey(version));
  }
  return keys;
}

/**
 * Pairs files with rows by version (as an integer, so a row `1` matches the file `001_x`).
 * When several files share a version, the row goes to the one with the same name, else the first.
 * Several rows for one version (a corrupt table) keep the last. Result in version order.
 */
export function mergeHistory(
  migrations: readonly MigrationFile[],
  history: readonly AppliedMigration[],
  unusable: ReadonlySet<string> = new Set(),
): MergedMigration[] {
  // indexed loops and forEach: thousands of entries, and an iterator allocates a result per step
  // until V8 optimises the loop, which a run this short rarely does
  const rows = new Map<string, AppliedMigration>();
  for (let i = 0; i < history.length; i++) {
    const row = history[i] as AppliedMigration;
    rows.set(versionKey(row.version), row);
  }
  // each version's first file, and all its files only where several share it (rare)
  const { first: firstByKey, shared } = byVersion(sortedMigrations(migrations));
  const merged: MergedMigration[] = [];
  let paired = 0;
  firstByKey.forEach((first, key) => {
    const row = rows.get(key) ?? null;
    if (row !== null) paired++;
    const files = shared?.get(key);
    if (files === undefined) {
      merged.push({ version: first.version, file: first, row });
      return;
    }
    const owner = row === null ? null : (files.find((f) => f.name === row.name) ?? files[0] ?? null);
    for (const file of files) merged.push({ version: file.version, file, row: file === owner ? row : null });
  });
  // Without rows for missing files (every row paired with a file), `merged` already is in version order.
  if (paired === rows.size) return merged;
  rows.forEach((row, key) => {
    if (firstByKey.has(key)) return;
    merged.push(unusable.has(key) ? { version: row.version, file: null, row, unusable: true } : { version: row.version, file: null, row });
  });
  return merged.sort((a, b) => {
    const c = compareVersions(a.version, b.version);
    if (c !== 0) return c;
    return (a.file?.id ?? "") < (b.file?.id ?? "") ? -1 : 1;
  });
}

/** The id a row refers to, for messages: `003_add_users`. */
export function rowId(row: AppliedMigration): string {
  return row.name === "" ? row.version : `${row.version}_${row.name}`;
}

export function stateOf(entry: MergedMigration): StatusState {
  const { file, row } = entry;
  if (row === null) return "pending";
  if (row.state === "applied") {
    if (file === null) return entry.unusable === true ? "changed" : "missing";
    if (row.checksum !== file.checksum) return "changed";
    return isRenamed(file, row) ? "renamed" : "applied";
  }
  return row.state;
}

/** Whether `up` would apply this migration: a file with no row, or with a `rolled_back` row. */
export function isPending(entry: MergedMigration): boolean {
  return entry.file !== null && (entry.row === null || entry.row.state === "rolled_back");
}

export function checksumMismatch(file: MigrationFile, row: AppliedMigration): Problem {
  return {
    code: "CHECKSUM_MISMATCH",
    message: `${file.id}${includesNote(file)} was changed after it was applied: recorded checksum ${row.checksum}, current checksum ${file.checksum}.`,
    files: [...file.files, ...(file.includes ?? [])],
    fix: "Restore the file or run `stratum repair`.",
    severity: "error",
    versions: [file.version],
  };
}

/**
 * Whether an applied migration's file now has another name than the one it was applied under
 * (`001_a.sql` → `001_renamed.sql`): the version is the same, so it is the same migration, but the
 * history no longer describes the files. (A row without a name, written by an old version, says nothing.)
 */
export function isRenamed(file: MigrationFile, row: AppliedMigration): boolean {
  return row.name !== "" && row.name !== file.name;
}

export function renamedMigration(file: MigrationFile, row: AppliedMigration): Problem {
  return {
    code: "RENAMED_MIGRATION",
    message: `${mainFile(file)} was applied as ${rowId(row)}: the file was renamed after it was applied.`,
    files: [mainFile(file)],
    fix: `Rename it back to ${rowId(row)}, or run \`stratum repair\` to record the new name.`,
    severity: "error",
    versions: [file.version],
  };
}

/** ` (with seed/a.sql, run through ctx.execFile)` for a code migration that runs files. */
function includesNote(file: MigrationFile): string {
  const includes = file.includes ?? [];
  return includes.length === 0 ? "" : ` (with ${includes.join(", ")}, run through ctx.execFile)`;
}

export function missingFile(row: AppliedMigration): Problem {
  return {
    code: "MISSING_FILE",
    message: `${rowId(row)} is applied but its file is no longer in the migrations directory.`,
    files: [],
    fix: "Restore the file, or run `stratum repair --remove-missing` to forget it.",
    severity: "error",
    versions: [row.version],
  };
}

/** The first line of a stored error, at most 200 characters, so the message stays one sentence. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0]?.trim() ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export function dirty(row: AppliedMigration, file: MigrationFile | null): Problem {
  const where = file === null ? "" : ` (${mainFile(file)})`;
  // the state row counts the statements of a SQL migration as they complete
  const done =
    file?.kind === "sql" ? ` with ${row.statementsDone} ${row.statementsDone === 1 ? "statement" : "statements"} done` : "";
  const what =
    row.state === "running"
      ? `is recorded as running${done}: an earlier run stopped part-way, so the database may be half-migrated`
      : `is recorded as failed${done}${row.error ? ` (${firstLine(row.error)})` : ""}, so the database may be half-migrated`;
  return {
    code: "DIRTY",
    message: `Migration ${rowId(row)}${where} ${what}.`,
    files: file === null ? [] : [mainFile(file)],
    fix: `Check the database by hand, then run \`stratum resolve ${row.version} --applied\` or \`stratum resolve ${row.version} --rolled-back\`.`,
    severity: "error",
    versions: [row.version],
  };
}

/** The problems of one merged migration: changed, missing or dirty. */
export function integrityProblems(entry: MergedMigration): Problem[] {
  const { file, row } = entry;
  if (row === null) return [];
  if (row.state === "running" || row.state === "failed") return [dirty(row, file)];
  if (row.state !== "applied") return [];
  // on disk but unusable: the discovery problem says why, and stops every run
  if (file === null) return entry.unusable === true ? [] : [missingFile(row)];
  const problems = row.checksum === file.checksum ? [] : [checksumMismatch(file, row)];
  if (isRenamed(file, row)) problems.push(renamedMigration(file, row));
  return problems;
}

/**
 * Every migration on disk and every history row, merged and in version order, with its state:
 * `applied` (checksum equal), `changed` (applied, file differs or is unusable), `renamed` (applied, same text,
 * file renamed keeping its version), `missing` (applied, no file),
 * `pending` (no row), `rolled_back` (rolled back; `up` applies it again, so it counts as pending),
 * `running`/`failed` (an unfinished or failed run: the report is `dirty`).
 * `pending` counts the migrations `up` would apply (ignoring `--to`/`--step`).
 */
export function statusOf(
  migrations: readonly MigrationFile[],
  history: readonly AppliedMigration[],
  unusable: ReadonlySet<string> = new Set(),
): StatusReport {
  const entries: StatusEntry[] = [];
  const problems: Problem[] = [];
  let pending = 0;
  let isDirty = false;
  for (const entry of mergeHistory(migrations, history, unusable)) {
    const { file, row } = entry;
    if (isPending(entry)) pending++;
    if (row !== null && (row.state === "running" || row.state === "failed")) isDirty = true;
    problems.push(...integrityProblems(entry));
    entries.push({
      version: file?.version ?? row?.version ?? entry.version,
      name: file?.name ?? row?.name ?? "",
      state: stateOf(entry),
      checksum: file?.checksum ?? row?.checksum ?? null,
      appliedAt: row?.appliedAt ?? null,
      durationMs: row?.durationMs ?? null,
      file: file === null ? null : mainFile(file),
    });
  }
  return { migrations: entries, pending, dirty: isDirty, problems };
}
