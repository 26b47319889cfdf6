// Parsing SQL migrations: `-- migrate:up|down|verify` sections and `-- stratum:` header directives.
//
// Decisions (see SPEC §1):
// - Markers are comment lines `-- migrate:up`, `-- migrate:down`, `-- migrate:verify`, matched
//   case-insensitively with any whitespace around `--` and `:`. They are recognised line by line
//   (as dbmate does), not inside block comments or strings.
// - Text after a marker on the same line is ignored, so `-- migrate:up  create the table` is fine.
//   The exception is something shaped like an option: dbmate's `transaction:false` /
//   `transaction:true` on `-- migrate:up` or `-- migrate:down` is read (it sets `transaction` or
//   `downTransaction`); any other option (ignoring it would silently change how the migration runs)
//   is a BAD_DIRECTIVE. A marker option that contradicts a `-- stratum:transaction` header
//   directive for the same direction is a BAD_DIRECTIVE naming both lines.
// - A `-- migrate:xyz` line with an unknown section name is a BAD_SECTION (a typo would otherwise
//   swallow SQL into the wrong section).
// - A single `.sql` file with no markers at all is entirely the `up` section: friendlier for
//   people coming from tools without sections, and there is nothing else it could mean. The same
//   holds for the part of a file before a `-- migrate:verify` marker. A file with a
//   `-- migrate:down` marker must also have an explicit `-- migrate:up`.
// - Directives are read only from the header: the comment lines at the top of the file (before
//   the first marker, or before the first SQL statement when there is no `up` marker). A
//   `-- stratum:` line anywhere else is a BAD_DIRECTIVE rather than being ignored. The header of
//   a `.down.sql` file is read too, for what concerns the rollback alone: `transaction` sets
//   `downTransaction`; what belongs to the migration as a whole (`depends`, `requires`, `tables`,
//   `description`) and `irreversible` (a down file is the rollback) are a BAD_DIRECTIVE saying why.
// - Empty is a convention, not a mistake (golang-migrate, dbmate and Flyway keep placeholders):
//   an `up` holding no SQL (only comments or blank lines) is applied as a no-op and recorded, with
//   an EMPTY_MIGRATION *warning*; an existing `down` (a `-- migrate:down` section or a `.down.sql`
//   file) holding no SQL is an explicit no-op rollback, so the migration is reversible. No down at
//   all stays `null` (irreversible). A `verify` section holding no SQL counts as absent.
// - What is not a convention is the unfilled `stratum create` template: an up section holding
//   just the template's placeholder comment is an EMPTY_MIGRATION *error*, and a down section
//   holding just the template's placeholder counts as no down (it was never written, so rolling
//   back must be refused rather than silently do nothing).
import { normaliseText } from "../core/checksum.js";
import type { MigrationOptions, Problem, Requirement, SqlScript } from "../core/types.js";
import { requirementFlavours } from "../dialects/registry.js";
import { migrationTemplate } from "./create.js";
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
  "verify",
  "lint-ignore",
] as const;

const REQUIREMENT_DIALECTS: Readonly<Record<string, string>> = requirementFlavours();

const MARKER_LINE = /^\s*--\s*migrate\s*:\s*([A-Za-z]*)(.*)$/i;
const DIRECTIVE_LINE = /^\s*--\s*stratum\s*:\s*(\S*)\s*(.*?)\s*$/i;
const OPTION_LIKE = /\b[A-Za-z_]+:\S/;
/** A dependency: a version (`003`) or a full migration id (`003_create_users`). */
export const DEPENDENCY = new RegExp(`^\\d+(?:[._]\\d+)*(?:_+${SLUG_PATTERN.source.slice(1, -1)})?$`);
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
  }, problems);
  const header = readDirectives(file, lines, scan.directiveLines, null, problems);
  const transaction = agreedTransaction(header.transaction, scan.markerTransaction.up, problems);
  const downTransaction = scan.markerTransaction.down?.value;
  const options = withTransactions(migrationOptions(header), transaction, downTransaction);
  return finish(file, scan.sections, null, options, problems);
}

