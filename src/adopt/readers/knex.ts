// Knex: `knex_migrations (id, name, batch, migration_time)`, one row per applied migration file
// (knex lib/migrations/migrate/table-creator.js); a rollback deletes the rows. Its
// `knex_migrations_lock` table is not history and is not read.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { namedEntries, openTable, selectRows } from "./common.js";

const COLUMNS = ["id", "name", "batch", "migration_time"];

export const knexReader: ForeignHistoryReader = {
  tool: "knex",
  defaultTables: ["knex_migrations"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "Knex", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["id"]);
    return namedEntries(open, rows, { name: "name", id: "id", time: "migration_time" });
  },
};
