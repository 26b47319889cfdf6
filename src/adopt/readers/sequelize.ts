// Sequelize (sequelize-cli, Umzug's SequelizeStorage): `SequelizeMeta (name varchar(255) primary
// key)`, one row per applied migration file name; down deletes the row. No time, no checksum.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { namedEntries, openTable, selectRows } from "./common.js";

export const sequelizeReader: ForeignHistoryReader = {
  tool: "sequelize",
  defaultTables: ["SequelizeMeta"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "Sequelize", table, ["name"]);
    if (open === null) return null;
    // Umzug runs migrations in name order; the table keeps no other order.
    const rows = await selectRows(open, db, ["name"], ["name"]);
    return namedEntries(open, rows, { name: "name" });
  },
};
