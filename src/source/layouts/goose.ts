// goose: `<version>_<name>.sql` with `-- +goose Up` / `-- +goose Down` sections,
// `-- +goose StatementBegin` … `-- +goose StatementEnd` blocks and `-- +goose NO TRANSACTION`.
//
// - Statements are split the way goose splits them, so Stratum runs what goose ran: outside a
//   block a statement ends at a line whose SQL ends with `;` (a trailing `--` comment aside); a
//   StatementBegin/End block is one statement (on MySQL, which takes one statement per call, the
//   block's statements one by one, a stored program's BEGIN … END kept whole). Every script therefore carries explicit
//   `statements` (1-based file lines), and the dialect's splitter is not used.
// - `-- +goose NO TRANSACTION` (anywhere) runs both directions outside a transaction.
// - A Down section holding no SQL is an explicit no-op rollback; no `-- +goose Down`: down `null`.
// - `.go` migrations are a problem each (Stratum cannot run Go code); `-- +goose ENVSUB ON` too
//   (goose substitutes environment variables into the SQL; Stratum does not). A Go file without a
//   version (`embed.go` holding `//go:embed *.sql`, `main.go`) is not a migration: goose skips it,
//   and so does Stratum.
// - Detection: a `<version>_<name>.go` file at the top of the directory (goose's Go migrations; a
//   Stratum directory never holds Go files). Otherwise choose it with `format: goose`: goose's SQL
//   file names are also Stratum's and dbmate's.

import type { Problem } from "../../core/types.js";
import type { Layout, LayoutUnit, ListedFile, UnitScript } from "./layout.js";
import { UNSUPPORTED, atTop, holdsSql, isCodeLine, linesOf, problemAt, section, sortUnits, statementOf, textOf, unitName } from "./shared.js";
import type { Statement } from "./shared.js";
import { dialectModules } from "../../dialects/registry.js";

const SQL_NAME = /^(\d+)_(.+)\.sql$/;
const GO_MIGRATION = /^\d+_[^/]*\.go$/;
const ANNOTATION = /^\s*--\s*\+goose\b\s*(.*?)\s*$/i;

function isCandidate(path: string): boolean {
  return atTop(path) && !path.startsWith(".") && !path.startsWith("_") && (path.endsWith(".sql") || path.endsWith(".go"));
}

export const gooseLayout: Layout = {
  name: "goose",
  detect: (paths) => paths.some((p) => atTop(p) && GO_MIGRATION.test(p) && !p.endsWith("_test.go")),
  wants: (path) => isCandidate(path) && path.endsWith(".sql"),
  read(files, dialect) {
    const problems: Problem[] = [];
    const units: LayoutUnit[] = [];
    for (const file of files) {
      if (!isCandidate(file.path) || file.path.endsWith("_test.go")) continue;
      // goose skips a Go file without a version (`embed.go` with `//go:embed *.sql`, `main.go`).
      if (file.path.endsWith(".go") && !GO_MIGRATION.test(file.path)) continue;
      if (file.path.endsWith(".go")) {
        problems.push(
          problemAt(UNSUPPORTED, `${file.path} is a goose Go migration, and Stratum cannot run Go code.`, file.path, null,
            `Rewrite it as ${file.path.replace(/\.go$/, ".sql")} with "-- +goose Up" and "-- +goose Down" sections.`),
        );
        continue;
      }
      const match = SQL_NAME.exec(file.path);
      if (!match) {
        problems.push(
          problemAt("MALFORMED_NAME", `${file.path} is not a goose migration name (<version>_<name>.sql).`, file.path, null,
            'Rename it to <version>_<name>.sql, or start its name with "_" to have Stratum ignore it.'),
        );
        continue;
      }
      const unit = readGooseFile(file, match[1] ?? "", match[2] ?? "", problems, blockSplitter(dialect));
      if (unit !== null) units.push(unit);
    }
    return { units: sortUnits(units), problems };
  },
};

