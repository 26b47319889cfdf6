import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../core/errors.js";
import type { MigrationFile } from "../core/types.js";
import { isMigrationCandidate, parseFileName, slugify } from "./file-name.js";
import { dialectVariant } from "./layouts/variants.js";
import { isProblem } from "./problem.js";

export { slugify } from "./file-name.js";

/** Versions this long are timestamps (`YYYYMMDDHHMMSS`). */
const TIMESTAMP_DIGITS = 14;

/**
 * The version for a new migration, following the directory's style: after timestamp versions
 * (the newest has 14 digits or more) the UTC time `YYYYMMDDHHMMSS`, with as many digits as the
 * newest (17 = milliseconds), moved past the newest version if the clock is behind it; after
 * sequential versions the next integer, zero-padded to their width; in an empty directory `001`.
 * `existing` holds migrations, or versions / file names as strings.
 */
export function nextVersion(existing: readonly MigrationFile[] | readonly string[], now: Date): string {
  const versions: string[] = [];
  for (const entry of existing) {
    if (typeof entry !== "string") versions.push(entry.version);
    else if (/^\d+$/.test(entry)) versions.push(entry);
    else {
      // a per-dialect variant (`002_x.postgres.sql`) holds a version like any other file
      const parsed = parseFileName(dialectVariant(entry)?.base ?? entry);
      if (!isProblem(parsed)) versions.push(parsed.version);
    }
  }
  if (versions.length === 0) return "001";

  let newest = versions[0] ?? "0";
  for (const version of versions) if (BigInt(version) > BigInt(newest)) newest = version;
  const width = Math.max(...versions.map((v) => v.length));

  if (newest.length >= TIMESTAMP_DIGITS) {
    // Same precision as the newest version: 14 digits are seconds, 17 milliseconds.
    const precise = utcTimestamp(now) + String(now.getUTCMilliseconds()).padStart(3, "0");
    const stamp = newest.length <= precise.length ? precise.slice(0, newest.length) : precise.padEnd(newest.length, "0");
    return BigInt(stamp) > BigInt(newest) ? stamp : (BigInt(newest) + 1n).toString();
  }
  return (BigInt(newest) + 1n).toString().padStart(width, "0");
}

/** `YYYYMMDDHHMMSS` in UTC. */
export function utcTimestamp(now: Date): string {
  const pad = (n: number, size = 2): string => String(n).padStart(size, "0");
  return (
    pad(now.getUTCFullYear(), 4) +
    pad(now.getUTCMonth() + 1) +
    pad(now.getUTCDate()) +
    pad(now.getUTCHours()) +
    pad(now.getUTCMinutes()) +
    pad(now.getUTCSeconds())
  );
}

/** The text of a new migration file. `name` is the human name (it appears in comments). */
export function migrationTemplate(kind: "sql" | "ts", name: string): string {
  const title = name.replace(/[\r\n]+/g, " ").trim();
  if (kind === "sql") {
    return [
      `-- ${title}`,
      "--",
      '-- Header directives go above "-- migrate:up", one per line, for example:',
      "--   run after other migrations:      -- stratum:depends 003 005",
      "--   run outside a transaction:       -- stratum:transaction off",
      "--   cannot be rolled back:           -- stratum:irreversible",
      "--   needs a server version:          -- stratum:requires postgres>=13",
      "",
      "-- migrate:up",
      "-- The SQL that applies the change.",
      "",
      "",
      "-- migrate:down",
      "-- The SQL that reverts it. If it cannot be reverted, delete this section and add the",
      "-- irreversible directive to the header.",
      "",
      "",
      "-- migrate:verify",
      "-- Optional: queries whose first column must be true after up, e.g.",
      "-- SELECT count(*) = 0 FROM users WHERE email IS NULL;",
      "",
    ].join("\n");
  }
  return [
    'import { defineMigration } from "stratumdb";',
    "",
    "export default defineMigration({",
    `  description: ${JSON.stringify(title)},`,
    "",
    "  async up(ctx) {",
    '    // await ctx.sql("CREATE TABLE example (id integer PRIMARY KEY)");',
    "  },",
    "",
    "  async down(ctx) {",
    '    // await ctx.sql("DROP TABLE example");',
    "  },",
    "});",
    "",
  ].join("\n");
}

/**
 * Writes a new migration from the template into `dir` (created if missing), numbered after the
 * migrations already there. Refuses to overwrite an existing file.
 */
export async function createMigration(
  dir: string,
  name: string,
  kind: "sql" | "ts",
  now: Date = new Date(),
): Promise<{ path: string; version: string }> {
  const slug = slugify(name);
  if (slug === "") {
    throw new ConfigError(`migration name "${name}" has no letters or digits`, {
      code: "USAGE",
      fix: "pass a name such as `stratum create add_users_table`",
    });
  }
  await mkdir(dir, { recursive: true });
  // Numbered after the files discovery would consider (subdirectories are not migrations).
  const existing = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => !entry.isDirectory() && isMigrationCandidate(entry.name))
    .map((entry) => entry.name);
  const version = nextVersion(existing, now);
  const path = join(dir, `${version}_${slug}.${kind}`);
  try {
    // a file for version control: its mode follows the umask, like the directory's
    await writeFile(path, migrationTemplate(kind, name), { flag: "wx" });
  } catch (error) {
    if (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EEXIST") {
      throw new ConfigError(`migration file ${path} already exists`, {
        fix: "choose another name, or edit the existing file",
        cause: error,
      });
    }
    throw new ConfigError(`cannot write migration file ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      fix: "check that the migrations directory is writable",
      cause: error,
    });
  }
  return { path, version };
}
