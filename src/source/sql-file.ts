// Parsing SQL migrations: `-- migrate:up|down|verify` sections and `-- stratum:` header directives.
//
// Decisions (see SPEC §1):
// - Markers are comment lines `-- migrate:up`, `-- migrate:down`, `-- migrate:verify`, matched
//   case-insensitively with any whitespace around `--` and `:`. They are recognised line by line
//   (as dbmate does), not inside block comments or strings.
// - Text after a marker on the same line is ignored, so `-- migrate:up  create the table` is fine.
//   The exception is something shaped like an option (`-- migrate:up transaction:false`, dbmate's
//   syntax): ignoring it would silently change how the migration runs, so it is a BAD_DIRECTIVE
//   pointing to the header directive instead.
// - A `-- migrate:xyz` line with an unknown section name is a BAD_SECTION (a typo would otherwise
//   swallow SQL into the wrong section).
// - A single `.sql` file with no markers at all is entirely the `up` section: friendlier for
//   people coming from tools without sections, and there is nothing else it could mean. The same
//   holds for the part of a file before a `-- migrate:verify` marker. A file with a
//   `-- migrate:down` marker must also have an explicit `-- migrate:up`.
// - Directives are read only from the header: the comment lines at the top of the file (before
//   the first marker, or before the first SQL statement when there is no `up` marker). A
//   `-- stratum:` line anywhere else is a BAD_DIRECTIVE rather than being ignored.
// - A `down` or `verify` section holding no SQL (only comments or blank lines) counts as absent
//   (`null`): an empty down is "no down", so a rollback is refused rather than silently doing
//   nothing. An `up` holding no SQL is an EMPTY_MIGRATION problem.
import { normaliseText } from "../core/checksum.js";
import type { MigrationOptions, Problem, Requirement, SqlScript } from "../core/types.js";
import { requirementFlavours } from "../dialects/registry.js";
import { SLUG_PATTERN } from "./file-name.js";
import { isProblem, problem } from "./problem.js";

export interface ParsedSqlMigration {
  readonly up: SqlScript | null;
  readonly down: SqlScript | null;
  readonly verify: SqlScript | null;
  readonly options: MigrationOptions;
  readonly problems: Problem[];
}

type SectionName = "up" | "down" | "verify";

/** Directive names, as listed to the user. */
export const DIRECTIVE_NAMES = [
  "depends",
  "depends-on",
  "transaction",
  "irreversible",
  "requires",
  "description",
  "tables",
] as const;

const REQUIREMENT_DIALECTS: Readonly<Record<string, string>> = requirementFlavours();

const MARKER_LINE = /^\s*--\s*migrate\s*:\s*([A-Za-z]*)(.*)$/i;
const DIRECTIVE_LINE = /^\s*--\s*stratum\s*:\s*(\S*)\s*(.*?)\s*$/i;
const OPTION_LIKE = /\b[A-Za-z_]+:\S/;
/** A dependency: a version (`003`) or a full migration id (`003_create_users`). */
export const DEPENDENCY = new RegExp(`^\\d+(?:_${SLUG_PATTERN.source.slice(1, -1)})?$`);
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?$/;
const REQUIREMENT = /^([A-Za-z]+)\s*(?:(>=|<=|>|<|=)\s*([^\s<>=]\S*)?)?$/;
const VERSION_NUMBER = /^\d+(?:\.\d+)*$/;

/**
 * Parses a single-file SQL migration (`-- migrate:up` / `-- migrate:down` / `-- migrate:verify`
 * sections, or no markers at all = all `up`). `file` is the path relative to the migrations
 * directory, used in scripts and problems.
 */
export function parseSqlMigration(file: string, text: string): ParsedSqlMigration {
  const problems: Problem[] = [];
  const lines = normaliseText(text).split("\n");
  const scan = scanSections(file, lines, {
    implicit: "up",
    allowed: ["up", "down", "verify"],
    implicitBlockedBy: ["down"],
    notAllowed: () => "",
    directivesElsewhere: null,
  }, problems);
  const options = readDirectives(file, lines, scan.directiveLines, problems);
  return finish(file, scan.sections, null, options, problems);
}

/**
 * Parses the pair layout `<id>.up.sql` + `<id>.down.sql`. The up file holds the header
 * directives and may carry a `-- migrate:verify` section; `downFile`/`downText` are `null` when
 * there is no down file.
 */
