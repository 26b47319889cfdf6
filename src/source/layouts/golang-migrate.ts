// golang-migrate: `<version>_<title>.up.sql` and `<version>_<title>.down.sql` at the top of the
// directory (its source/parse regex `^([0-9]+)_(.*)\.(down|up)\.(.*)$`, SQL only here).
//
// - An up file holding no SQL is a no-op migration; an existing down file holding no SQL is an
//   explicit no-op rollback (the migration stays reversible); no down file: down is `null`.
// - Detection: these names are also Stratum's own pair layout, which reads them the same way. So
//   the directory is claimed only when every SQL file is a golang-migrate pair file AND at least one
//   title is one Stratum's own names refuse (e.g. `1_CreateUsers.up.sql`) while holding no dot (a
//   dot may be Stratum's per-dialect variant `001_x.postgres.up.sql`). Otherwise the directory is
//   read by Stratum's own layout (same result) or chosen with `format: golang-migrate`.

import type { Problem } from "../../core/types.js";
import { SLUG_PATTERN } from "../file-name.js";
import type { Layout, LayoutResult, LayoutUnit, ListedFile } from "./layout.js";
import { atTop, problemAt, sortUnits, textOf, unitName, wholeFile } from "./shared.js";

const PAIR = /^(\d+)_(.*)\.(up|down)\.sql$/;
const CODE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

function isCandidate(path: string): boolean {
  return atTop(path) && !path.startsWith(".") && !path.startsWith("_");
}

interface Pair {
  version: string;
  title: string;
  up: ListedFile | null;
  down: ListedFile | null;
}

export const golangMigrateLayout: Layout = {
  name: "golang-migrate",

  detect(paths) {
    const candidates = paths.filter(isCandidate);
    const sql = candidates.filter((p) => p.endsWith(".sql"));
    if (sql.length === 0 || candidates.some((p) => CODE.test(p))) return false;
    if (!sql.every((p) => PAIR.test(p))) return false;
    return sql.some((p) => {
      const title = PAIR.exec(p)?.[2] ?? "";
      return !title.includes(".") && !SLUG_PATTERN.test(title);
    });
  },

  wants(path) {
    return isCandidate(path) && PAIR.test(path);
  },

  read(files) {
    const problems: Problem[] = [];
    const byVersion = new Map<string, Pair>();
    for (const file of files) {
      if (!isCandidate(file.path)) continue;
      const match = PAIR.exec(file.path);
      if (!match) {
        if (file.path.endsWith(".sql")) problems.push(ignored(file.path));
        continue;
      }
      const [, version = "", title = "", part] = match;
      const key = BigInt(version).toString();
      const pair = byVersion.get(key) ?? { version, title, up: null, down: null };
      byVersion.set(key, pair);
      const slot = part === "up" ? "up" : "down";
      const taken = pair[slot];
      if (taken !== null) {
        problems.push(
          problemAt(
            "DUPLICATE_VERSION",
            `${taken.path} and ${file.path} are both the ${slot} migration of version ${version}.`,
            file.path,
            null,
            `Keep one ${slot} file for version ${version}: rename or remove the other.`,
          ),
        );
        continue;
      }
      pair[slot] = file;
      if (slot === "up") {
        pair.version = version;
        pair.title = title;
      }
    }
    return { units: sortUnits(unitsOf(byVersion, problems)), problems } satisfies LayoutResult;
  },
};

function unitsOf(byVersion: Map<string, Pair>, problems: Problem[]): LayoutUnit[] {
  const units: LayoutUnit[] = [];
  for (const pair of byVersion.values()) {
    if (pair.up === null) {
      const down = pair.down?.path ?? "";
      problems.push(
        problemAt(
          "MISSING_FILE",
          `${down} has no matching up file (${pair.version}_${pair.title}.up.sql).`,
          down,
          null,
          `Add ${pair.version}_${pair.title}.up.sql, or remove ${down}.`,
        ),
      );
      continue;
    }
    const files = pair.down === null ? [pair.up.path] : [pair.up.path, pair.down.path];
    units.push({
      version: pair.version,
      name: unitName(pair.title),
      files,
      up: wholeFile(pair.up.path, textOf(pair.up)),
      down: pair.down === null ? null : wholeFile(pair.down.path, textOf(pair.down)),
      verify: null,
    });
  }
  return units;
}

function ignored(path: string): Problem {
  return problemAt(
    "MALFORMED_NAME",
    `${path} is not a golang-migrate file name (<version>_<title>.up.sql or .down.sql), so it is ignored.`,
    path,
    null,
    `Rename it to <version>_<title>.up.sql (or .down.sql) to run it, or start its name with "_" to silence this warning.`,
    "warning",
  );
}