/**
 * Parses the pair layout `<id>.up.sql` + `<id>.down.sql`. The up file holds the header
 * directives and may carry a `-- migrate:verify` section; `downFile`/`downText` are `null` when
 * there is no down file. The down file's header may hold `-- stratum:transaction`, which applies
 * to the rollback (`downTransaction`).
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
  }, problems);
  const header = readDirectives(upFile, upLines, upScan.directiveLines, null, problems);
  const transaction = agreedTransaction(header.transaction, upScan.markerTransaction.up, problems);
  let down: SqlScript | null = null;
  let downTransaction: boolean | undefined;
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
    }, problems);
    const downHeader = readDirectives(downFile, downLines, downScan.directiveLines, upFile, problems);
    downTransaction = agreedTransaction(downHeader.transaction, downScan.markerTransaction.down, problems);
    down = downScan.sections.down ?? null;
  }
  const options = withTransactions(migrationOptions(header), transaction, downTransaction);
  return finish(upFile, upScan.sections, down, options, problems);
}

/**
 * Whether `text` is a SQL migration written by `stratum create` whose up section was never filled
 * in: its `-- migrate:up` section holds nothing but the template's placeholder comment. Lines are
 * compared trimmed, with runs of whitespace, blank lines and line endings not counting, so an
 * editor's reformatting does not hide the template; edits elsewhere (a directive added to the
 * header, the down section written or deleted) do not make it filled either.
 */
export function isUnfilledTemplate(text: string): boolean {
  const up = sectionText(normaliseText(text).split("\n"), "up");
  return up !== null && isTemplateText(up, "up");
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
}

/** A transaction setting and the 1-based line that made it. */
interface TransactionSetting {
  readonly value: boolean;
  readonly where: string;
}

interface ScanResult {
  readonly sections: Partial<Record<SectionName, SqlScript>>;
  /** 0-based indexes of directive lines inside the header. */
  readonly directiveLines: readonly number[];
  /** dbmate's `transaction:false|true` on an accepted `-- migrate:up` / `-- migrate:down` marker. */
  readonly markerTransaction: { up?: TransactionSetting; down?: TransactionSetting };
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
  const markerTransaction: ScanResult["markerTransaction"] = {};

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
      const transaction = markerOption(name, (marker[2] ?? "").trim(), where, problems);
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
          if (transaction !== undefined && name !== "verify") markerTransaction[name] = { value: transaction, where };
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
    // a lint-ignore line may stand before the statement it concerns
    if (index >= headerEnd && /^\s*--\s*stratum\s*:\s*lint-ignore\b/i.test(lines[index] ?? "")) continue;
    if (index >= headerEnd) {
      const inDown = sectionAt(markers, index) === "down";
      const transaction = /^\s*--\s*stratum\s*:\s*transaction\b/i.test(lines[index] ?? "");
      problems.push(
        problem(
          "BAD_DIRECTIVE",
          `the directive at ${where} is not in the header at the top of the file, so it would be ignored.`,
          [where],
          inDown && transaction && rules.implicit === "up"
            ? 'For the down section alone, write the option on its marker: "-- migrate:down transaction:false".'
            : 'Move it above the first SQL statement and the first "-- migrate:" marker.',
        ),
      );
    } else {
      headerDirectives.push(index);
    }
  }
  return { sections, directiveLines: headerDirectives, markerTransaction };
}

/** The section of the last marker before line `index`, or null. */
function sectionAt(markers: readonly Marker[], index: number): SectionName | null {
  let found: SectionName | null = null;
  for (const m of markers) if (m.index < index) found = m.name;
  return found;
}

const MARKER_OPTION = /^([A-Za-z_]+):(\S*)$/;

/**
 * dbmate's options after a marker (`-- migrate:up transaction:false`): the transaction setting it
 * makes, or undefined. Words that are not shaped like an option are a comment and ignored; any
 * other option is reported (ignoring it would silently change how the migration runs).
 */
function markerOption(section: SectionName, trailing: string, where: string, problems: Problem[]): boolean | undefined {
  if (trailing === "" || !OPTION_LIKE.test(trailing)) return undefined;
  let setting: boolean | undefined;
  for (const word of trailing.split(/\s+/)) {
    if (!OPTION_LIKE.test(word)) continue;
    const match = MARKER_OPTION.exec(word);
    const key = (match?.[1] ?? "").toLowerCase();
    const value = (match?.[2] ?? "").toLowerCase();
    const parsed = value === "false" ? false : value === "true" ? true : undefined;
    if (key === "transaction" && parsed !== undefined && section !== "verify" && (setting === undefined || setting === parsed)) {
      setting = parsed;
      continue;
    }
    const why =
      key === "transaction" && section === "verify"
        ? `the verify section takes no options ("${word}"), at ${where}.`
        : key === "transaction" && parsed !== undefined
          ? `"${word}" contradicts the other transaction option on the same marker, at ${where}.`
          : `"${word}" is not an option a section marker takes, at ${where}.`;
    problems.push(
      problem(
        "BAD_DIRECTIVE",
        why,
        [where],
        'The only marker option is "transaction:false" (or "transaction:true") after "-- migrate:up" or "-- migrate:down"; remove anything else.',
      ),
    );
  }
  return setting;
}

