// Flyway: `V<version>__<description>.sql` versioned migrations, `U<version>__<description>.sql`
// undo migrations (the down of the same version), `R__<description>.sql` repeatables; Flyway scans
// sub-folders too, so files may sit anywhere under the directory.
//
// - The version is given as written (`1`, `1.1`, `1_1`, `2024.01.05.1`); an undo file is paired with
//   its migration by the version compared part by part (`U1_1__x.sql` undoes `V1.1__x.sql`).
// - The name is the slugified description (`V2__Add_users.sql` → `add_users`).
// - Repeatable migrations are refused for now (a problem per file): their re-run-on-change model is
//   not Stratum's. SQL callbacks (`beforeMigrate.sql`, `afterEachMigrate__x.sql`, …) are not run:
//   a warning each. A per-script `V1__x.sql.conf` is read for `executeInTransaction=false` only.
// - A `${placeholder}` in a script is a problem: Flyway replaces placeholders, Stratum does not.
// - Detection: any `V<version>__<description>.sql` (or `U…`/`R__…`) file name. Stratum's own names
//   start with a digit, so a Stratum directory can never match.

import type { Problem } from "../../core/types.js";
import type { Layout, LayoutUnit, ListedFile } from "./layout.js";
import { UNSUPPORTED, baseName, linesOf, problemAt, sortUnits, textOf, unitName, wholeFile } from "./shared.js";
import { compareVersions } from "../../core/version.js";

const VERSIONED = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;
const LOWERCASE = /^([vu])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const CALLBACK = /^(?:before|after)[A-Za-z]*(?:__.*)?\.sql$/;
const SCRIPT_CONF = /^[VU]\d+(?:[._]\d+)*__.+\.sql\.conf$/;
const PLACEHOLDER = /\$\{([^}\n]*)\}/;

function hidden(path: string): boolean {
  return path.split("/").some((part) => part.startsWith("."));
}

export const flywayLayout: Layout = {
  name: "flyway",
  // the name first: thousands of other tools' files fail it at once, without splitting their paths
  detect: (paths) => paths.some((p) => (VERSIONED.test(baseName(p)) || REPEATABLE.test(baseName(p))) && !hidden(p)),
  wants: (path) => (VERSIONED.test(baseName(path)) || SCRIPT_CONF.test(baseName(path))) && !hidden(path),
  read(files) {
    const problems: Problem[] = [];
    const migrations: { file: ListedFile; version: string; description: string }[] = [];
    const undos: { file: ListedFile; version: string }[] = [];
    const confs = new Map<string, ListedFile>();
    const repeatables: string[] = [];
    const lowercase: string[] = [];
    for (const file of files) {
      if (hidden(file.path)) continue;
      const base = baseName(file.path);
      const versioned = VERSIONED.exec(base);
      if (versioned) {
        const [, kind, version = "", description = ""] = versioned;
        if (kind === "V") migrations.push({ file, version, description });
        else undos.push({ file, version });
      } else if (SCRIPT_CONF.test(base)) {
        confs.set(file.path.replace(/\.conf$/, ""), file);
      } else if (REPEATABLE.test(base)) {
        repeatables.push(file.path);
      } else if (LOWERCASE.test(base)) {
        lowercase.push(file.path);
      } else if (base.endsWith(".sql")) {
        problems.push(otherSql(file.path, base));
      }
    }
    problems.push(...lowercase.map((path) => lowercasePrefix(path, migrations)));
    problems.push(...repeatableProblems(repeatables, migrations.map((m) => m.version)));
    const units: LayoutUnit[] = [];
    for (const m of migrations) {
      const undo = undos.find((u) => compareVersions(u.version, m.version) === 0) ?? null;
      units.push(unitOf(m.file, m.version, m.description, undo?.file ?? null, confs, problems));
    }
    for (const u of undos) {
      if (!migrations.some((m) => compareVersions(u.version, m.version) === 0)) {
        problems.push(
          problemAt("MISSING_FILE", `${u.file.path} undoes version ${u.version}, but no V${u.version}__*.sql migration exists.`,
            u.file.path, null, `Add the V${u.version}__<description>.sql migration, or remove ${u.file.path}.`),
        );
      }
    }
    const sorted = sortUnits(units);
    const perFolder = { folders: new Set<string>(), versions: [] as string[], spellings: [] as string[] };
    sorted.forEach((unit, i) => {
      const previous = sorted[i - 1];
      if (previous === undefined || compareVersions(previous.version, unit.version) !== 0) return;
      const [a = "", b = ""] = [previous.files[0], unit.files[0]];
      const [topA, topB] = [topFolder(a), topFolder(b)];
      if (topA !== null && topB !== null && topA !== topB) {
        perFolder.folders.add(topA).add(topB);
        perFolder.versions.push(unit.version);
        perFolder.spellings.push(previous.version, unit.version);
        return;
      }
      problems.push(
        problemAt("DUPLICATE_VERSION", `${a} and ${b} have the same version (${previous.version} and ${unit.version} are equal part by part).`,
          b, null, `Give one of them a version of its own, e.g. V<next version>__${unit.name}.sql.`),
      );
    });
    if (perFolder.versions.length > 0) problems.push(setPerFolder(perFolder.folders, perFolder.versions, perFolder.spellings));
    return { units: sorted, problems };
  },
};

