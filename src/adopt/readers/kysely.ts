// Kysely's Migrator: `kysely_migration (name varchar(255) primary key, timestamp varchar(255))`,
// the timestamp an ISO text (kysely src/migration/migrator.ts #ensureMigrationTableExists);
// migrating down deletes the row. Its `kysely_migration_lock` table is not history.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { namedEntries, openTable, selectRows } from "./common.js";

const COLUMNS = ["name", "timestamp"];

export const kyselyReader: ForeignHistoryReader = {
  tool: "kysely",
  defaultTables: ["kysely_migration"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "Kysely", table, COLUMNS);
    if (open === null) return null;
    // Kysely itself orders executed migrations by timestamp, then name.
    const rows = await selectRows(open, db, COLUMNS, ["timestamp", "name"]);
    return namedEntries(open, rows, { name: "name", time: "timestamp" });
  },
};
