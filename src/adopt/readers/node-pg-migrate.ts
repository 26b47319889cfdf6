// node-pg-migrate: `pgmigrations (id serial, name varchar(255), run_on timestamp)`, one row per
// applied migration (node-pg-migrate src/runner.ts ensureMigrationsTable); down deletes the row.
// PostgreSQL only.

import { POSTGRES_ONLY } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { namedEntries, openTable, selectRows } from "./common.js";

const COLUMNS = ["id", "name", "run_on"];

export const nodePgMigrateReader: ForeignHistoryReader = {
  tool: "node-pg-migrate",
  defaultTables: ["pgmigrations"],
  dialects: POSTGRES_ONLY,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "node-pg-migrate", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["run_on", "id"]);
    return namedEntries(open, rows, { name: "name", id: "id", time: "run_on" });
  },
};
