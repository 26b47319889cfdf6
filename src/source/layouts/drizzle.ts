// drizzle-kit: `<NNNN>_<name>.sql` files at the top of the directory and `meta/_journal.json`,
// whose `entries` ({ idx, when, tag, breakpoints }) give the order; `meta/*_snapshot.json` are
// drizzle-kit's own state and are not read.
//
// - Units come in the journal's order; the version is the tag's number (`0003` of `0003_lazy_cat`),
//   or the entry's place in the journal (four digits) for a tag without one. When the tags' numbers
//   do not rise along the journal (two `0009_…` tags, as after merging branches), every version is
//   the entry's place in the journal, the order drizzle's migrator runs them in, with a warning.
// - A file holding `--> statement-breakpoint` is split there, as drizzle's migrator splits it:
//   explicit `statements` with 1-based file lines. A file without breakpoints is left to the
//   dialect's splitter (drizzle sends it as one query).
// - drizzle migrations have no down: down is `null`.
// - A journal entry without its file is an error; a SQL file the journal does not list is skipped
//   with a warning (drizzle's migrator never reads it). A journal written for another database than the target is a warning.
// - drizzle-kit 1.x drops the journal: one folder per migration, `<timestamp>_<name>/migration.sql`
//   beside `snapshot.json`, applied in the folders' order. Such a directory (no journal) is read
//   that way: version the timestamp, split at breakpoints the same.
// - Detection: `meta/_journal.json` exists, or a `<digits>_<name>/snapshot.json` folder (Prisma's
//   folders never hold one). Stratum's own directories hold neither.

import type { Problem } from "../../core/types.js";
import type { Layout, LayoutUnit, ListedFile, UnitScript } from "./layout.js";
import { atTop, namesOtherDatabase, problemAt, sortUnits, textOf, unitName, wholeFile } from "./shared.js";
import type { Statement } from "./shared.js";

const JOURNAL = "meta/_journal.json";
const BREAKPOINT = "--> statement-breakpoint";
/** drizzle-kit 1.x: `<timestamp>_<name>/migration.sql` and `<timestamp>_<name>/snapshot.json`. */
const FOLDER_SQL = /^(\d+)_([^/]*)\/migration\.sql$/;
const FOLDER_SNAPSHOT = /^\d+_[^/]*\/snapshot\.json$/;

/** Whether `paths` hold drizzle-kit 1.x's migration folders (a snapshot.json in one). */
export function hasDrizzleFolders(paths: readonly string[]): boolean {
  return paths.some((p) => FOLDER_SNAPSHOT.test(p));
}

interface Entry {
  /** 0-based place in the journal's `entries`. */
  readonly position: number;
  readonly tag: string;
  /** The journal's `when` (ms), which drizzle's history table stores as `created_at`. */
  readonly when: number | null;
}

function isSql(path: string): boolean {
  return atTop(path) && path.endsWith(".sql") && !path.startsWith(".") && !path.startsWith("_");
}

export const drizzleLayout: Layout = {
  name: "drizzle",
  detect: (paths) => paths.includes(JOURNAL) || hasDrizzleFolders(paths),
  wants: (path) => path === JOURNAL || isSql(path) || FOLDER_SQL.test(path),
  read(files, dialect) {
    const problems: Problem[] = [];
    const journal = files.find((f) => f.path === JOURNAL);
    if (journal === undefined && files.some((f) => FOLDER_SQL.test(f.path))) return { units: folderUnits(files), problems };
    if (journal === undefined) {
      problems.push(problemAt("MISSING_FILE", `${JOURNAL} is missing, so the order of the drizzle migrations is unknown.`, JOURNAL, null,
        "Restore meta/_journal.json from version control (drizzle-kit writes it with each migration)."));
      return { units: [], problems };
    }
    const text = textOf(journal);
    const entries = entriesOf(text, dialect, problems);
    const byPath = new Map(files.filter((f) => isSql(f.path)).map((f) => [f.path, f]));
    const byPlace = placesRule(entries, text, problems);
    const units: LayoutUnit[] = [];
    for (const entry of entries) {
      const path = `${entry.tag}.sql`;
      const file = byPath.get(path);
      byPath.delete(path);
      if (file === undefined) {
        const line = lineOf(text, `"${entry.tag}"`);
        problems.push(problemAt("MISSING_FILE", `${JOURNAL}:${line} lists migration ${entry.tag}, but ${path} does not exist.`, JOURNAL, line,
          `Restore ${path}, or remove its entry from ${JOURNAL} if it was never applied.`));
        continue;
      }
      units.push(unitOf(file, entry, byPlace));
    }
    // drizzle's migrator runs only what the journal lists; a stray file (a rollback script, a
    // hand-run fix) is skipped, with a warning naming it.
    for (const path of byPath.keys()) {
      problems.push(problemAt("MISSING_FILE", `${path} is not listed in ${JOURNAL}, so it is not a migration and is skipped (as drizzle-kit skips it).`, path, null,
        `Add an entry for it to ${JOURNAL} if it should run (drizzle-kit does so when it generates a migration), or move it out of the directory.`, "warning"));
    }
    return { units, problems };
  },
};

const TAG = /^(\d+)_(.+)$/;

/** The place in the journal as a version: `0007` for the eighth entry. */
function placeOf(entry: Entry): string {
  return String(entry.position).padStart(4, "0");
}

/**
 * Whether versions are the entries' places in the journal: true when two numbered tags do not rise
 * along the journal (a duplicate or a step back), which is then a warning naming the first pair.
 */
