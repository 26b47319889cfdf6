import type { Problem } from "../core/types.js";
import { problem } from "./problem.js";

export type MigrationExtension = "sql" | "ts" | "mts" | "cts" | "js" | "mjs" | "cjs";

/** What a migration's file name says about it. */
export interface ParsedFileName {
  /** The digits as written, e.g. `001`. */
  readonly version: string;
  /** The slug, e.g. `create_users`. */
  readonly name: string;
  /** `<version>_<slug>`. */
  readonly id: string;
  /** `up`/`down` for the `.up.sql`/`.down.sql` pair layout, otherwise `null`. */
  readonly part: "up" | "down" | null;
  readonly ext: MigrationExtension;
  readonly kind: "sql" | "code";
}

/** Lower-case letters and digits, in words joined by `_` or `-`. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;

const NAME_PATTERN = /^(\d+)_([a-z0-9]+(?:[_-][a-z0-9]+)*)(?:\.(up|down))?\.(sql|ts|mts|cts|js|mjs|cjs)$/;
const CANDIDATE_EXTENSION = /\.(?:sql|ts|mts|cts|js|mjs|cjs)$/i;
const DECLARATION_FILE = /\.d\.[mc]?ts$/i;

/**
 * Whether a file in the migrations directory is meant as a migration, so that a badly named one
 * is reported rather than silently skipped. Candidates are `.sql`, `.ts`, `.mts`, `.cts`, `.js`,
 * `.mjs` and `.cjs` files, except type declarations (`*.d.ts`, `*.d.mts`, `*.d.cts`) and names starting with `.` or `_` (the way to keep
 * a helper module or a disabled migration in the directory).
 */
export function isMigrationCandidate(fileName: string): boolean {
  if (fileName.startsWith(".") || fileName.startsWith("_")) return false;
  if (DECLARATION_FILE.test(fileName)) return false;
  return CANDIDATE_EXTENSION.test(fileName);
}

/**
 * Parses `<digits>_<slug>.<ext>` or `<digits>_<slug>.up.sql` / `.down.sql`.
 * A name that does not fit is a `MALFORMED_NAME` problem saying why and suggesting a fixed name.
 */
export function parseFileName(fileName: string): ParsedFileName | Problem {
  const match = NAME_PATTERN.exec(fileName);
  if (match) {
    // indexed, not destructured: destructuring steps an iterator, thousands of times per run
    const version = match[1] ?? "";
    const name = match[2] ?? "";
    const part = match[3];
    const ext = match[4] ?? "";
    if (part === undefined || ext === "sql") {
      const extension = ext as MigrationExtension;
      return {
        version,
        name,
        id: `${version}_${name}`,
        part: part === "up" || part === "down" ? part : null,
        ext: extension,
        kind: extension === "sql" ? "sql" : "code",
      };
    }
  }
  return malformedName(fileName);
}

/**
 * A file-name-safe slug from free text: `"Add users table"` → `add_users_table`,
 * `"addUsers"` → `add_users`. Hyphens the user typed are kept. May return `""`.
 */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "_")
    .replace(/[-_]{2,}/g, (run) => (run.includes("_") ? "_" : "-"))
    .replace(/^[-_]+|[-_]+$/g, "");
}

function malformedName(fileName: string): Problem {
  const dot = fileName.lastIndexOf(".");
  const rawExt = dot >= 0 ? fileName.slice(dot + 1) : "";
  const ext = rawExt.toLowerCase();
  let base = dot >= 0 ? fileName.slice(0, dot) : fileName;
  const partMatch = /\.(up|down)$/i.exec(base);
  const part = partMatch?.[1]?.toLowerCase() ?? null;
  if (partMatch) base = base.slice(0, partMatch.index);
  const [, digits = "", rest = ""] = /^(\d*)(.*)$/s.exec(base) ?? [];
  const slugText = rest.replace(/^[^A-Za-z0-9]+/, "");

  let reason: string;
  if (!CANDIDATE_EXTENSION.test(`.${rawExt}`)) {
    reason = "the extension must be one of .sql, .ts, .mts, .cts, .js, .mjs, .cjs";
  } else if (rawExt !== ext) {
    reason = `the extension must be lower-case (.${ext})`;
  } else if (part !== null && ext !== "sql") {
    reason = "only SQL migrations can be split into .up/.down files";
  } else if (part !== null && partMatch?.[1] !== part) {
    reason = `.${partMatch?.[1] ?? part} must be lower-case (.${part})`;
  } else if (digits === "") {
    reason = "it does not start with a version number";
  } else if (rest === "" || rest === "_") {
    reason = "there is no name after the version";
  } else if (!rest.startsWith("_")) {
    reason = "the version must be followed by an underscore";
  } else {
    reason = "the name must be lower-case letters and digits, in words joined by _ or -";
  }

  const partSuffix = part !== null && ext === "sql" ? `.${part}` : "";
  const example = `${digits === "" ? "001" : digits}_${slugify(slugText) || "name"}${partSuffix}.${
    CANDIDATE_EXTENSION.test(`.${ext}`) ? ext : "sql"
  }`;
  const expected = `<version>_<name>${partSuffix}.${CANDIDATE_EXTENSION.test(`.${ext}`) ? ext : "sql"}`;
  // dbmate reads any `<digits>….sql` (supabase/postgres: `00000000000000-initial-schema.sql`,
  // jseongnam/hacker-backend: `20231104044559_alterPost.sql`)
  const dbmate = digits !== "" && part === null && rawExt === "sql"
    ? ' If these are dbmate\'s files, set "format": "dbmate" in the config instead: that layout reads them as they are.'
    : "";
  return problem(
    "MALFORMED_NAME",
    `${fileName} is not a valid migration file name: ${reason}.`,
    [fileName],
    `Rename it to ${expected} (e.g. ${example}), or start its name with "_" to have Stratum ignore it.${dbmate}`,
  );
}
