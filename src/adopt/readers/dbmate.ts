// dbmate: `schema_migrations (version varchar(128) primary key)`, one row per applied migration
// (the file name's leading digits); a rollback deletes the row. dbmate stores no checksum or time.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { openTable, selectRows, text } from "./common.js";

export const dbmateReader: ForeignHistoryReader = {
  tool: "dbmate",
  defaultTables: ["schema_migrations"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "dbmate", table, ["version"]);
    if (open === null) return null;
    const rows = await selectRows(open, db, ["version"], ["version"]);
    return rows.map((row) => {
      const version = text(row["version"]) ?? "";
      return { key: version, version, name: null, state: "applied" as const, checksum: null, where: `${open.label} version ${version}`, appliedAt: null };
    });
  },
};
