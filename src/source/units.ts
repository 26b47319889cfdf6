// A layout's units (another tool's migrations, read as they are) turned into the MigrationFiles
// the planner and the engine work on, exactly as Stratum's own files are: one checksum over the
// unit's files in order, its sections as SqlScripts, its options from the tool's own markers and
// from any `-- stratum:` directives the layout points at.

import { isAbsolute, resolve } from "node:path";
import { checksumOf, normaliseText } from "../core/checksum.js";
import type { MigrationFile, MigrationOptions, Problem, SqlScript } from "../core/types.js";
import type { LayoutUnit, UnitScript } from "./layouts/layout.js";
import { parseSqlMigration } from "./sql-file.js";

const DIRECTIVE_LINE = /^\s*--\s*stratum\s*:/i;

/**
 * The MigrationFile of one unit. `root` is the migrations directory (absolute), `texts` the text
 * of every file read (by relative path); directive problems are added to `problems`.
 */
export function migrationFromUnit(
  root: string,
  unit: LayoutUnit,
  texts: ReadonlyMap<string, string>,
  problems: Problem[],
): MigrationFile {
  const directives = unit.directivesFrom === undefined ? null : directivesOf(unit.directivesFrom, problems);
  const main = unit.up?.file ?? unit.files[0] ?? "";
  return {
    version: unit.version,
    name: unit.name,
    id: `${unit.version}_${unit.name}`,
    path: isAbsolute(main) ? main : resolve(root, main),
    kind: "sql",
    files: unit.files,
    checksum: checksumOf(unit.files.map((file) => texts.get(file) ?? "")),
    up: sqlScript(unit.up),
    down: sqlScript(unit.down),
    verify: sqlScript(unit.verify),
    options: optionsOf(unit, directives),
    ...(unit.aliases === undefined ? {} : { aliases: unit.aliases }),
    ...(unit.downHint === undefined ? {} : { downHint: unit.downHint }),
  };
}

function sqlScript(script: UnitScript | null): SqlScript | null {
  if (script === null) return null;
  const { file, text, startLine, statements } = script;
  return statements === undefined ? { file, text, startLine } : { file, text, startLine, statements };
}

/** The tool's markers first, then the unit's own `-- stratum:` directives (which may add to them). */
function optionsOf(unit: LayoutUnit, directives: MigrationOptions | null): MigrationOptions {
  const dependsOn = [...(unit.dependsOn ?? [])];
  for (const item of directives?.dependsOn ?? []) if (!dependsOn.includes(item)) dependsOn.push(item);
  const transaction = directives?.transaction ?? unit.transaction;
  const description = directives?.description;
  const tables = directives?.tables;
  return {
    ...(description === undefined ? {} : { description }),
    dependsOn,
    ...(transaction === undefined ? {} : { transaction }),
    ...(unit.downTransaction === undefined ? {} : { downTransaction: unit.downTransaction }),
    // as for Stratum's own files: `irreversible` is what a directive declares; no down at all is
    // `down: null`, which the planner reports as having no down (NO_DOWN) when a rollback needs it
    irreversible: directives?.irreversible === true,
    requires: directives?.requires ?? [],
    ...(tables === undefined ? {} : { tables }),
  };
}

/**
 * The `-- stratum:` directives at the top of a script (its leading comment lines), read by the
 * same rules as in Stratum's own files, with lines numbered as in the file.
 */
export function directivesOf(script: UnitScript, problems: Problem[]): MigrationOptions {
  const lines = normaliseText(script.text).split("\n");
  const header: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed !== "" && !trimmed.startsWith("--")) break;
    // only directive lines are kept (a tool's own marker lines are blanked), so the numbering holds
    header.push(DIRECTIVE_LINE.test(line) ? line : "");
  }
  const padded = [...Array.from({ length: Math.max(0, script.startLine - 1) }, () => ""), ...header, "SELECT 1;"].join("\n");
  const parsed = parseSqlMigration(script.file, padded);
  problems.push(...parsed.problems.filter((found) => found.code === "BAD_DIRECTIVE"));
  return parsed.options;
}