export function parseSqlPair(
  upFile: string,
  upText: string,
  downFile: string | null,
  downText: string | null,
): ParsedSqlMigration {
  const problems: Problem[] = [];
  const downName = downFile ?? upFile.replace(/\.up\.sql$/, ".down.sql");
  const upLines = normaliseText(upText).split("\n");
  const upScan = scanSections(upFile, upLines, {
    implicit: "up",
    allowed: ["up", "verify"],
    implicitBlockedBy: [],
    notAllowed: () => `Move the down SQL into ${downName}.`,
    directivesElsewhere: null,
  }, problems);
  const options = readDirectives(upFile, upLines, upScan.directiveLines, problems);
  let down: SqlScript | null = null;
  if (downFile !== null && downText !== null) {
    const downLines = normaliseText(downText).split("\n");
    const downScan = scanSections(downFile, downLines, {
      implicit: "down",
      allowed: ["down"],
      implicitBlockedBy: [],
      notAllowed: (name) =>
        name === "up"
          ? `Move the up SQL into ${upFile}.`
          : `Move the ${name} section into ${upFile}.`,
      directivesElsewhere: upFile,
    }, problems);
    down = downScan.sections.down ?? null;
  }
  return finish(upFile, upScan.sections, down, options, problems);
}

/**
 * Parses one requirement such as `postgres>=13`, `mysql >= 8.0.32` or `sqlite` (any version).
 * `source` is where it was declared (`file:line`, or the file for code migrations).
 */
export function parseRequirement(text: string, source: string): Requirement | Problem {
  const match = REQUIREMENT.exec(text.trim());
  const fix =
    'Write a requirement as <dialect><op><version>, e.g. "postgres>=13"; dialects: postgres, mysql, mariadb, sqlite; operators: >=, >, <=, <, =.';
  if (!match) {
    return problem("BAD_DIRECTIVE", `"${text.trim()}" is not a valid requirement in ${source}.`, [source], fix);
  }
  const [, rawDialect = "", op, version] = match;
  const dialect = REQUIREMENT_DIALECTS[rawDialect.toLowerCase()];
  if (dialect === undefined) {
    return problem(
      "BAD_DIRECTIVE",
      `unknown database "${rawDialect}" in requirement "${text.trim()}" in ${source}.`,
      [source],
      fix,
    );
  }
  if (op === undefined) return { dialect, op: ">=", version: "0", source };
  if (version === undefined || !VERSION_NUMBER.test(version)) {
    return problem(
      "BAD_DIRECTIVE",
      `"${version ?? ""}" is not a version number in requirement "${text.trim()}" in ${source}.`,
      [source],
      fix,
    );
  }
  return { dialect, op: op as Requirement["op"], version, source };
}

// ---------------------------------------------------------------------------------------------

interface ScanRules {
  /** The section that text outside any marker belongs to. */
  readonly implicit: SectionName;
  /** Markers allowed in this file. */
  readonly allowed: readonly SectionName[];
  /** Markers whose presence requires an explicit marker for the implicit section. */
  readonly implicitBlockedBy: readonly SectionName[];
  /** The fix for a marker that is not allowed here. */
  readonly notAllowed: (name: SectionName) => string;
  /** When directives are not allowed in this file: the file they belong in. */
  readonly directivesElsewhere: string | null;
}

interface ScanResult {
  readonly sections: Partial<Record<SectionName, SqlScript>>;
  /** 0-based indexes of directive lines inside the header. */
  readonly directiveLines: readonly number[];
}

interface Marker {
  readonly name: SectionName;
  readonly index: number;
  /** False when the marker is reported (not allowed, duplicate): it still ends the section before it. */
  readonly accepted: boolean;
}

