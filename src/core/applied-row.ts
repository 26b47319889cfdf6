// The history row of a migration recorded as applied without running it (baseline, adopt, and
// the rows `up` will write when it adopts PRAGMA user_version).

import type { AppliedMigration, MigrationFile } from "./types.js";

export interface RecordedFields {
  readonly appliedAt: string | null;
  readonly batch: number;
  readonly appliedBy: string | null;
}

export function recordedWithoutRunning(migration: MigrationFile, { appliedAt, batch, appliedBy }: RecordedFields): AppliedMigration {
  return {
    version: migration.version,
    name: migration.name,
    checksum: migration.checksum,
    state: "applied",
    appliedAt,
    durationMs: 0,
    batch,
    appliedBy,
    statementsDone: 0,
    dependsOn: migration.options.dependsOn,
    error: null,
  };
}