type Command = "up" | "down" | "statementbegin" | "statementend" | "no transaction" | "envsub on" | "envsub off";
const COMMANDS: readonly string[] = ["up", "down", "statementbegin", "statementend", "no transaction", "envsub on", "envsub off"];

interface Annotation {
  readonly command: Command;
  readonly index: number;
}

/**
 * Splits a StatementBegin/End block into the statements the server runs one at a time: MySQL
 * takes one statement per call (goose's users set `multiStatements=true` in the DSN), where
 * PostgreSQL and SQLite take the block whole.
 */
type BlockSplitter = (sql: string) => readonly Statement[];

function blockSplitter(dialect: string): BlockSplitter | undefined {
  return dialectModules().find((module) => module.name === dialect)?.splitMarkedStatement;
}

/** One goose SQL file as a unit, or `null` (with problems) when it has no Up section. */
export function readGooseFile(file: ListedFile, version: string, name: string, problems: Problem[], splitBlock?: BlockSplitter): LayoutUnit | null {
  const path = file.path;
  const lines = linesOf(textOf(file));
  const annotations = annotationsOf(path, lines, problems);
  const up = annotations.find((a) => a.command === "up");
  const down = annotations.find((a) => a.command === "down");
  for (const a of annotations) {
    if (a.command === "envsub on") {
      problems.push(
        problemAt(UNSUPPORTED, `"-- +goose ENVSUB ON" at ${path}:${a.index + 1} substitutes environment variables, which Stratum does not do.`,
          path, a.index + 1, "Write the values into the SQL and remove the ENVSUB annotations."),
      );
    }
  }
  if (up === undefined && annotations.length === 0 && !holdsSql(lines.join("\n"))) {
    // A file holding no SQL at all (a placeholder): a no-op migration without a down.
    return { version, name: unitName(name), files: [path], up: { ...section(path, lines, 0, lines.length), statements: [] }, down: null, verify: null };
  }
  if (up === undefined) {
    problems.push(
      problemAt("BAD_SECTION", `${path} has no "-- +goose Up" annotation, which goose requires.`, path, 1,
        'Add a "-- +goose Up" line above the SQL that applies the migration.'),
    );
    return null;
  }
  if (down !== undefined && down.index < up.index) {
    problems.push(
      problemAt("BAD_SECTION", `"-- +goose Down" at ${path}:${down.index + 1} comes before "-- +goose Up" at ${path}:${up.index + 1}.`,
        path, down.index + 1, "Move the Down section below the Up section, as goose requires."),
    );
    return null;
  }
  const early = lines.slice(0, up.index).findIndex(isCodeLine);
  if (early >= 0) {
    problems.push(
      problemAt("BAD_SECTION", `SQL at ${path}:${early + 1} comes before "-- +goose Up", so it belongs to no section.`,
        path, early + 1, 'Move it below "-- +goose Up".'),
    );
  }
  const upEnd = down?.index ?? lines.length;
  const noTransaction = annotations.some((a) => a.command === "no transaction");
  return {
    version,
    name: unitName(name),
    files: [path],
    up: withStatements(section(path, lines, up.index + 1, upEnd), annotations, problems, splitBlock),
    down: down === undefined ? null : withStatements(section(path, lines, down.index + 1, lines.length), annotations, problems, splitBlock),
    verify: null,
    ...(down === undefined ? { downHint: `a \`-- +goose Down\` section to ${path}` } : {}),
    ...(noTransaction ? { transaction: false, downTransaction: false } : {}),
  };
}

