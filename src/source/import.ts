// `stratum import`: another tool's migrations, as discovery read them through its layout, written
// out in Stratum's own layout. Pure: migrations in, file names and texts out.
//
// Each migration becomes `<version>_<name>.sql` with `-- migrate:up` / `-- migrate:down` sections
// (no down section when the tool had no down; an empty one when its down holds nothing to undo),
// its statements as the tool delimited them, and header directives for what the tool's markers
// said: `-- stratum:transaction off`, `-- stratum:depends`. A migration whose down runs in a
// transaction mode of its own becomes an `.up.sql`/`.down.sql` pair, the down's directive in its
// own file. Versions that are not plain digits (Flyway's `1.1`) are renumbered in order.

import type { MigrationFile, SqlScript } from "../core/types.js";
import { slugify } from "./file-name.js";

/** One file to write, relative to the output directory. */
export interface ImportedFile {
  readonly name: string;
  readonly text: string;
}

/** One migration converted: where it came from and the files it became. */
export interface ImportedMigration {
  /** The version and files as the other tool named them. */
  readonly fromVersion: string;
  readonly fromFiles: readonly string[];
  /** Stratum's version (the same unless it had to be renumbered). */
  readonly version: string;
  readonly files: readonly ImportedFile[];
  /**
   * The tool's files whose SQL is not in Stratum's (e.g. a Sqitch verify script, which Stratum
   * does not run as a verify): the import says so.
   */
  readonly notCarried: readonly string[];
}

const DIGITS = /^\d+$/;
const DIRECTIVE_LINE = /^\s*--\s*stratum\s*:/i;

/**
 * Converts migrations (in their order) to Stratum's own layout; `tool` is named in each file's
 * first line. Dependencies naming another migration (by version, name or id) are rewritten to
 * its new version.
 */
export function importedMigrations(given: readonly MigrationFile[], tool: string): ImportedMigration[] {
  const migrations = [...given].sort((a, b) => compareVersions(a.version, b.version));
  const versions = newVersions(migrations);
  const byReference = new Map<string, string>();
  migrations.forEach((migration, index) => {
    const version = versions[index] as string;
    for (const key of [migration.version, migration.name, migration.id]) if (!byReference.has(key)) byReference.set(key, version);
  });
  return migrations.map((migration, index) => {
    const version = versions[index] as string;
    const depends = migration.options.dependsOn.map((item) => byReference.get(item) ?? item);
    const carried = new Set([migration.up, migration.down, migration.verify].flatMap((script) => (script === null ? [] : [script.file])));
    // a code migration's file is its own (never a foreign layout's); every SQL file is a script's
    const notCarried = migration.kind === "code" ? [] : migration.files.filter((file) => !carried.has(file));
    return {
      fromVersion: migration.version,
      fromFiles: migration.files.filter((file) => !notCarried.includes(file)),
      version,
      files: filesOf(migration, version, depends, tool),
      notCarried,
    };
  });
}

/** Versions part by part (`1` < `1.1` < `1.2` < `2` < `2024.01.05.1`; `1_1` is `1.1`), each part as an integer. */
function compareVersions(a: string, b: string): number {
  const partsA = a.split(/[._]/);
  const partsB = b.split(/[._]/);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const x = partsA[i];
    const y = partsB[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const byNumber = DIGITS.test(x) && DIGITS.test(y) ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (byNumber !== 0) return byNumber;
  }
  return 0;
}

function compareDigits(x: string, y: string): number {
  const a = BigInt(x);
  const b = BigInt(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Digits stay as they are; otherwise every migration is numbered in order (`001`, `002`, …). */
function newVersions(migrations: readonly MigrationFile[]): string[] {
  if (migrations.every((migration) => DIGITS.test(migration.version))) return migrations.map((migration) => migration.version);
  const width = Math.max(3, String(migrations.length).length);
  return migrations.map((_migration, index) => String(index + 1).padStart(width, "0"));
}

function filesOf(migration: MigrationFile, version: string, depends: readonly string[], tool: string): ImportedFile[] {
  const stem = `${version}_${slugify(migration.name) || "migration"}`;
  const carried = new Set([migration.up, migration.down, migration.verify].flatMap((script) => (script === null ? [] : [script.file])));
  const origin = `-- Imported from ${tool}: ${migration.files.filter((file) => carried.has(file)).join(", ")}`;
  const { options } = migration;
  const header = [origin];
  if (options.description !== undefined) header.push(`-- stratum:description ${options.description}`);
  if (depends.length > 0) header.push(`-- stratum:depends ${depends.join(" ")}`);
  if (options.transaction !== undefined) header.push(`-- stratum:transaction ${options.transaction ? "on" : "off"}`);
  for (const requirement of options.requires) header.push(`-- stratum:requires ${requirement.dialect}${requirement.op}${requirement.version}`);
  if (options.tables !== undefined && options.tables.length > 0) header.push(`-- stratum:tables ${options.tables.join(", ")}`);
  const up = sqlOf(migration.up);
  const verify = migration.verify === null ? null : sqlOf(migration.verify);
  const downDiffers = options.downTransaction !== undefined && options.downTransaction !== (options.transaction ?? true);
  if (downDiffers && migration.down !== null) {
    const upText = [...header, "", up, ...(verify === null ? [] : ["", "-- migrate:verify", verify])];
    const downText = [origin, `-- stratum:transaction ${options.downTransaction === true ? "on" : "off"}`, "", sqlOf(migration.down)];
    return [
      { name: `${stem}.up.sql`, text: fileText(upText) },
      { name: `${stem}.down.sql`, text: fileText(downText) },
    ];
  }
  const lines = [...header, "", "-- migrate:up", up];
  if (migration.down !== null) lines.push("", "-- migrate:down", sqlOf(migration.down));
  if (verify !== null) lines.push("", "-- migrate:verify", verify);
  return [{ name: `${stem}.sql`, text: fileText(lines) }];
}

/**
 * A section's SQL: the statements the file marked, each closed by `;`, or else its text as it is.
 * A section holding no SQL says so in a comment (an explicit no-op).
 */
function sqlOf(script: SqlScript | null): string {
  if (script === null) return "-- (no SQL)";
  const text =
    script.statements === undefined
      ? withoutDirectives(script.text).trim()
      : script.statements
          .map((statement) => statement.text.trim())
          .filter((statement) => statement !== "")
          .map(closed)
          .join("\n\n");
  return text === "" ? "-- (no SQL)" : text;
}

/** A statement ended by `;` (on a line of its own when its last line ends in a comment). */
function closed(statement: string): string {
  if (statement.endsWith(";")) return statement;
  const lastLine = statement.slice(statement.lastIndexOf("\n") + 1);
  return lastLine.includes("--") ? `${statement}\n;` : `${statement};`;
}

/** The header carries the directives; below a section marker they would be refused. */
function withoutDirectives(text: string): string {
  return text
    .split("\n")
    .filter((line) => !DIRECTIVE_LINE.test(line))
    .join("\n");
}

function fileText(lines: readonly string[]): string {
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}
