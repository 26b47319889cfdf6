// golang-migrate: `<version>_<title>.up.sql` and `<version>_<title>.down.sql` at the top of the
// directory (its source/parse regex `^([0-9]+)_(.*)\.(down|up)\.(.*)$`, SQL only here).
//
// - An up file holding no SQL is a no-op migration; an existing down file holding no SQL is an
//   explicit no-op rollback (the migration stays reversible); no down file: down is `null`.
// - Detection: these names are also Stratum's own pair layout, which reads them the same way. So
//   the directory is claimed only when every SQL file is a golang-migrate pair file AND at least one
//   title is one Stratum's own names refuse (e.g. `1_CreateUsers.up.sql`, or Harbor's
//   `0002_1.7.0_schema.up.sql`), once a per-dialect suffix (Stratum's variant
//   `001_x.postgres.up.sql`) is set aside. Otherwise the directory is read by Stratum's own layout
//   (same result) or chosen with `format: golang-migrate`.
// - golang-migrate sends a file as it is, in no transaction of its own, so files often carry their
//   own `BEGIN;` … `COMMIT;` (openmeter's do): such an up (down) file runs as written, outside a
//   transaction of Stratum's (`transaction` / `downTransaction` false), as Sqitch's scripts do.
// - `-- stratum:` directives may sit in the up file's header (`directivesFrom`), as in Stratum's
//   own pair layout, so a directory reads the same whichever of the two layouts reads it.
// - Per-dialect variants (Stratum's extension, so one directory serves several databases):
//   `000004_x.postgres.up.sql` beside `000004_x.up.sql` replaces it on that dialect; variants for
//   other dialects are skipped. Only the files that run are in the unit's `files`.

import type { Problem } from "../../core/types.js";
import { dialectNames } from "../../dialects/registry.js";
import { SLUG_PATTERN } from "../file-name.js";
import type { Layout, LayoutResult, LayoutUnit, ListedFile } from "./layout.js";
import { atTop, problemAt, sortUnits, textOf, unitName, wholeFile } from "./shared.js";

const PAIR = /^(\d+)_(.*)\.(up|down)\.sql$/;
const CODE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
/** A line opening or ending a transaction: the file manages its own (golang-migrate adds none). */
const TX_CONTROL = /^\s*(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK)(?:\s+(?:WORK|TRANSACTION))?\s*;/im;

function isCandidate(path: string): boolean {
  return atTop(path) && !path.startsWith(".") && !path.startsWith("_");
}

const DIALECT_NAMES: readonly string[] = dialectNames();

interface Pair {
  version: string;
  title: string;
  up: Chosen | null;
  down: Chosen | null;
}

/** A file for one part of a version, and whether it is the target dialect's own variant. */
interface Chosen {
  readonly file: ListedFile;
  readonly variant: boolean;
}

/** `x.postgres` → the base title and the dialect; a title without a dialect suffix → null dialect. */
function splitVariant(title: string): { readonly title: string; readonly dialect: string | null } {
  const dot = title.lastIndexOf(".");
  const suffix = dot < 0 ? "" : title.slice(dot + 1);
  return DIALECT_NAMES.includes(suffix) ? { title: title.slice(0, dot), dialect: suffix } : { title, dialect: null };
}

export const golangMigrateLayout: Layout = {
  name: "golang-migrate",

  detect(paths) {
    const candidates = paths.filter(isCandidate);
    const sql = candidates.filter((p) => p.endsWith(".sql"));
    if (sql.length === 0 || candidates.some((p) => CODE.test(p))) return false;
    if (!sql.every((p) => PAIR.test(p))) return false;
    return sql.some((p) => !SLUG_PATTERN.test(splitVariant(PAIR.exec(p)?.[2] ?? "").title));
  },

  wants(path) {
    return isCandidate(path) && PAIR.test(path);
  },

  read(files, dialect) {
    const problems: Problem[] = [];
    const byVersion = new Map<string, Pair>();
    for (const file of files) {
      if (!isCandidate(file.path)) continue;
      const match = PAIR.exec(file.path);
      if (!match) {
        if (file.path.endsWith(".sql")) problems.push(ignored(file.path));
        continue;
      }
      const [, version = "", rawTitle = "", part] = match;
      const { title, dialect: only } = splitVariant(rawTitle);
      if (only !== null && only !== dialect) continue;
      const key = BigInt(version).toString();
      const pair = byVersion.get(key) ?? { version, title, up: null, down: null };
      byVersion.set(key, pair);
      place(pair, part === "up" ? "up" : "down", { file, variant: only !== null }, version, title, problems);
    }
    return { units: sortUnits(unitsOf(byVersion, problems)), problems } satisfies LayoutResult;
  },
};

/** Puts a file in its slot: the dialect's variant wins over the plain file; two of a kind are a problem. */
function place(pair: Pair, slot: "up" | "down", chosen: Chosen, version: string, title: string, problems: Problem[]): void {
  const taken = pair[slot];
  if (taken !== null && taken.variant !== chosen.variant) {
    if (taken.variant) return;
  } else if (taken !== null) {
    problems.push(
      problemAt(
        "DUPLICATE_VERSION",
        `${taken.file.path} and ${chosen.file.path} are both the ${slot} migration of version ${version}.`,
        chosen.file.path,
        null,
        `Keep one ${slot} file for version ${version}: rename or remove the other.`,
      ),
    );
    return;
  }
  pair[slot] = chosen;
  if (slot === "up") {
    pair.version = version;
    pair.title = title;
  }
}

function unitsOf(byVersion: Map<string, Pair>, problems: Problem[]): LayoutUnit[] {
  const units: LayoutUnit[] = [];
  for (const pair of byVersion.values()) {
    const up = pair.up?.file ?? null;
    const down = pair.down?.file ?? null;
    if (up === null) {
      const path = down?.path ?? "";
      problems.push(
        problemAt(
          "MISSING_FILE",
          `${path} has no matching up file (${pair.version}_${pair.title}.up.sql).`,
          path,
          null,
          `Add ${pair.version}_${pair.title}.up.sql, or remove ${path}.`,
        ),
      );
      continue;
    }
    const upScript = wholeFile(up.path, textOf(up));
    const downScript = down === null ? null : wholeFile(down.path, textOf(down));
    units.push({
      version: pair.version,
      name: unitName(pair.title),
      files: down === null ? [up.path] : [up.path, down.path],
      up: upScript,
      down: downScript,
      verify: null,
      directivesFrom: upScript,
      ...(TX_CONTROL.test(upScript.text) ? { transaction: false } : {}),
      ...(downScript !== null && TX_CONTROL.test(downScript.text) ? { downTransaction: false } : {}),
      ...(down === null ? { downHint: `a down file ${up.path.replace(/\.up\.sql$/, ".down.sql")}` } : {}),
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
