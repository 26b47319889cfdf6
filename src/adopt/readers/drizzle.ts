// drizzle-orm's migrator: `__drizzle_migrations (id, hash text, created_at bigint)`, in the schema
// `drizzle` on PostgreSQL by default (drizzle-orm src/pg-core/dialect.ts migrate), in the current
// database elsewhere. One row per applied migration: `hash` is the SHA-256 (hex) of the .sql
// file's text and `created_at` the journal entry's `when` (meta/_journal.json), which is the key.
// drizzle has no down and records no failure.

import { EVERY_DIALECT } from "../../dialects/foreign-catalog.js";
import { foreignCatalog } from "../../dialects/foreign-catalog.js";
import type { ForeignHistoryReader } from "../foreign-history.js";
import { openTable, selectRows, text } from "./common.js";

const COLUMNS = ["id", "hash", "created_at"];

export const drizzleReader: ForeignHistoryReader = {
  tool: "drizzle",
  defaultTables: ["__drizzle_migrations"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const schema = table.schema ?? (foreignCatalog(dialect).namespace === "schema" ? "drizzle" : undefined);
    const open = await openTable(db, dialect, "drizzle", { schema, name: table.name }, COLUMNS);
    if (open === null) return null;
    const rows = await selectRows(open, db, COLUMNS, ["created_at", "id"]);
    return rows.map((row) => {
      const when = text(row["created_at"]) ?? "";
      const hash = text(row["hash"]);
      // On SQLite drizzle declares `id SERIAL PRIMARY KEY`, which SQLite leaves NULL.
      const id = text(row["id"]);
      return {
        key: when,
        version: null,
        name: null,
        state: "applied" as const,
        checksum: hash === null ? null : { kind: "sha256" as const, value: hash },
        where: id === null ? `${open.label} created_at ${when}` : `${open.label} id ${id} (created_at ${when})`,
        // `created_at` is when drizzle-kit generated the migration, not when it was applied: drizzle
        // records no application time, so adopt records the time of the adoption
        appliedAt: null,
      };
    });
  },
};
