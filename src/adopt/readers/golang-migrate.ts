// golang-migrate: `schema_migrations (version bigint, dirty boolean)` holding ONE row, the last
// version applied (golang-migrate database/postgres|mysql|sqlite3 ensureVersionTable, SetVersion
// deletes every row then inserts the one). Every migration up to that version is applied; a dirty
// row means that version failed half-way. No row: nothing applied.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { openTable, selectRows, text, truthy } from "./common.js";

export const golangMigrateReader: ForeignHistoryReader = {
  tool: "golang-migrate",
  defaultTables: ["schema_migrations"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "golang-migrate", table, ["version", "dirty"]);
    if (open === null) return null;
    const rows = await selectRows(open, db, ["version", "dirty"], ["version"]);
    return rows.map((row) => {
      const version = text(row["version"]) ?? "";
      const dirty = truthy(row["dirty"]);
      return {
        key: version,
        version,
        name: null,
        state: dirty ? ("dirty" as const) : ("applied" as const),
        checksum: null,
        where: `${open.label} version ${version}${dirty ? " (dirty)" : " (golang-migrate's one row: every version up to it is applied)"}`,
        appliedAt: null,
        upTo: true,
      };
    });
  },
};
