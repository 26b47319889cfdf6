// Prisma Migrate: `_prisma_migrations (id, checksum, finished_at, migration_name, logs,
// rolled_back_at, started_at, applied_steps_count)` (prisma-engines schema-engine sql connector,
// the flavours' create_migrations_table). One row per attempt: finished and not rolled back is
// applied; neither finished nor rolled back is a failed migration Prisma itself refuses to pass;
// rolled back (`migrate resolve --rolled-back`) is not applied. The checksum is the SHA-256 (hex)
// of migration.sql.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignEntry, ForeignHistoryReader } from "../foreign-history.js";
import { isoTime, leadingVersion, openTable, selectRows, text } from "./common.js";

const COLUMNS = ["id", "checksum", "finished_at", "migration_name", "rolled_back_at", "started_at"];
const RANK: Record<ForeignEntry["state"], number> = { reverted: 0, applied: 1, dirty: 2, failed: 2 };

export const prismaReader: ForeignHistoryReader = {
  tool: "prisma",
  defaultTables: ["_prisma_migrations"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "Prisma", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["started_at", "id"]);
    const entries = new Map<string, ForeignEntry>();
    for (const row of rows) {
      const name = text(row["migration_name"]) ?? "";
      const finished = row["finished_at"] !== null && row["finished_at"] !== undefined;
      const rolledBack = row["rolled_back_at"] !== null && row["rolled_back_at"] !== undefined;
      const state: ForeignEntry["state"] = rolledBack ? "reverted" : finished ? "applied" : "failed";
      const checksum = text(row["checksum"]);
      const entry: ForeignEntry = {
        key: name,
        version: leadingVersion(name),
        name,
        state,
        checksum: checksum === null ? null : { kind: "sha256", value: checksum },
        where: `${open.label} id ${text(row["id"])} (${name})`,
        appliedAt: isoTime(row["finished_at"] ?? row["started_at"]),
      };
      // An unresolved failure anywhere stands (Prisma refuses to go on); else an applied row wins
      // over rolled-back attempts.
      const earlier = entries.get(name);
      if (earlier === undefined || RANK[state] >= RANK[earlier.state]) entries.set(name, entry);
    }
    return [...entries.values()];
  },
};
