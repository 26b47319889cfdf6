// Postgrator: `schemaversion (version bigint primary key, name text, md5 text, run_at timestamp)`,
// created with a first row of version 0 (postgrator lib/Client.js ensureTable); one row per
// applied migration, deleted when migrating down. `md5` is the MD5 (hex) of the .sql file's text
// (lib/utils.js checksum; line endings converted first only when `newline` is configured).

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { isoTime, openTable, selectRows, text } from "./common.js";

const COLUMNS = ["version", "name", "md5", "run_at"];

export const postgratorReader: ForeignHistoryReader = {
  tool: "postgrator",
  defaultTables: ["schemaversion"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "Postgrator", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["version"]);
    return rows
      .filter((row) => text(row["version"]) !== "0")
      .map((row) => {
        const version = text(row["version"]) ?? "";
        const md5 = text(row["md5"]);
        return {
          key: version,
          version,
          name: text(row["name"]),
          state: "applied" as const,
          checksum: md5 === null || md5 === "" ? null : { kind: "md5" as const, value: md5 },
          where: `${open.label} version ${version}`,
          appliedAt: isoTime(row["run_at"]),
        };
      });
  },
};
