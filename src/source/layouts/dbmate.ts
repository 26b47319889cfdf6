// dbmate: one file `<version>_<name>.sql` per migration with `-- migrate:up` and `-- migrate:down`
// sections; options follow the marker on its line (`-- migrate:up transaction:false`).
//
// - `-- migrate:up` is required in a file holding SQL (as dbmate requires it); only comments may
//   come before the first marker, and the sections may come in either order (as dbmate allows).
//   A down section holding no SQL is an explicit no-op rollback; no `-- migrate:down` marker at
//   all: down is `null` (irreversible). A file holding no SQL and no marker is a no-op.
// - `-- stratum:` directives may sit in the comment lines before the first marker
//   (`directivesFrom`), as in Stratum's own single-file format.
// - Detection: never. dbmate's files are Stratum's own single-file format (Stratum's markers are
//   dbmate's), so a directory of them cannot be told from a Stratum directory by its paths, and
//   neither can goose's or node-pg-migrate's `<version>_<name>.sql` files. Choose it with
//   `format: dbmate` (needed for `transaction:false` on a marker line).

import type { Problem } from "../../core/types.js";
import type { Layout, LayoutUnit, ListedFile } from "./layout.js";
import { atTop, holdsSql, isCodeLine, linesOf, problemAt, section, sortUnits, textOf, unitName } from "./shared.js";

/** dbmate's own file pattern (`^(\d+).*\.sql$`): the leading digits are the version. */
const NAME = /^(\d+)(.*)\.sql$/;
const MARKER = /^\s*--\s*migrate:(\w+)(.*)$/i;

function isCandidate(path: string): boolean {
  return atTop(path) && path.endsWith(".sql") && !path.startsWith(".") && !path.startsWith("_");
}

export const dbmateLayout: Layout = {
  name: "dbmate",
  detect: () => false,
  wants: isCandidate,
  read(files) {
    const problems: Problem[] = [];
    const units: LayoutUnit[] = [];
    for (const file of files) {
      if (!isCandidate(file.path)) continue;
      const match = NAME.exec(file.path);
      if (!match) {
        problems.push(
          problemAt(
            "MALFORMED_NAME",
            `${file.path} does not start with a version number, so dbmate and Stratum ignore it.`,
            file.path,
            null,
            `Rename it to <version>_<name>.sql, e.g. 20240101120000_${unitName(file.path.replace(/\.sql$/, ""))}.sql, to run it, or start its name with "_" to silence this warning.`,
            "warning",
          ),
        );
        continue;
      }
      const unit = readDbmateFile(file, match[1] ?? "", match[2] ?? "", problems);
      if (unit !== null) units.push(unit);
    }
    return { units: sortUnits(units), problems };
  },
};

interface Marker {
  readonly name: "up" | "down";
  readonly index: number;
  readonly transaction: boolean | undefined;
}

/** One dbmate file as a unit, or `null` (with problems) when it has no usable up section. */
export function readDbmateFile(file: ListedFile, version: string, name: string, problems: Problem[]): LayoutUnit | null {
  const path = file.path;
  const lines = linesOf(textOf(file));
  const markers: Marker[] = [];
  lines.forEach((line, index) => {
    const match = line.includes("migrate") ? MARKER.exec(line) : null;
    if (!match) return;
    const kind = (match[1] ?? "").toLowerCase();
    if (kind !== "up" && kind !== "down") {
      problems.push(
        problemAt("BAD_SECTION", `unknown dbmate marker "-- migrate:${match[1] ?? ""}" at ${path}:${index + 1}.`, path, index + 1,
          'Use "-- migrate:up" or "-- migrate:down".'),
      );
      return;
    }
    if (markers.some((m) => m.name === kind)) {
      problems.push(
        problemAt("BAD_SECTION", `"-- migrate:${kind}" appears twice in ${path}, again at ${path}:${index + 1}.`, path, index + 1,
          `Keep one "-- migrate:${kind}" section and merge the SQL into it.`),
      );
      return;
    }
    markers.push({ name: kind, index, transaction: options(path, index + 1, match[2] ?? "", problems) });
  });
  const up = markers.find((m) => m.name === "up");
  const down = markers.find((m) => m.name === "down");
  if (up === undefined && markers.length === 0 && !holdsSql(lines.join("\n"))) {
    // A file holding no SQL at all (a placeholder): a no-op migration without a down.
    return { version, name: unitName(name), files: [path], up: section(path, lines, 0, lines.length), down: null, verify: null };
  }
  if (up === undefined) {
    problems.push(
      problemAt("BAD_SECTION", `${path} has no "-- migrate:up" marker, which dbmate requires.`, path, 1,
        'Add a "-- migrate:up" line above the SQL that applies the migration.'),
    );
    return null;
  }
  const first = Math.min(up.index, down?.index ?? up.index);
  const firstCode = lines.slice(0, first).findIndex(isCodeLine);
  if (firstCode >= 0) {
    problems.push(
      problemAt("BAD_SECTION", `SQL at ${path}:${firstCode + 1} comes before the first "-- migrate:" marker, so it belongs to no section.`,
        path, firstCode + 1, 'Move it below "-- migrate:up" (only comments may come first).'),
    );
  }
  const end = (from: number): number => markers.find((m) => m.index > from)?.index ?? lines.length;
  return {
    version,
    name: unitName(name),
    files: [path],
    up: section(path, lines, up.index + 1, end(up.index)),
    down: down === undefined ? null : section(path, lines, down.index + 1, end(down.index)),
    verify: null,
    directivesFrom: section(path, lines, 0, first),
    ...(up.transaction === undefined ? {} : { transaction: up.transaction }),
    ...(down?.transaction === undefined ? {} : { downTransaction: down.transaction }),
  };
}

/** dbmate's marker options (`transaction:false`); returns the transaction setting if given. */
function options(path: string, line: number, trailing: string, problems: Problem[]): boolean | undefined {
  let transaction: boolean | undefined;
  for (const word of trailing.trim().split(/\s+/)) {
    if (!word.includes(":")) continue; // free text after the marker, as dbmate ignores it
    const [key = "", value] = word.split(":", 2);
    if (key === "transaction" && (value === "true" || value === "false")) {
      transaction = value === "true";
    } else if (key === "transaction") {
      problems.push(
        problemAt("BAD_DIRECTIVE", `"${word}" at ${path}:${line} is not a valid transaction option.`, path, line,
          'Write "transaction:false" (or "transaction:true", the default).'),
      );
    } else {
      problems.push(
        problemAt("BAD_DIRECTIVE", `"${word}" at ${path}:${line} is not a dbmate option Stratum knows, so it is ignored.`, path, line,
          'Remove it, or use "transaction:false", the only option dbmate reads.', "warning"),
      );
    }
  }
  return transaction;
}
