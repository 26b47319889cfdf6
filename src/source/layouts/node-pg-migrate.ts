// node-pg-migrate, SQL migrations: `<timestamp>_<name>.sql` with `-- Up Migration` and
// `-- Down Migration` comment lines (its loader matches `^\s*--[\s-]*up\s+migration`,
// case-insensitively, likewise for down).
//
// - No up marker: the text before the down marker (or the whole file) is the up, as
//   node-pg-migrate runs the whole file then. No down marker: down `null` (node-pg-migrate refuses
//   to roll it back too); a down section holding no SQL is an explicit no-op rollback.
// - A `-- no transaction` line among the file's leading comment lines runs both directions outside
//   a transaction (node-pg-migrate's header directive).
// - node-pg-migrate runs a file's SQL as one query; Stratum splits it with the dialect's splitter.
// - `.js`/`.ts` migrations (its `exports.up = (pgm) => …` API) are a problem each.
// - Detection: never by paths (its `<timestamp>_<name>.sql` names are Stratum's own too): by the
//   `-- Up Migration` lines of the first few SQL files, or the `shorthands` export / a
//   `node-pg-migrate` import of the first few code files (detect.ts); or `format: node-pg-migrate`.

import type { Problem } from "../../core/types.js";
import type { Layout, LayoutUnit, ListedFile } from "./layout.js";
import { UNSUPPORTED, atTop, linesOf, problemAt, section, sortUnits, textOf, unitName } from "./shared.js";

const SQL_NAME = /^(\d+)_(.+)\.sql$/;
const CODE = /\.(?:js|cjs|mjs|ts|cts|mts)$/;
const MARKER = /^\s*--[\s-]*(up|down)\s+migration/i;
const NO_TRANSACTION = /^--[ \t]*no[ \t]*transaction[ \t]*$/i;

function isCandidate(path: string): boolean {
  return atTop(path) && !path.startsWith(".") && !path.startsWith("_") && !/\.d\.[mc]?ts$/.test(path);
}

export const nodePgMigrateLayout: Layout = {
  name: "node-pg-migrate",
  detect: () => false,
  // the code files too: `format: node-pg-migrate` on a directory of them names each one, rather
  // than saying the directory holds no node-pg-migrate migrations (randkyp/OpenMusic)
  wants: (path) => isCandidate(path) && (path.endsWith(".sql") || CODE.test(path)),
  read(files) {
    const problems: Problem[] = [];
    const units: LayoutUnit[] = [];
    for (const file of files) {
      if (!isCandidate(file.path)) continue;
      if (CODE.test(file.path)) {
        problems.push(
          problemAt(UNSUPPORTED, `${file.path} is a node-pg-migrate ${/ts$/.test(file.path) ? "TypeScript" : "JavaScript"} migration, which Stratum cannot run (it reads the SQL ones).`,
            file.path, null, `Rewrite it as ${file.path.replace(CODE, ".sql")} with "-- Up Migration" and "-- Down Migration" sections.`),
        );
        continue;
      }
      if (!file.path.endsWith(".sql")) continue;
      const match = SQL_NAME.exec(file.path);
      if (!match) {
        problems.push(
          problemAt("MALFORMED_NAME", `${file.path} is not a node-pg-migrate migration name (<timestamp>_<name>.sql).`, file.path, null,
            'Rename it to <timestamp>_<name>.sql, or start its name with "_" to have Stratum ignore it.'),
        );
        continue;
      }
      units.push(readNodePgMigrateFile(file, match[1] ?? "", match[2] ?? "", problems));
    }
    return { units: sortUnits(units), problems };
  },
};

function readNodePgMigrateFile(file: ListedFile, version: string, name: string, problems: Problem[]): LayoutUnit {
  const path = file.path;
  const lines = linesOf(textOf(file));
  let up: number | null = null;
  let down: number | null = null;
  lines.forEach((line, index) => {
    const match = MARKER.exec(line);
    if (!match) return;
    const kind = (match[1] ?? "").toLowerCase();
    const seen = kind === "up" ? up : down;
    if (seen !== null) {
      problems.push(
        problemAt("BAD_SECTION", `a second "-- ${kind === "up" ? "Up" : "Down"} Migration" marker at ${path}:${index + 1} (the first is at line ${seen + 1}).`,
          path, index + 1, "Keep one marker per direction and merge the SQL under it."),
      );
      return;
    }
    if (kind === "up") up = index;
    else down = index;
  });
  const end = (from: number): number => (down !== null && down > from ? down : up !== null && up > from ? up : lines.length);
  const upScript = up !== null ? section(path, lines, up + 1, end(up)) : section(path, lines, 0, down ?? lines.length);
  return {
    version,
    name: unitName(name),
    files: [path],
    up: upScript,
    down: down === null ? null : section(path, lines, down + 1, end(down)),
    verify: null,
    ...(down === null ? { downHint: `a \`-- Down Migration\` section to ${path}` } : {}),
    ...(noTransaction(lines) ? { transaction: false, downTransaction: false } : {}),
  };
}

/** Whether the leading comment lines hold `-- no transaction`. */
function noTransaction(lines: readonly string[]): boolean {
  for (const line of lines) {
    const t = line.trim();
    if (t === "") continue;
    if (!t.startsWith("--")) return false;
    if (NO_TRANSACTION.test(t)) return true;
  }
  return false;
}