/** `mysql/V1__x.sql` → `mysql`; null for a file at the top of the directory. */
function topFolder(path: string): string | null {
  const slash = path.indexOf("/");
  return slash < 0 ? null : path.slice(0, slash);
}

/**
 * Folders that repeat each other's versions are one set of migrations per database (Flyway's
 * `db/migration/{vendor}` locations): one problem for them all, rather than one per version.
 */
function setPerFolder(folders: ReadonlySet<string>, versions: readonly string[], spellings: readonly string[]): Problem {
  const names = [...folders].sort().map((f) => `${f}/`);
  const listed = names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const shown = versions.length <= 3 ? versions.join(", ") : `${versions.slice(0, 3).join(", ")}, … (${versions.length} in all)`;
  return {
    code: "DUPLICATE_VERSION",
    message: `${listed} hold migrations of the same versions (${shown}): they look like one set per database, as Flyway's db/migration/{vendor} locations have it, and Stratum reads every folder under its directory.`,
    files: names,
    fix: `Point "dir" in stratum.config.json at the one folder for the database you run (${names.join(" or ")} of the directory it names now); if they are one set, give each migration a version of its own.`,
    severity: "error",
    versions: [...new Set(spellings)],
  };
}

function unitOf(
  file: ListedFile,
  version: string,
  description: string,
  undo: ListedFile | null,
  confs: ReadonlyMap<string, ListedFile>,
  problems: Problem[],
): LayoutUnit {
  placeholders(file, problems);
  if (undo !== null) placeholders(undo, problems);
  const upInTx = executeInTransaction(confs.get(file.path), problems);
  const downInTx = undo === null ? undefined : executeInTransaction(confs.get(undo.path), problems);
  return {
    version,
    name: unitName(description),
    files: undo === null ? [file.path] : [file.path, undo.path],
    up: wholeFile(file.path, textOf(file)),
    down: undo === null ? null : wholeFile(undo.path, textOf(undo)),
    verify: null,
    ...(undo === null ? { downHint: `an undo file ${undoPathOf(file.path)}` } : {}),
    ...(upInTx === undefined ? {} : { transaction: upInTx }),
    ...(downInTx === undefined ? {} : { downTransaction: downInTx }),
  };
}

/**
 * `v1__x.sql`: Flyway's prefixes are case-sensitive, so Flyway skips the file without a word; a
 * warning says so, and which name would run it (its version may already be another file's).
 */
function lowercasePrefix(path: string, migrations: readonly { file: ListedFile; version: string }[]): Problem {
  const [, kind = "v", version = "", description = ""] = LOWERCASE.exec(baseName(path)) ?? [];
  const upper = kind.toUpperCase();
  const taken = upper === "V" ? migrations.find((m) => compareVersions(m.version, version) === 0) : undefined;
  const fix = taken === undefined
    ? `Rename it to ${upper}${version}__${description}.sql to run it, or move it out of the migrations directory.`
    : `To run it, give it a version of its own (${taken.file.path} has ${version}): ${upper}<version>__${description}.sql; or move it out of the migrations directory.`;
  return problemAt("MALFORMED_NAME",
    `${path} starts with a lowercase "${kind}", and Flyway reads only "${upper}", so Flyway skips it, and Stratum does too.`,
    path, null, fix, "warning");
}

/**
 * A problem per repeatable, each naming the versioned file it could become: the versions after the
 * highest one, in Flyway's order of repeatables (by description), in the repeatable's own folder.
 */