function annotationsOf(path: string, lines: readonly string[], problems: Problem[]): Annotation[] {
  const found: Annotation[] = [];
  lines.forEach((line, index) => {
    const match = line.includes("+goose") ? ANNOTATION.exec(line) : null;
    if (!match) return;
    const command = (match[1] ?? "").toLowerCase().replace(/\s+/g, " ");
    if (!COMMANDS.includes(command)) {
      problems.push(
        problemAt("BAD_SECTION", `unknown goose annotation "-- +goose ${match[1] ?? ""}" at ${path}:${index + 1}.`, path, index + 1,
          "Use Up, Down, StatementBegin, StatementEnd or NO TRANSACTION."),
      );
      return;
    }
    if ((command === "up" || command === "down") && found.some((a) => a.command === command)) {
      problems.push(
        problemAt("BAD_SECTION", `"-- +goose ${match[1] ?? ""}" appears twice in ${path}, again at ${path}:${index + 1}.`, path, index + 1,
          "Keep one section of each direction and merge the SQL into it."),
      );
      return;
    }
    found.push({ command: command as Command, index });
  });
  return found;
}

/** The script with goose's statements: StatementBegin/End blocks whole, otherwise up to a line ending in `;`. */
function withStatements(script: UnitScript, annotations: readonly Annotation[], problems: Problem[], splitBlock?: BlockSplitter): UnitScript {
  const textLines = script.text.split("\n");
  const first = script.startLine - 1;
  const marks = new Map<number, Command>();
  for (const a of annotations) {
    if (a.index >= first && a.index < first + textLines.length) marks.set(a.index - first, a.command);
  }
  const statements: Statement[] = [];
  const push = (from: number, to: number, isBlock = false): void => {
    const statement = statementOf(script, textLines, from, to);
    if (statement === null) return;
    const parts = isBlock && splitBlock !== undefined ? splitBlock(statement.text) : [];
    if (parts.length > 1) {
      // a stored program's body stays whole: the splitter keeps BEGIN … END together
      for (const part of parts) statements.push({ text: part.text, line: statement.line + part.line - 1, offset: statement.offset + part.offset });
      return;
    }
    // as goose does, the statement ends at its last semicolon (a trailing comment is dropped)
    const end = statement.text.lastIndexOf(";");
    statements.push(end > 0 ? { ...statement, text: statement.text.slice(0, end + 1) } : statement);
  };
  let start = 0;
  let block: number | null = null;
  for (let i = 0; i < textLines.length; i++) {
    const mark = marks.get(i);
    if (mark === "statementbegin") {
      if (block !== null) problems.push(nested(script.file, script.startLine + i, script.startLine + block));
      else push(start, i);
      block = i;
      start = i + 1;
    } else if (mark === "statementend") {
      if (block === null) {
        problems.push(
          problemAt("BAD_SECTION", `"-- +goose StatementEnd" at ${script.file}:${script.startLine + i} has no StatementBegin before it.`,
            script.file, script.startLine + i, 'Add "-- +goose StatementBegin" above the statement, or remove this line.'),
        );
      } else push(start, i, true);
      block = null;
      start = i + 1;
    } else if (block === null && mark === undefined && endsWithSemicolon(textLines[i] as string)) {
      push(start, i + 1);
      start = i + 1;
    }
  }
  if (block !== null) {
    const line = script.startLine + block;
    problems.push(
      problemAt("BAD_SECTION", `"-- +goose StatementBegin" at ${script.file}:${line} is never closed by StatementEnd.`,
        script.file, line, 'Add "-- +goose StatementEnd" after the statement.'),
    );
  }
  push(start, textLines.length);
  return { ...script, statements };
}

function nested(file: string, line: number, open: number): Problem {
  return problemAt("BAD_SECTION", `"-- +goose StatementBegin" at ${file}:${line} opens a block inside the one opened at ${file}:${open}.`,
    file, line, 'Close the first block with "-- +goose StatementEnd" before opening another.');
}

/** goose's rule: the line's last word before any `--` comment ends with `;`. */
function endsWithSemicolon(line: string): boolean {
  let last = "";
  for (const word of line.trim().split(/\s+/)) {
    if (word.startsWith("--")) break;
    last = word;
  }
  return last.endsWith(";");
}
