// Small pure helpers the foreign layouts share: lines, sections, statements, sorting, problems.

import { normaliseText } from "../../core/checksum.js";
import type { Problem, ProblemCode } from "../../core/types.js";
import { requirementFlavours } from "../../dialects/registry.js";
import { slugify } from "../file-name.js";
import { problem } from "../problem.js";
import type { ListedFile, LayoutUnit, UnitScript } from "./layout.js";
import { compareVersions } from "../../core/version.js";

/** A tool feature Stratum cannot honour (goose ENVSUB, Flyway repeatables, Go files, …). */
export const UNSUPPORTED: ProblemCode = "BAD_DIRECTIVE";

export type Statement = NonNullable<UnitScript["statements"]>[number];

/** The file's lines after normalising (BOM dropped, CRLF → LF), as Stratum checksums them. */
export function linesOf(text: string): string[] {
  return normaliseText(text).split("\n");
}

/** A script of the 0-based lines `[from, to)` of `file` (the convention of Stratum's own sections). */
export function section(file: string, lines: readonly string[], from: number, to: number): UnitScript {
  return { file, text: lines.slice(from, to).join("\n"), startLine: from + 1 };
}

/** A whole file as one script. */
export function wholeFile(file: string, text: string): UnitScript {
  const lines = linesOf(text);
  return section(file, lines, 0, lines.length);
}

/** A line holding SQL (not blank, not a `--` comment). Block comments are left to the dialect. */
export function isCodeLine(line: string): boolean {
  const t = line.trim();
  return t !== "" && !t.startsWith("--");
}

/** Whether a script's text holds any SQL line. */
export function holdsSql(text: string): boolean {
  return text.split("\n").some(isCodeLine);
}

/**
 * An explicit statement of `script` spanning its 0-based text lines `[from, to)`, starting at the
 * first code line; `null` when those lines hold no SQL.
 */
export function statementOf(script: UnitScript, textLines: readonly string[], from: number, to: number): Statement | null {
  let first = from;
  while (first < to && !isCodeLine(textLines[first] as string)) first++;
  if (first >= to) return null;
  let offset = 0;
  for (let i = 0; i < first; i++) offset += (textLines[i] as string).length + 1;
  return { text: textLines.slice(first, to).join("\n"), line: script.startLine + first, offset };
}

/** Last path segment. */
export function baseName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

/** A unit name from the tool's free text: slugified, never empty. */
export function unitName(text: string): string {
  return slugify(text) || "migration";
}

/** The text of a listed file (`""` when the listing did not read it). */
export function textOf(file: ListedFile): string {
  return file.text ?? "";
}

/** Units ordered by version (part by part), then name, then first file. */
export function sortUnits(units: LayoutUnit[]): LayoutUnit[] {
  return units.sort(
    (a, b) => compareVersions(a.version, b.version) || cmp(a.name, b.name) || cmp(a.files[0] ?? "", b.files[0] ?? ""),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A problem located at `file:line` (or the file alone when `line` is omitted). */
export function problemAt(
  code: ProblemCode,
  message: string,
  file: string,
  line: number | null,
  fix: string,
  severity: Problem["severity"] = "error",
): Problem {
  const where = line === null ? file : `${file}:${line}`;
  return problem(code, message, [where], fix, severity);
}

/** Whether a listed path is at the top of the directory (no `/`). */
export function atTop(path: string): boolean {
  return !path.includes("/");
}

const FLAVOURS = requirementFlavours();

/**
 * Whether a tool's database name (Prisma's provider, drizzle's journal dialect) names a database
 * Stratum knows other than the target's dialect. Names Stratum does not know are never "other".
 */
export function namesOtherDatabase(toolName: string, dialect: string): boolean {
  const flavour = FLAVOURS[toolName.toLowerCase()];
  return flavour !== undefined && flavour !== dialect && FLAVOURS[dialect] !== flavour;
}