function repeatableProblems(paths: readonly string[], versions: readonly string[]): Problem[] {
  const highest = [...versions].sort(compareVersions).at(-1) ?? "0";
  const ordered = [...paths].sort((a, b) => (baseName(a) < baseName(b) ? -1 : baseName(a) > baseName(b) ? 1 : 0));
  return ordered.map((path, i) => {
    const slash = path.lastIndexOf("/");
    const renamed = `${path.slice(0, slash + 1)}V${versionAfter(highest, i + 1)}__${baseName(path).slice(3)}`;
    return problemAt(UNSUPPORTED,
      `${path} is a Flyway repeatable migration (re-run whenever it changes); Stratum runs each migration once, so it does not run repeatables.`,
      path, null,
      `Rename it to ${renamed} to run it once after the others (later changes then go in new versioned files), or move it out of the migrations directory.`);
  });
}

/** `1.0.13` plus 2 → `1.0.15`: the last part moved on, the other parts and separators as written. */
function versionAfter(version: string, step: number): string {
  const match = /^(.*?)(\d+)$/.exec(version);
  const [, head = "", last = "0"] = match ?? [];
  return `${head}${(BigInt(last) + BigInt(step)).toString()}`;
}

function otherSql(path: string, base: string): Problem {
  if (CALLBACK.test(base)) {
    return problemAt(UNSUPPORTED, `${path} is a Flyway callback, which Stratum does not run.`, path, null,
      "Run its SQL another way (a Stratum hook), or move it out of the migrations directory to silence this warning.", "warning");
  }
  return problemAt("MALFORMED_NAME", `${path} is not a Flyway migration name (V<version>__<description>.sql), so it is ignored.`, path, null,
    "Rename it to V<version>__<description>.sql to run it, or move it out of the migrations directory.", "warning");
}

function placeholders(file: ListedFile, problems: Problem[]): void {
  linesOf(textOf(file)).forEach((line, index) => {
    const match = line.includes("${") ? PLACEHOLDER.exec(line) : null;
    if (!match) return;
    problems.push(
      problemAt(UNSUPPORTED, `Flyway placeholder "${match[0]}" at ${file.path}:${index + 1} would be sent to the database as it is; Stratum does not replace placeholders.`,
        file.path, index + 1, placeholderFix(match[1] ?? "", file.path)),
    );
  });
}

/** What to write in place of a placeholder: Flyway's built-in ones have a value the user can name. */
function placeholderFix(name: string, path: string): string {
  switch (name) {
    case "flyway:defaultSchema":
      return "Write the schema's name in its place: the one Flyway's defaultSchema (or the first of its schemas) names, else the connection's default schema (public on PostgreSQL, the database itself on MySQL/MariaDB).";
    case "flyway:filename":
      return `Write ${baseName(path)} in its place.`;
    case "flyway:user":
      return "Write the name of the database user Flyway connected as in its place.";
    case "flyway:database":
      return "Write the database's name in its place.";
    case "flyway:table":
      return "Write the name of Flyway's history table in its place (flyway_schema_history, unless its table setting names another).";
    case "flyway:timestamp":
      return "Write the time in its place, or let the database give it (CURRENT_TIMESTAMP).";
    default:
      return `Write its value in its place: the one given as flyway.placeholders.${name} (flyway.conf), under [flyway.placeholders] (flyway.toml) or as spring.flyway.placeholders.${name} (Spring Boot).`;
  }
}

/** `executeInTransaction` from a script's `.sql.conf`, if it says so. */
function executeInTransaction(conf: ListedFile | undefined, problems: Problem[]): boolean | undefined {
  if (conf === undefined) return undefined;
  let value: boolean | undefined;
  linesOf(textOf(conf)).forEach((line, index) => {
    const match = /^\s*executeInTransaction\s*=\s*(\S*)\s*$/.exec(line);
    if (!match) return;
    const raw = (match[1] ?? "").toLowerCase();
    if (raw === "true" || raw === "false") value = raw === "true";
    else {
      problems.push(
        problemAt("BAD_DIRECTIVE", `executeInTransaction=${match[1] ?? ""} at ${conf.path}:${index + 1} is neither true nor false.`,
          conf.path, index + 1, "Write executeInTransaction=false (or true)."),
      );
    }
  });
  return value;
}

/** `sql/V1.2__x.sql` → `sql/U1.2__x.sql`: where Flyway looks for the undo of a versioned migration. */
function undoPathOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}U${path.slice(slash + 2)}`;
}