function scanSections(file: string, lines: readonly string[], rules: ScanRules, problems: Problem[]): ScanResult {
  const markers: Marker[] = [];
  const directives: number[] = [];
  const firstSeen = new Map<SectionName, number>();

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    // Markers and directives are comment lines: a line without "--" is neither (most lines).
    if (!line.includes("--")) continue;
    const where = `${file}:${index + 1}`;
    const marker = MARKER_LINE.exec(line);
    if (marker) {
      const rawName = marker[1] ?? "";
      const name = rawName.toLowerCase();
      if (name !== "up" && name !== "down" && name !== "verify") {
        problems.push(
          problem(
            "BAD_SECTION",
            `unknown section marker "-- migrate:${rawName}" at ${where}.`,
            [where],
            'Use "-- migrate:up", "-- migrate:down" or "-- migrate:verify".',
          ),
        );
        continue;
      }
      let accepted = true;
      const trailing = (marker[2] ?? "").trim();
      if (trailing !== "" && OPTION_LIKE.test(trailing)) {
        problems.push(
          problem(
            "BAD_DIRECTIVE",
            `options on a section marker ("${trailing}") are not supported, at ${where}.`,
            [where],
            'Put options in the header at the top of the file, e.g. "-- stratum:transaction off".',
          ),
        );
      }
      if (!rules.allowed.includes(name)) {
        accepted = false;
        problems.push(
          problem(
            "BAD_SECTION",
            `a "-- migrate:${name}" section is not allowed in ${file}, at ${where}.`,
            [where],
            rules.notAllowed(name),
          ),
        );
      } else {
        const first = firstSeen.get(name);
        if (first !== undefined) {
          accepted = false;
          problems.push(
            problem(
              "BAD_SECTION",
              `"-- migrate:${name}" appears twice in ${file}, at ${file}:${first + 1} and ${file}:${index + 1}.`,
              [`${file}:${first + 1}`, where],
              `Keep one "-- migrate:${name}" section and merge the SQL into it.`,
            ),
          );
        } else {
          firstSeen.set(name, index);
        }
      }
      markers.push({ name, index, accepted });
      continue;
    }
    if (DIRECTIVE_LINE.test(line)) directives.push(index);
  }

  const firstMarker = markers[0]?.index ?? lines.length;
  const explicitImplicit = firstSeen.has(rules.implicit);
  const blocker = rules.implicitBlockedBy.find((name) => firstSeen.has(name));
  const sections: Partial<Record<SectionName, SqlScript>> = {};
  let headerEnd: number;

  if (explicitImplicit || blocker !== undefined) {
    // Everything before the first marker is the header: comments and directives only.
    headerEnd = firstMarker;
    const code = firstCodeLine(lines, 0, firstMarker);
    if (!explicitImplicit && blocker !== undefined) {
      const at = `${file}:${(firstSeen.get(blocker) ?? 0) + 1}`;
      problems.push(
        problem(
          "BAD_SECTION",
          `${file} has a "-- migrate:${blocker}" section but no "-- migrate:${rules.implicit}" marker.`,
          [at],
          `Add a "-- migrate:${rules.implicit}" line above the ${rules.implicit} SQL.`,
        ),
      );
    } else if (code !== null) {
      const at = `${file}:${code + 1}`;
      problems.push(
        problem(
          "BAD_SECTION",
          `SQL before the first "-- migrate:" marker at ${at} belongs to no section.`,
          [at],
          `Move it below "-- migrate:${rules.implicit}" (only comments and "-- stratum:" directives may come first).`,
        ),
      );
    }
  } else {
    // No marker for the implicit section: the text before the first marker is that section,
    // and its leading comment lines are the header.
    headerEnd = firstCodeLine(lines, 0, firstMarker) ?? firstMarker;
    sections[rules.implicit] = script(file, lines, 0, firstMarker);
  }

  markers.forEach((marker, i) => {
    if (!marker.accepted) return;
    const end = markers[i + 1]?.index ?? lines.length;
    sections[marker.name] = script(file, lines, marker.index + 1, end);
  });

  const headerDirectives: number[] = [];
  for (const index of directives) {
    const where = `${file}:${index + 1}`;
    if (rules.directivesElsewhere !== null) {
      problems.push(
        problem(
          "BAD_DIRECTIVE",
          `"-- stratum:" directives are not read from ${file}, at ${where}.`,
          [where],
          `Move the directive to the header at the top of ${rules.directivesElsewhere}.`,
        ),
      );
    } else if (index >= headerEnd) {
      problems.push(
        problem(
          "BAD_DIRECTIVE",
          `the directive at ${where} is not in the header at the top of the file, so it would be ignored.`,
          [where],
          'Move it above the first SQL statement and the first "-- migrate:" marker.',
        ),
      );
    } else {
      headerDirectives.push(index);
    }
  }
  return { sections, directiveLines: headerDirectives };
}

function script(file: string, lines: readonly string[], from: number, to: number): SqlScript {
  return { file, text: lines.slice(from, to).join("\n"), startLine: from + 1 };
}

