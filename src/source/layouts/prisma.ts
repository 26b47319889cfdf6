// Prisma Migrate: one folder per migration, `<timestamp>_<name>/migration.sql`, beside
// `migration_lock.toml` (which names the provider the SQL was generated for).
//
// - Prisma migrations have no down: down is `null`.
// - A migration folder without `migration.sql` is a problem (Prisma refuses it too).
// - `migration_lock.toml` naming another database than the target is a warning (the SQL was
//   generated for that database).
// - Detection: `migration_lock.toml` at the top, or any `<digits>_<name>/migration.sql` (unless a
//   folder holds drizzle-kit 1.x's `snapshot.json`). Stratum's
//   own migrations are files at the top of the directory, never such folders.

import type { Problem } from "../../core/types.js";
import { hasDrizzleFolders } from "./drizzle.js";
import type { Layout, LayoutUnit, ListedFile } from "./layout.js";
import { linesOf, namesOtherDatabase, problemAt, sortUnits, textOf, unitName, wholeFile } from "./shared.js";

const NO_DOWN_HINT =
  "a down, which Prisma migrations do not have: `stratum import --from prisma` writes Stratum files where a `-- migrate:down` section can go";

const LOCK = "migration_lock.toml";
// The name may be empty: `prisma migrate dev` given no name writes `<timestamp>_/migration.sql`.
const MIGRATION = /^(\d+)_([^/]*)\/migration\.sql$/;
const FOLDER = /^(\d+)_([^/]*)$/;

export const prismaLayout: Layout = {
  name: "prisma",
  // drizzle-kit 1.x writes the same folders with a snapshot.json beside each migration.sql
  detect: (paths) => paths.includes(LOCK) || (paths.some((p) => MIGRATION.test(p)) && !hasDrizzleFolders(paths)),
  wants: (path) => path === LOCK || MIGRATION.test(path),
  read(files, dialect) {
    const problems: Problem[] = [];
    const units: LayoutUnit[] = [];
    const folders = new Set<string>();
    for (const file of files) {
      const slash = file.path.indexOf("/");
      if (slash > 0 && !file.path.startsWith(".")) folders.add(file.path.slice(0, slash));
      if (file.path === LOCK) checkProvider(file, dialect, problems);
      const match = MIGRATION.exec(file.path);
      if (!match) continue;
      units.push(unitOf(file, match[1] ?? "", match[2] ?? ""));
    }
    for (const folder of folders) {
      if (units.some((u) => u.files[0] === `${folder}/migration.sql`)) continue;
      const fix = FOLDER.test(folder)
        ? `Add ${folder}/migration.sql (an empty file for no change), or remove the folder.`
        : "Name migration folders <timestamp>_<name> (e.g. 20240101120000_init) with a migration.sql inside, or move this folder out.";
      problems.push(
        problemAt("MISSING_FILE", `the folder ${folder} holds no migration.sql, so it is not a Prisma migration.`, folder, null, fix),
      );
    }
    return { units: sortUnits(units), problems };
  },
};

function unitOf(file: ListedFile, version: string, name: string): LayoutUnit {
  return { version, name: unitName(name), files: [file.path], up: wholeFile(file.path, textOf(file)), down: null, verify: null, downHint: NO_DOWN_HINT };
}

function checkProvider(file: ListedFile, dialect: string, problems: Problem[]): void {
  linesOf(textOf(file)).forEach((line, index) => {
    const match = /^\s*provider\s*=\s*"([^"]*)"/.exec(line);
    if (!match) return;
    const provider = match[1] ?? "";
    if (!namesOtherDatabase(provider, dialect)) return;
    problems.push(
      problemAt("UNMET_REQUIREMENT",
        `${LOCK}:${index + 1} says these migrations were generated for ${provider}, but the target database is ${dialect}.`,
        LOCK, index + 1, `Run them against a ${provider} database, or generate migrations for ${dialect} with Prisma.`, "warning"),
    );
  });
}