function script(file: string, lines: readonly string[], from: number, to: number): SqlScript {
  return { file, text: lines.slice(from, to).join("\n"), startLine: from + 1 };
}

interface DirectiveState {
  description: string[];
  dependsOn: string[];
  transaction: (TransactionSetting & { readonly line: number }) | undefined;
  irreversible: boolean;
  requires: Requirement[];
  tables: string[];
  verifySkip: string | undefined;
  lintIgnore: { line: number; text: string }[];
}

/**
 * Reads the header directives at `indexes`. `downOf` is the up file when `file` is a `.down.sql`
 * file: there only `transaction` applies (to the rollback), the rest is reported.
 */
function readDirectives(
  file: string,
  lines: readonly string[],
  indexes: readonly number[],
  downOf: string | null,
  problems: Problem[],
): DirectiveState {
  const state: DirectiveState = {
    description: [],
    dependsOn: [],
    transaction: undefined,
    irreversible: false,
    requires: [],
    tables: [],
    verifySkip: undefined,
    lintIgnore: [],
  };
  for (const index of indexes) {
    const match = DIRECTIVE_LINE.exec(lines[index] ?? "");
    if (!match) continue;
    const [, name = "", value = ""] = match;
    if (downOf !== null && refusedInDownFile(file, index + 1, name, downOf, problems)) continue;
    readDirective(file, index + 1, name, value, state, problems);
  }
  return state;
}

function migrationOptions(state: DirectiveState): MigrationOptions {
  const description = state.description.join(" ");
  return {
    ...(description !== "" ? { description } : {}),
    dependsOn: state.dependsOn,
    irreversible: state.irreversible,
    requires: state.requires,
    ...(state.tables.length > 0 ? { tables: state.tables } : {}),
    ...(state.verifySkip !== undefined ? { verifySkip: state.verifySkip } : {}),
    ...(state.lintIgnore.length > 0 ? { lintIgnore: state.lintIgnore } : {}),
  };
}

/** `options` with the transaction settings, in the order the fields have always been listed. */
function withTransactions(options: MigrationOptions, transaction: boolean | undefined, downTransaction: boolean | undefined): MigrationOptions {
  const { description, dependsOn, irreversible, requires, tables, verifySkip, lintIgnore } = options;
  return {
    ...(description !== undefined ? { description } : {}),
    dependsOn,
    ...(transaction !== undefined ? { transaction } : {}),
    ...(downTransaction !== undefined ? { downTransaction } : {}),
    irreversible,
    requires,
    ...(tables !== undefined ? { tables } : {}),
    ...(verifySkip !== undefined ? { verifySkip } : {}),
    ...(lintIgnore !== undefined ? { lintIgnore } : {}),
  };
}

/**
 * The transaction setting of one direction, from a `-- stratum:transaction` header directive and
 * dbmate's marker option: they must agree when both are written.
 */
function agreedTransaction(
  header: TransactionSetting | undefined,
  marker: TransactionSetting | undefined,
  problems: Problem[],
): boolean | undefined {
  if (header !== undefined && marker !== undefined && header.value !== marker.value) {
    const word = (value: boolean): string => (value ? "on" : "off");
    problems.push(
      problem(
        "BAD_DIRECTIVE",
        `"-- stratum:transaction ${word(header.value)}" at ${header.where} contradicts "transaction:${String(marker.value)}" on the marker at ${marker.where}.`,
        [header.where, marker.where],
        "Keep one of the two, with the setting you mean.",
      ),
    );
  }
  return header?.value ?? marker?.value;
}

