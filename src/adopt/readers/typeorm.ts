// TypeORM: `migrations (id, timestamp bigint, name varchar)`, one row per applied migration class
// (typeorm src/migration/MigrationExecutor.ts createMigrationsTableIfNotExist); the name is the
// class name, ending in the timestamp (`CreateUsers1700000000000`); revert deletes the row.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { namedEntries, openTable, selectRows } from "./common.js";

const COLUMNS = ["id", "timestamp", "name"];

export const typeormReader: ForeignHistoryReader = {
  tool: "typeorm",
  defaultTables: ["migrations"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "TypeORM", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["id"]);
    return namedEntries(open, rows, { name: "name", id: "id", version: "timestamp" });
  },
};