interface DirectiveState {
  description: string[];
  dependsOn: string[];
  transaction: { value: boolean; line: number } | undefined;
  irreversible: boolean;
  requires: Requirement[];
  tables: string[];
}

function readDirectives(
  file: string,
  lines: readonly string[],
  indexes: readonly number[],
  problems: Problem[],
): MigrationOptions {
  const state: DirectiveState = {
    description: [],
    dependsOn: [],
    transaction: undefined,
    irreversible: false,
    requires: [],
    tables: [],
  };
  for (const index of indexes) {
    const match = DIRECTIVE_LINE.exec(lines[index] ?? "");
    if (match) readDirective(file, index + 1, match[1] ?? "", match[2] ?? "", state, problems);
  }
  const description = state.description.join(" ");
  return {
    ...(description !== "" ? { description } : {}),
    dependsOn: state.dependsOn,
    ...(state.transaction !== undefined ? { transaction: state.transaction.value } : {}),
    irreversible: state.irreversible,
    requires: state.requires,
    ...(state.tables.length > 0 ? { tables: state.tables } : {}),
  };
}

function readDirective(
  file: string,
  line: number,
  rawName: string,
  value: string,
  state: DirectiveState,
  problems: Problem[],
): void {
  const where = `${file}:${line}`;
  const name = rawName.toLowerCase().replace(/_/g, "-");
  const bad = (message: string, fix: string): void => {
    problems.push(problem("BAD_DIRECTIVE", `${message} at ${where}.`, [where], fix));
  };
  const list = value.split(/[\s,]+/).filter((item) => item !== "");

  switch (name) {
    case "depends":
    case "depends-on": {
      const fix = 'List the versions it depends on, e.g. "-- stratum:depends 003 005" or "-- stratum:depends 003_create_users".';
      if (list.length === 0) return bad(`"-- stratum:${rawName}" names no migration`, fix);
      for (const item of list) {
        if (!DEPENDENCY.test(item)) bad(`"${item}" in "-- stratum:${rawName}" is not a version or migration id`, fix);
        else if (!state.dependsOn.includes(item)) state.dependsOn.push(item);
      }
      return;
    }
    case "transaction": {
      const fix = 'Write "-- stratum:transaction off" or "-- stratum:transaction on".';
      const lowered = value.toLowerCase();
      const parsed =
        lowered === "off" || lowered === "false" ? false : lowered === "on" || lowered === "true" ? true : undefined;
      if (parsed === undefined) return bad(`"${value}" is not a valid value for "-- stratum:transaction"`, fix);
      if (state.transaction !== undefined && state.transaction.value !== parsed) {
        return bad(`"-- stratum:transaction" contradicts line ${state.transaction.line}`, "Keep one transaction directive.");
      }
      state.transaction = { value: parsed, line };
      return;
    }
    case "irreversible": {
      if (value !== "" && value.toLowerCase() !== "true") {
        return bad(
          `"-- stratum:irreversible" takes no value (got "${value}")`,
          'Write "-- stratum:irreversible" alone, or remove it if the migration can be rolled back.',
        );
      }
      state.irreversible = true;
      return;
    }
    case "requires": {
      const fix =
        'Write requirements as <dialect><op><version>, e.g. "-- stratum:requires postgres>=13"; dialects: postgres, mysql, mariadb, sqlite; operators: >=, >, <=, <, =.';
      const items = value
        .replace(/\s*(>=|<=|>|<|=)\s*/g, "$1")
        .split(/[\s,]+/)
        .filter((item) => item !== "");
      if (items.length === 0) return bad('"-- stratum:requires" names no requirement', fix);
      for (const item of items) {
        const requirement = parseRequirement(item, where);
        if (isProblem(requirement)) problems.push(requirement);
        else state.requires.push(requirement);
      }
      return;
    }
    case "description": {
      if (value === "") return bad('"-- stratum:description" is empty', 'Write "-- stratum:description <text>", or remove the line.');
      state.description.push(value);
      return;
    }
    case "tables": {
      const fix = 'List table names, e.g. "-- stratum:tables users, orders".';
      if (list.length === 0) return bad('"-- stratum:tables" names no table', fix);
      for (const item of list) {
        if (!TABLE_NAME.test(item)) bad(`"${item}" in "-- stratum:tables" is not a table name`, fix);
        else if (!state.tables.includes(item)) state.tables.push(item);
      }
      return;
    }
    default:
      return bad(
        `unknown directive "-- stratum:${rawName}"`,
        `Use one of: ${DIRECTIVE_NAMES.map((d) => `stratum:${d}`).join(", ")}.`,
      );
  }
}

