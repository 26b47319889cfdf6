// Sqitch: its registry's `changes` table (App::Sqitch::Engine::{pg,mysql,sqlite}.sql), one row per
// deployed change (a revert deletes it; a failed deploy is only an event). The registry is the
// schema `sqitch` on PostgreSQL, the database `sqitch` on MySQL, and on SQLite a separate file
// beside the target database (`sqitch.db` for `app.db`: Engine/sqlite.pm registry_uri), which is
// attached for the read and detached after; call it outside a transaction there. The change's
// `script_hash` is SHA-1, which the adoption does not verify, so no checksum is reported.

import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import type { Queryable } from "../../dialects/dialect.js";
import { EVERY_DIALECT, foreignCatalog } from "../../dialects/foreign-catalog.js";
import type { ForeignEntry, ForeignHistoryReader, ForeignTable } from "../foreign-history.js";
import { isoTime, openTable, selectRows, text, type ForeignDialect } from "./common.js";

const COLUMNS = ["change_id", "change", "project", "committed_at"];
const ATTACHED = "stratum_sqitch_registry";

async function readChanges(db: Queryable, dialect: ForeignDialect, table: ForeignTable, label: string): Promise<ForeignEntry[] | null> {
  const open = await openTable(db, dialect, "Sqitch", table, COLUMNS);
  if (open === null) return null;
  const rows = await selectRows(open, db, COLUMNS, ["committed_at", "change_id"]);
  return rows.map((row) => {
    const change = text(row["change"]) ?? "";
    return {
      key: change,
      version: null,
      name: change,
      state: "applied" as const,
      checksum: null,
      where: `${label}.${table.name} change ${change} (project ${text(row["project"])}, change_id ${text(row["change_id"])})`,
      appliedAt: isoTime(row["committed_at"]),
    };
  });
}

/** Sqitch's registry file for a target database file: `registry.ext` beside `name.ext`. */
export function sqitchRegistryFile(target: string, registry: string): string {
  if (isAbsolute(registry)) return registry;
  const base = basename(target);
  const dot = base.indexOf(".");
  const file = registry.includes(".") || dot < 0 ? registry : `${registry}.${base.slice(dot + 1)}`;
  return join(dirname(target), file);
}

export const sqitchReader: ForeignHistoryReader = {
  tool: "sqitch",
  defaultTables: ["changes"],
  dialects: EVERY_DIALECT,
  async read(db, dialect, table) {
    const catalog = foreignCatalog(dialect);
    const registry = table.schema ?? "sqitch";
    if (catalog.namespace !== "file") return readChanges(db, dialect, { schema: registry, name: table.name }, registry);
    // SQLite: the registry may be attached already (under the name given), else it is a file.
    if ((await catalog.attached(db)).includes(registry)) return readChanges(db, dialect, { schema: registry, name: table.name }, registry);
    const main = await catalog.mainFile(db);
    if (main === null && !isAbsolute(registry)) return null;
    const file = main === null ? registry : sqitchRegistryFile(main, registry);
    if (!existsSync(file)) return null;
    await db.query(`attach database ? as ${catalog.quote(ATTACHED)}`, [file]);
    try {
      return await readChanges(db, dialect, { schema: ATTACHED, name: table.name }, file);
    } finally {
      await db.query(`detach database ${catalog.quote(ATTACHED)}`);
    }
  },
};
