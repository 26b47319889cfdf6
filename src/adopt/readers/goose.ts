// goose: `goose_db_version (id, version_id, is_applied, tstamp)` (pressly/goose
// internal/dialect/dialectquery/{postgres,mysql,sqlite3}.go CreateTable). Rows are appended; the
// newest row (highest id) of a version says whether it is applied (older goose appended
// is_applied = false on down; newer goose deletes the row). version_id 0 is goose's own first row.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignEntry, ForeignHistoryReader } from "../foreign-history.js";
import { isoTime, openTable, selectRows, text, truthy } from "./common.js";

const COLUMNS = ["id", "version_id", "is_applied", "tstamp"];

export const gooseReader: ForeignHistoryReader = {
  tool: "goose",
  defaultTables: ["goose_db_version"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "goose", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["id"]);
    const entries = new Map<string, ForeignEntry>();
    for (const row of rows) {
      const version = text(row["version_id"]) ?? "";
      if (version === "0") continue;
      entries.delete(version);
      entries.set(version, {
        key: version,
        version,
        name: null,
        state: truthy(row["is_applied"]) ? "applied" : "reverted",
        checksum: null,
        where: `${open.label} id ${text(row["id"])} (version ${version})`,
        appliedAt: isoTime(row["tstamp"]),
      });
    }
    return [...entries.values()];
  },
};