function placesRule(entries: readonly Entry[], text: string, problems: Problem[]): boolean {
  let previous: { tag: string; number: bigint } | null = null;
  for (const entry of entries) {
    const digits = TAG.exec(entry.tag)?.[1];
    if (digits === undefined) continue;
    const number = BigInt(digits);
    if (previous !== null && number <= previous.number) {
      const line = lineOf(text, `"${entry.tag}"`);
      const last = entries[entries.length - 1];
      problems.push(problemAt("DUPLICATE_VERSION",
        `${JOURNAL}:${line} lists ${entry.tag} after ${previous.tag}, so the tags' numbers do not give the order; Stratum numbers the migrations by their place in the journal instead (0000 to ${last === undefined ? "0000" : placeOf(last)}), the order drizzle-kit runs them in.`,
        JOURNAL, line, "Nothing to do to run them; to keep the files' numbers as versions, renumber the tags (files and journal entries) so they rise.", "warning"));
      return true;
    }
    previous = { tag: entry.tag, number };
  }
  return false;
}

function unitOf(file: ListedFile, entry: Entry, byPlace: boolean): LayoutUnit {
  const match = TAG.exec(entry.tag);
  const version = byPlace ? placeOf(entry) : (match?.[1] ?? placeOf(entry));
  return {
    ...unitFrom(file, version, match?.[2] ?? entry.tag),
    ...(entry.when === null ? {} : { aliases: [String(entry.when)] }),
  };
}

/** drizzle-kit 1.x's folders, each `<timestamp>_<name>/migration.sql`, in the folders' order. */
function folderUnits(files: readonly ListedFile[]): LayoutUnit[] {
  const units: LayoutUnit[] = [];
  for (const file of files) {
    const match = FOLDER_SQL.exec(file.path);
    if (match) units.push(unitFrom(file, match[1] ?? "", match[2] ?? ""));
  }
  return sortUnits(units);
}

function unitFrom(file: ListedFile, version: string, name: string): LayoutUnit {
  const script = wholeFile(file.path, textOf(file));
  return {
    version,
    name: unitName(name),
    files: [file.path],
    up: script.text.includes(BREAKPOINT) ? { ...script, statements: breakpointStatements(script) } : script,
    down: null,
    verify: null,
    downHint: "a down, which drizzle migrations do not have: `stratum import --from drizzle` writes Stratum files where a `-- migrate:down` section can go",
  };
}

/** The chunks between `--> statement-breakpoint` markers, each one statement (empty ones dropped). */
export function breakpointStatements(script: UnitScript): Statement[] {
  const statements: Statement[] = [];
  const text = script.text;
  let from = 0;
  while (from <= text.length) {
    const at = text.indexOf(BREAKPOINT, from);
    const to = at < 0 ? text.length : at;
    const chunk = text.slice(from, to);
    const lead = leadingNonSql(chunk);
    const body = chunk.slice(lead).trimEnd();
    if (body !== "") {
      const offset = from + lead;
      let line = script.startLine;
      for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
      statements.push({ text: body, line, offset });
    }
    if (at < 0) break;
    from = at + BREAKPOINT.length;
  }
  return statements;
}

/** Length of the blank space and whole `--` comment lines a chunk starts with. */
function leadingNonSql(chunk: string): number {
  let at = chunk.length - chunk.trimStart().length;
  while (chunk.startsWith("--", at)) {
    const newline = chunk.indexOf("\n", at);
    if (newline < 0) return chunk.length;
    at = newline + 1;
    at += chunk.slice(at).length - chunk.slice(at).trimStart().length;
  }
  return at;
}

function entriesOf(text: string, dialect: string, problems: Problem[]): Entry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(problemAt("BAD_SECTION", `${JOURNAL} is not valid JSON (${(error as Error).message}).`, JOURNAL, null,
      "Restore meta/_journal.json from version control."));
    return [];
  }
  const journal = parsed as { dialect?: unknown; entries?: unknown };
  const entries = Array.isArray(journal.entries) ? (journal.entries as unknown[]) : null;
  if (entries === null) {
    problems.push(problemAt("BAD_SECTION", `${JOURNAL} has no "entries" list.`, JOURNAL, null,
      'Restore meta/_journal.json from version control; it must hold {"entries": [{"idx", "when", "tag", "breakpoints"}, …]}.'));
    return [];
  }
  if (typeof journal.dialect === "string" && namesOtherDatabase(journal.dialect, dialect)) {
    const line = lineOf(text, '"dialect"');
    problems.push(problemAt("UNMET_REQUIREMENT", `${JOURNAL}:${line} says these migrations were generated for ${journal.dialect}, but the target database is ${dialect}.`,
      JOURNAL, line, `Run them against a ${journal.dialect} database, or generate migrations for ${dialect} with drizzle-kit.`, "warning"));
  }
  const valid: Entry[] = [];
  entries.forEach((raw, index) => {
    const entry = raw as { tag?: unknown; when?: unknown };
    if (typeof entry?.tag !== "string" || entry.tag === "" || entry.tag.includes("/")) {
      problems.push(problemAt("BAD_SECTION", `entry ${index} of ${JOURNAL} has no valid "tag" (the migration's file name without .sql).`,
        JOURNAL, null, 'Give the entry its "tag", e.g. "0003_lazy_cat", or restore the journal from version control.'));
      return;
    }
    valid.push({ position: index, tag: entry.tag, when: typeof entry.when === "number" ? entry.when : null });
  });
  return valid;
}

/** 1-based line of the first occurrence of `needle` in `text` (1 when absent). */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) return 1;
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
