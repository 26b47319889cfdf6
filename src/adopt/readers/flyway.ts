// Flyway: `flyway_schema_history` (v5+) or the pre-v5 `schema_version`, one row per attempt in
// `installed_rank` order. Flyway's own schema (flyway-core …/database/<db>/createMetaDataTable.sql):
// installed_rank, version, description, type, script, checksum, installed_by, installed_on,
// execution_time, success. Rows of type SCHEMA/TABLE record Flyway creating a schema, not a
// migration; UNDO_* rows undo a version (Teams); DELETE rows mark a version deleted by `repair`.
// A versioned migration is keyed by its version, a repeatable one (no version) by its script.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import type { ForeignEntry, ForeignHistoryReader } from "../foreign-history.js";
import { isoTime, openTable, selectRows, text, truthy } from "./common.js";

const COLUMNS = ["installed_rank", "version", "description", "type", "script", "checksum", "installed_on", "success"];
const NOT_MIGRATIONS = new Set(["SCHEMA", "TABLE", "INIT"]);

export const flywayReader: ForeignHistoryReader = {
  tool: "flyway",
  defaultTables: ["flyway_schema_history", "schema_version"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await openTable(db, dialect, "Flyway", table, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["installed_rank"]);
    const entries = new Map<string, ForeignEntry>();
    for (const row of rows) {
      const type = (text(row["type"]) ?? "").toUpperCase();
      if (NOT_MIGRATIONS.has(type)) continue;
      const version = text(row["version"]);
      const script = text(row["script"]) ?? "";
      const key = version ?? script;
      const rank = text(row["installed_rank"]);
      const what = version === null ? `repeatable ${script}` : type === "BASELINE" ? `baseline ${version}: Flyway counts every version up to it as applied` : `version ${version}`;
      const where = `${open.label} installed_rank ${rank} (${what})`;
      const success = truthy(row["success"]);
      const undo = type.startsWith("UNDO_") || type === "DELETE";
      const state: ForeignEntry["state"] = !success ? "failed" : undo ? "reverted" : "applied";
      const stored = text(row["checksum"]);
      const earlier = entries.get(key);
      // An undo or delete row speaks of the version applied before it: keep that row's checksum.
      const checksum = undo ? (earlier?.checksum ?? null) : stored === null ? null : { kind: "flyway-crc32" as const, value: stored };
      entries.delete(key);
      entries.set(key, {
        key,
        version,
        name: text(row["description"]),
        state,
        checksum,
        where,
        appliedAt: isoTime(row["installed_on"]),
        ...(type === "BASELINE" ? { upTo: true } : {}),
        ...(version === null ? { repeatable: true } : {}),
      });
    }
    return [...entries.values()];
  },
};
