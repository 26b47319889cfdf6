// Atlas: `atlas_schema_revisions (version, description, type, applied, total, executed_at,
// execution_time, error, error_stmt, hash, partial_hashes, operator_version)` (ariga/atlas
// cmd/atlas/internal/migrate/ent/schema/revision.go; sql/migrate/migrate.go Executor.Execute). On
// PostgreSQL it lives in the schema `atlas_schema_revisions` unless Atlas was bound to one schema.
// `type` is a bit set (1 baseline, 2 executed, 4 resolved by `migrate set`); a row with an error,
// or fewer statements applied than the file has, is a failed (partial) migration. `hash` is the
// file's entry in atlas.sum (base64 SHA-256 over the directory's names and contents up to it).
// Versions starting with "." are Atlas's own bookkeeping rows.

import { EVERY_DIALECT, foreignCatalog } from "../../dialects/foreign-catalog.js";
import type { ForeignEntry, ForeignHistoryReader, ForeignTable } from "../foreign-history.js";
import type { Queryable } from "../../dialects/dialect.js";
import { isoTime, openTable, selectRows, text, type ForeignDialect, type OpenTable } from "./common.js";

const COLUMNS = ["version", "description", "type", "applied", "total", "executed_at", "error", "hash"];

async function locate(db: Queryable, dialect: ForeignDialect, table: ForeignTable): Promise<OpenTable | null> {
  if (table.schema === undefined && foreignCatalog(dialect).namespace === "schema") {
    const own = await openTable(db, dialect, "Atlas", { schema: "atlas_schema_revisions", name: table.name }, COLUMNS);
    if (own !== null) return own;
  }
  return openTable(db, dialect, "Atlas", table, COLUMNS);
}

export const atlasReader: ForeignHistoryReader = {
  tool: "atlas",
  defaultTables: ["atlas_schema_revisions"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const open = await locate(db, dialect, table);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["version"]);
    return rows
      .filter((row) => !(text(row["version"]) ?? "").startsWith("."))
      .map((row): ForeignEntry => {
        const version = text(row["version"]) ?? "";
        const error = text(row["error"]) ?? "";
        const applied = Number(text(row["applied"]) ?? 0);
        const total = Number(text(row["total"]) ?? 0);
        const failed = error !== "" || applied < total;
        const hash = text(row["hash"]) ?? "";
        // a baseline revision (type bit 1) stands for every file up to it, none of them executed
        const baseline = (Number(text(row["type"]) ?? 0) & 1) === 1;
        return {
          key: version,
          version,
          name: text(row["description"]),
          state: failed ? "failed" : "applied",
          checksum: hash === "" ? null : { kind: "atlas", value: hash },
          where: `${open.label} version ${version}${baseline ? " (baseline: Atlas counts every version up to it as applied)" : ""}${failed ? ` (${applied} of ${total} statements applied${error === "" ? "" : `: ${error}`})` : ""}`,
          appliedAt: isoTime(row["executed_at"]),
          ...(baseline ? { upTo: true } : {}),
        };
      });
  },
};