function finish(
  file: string,
  sections: Partial<Record<SectionName, SqlScript>>,
  pairedDown: SqlScript | null,
  options: MigrationOptions,
  problems: Problem[],
): ParsedSqlMigration {
  // A section holding nothing but a block comment that is never closed would count as absent (a
  // down section swallowed this way would be found missing only at rollback time): it is an error
  // in every section. (Sections with SQL are checked by the dialect's lexer before they run.)
  for (const section of [sections.up, pairedDown ?? sections.down, sections.verify]) {
    if (section === undefined || section === null) continue;
    const open = unclosedComment(section.text);
    if (open === null) continue;
    const where = `${section.file}:${open + section.startLine}`;
    problems.push(
      problem(
        "BAD_SECTION",
        `unterminated block comment starting at ${where}.`,
        [where],
        'Close it with "*/"; everything after it would be read as part of the comment.',
      ),
    );
  }
  const up = sections.up ?? null;
  const downScript = pairedDown ?? sections.down ?? null;
  const down = downScript !== null && hasSql(downScript.text) ? downScript : null;
  const verify = sections.verify !== undefined && hasSql(sections.verify.text) ? sections.verify : null;
  if (up !== null && !hasSql(up.text) && unclosedComment(up.text) === null) {
    problems.push(
      problem(
        "EMPTY_MIGRATION",
        `${file} has no SQL in its up section.`,
        [file],
        "Write the SQL that applies the change, or delete the file.",
      ),
    );
  }
  if (options.irreversible && down !== null) {
    problems.push(
      problem(
        "BAD_DIRECTIVE",
        `${file} is marked "-- stratum:irreversible" but has down SQL, which will never run.`,
        [down.file === file ? `${file}:${down.startLine - 1}` : down.file],
        'Remove "-- stratum:irreversible" or the down SQL.',
        "warning",
      ),
    );
  }
  return { up, down, verify, options, problems };
}

/** Whether SQL text holds anything besides whitespace and comments. */
export function hasSql(text: string): boolean {
  return firstCodeLine(text.split("\n"), 0, Number.POSITIVE_INFINITY) !== null;
}

/**
 * For text holding no SQL: the 0-based line of a block comment (`/*`) that is never closed, or null.
 * Text with SQL returns null: there a `/*` may sit inside a string, which only the dialect's lexer knows.
 */
function unclosedComment(text: string): number | null {
  const state = { inBlock: false };
  let opened = 0;
  // line by line without splitting: a section with SQL stops at its first code line
  for (let start = 0, index = 0; start <= text.length; index++) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end);
    const wasInBlock = state.inBlock;
    if (lineHasCode(line, state)) return null;
    // the last comment opened on this line is the one still open at its end
    if (state.inBlock && !(wasInBlock && !line.includes("*/"))) opened = index;
    if (newline < 0) break;
    start = newline + 1;
  }
  return state.inBlock ? opened : null;
}

/** 0-based index of the first line in [from, to) holding something besides comments, or null. */
function firstCodeLine(lines: readonly string[], from: number, to: number): number | null {
  const state = { inBlock: false };
  const end = Math.min(to, lines.length);
  for (let index = from; index < end; index++) {
    if (lineHasCode(lines[index] ?? "", state)) return index;
  }
  return null;
}

/** Whether a line holds anything besides whitespace and comments; tracks `/* … *\/` across lines. */
function lineHasCode(line: string, state: { inBlock: boolean }): boolean {
  let i = 0;
  while (i < line.length) {
    if (state.inBlock) {
      const close = line.indexOf("*/", i);
      if (close < 0) return false;
      state.inBlock = false;
      i = close + 2;
      continue;
    }
    const ch = line.charAt(i);
    // empty statements (a lone `;`) are not SQL either
    if (/\s/.test(ch) || ch === ";") {
      i++;
      continue;
    }
    if (line.startsWith("--", i)) return false;
    // MySQL executable comments (`/*! … */`) and optimizer hints (`/*+ … */`) are code.
    if (line.startsWith("/*", i) && !line.startsWith("/*!", i) && !line.startsWith("/*+", i)) {
      state.inBlock = true;
      i += 2;
      continue;
    }
    return true;
  }
  return false;
}
