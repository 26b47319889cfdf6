// SQLite's shadow: a database in memory, thrown away when the operation ends. The SQLite dialect
// shares one in-memory database between all the sessions of a target, so every run, lock and
// snapshot of the operation sees the same database: no file to open again for each session (and
// to parse the schema of again), no journal, no fsync at each commit. Its rows are held in
// memory: a data migration that writes much takes that much memory while verify runs.

import type { ShadowDatabase, ShadowRequest } from "../shadow.js";

export async function openSqliteShadow(request: ShadowRequest): Promise<ShadowDatabase> {
  void request;
  return {
    url: "sqlite::memory:",
    description: "SQLite, in memory",
    startMs: 0,
    // the database goes with the target's dialect (Dialect.dispose closes its one connection)
    async close() {},
  };
}
