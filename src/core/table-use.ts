// The tables a migration touches, from the facts of its `up` section plus what it declares.

import type { ScriptFacts, TableUse } from "./sql-facts.js";
import { NO_TABLES } from "./sql-facts.js";
import type { MigrationFile, SqlScript } from "./types.js";

/**
 * What a migration touches: its `up` SQL's tables (`up`, the facts of `migration.up`), plus the
 * tables it declares (`options.tables`, `-- stratum:tables`), counted as altered. Code migrations
 * cannot be read: their declared tables only.
 */
export function migrationTableUse(migration: MigrationFile, up: ScriptFacts | null): TableUse {
  const declared = declaredUse(migration);
  if (migration.kind === "code" || migration.up === null || up === null) return declared;
  return withDeclared(up.tables, declared);
}

/** `migrationTableUse` of every migration, keyed by version (the input of `findConflicts`). */
export function migrationTableUses(
  migrations: readonly MigrationFile[],
  factsOf: (script: SqlScript) => ScriptFacts,
): Map<string, TableUse> {
  const uses = new Map<string, TableUse>();
  for (const m of migrations) {
    const up = m.kind === "code" || m.up === null ? null : factsOf(m.up);
    uses.set(m.version, migrationTableUse(m, up));
  }
  return uses;
}

/** The tables a migration declares (`options.tables`, `-- stratum:tables`), counted as altered. */
function declaredUse(migration: MigrationFile): TableUse {
  const declared = migration.options.tables ?? [];
  if (declared.length === 0) return NO_TABLES;
  const names = [...new Set(declared.map((t) => t.trim().toLowerCase()).filter((t) => t !== ""))];
  return { ...NO_TABLES, alters: names };
}

/** What the SQL shows, plus what the file declares beyond it. */
function withDeclared(read: TableUse, declared: TableUse): TableUse {
  if (declared.alters.length === 0) return read;
  return { ...read, alters: [...new Set([...read.alters, ...declared.alters])] };
}