/** What a `.down.sql` header cannot declare, and why; `true` when `rawName` was reported. */
function refusedInDownFile(file: string, line: number, rawName: string, upFile: string, problems: Problem[]): boolean {
  const where = `${file}:${line}`;
  const name = rawName.toLowerCase().replace(/_/g, "-");
  const directive = `"-- stratum:${rawName}"`;
  const move = `Move the line to the header at the top of ${upFile}.`;
  const refusals: Readonly<Record<string, readonly [string, string]>> = {
    depends: [`dependencies belong to the migration, declare them in ${upFile}`, move],
    "depends-on": [`dependencies belong to the migration, declare them in ${upFile}`, move],
    requires: [`server requirements belong to the migration, declare them in ${upFile}`, move],
    tables: [`the tables a migration touches are declared once for it, in ${upFile}`, move],
    description: [`the description belongs to the migration, write it in ${upFile}`, move],
    verify: [`verify skips the whole migration, say so in ${upFile}`, move],
    irreversible: [
      `a down file is the rollback, so the migration cannot be irreversible`,
      `Remove the line; to make the migration irreversible, delete ${file} and write "-- stratum:irreversible" in the header of ${upFile}.`,
    ],
  };
  const refusal = refusals[name];
  if (refusal === undefined) return false;
  const [why, fix] = refusal;
  problems.push(problem("BAD_DIRECTIVE", `${directive} at ${where} cannot be in a down file: ${why}.`, [where], fix));
  return true;
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
      state.transaction = { value: parsed, line, where };
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
    case "verify": {
      const skip = /^skip\b\s*(.*)$/i.exec(value);
      const fix = 'Write "-- stratum:verify skip <reason>", e.g. "-- stratum:verify skip the backfill is not undone by design".';
      if (skip === null) return bad(`"${value}" is not a valid value for "-- stratum:verify" (only "skip <reason>" is)`, fix);
      const reason = (skip[1] ?? "").trim();
      if (reason === "") return bad('"-- stratum:verify skip" gives no reason', fix);
      state.verifySkip = state.verifySkip === undefined ? reason : `${state.verifySkip} ${reason}`;
      return;
    }
    case "lint-ignore":
      // read by lint, which knows the rules (and reports a missing rule or reason at this line)
      state.lintIgnore.push({ line, text: value });
      return;
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
  // a SQL migration always has an up (a file whose markers are wrong still parses, with problems)
  const up = sections.up ?? script(file, [], 0, 0);
  const downScript = pairedDown ?? sections.down ?? null;
  // an existing down holding no SQL is an explicit no-op rollback, unless it is the template's
  // placeholder: that down was never written, so rolling back must be refused
  const down = downScript !== null && (hasSql(downScript.text) || !isTemplateText(downScript.text, "down")) ? downScript : null;
  const verify = sections.verify !== undefined && hasSql(sections.verify.text) ? sections.verify : null;
  // (a missing up marker is already a BAD_SECTION: it is not reported empty on top)
  if (sections.up !== undefined && !hasSql(up.text) && unclosedComment(up.text) === null) problems.push(emptyUp(file, up));
  if (options.irreversible && down !== null && hasSql(down.text)) {
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

/** The problem with an up holding no SQL: an error for the unfilled template, else a warning. */
function emptyUp(file: string, up: SqlScript): Problem {
  if (isTemplateText(up.text, "up")) {
    return problem(
      "EMPTY_MIGRATION",
      `${file} is the unfilled "stratum create" template: its up section holds only the placeholder comment.`,
      [file],
      'Write the SQL under "-- migrate:up", or delete the file.',
    );
  }
  return problem(
    "EMPTY_MIGRATION",
    `${file} holds no SQL; it will be recorded as applied without running anything.`,
    [file],
    'Nothing to do if it is a placeholder; otherwise write its SQL under "-- migrate:up".',
    "warning",
  );
}

/** The text of the first `name` section in `lines` (up to the next marker), or null. */
function sectionText(lines: readonly string[], name: SectionName): string | null {
  const start = lines.findIndex((line) => MARKER_LINE.exec(line)?.[1]?.toLowerCase() === name);
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && !MARKER_LINE.test(lines[end] ?? "")) end++;
  return lines.slice(start + 1, end).join("\n");
}

/** Text for comparing: lines trimmed, runs of whitespace as one space, no blank lines. */
function comparable(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " "))
    .filter((line) => line !== "")
    .join("\n");
}

const templateSections = new Map<SectionName, string>();

/** The comparable text of a section of the `stratum create` SQL template. */
function templateSection(name: SectionName): string {
  let text = templateSections.get(name);
  if (text === undefined) {
    text = comparable(sectionText(normaliseText(migrationTemplate("sql", "x")).split("\n"), name) ?? "");
    templateSections.set(name, text);
  }
  return text;
}

/** Whether a section's text is the template's placeholder for it (holding no SQL). */
function isTemplateText(text: string, name: SectionName): boolean {
  const placeholder = templateSection(name);
  return placeholder !== "" && comparable(text) === placeholder;
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
